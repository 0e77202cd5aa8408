"""Fuzzing every mutation with inputs built from the schema's introspection: no input is an internal error.

For each example, every mutation of the schema is called once as a tenant admin (so inputs get past the
permission checks into validation), with variables drawn by hypothesis for each argument's type: valid
and hostile text (NUL, line breaks, other scripts' digits, very long), numbers at and past the limits,
malformed decimals, dates and ids, real ids of the tenant's records and ids of other types. Whatever the
server answers, it must be a typed error (or success), never INTERNAL_SERVER_ERROR or an HTTP 500.

Bounded for CI: `CRM_FUZZ_EXAMPLES` examples (default 2), derandomized so a failure reproduces; set
`CRM_FUZZ_RANDOM=1` to explore new inputs locally.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "4"))
TIME_BUDGET_SECONDS = 60
# Run last: they end the admin's session or take the tenant's data away from the others.
LAST = ("logout", "revoke", "password", "switchTenant", "deactivate", "purge", "delete", "leave")

HOSTILE_TEXT = ["", " ", "\x00", "a\x00b", "Acme\x00", "\r\n", "a\r\nb", "x" * 10_001, "١٢٣", "\u202e", "'; drop table accounts; --",
                "%", "_", "\\", "{{x}}", "😀", "\uff21", "null"]  # fmt: skip
DECIMALS = ["0", "1", "-1", "12.50", "0.0000000001", "99999999999999999999999999999999", "1e3", "1_000", "١٢٣",
            "12.345.6", "NaN", "-0", "100", "101", "-100.5"]  # fmt: skip
DATES = [
    "2026-01-01",
    "1000-01-01",
    "8999-12-31",
    "9999-12-31",
    "0001-01-01",
    "2026-13-45",
    "2026-02-29",
    "x",
]
DATETIMES = ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00",
             "2026-01-01", "yesterday"]  # fmt: skip


def json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.sampled_from(HOSTILE_TEXT),
                       st.text(max_size=10))  # fmt: skip
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=6,
    )


def global_ids(known: list[str], node_types: list[str]) -> st.SearchStrategy[str]:
    forged = st.builds(
        lambda type_name, node_id: base64.b64encode(f"{type_name}:{node_id}".encode()).decode(),
        st.sampled_from(node_types), st.uuids().map(str) | st.sampled_from(["", "1", "x"]),
    )  # fmt: skip
    return st.one_of(st.sampled_from(known), forged, st.sampled_from(["", "zzz", "\x00", "QWNjb3VudDo="]))


def scalar_values(name: str, ids: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    match name:
        case "String":  # hostile text twice as often as arbitrary text
            return st.one_of(
                st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_TEXT), st.text(max_size=30)
            )
        case "Int":
            return st.one_of(
                st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, 1, -1, 2**31 - 1, -(2**31)])
            )
        case "Float":
            return st.floats(allow_nan=False, allow_infinity=False, width=32)
        case "Boolean":
            return st.booleans()
        case "ID":
            return ids
        case "Decimal":
            return st.one_of(st.sampled_from(DECIMALS), st.decimals(allow_nan=False, allow_infinity=False, places=4,
                                                                    min_value=-(10**6), max_value=10**6).map(str))  # fmt: skip
        case "Date":
            return st.one_of(st.sampled_from(DATES), st.dates().map(lambda day: day.isoformat()))
        case "DateTime":
            return st.sampled_from(DATETIMES)
        case "ByteCount":
            return st.one_of(st.integers(0, 2**53 - 1), st.sampled_from([-1, 2**53]))
        case "JSON":
            return json_values()
        case "Upload":
            return st.none()
    return st.one_of(st.none(), st.text(max_size=10))


def values_of(type_: GraphQLInputType, ids: st.SearchStrategy[str], depth: int = 0) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return non_null_values(type_.of_type, ids, depth)
    return st.one_of(st.none(), non_null_values(type_, ids, depth))


def non_null_values(type_: Any, ids: st.SearchStrategy[str], depth: int) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(values_of(type_.of_type, ids, depth + 1), max_size=3 if depth < 3 else 0)
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(sorted(type_.values))
    if isinstance(type_, GraphQLScalarType):
        return scalar_values(type_.name, ids)
    assert isinstance(type_, GraphQLInputObjectType)
    required = {
        name: values_of(f.type, ids, depth + 1)
        for name, f in type_.fields.items()
        if isinstance(f.type, GraphQLNonNull)
    }
    optional = {
        name: values_of(f.type, ids, depth + 1) for name, f in type_.fields.items() if name not in required
    }
    if depth >= 4:
        optional = {}
    if type_.is_one_of:
        return st.sampled_from(sorted(optional)).flatmap(
            lambda name: optional[name].filter(lambda v: v is not None).map(lambda v: {name: v})
        )
    return st.fixed_dictionaries(required, optional=optional)  # type: ignore[arg-type]


def arguments_of(arguments: dict[str, Any], ids: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Required arguments always; nullable ones given, null or omitted (an omitted one must work too)."""
    required = {
        name: values_of(a.type, ids) for name, a in arguments.items() if isinstance(a.type, GraphQLNonNull)
    }
    optional = {name: values_of(a.type, ids) for name, a in arguments.items() if name not in required}
    return st.fixed_dictionaries(required, optional=optional)  # type: ignore[arg-type]


