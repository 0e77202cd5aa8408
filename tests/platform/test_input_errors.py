"""Bad input gets a typed error, never an internal one (issue 12 L1, issue 13 item 11).

Every top-level error a client can cause carries `extensions.code`; a value the database cannot store
(a NUL character, a number too large) is INVALID without SQL text; one root field's failure stays its own.
"""

from __future__ import annotations

import base64

CREATE_ACCOUNT = """mutation($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id name } errors { field code message } } }"""
ACCOUNTS = "query($filter: AccountFilter) { accounts(filter: $filter) { totalCount } }"
SET_RATE = """mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) {
  rate { rate } errors { field code message } } }"""
RECEIVABLES = "query($asOf: Date!) { receivables(asOf: $asOf) { asOf } }"


def codes(body):
    return [(error.get("extensions") or {}).get("code") for error in body["errors"]]


async def test_nul_character_in_text_input_is_invalid_without_sql(client):
    admin = await client.sign_up()

    via_variable = (await client.post(CREATE_ACCOUNT, {"input": {"name": "Ac\x00me"}}, admin.token)).json()
    inline = (
        await client.post('mutation { createAccount(input: {name: "Ac\\u0000me"}) { errors { code } } }',
                          token=admin.token)
    ).json()  # fmt: skip

    assert "data" not in via_variable or via_variable["data"] is None
    assert codes(via_variable) == ["INVALID"]
    assert (
        via_variable["errors"][0]["message"]
        == "Variable '$input.name': Text may not contain the NUL character (U+0000)."
    )
    assert "data" not in inline or inline["data"] is None
    assert codes(inline) == ["INVALID"]
    assert inline["errors"][0]["locations"] == [{"line": 1, "column": 40}]
    assert "NUL" in inline["errors"][0]["message"]


async def test_nul_character_in_search_filter_is_invalid_without_sql(client):
    admin = await client.sign_up()

    body = (await client.post(ACCOUNTS, {"filter": {"search": "a\x00b"}}, admin.token)).json()

    assert codes(body) == ["INVALID"]
    assert (
        body["errors"][0]["message"]
        == "Variable '$filter.search': Text may not contain the NUL character (U+0000)."
    )
    assert "SELECT" not in str(body)


async def test_receivables_at_the_end_of_the_calendar_is_invalid(client):
    admin = await client.sign_up()

    body = (await client.post(RECEIVABLES, {"asOf": "9999-12-31"}, admin.token)).json()

    assert codes(body) == ["INVALID"]
    assert "between 1000-01-01 and 8999-12-31" in body["errors"][0]["message"]


async def test_optional_argument_may_be_omitted(client):
    admin = await client.sign_up()
    document = 'mutation { setCustomerTypeDiscount(customerType: "wholesale") { discount { percent } errors { code } } }'

    anonymous = (await client.post(document)).json()
    signed_in = (await client.post(document, token=admin.token)).json()

    assert anonymous["data"] == {"setCustomerTypeDiscount": None}  # a refusal of the caller: top level
    assert codes(anonymous) == ["UNAUTHENTICATED"]
    assert signed_in == {"data": {"setCustomerTypeDiscount": {"discount": None, "errors": []}}}


def test_every_nullable_argument_may_be_omitted():
    """A nullable argument without a default makes an omitted one a TypeError in the resolver."""
    from strawberry.types.base import StrawberryOptional
    from strawberry.types.unset import UNSET

    from graph.schema import MUTATION_AREAS, QUERY_AREAS

    missing = [
        f"{area.__name__}.{field.python_name}({argument.python_name})"
        for area in (*QUERY_AREAS, *MUTATION_AREAS)
        for field in area.__strawberry_definition__.fields
        for argument in field.arguments
        if isinstance(argument.type, StrawberryOptional) and argument.default is UNSET
    ]
    assert missing == []


async def test_node_with_an_id_of_a_type_that_is_no_node_is_null(client):
    admin = await client.sign_up()

    for type_name in ("TenantRole", "Planet"):
        global_id = base64.b64encode(f"{type_name}:00000000-0000-0000-0000-000000000001".encode()).decode()
        body = (
            await client.post("query($id: ID!) { node(id: $id) { id } }", {"id": global_id}, admin.token)
        ).json()
        assert body == {"data": {"node": None}}, (type_name, body)


async def test_a_forbidden_root_field_fails_alone(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales")

    body = (
        await client.post("{ me { user { email } } apiKeys { nodes { id } } }", token=member.token)
    ).json()

    assert body["data"] == {"me": {"user": {"email": member.email}}, "apiKeys": None}
    assert codes(body) == ["PERMISSION_DENIED"]
    assert body["errors"][0]["path"] == ["apiKeys"]


TWO_MUTATIONS = """mutation($first: CreateAccountInput!, $second: CreateAccountInput!) {
  first: createAccount(input: $first) { account { id name } errors { field code message } }
  key: createApiKey(input: {name: "k", roleKey: "viewer"}) { secret errors { field code message } }
  second: createAccount(input: $second) { account { id name } errors { field code message } } }"""


async def test_a_refused_mutation_is_null_at_top_level_and_the_others_commit(client):
    """docs/errors.md: a refusal of the caller nulls its own mutation field, with a top-level error carrying
    `extensions.code` and the field's path; the mutations before and after it keep their payloads and
    commit, and the refused one wrote nothing."""
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales")  # may create accounts, not API keys
    variables = {"first": {"name": "Before"}, "second": {"name": "After"}}

    response = await client.post(TWO_MUTATIONS, variables, member.token)
    body = response.json()

    assert response.status_code == 200
    assert body["data"]["key"] is None
    assert (body["data"]["first"]["account"]["name"], body["data"]["first"]["errors"]) == ("Before", [])
    assert (body["data"]["second"]["account"]["name"], body["data"]["second"]["errors"]) == ("After", [])
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["key"], "PERMISSION_DENIED")]
    names = await client.execute("{ accounts { edges { node { name } } } }", token=admin.token)
    assert sorted(e["node"]["name"] for e in names["accounts"]["edges"]) == ["After", "Before"]
    keys = await client.execute("{ apiKeys { totalCount } }", token=admin.token)
    assert keys["apiKeys"]["totalCount"] == 0


async def test_a_refused_single_mutation_writes_nothing(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer")

    body = (await client.post(CREATE_ACCOUNT, {"input": {"name": "Nope"}}, viewer.token)).json()

    assert body["data"] == {"createAccount": None}
    refusals = [(e["path"], e["extensions"]["code"]) for e in body["errors"]]
    assert refusals == [(["createAccount"], "PERMISSION_DENIED")]
    assert (await client.execute(ACCOUNTS, {}, admin.token))["accounts"]["totalCount"] == 0


async def test_money_accepts_only_plain_decimals(client):
    admin = await client.sign_up()
    for value in ("١٢٣", "1_000", "1e3", " 12", "12.345.6", "Infinity", "NaN", "+5", "0x10", "\uff11\uff12"):
        body = (
            await client.post(SET_RATE, {"input": {"currency": "EUR", "effectiveOn": "2026-01-01", "rate": value}},
                              admin.token)
        ).json()  # fmt: skip
        assert codes(body) == ["INVALID"], (value, body)
        assert "plain decimal" in body["errors"][0]["message"], body
    accepted = (
        await client.execute(SET_RATE, {"input": {"currency": "EUR", "effectiveOn": "2026-01-01", "rate": "1.08"}},
                             admin.token)
    )["setExchangeRate"]  # fmt: skip
    assert accepted == {"rate": {"rate": "1.08"}, "errors": []}


async def test_scalar_parse_errors_carry_a_code_and_a_location(client):
    admin = await client.sign_up()
    inline_cases = [
        'mutation { setExchangeRate(input: {currency: "EUR", effectiveOn: "2026-01-01", rate: "12.345.6"}) { errors { code } } }',
        'mutation { setExchangeRate(input: {currency: "EUR", effectiveOn: "2026-13-45", rate: "1"}) { errors { code } } }',
        '{ receivables(asOf: "2026-13-45") { asOf } }',
    ]
    for document in inline_cases:
        body = (await client.post(document, token=admin.token)).json()
        assert codes(body) == ["INVALID"], body
        assert body["errors"][0]["locations"], body

    variables = (await client.post(RECEIVABLES, {"asOf": "2026-13-45"}, admin.token)).json()
    assert codes(variables) == ["INVALID"]
    assert variables["errors"][0]["locations"] == [{"line": 1, "column": 7}]

    bad_id = (await client.post('{ account(id: "zzz") { id } }', token=admin.token)).json()
    assert codes(bad_id) == ["INVALID"], bad_id


async def test_a_refused_value_leaves_the_other_root_fields_typed(client):
    admin = await client.sign_up()
    document = (
        "query($search: String) { accounts(filter: {search: $search}) { totalCount } me { user { email } } }"
    )

    body = (await client.post(document, {"search": "a\x00b"}, admin.token)).json()

    assert codes(body) == ["INVALID"], body