def document_for(schema: GraphQLSchema, name: str) -> str:
    field = schema.mutation_type.fields[name]  # type: ignore[union-attr]
    arguments = field.args
    definitions = ", ".join(f"${arg}: {argument.type}" for arg, argument in arguments.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in arguments)
    selection = " { __typename }" if isinstance(get_named_type(field.type), GraphQLObjectType) else ""
    head = f"mutation Fuzz({definitions})" if definitions else "mutation Fuzz"
    return f"{head} {{ {name}{f'({passed})' if passed else ''}{selection} }}"


async def introspected_schema(client, token: str) -> GraphQLSchema:
    body = (await client.post(get_introspection_query(), token=token)).json()
    return build_client_schema(body["data"])


@dataclass
class Plan:
    names: list[str]
    documents: dict[str, str]
    strategies: dict[str, st.SearchStrategy[Any]]


PLANS: dict[int, Plan] = {}  # per app: introspection and strategies are built once, not per example


async def fuzz_plan(client) -> Plan:
    admin = await client.sign_up("Fuzz")
    schema = await introspected_schema(client, admin.token)
    mutations = schema.mutation_type.fields  # type: ignore[union-attr]
    node_types = sorted(name for name, type_ in schema.type_map.items()
                        if isinstance(type_, GraphQLObjectType) and "Node" in [i.name for i in type_.interfaces])  # fmt: skip
    seeded = await client.execute(
        """mutation { createAccount(input: {name: "Fuzz Seed"}) { account { id } }
                      createContact(input: {firstName: "Ada", lastName: "Seed"}) { contact { id } } }""",
        token=admin.token,
    )
    me = await client.execute("{ me { user { id } } }", token=admin.token)
    known = [
        seeded["createAccount"]["account"]["id"],
        seeded["createContact"]["contact"]["id"],
        me["me"]["user"]["id"],
    ]
    ids = global_ids(known, node_types)
    names = sorted(mutations, key=lambda name: (any(word in name for word in LAST) or name == "signUp", name))
    return Plan(
        names=names,
        documents={name: document_for(schema, name) for name in names},
        strategies={name: arguments_of(mutations[name].args, ids) for name in names},
    )


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("CRM_FUZZ_RANDOM"),
          suppress_health_check=list(HealthCheck), database=None,
          phases=[Phase.explicit, Phase.generate])  # no shrinking: the report lists every failing call  # fmt: skip
@given(data=st.data())
async def test_no_mutation_input_is_an_internal_error(app, client, data):
    if id(app) not in PLANS:
        PLANS[id(app)] = await fuzz_plan(client)
    plan = PLANS[id(app)]
    admin = await client.sign_up(
        f"Fuzz {uuid.uuid4().hex[:6]}"
    )  # a fresh tenant: earlier examples logged out
    failures: list[str] = []
    started = time.monotonic()

    for name in plan.names:
        variables = data.draw(plan.strategies[name], label=name)
        response = await client.post(plan.documents[name], variables, admin.token)
        body = response.json() if response.headers.get("content-type", "").startswith("application/") else {}
        internal = [
            e
            for e in body.get("errors") or []
            if (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
        ]
        if response.status_code >= 500 or internal:
            failures.append(
                f"{name} {variables!r:.300} -> {response.status_code} {internal or response.text[:300]}"
            )

    assert failures == [], "\n".join(failures)
    assert time.monotonic() - started < TIME_BUDGET_SECONDS / 2
