"""The compiled create (graph/compiled/writes.py) writes exactly what the executor writes, or nothing.

These tests switch verify mode off (where creates are rehearsed and rolled back) so the compiled
statement's own writes stay, and record which path served each request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.admin.documents import define_field
from tests.crm.documents import CREATE_ACCOUNT
from tests.support import listen_to_tenant

AUDIT = """
query($filter: AuditLogFilter) {
  auditLog(filter: $filter, first: 50) {
    edges { node { action objectType objectId changes requestId viaApiKey actor { id } } }
  }
}"""


class Served:
    def __init__(self) -> None:
        self.compiled = 0
        self.executor = 0


@pytest.fixture
def served(app, monkeypatch) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    """Counts requests answered by the fast path and by the executor; verify mode off."""
    fast_path, counts = app.state.fast_path, Served()
    serve = fast_path.serve

    async def counted(*args: Any, **kwargs: Any) -> Any:
        answer = await serve(*args, **kwargs)
        if answer is None:
            counts.executor += 1
        else:
            counts.compiled += 1
        return answer

    monkeypatch.setattr(fast_path, "serve", counted)
    app.state.graphql.verifies_compiled = False
    yield counts
    app.state.graphql.verifies_compiled = True


async def create(client, member, **values: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = await client.execute(CREATE_ACCOUNT, {"input": {"name": "Acme", **values}}, member.token)
    return body["createAccount"]


async def audit_of(client, admin, **conditions: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    data = await client.execute(AUDIT, {"filter": conditions}, admin.token)
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def warm_up(client, admin, served: Served, **values: Any) -> None:  # type: ignore[no-untyped-def]
    """A first create: the executor serves it and caches the tenant's field definitions."""
    assert (await create(client, admin, name="Warm-up", **values))["errors"] == []
    served.compiled = served.executor = 0


async def test_a_compiled_create_writes_the_executors_audit_entry_and_event(app, client, served, db):
    admin = await client.sign_up()
    await create(client, admin, name="Warm-up")  # caches the tenant's field definitions
    heard: list[dict[str, Any]] = []
    listener = await db.connect()
    await listen_to_tenant(listener, admin.tenant_id, lambda *args: heard.append(json.loads(args[3])))
    values = {"domain": "acme.cn", "industry": "制造", "tags": ["vip"], "address": {"city": "上海"}}

    compiled = await create(client, admin, name="华磊科技", **values)
    served_compiled = served.compiled
    app.state.fast_path.mode = "off"
    try:
        executed = await create(client, admin, name="华磊科技", **values)
    finally:
        app.state.fast_path.mode = "verify"
    await asyncio.sleep(0.2)

    assert (served.executor, served_compiled, served.compiled) == (1, 1, 1)  # "off": not tried
    assert compiled["errors"] == executed["errors"] == []
    first, second = compiled["account"], executed["account"]
    assert {**first, "id": None, "createdAt": None, "updatedAt": None} == {
        **second,
        "id": None,
        "createdAt": None,
        "updatedAt": None,
    }
    [written] = await audit_of(client, admin, objectId=first["id"])
    [reference] = await audit_of(client, admin, objectId=second["id"])
    assert {**written, "objectId": None, "requestId": None} == {
        **reference,
        "objectId": None,
        "requestId": None,
    }
    assert written["changes"]["name"] == [None, "华磊科技"] and written["requestId"]
    mine = [(e["type"], e["version"]) for e in heard if e["tenant"] == admin.tenant_id]
    assert mine == [("account.created", 1), ("account.created", 1)]


async def test_an_owner_who_is_not_an_active_member_gets_the_executors_error_and_nothing_is_written(
    client, served
):
    admin = await client.sign_up()
    stranger = await client.sign_up("Elsewhere")
    await warm_up(client, admin, served)

    refused = await create(client, admin, name="Not mine", ownerId=stranger.user_id)

    assert refused == {
        "account": None,
        "errors": [{"field": "ownerId", "code": "NOT_FOUND", "message": refused["errors"][0]["message"]}],
    }
    assert served.executor == 1  # the guard failed, so the executor answered
    assert len(await audit_of(client, admin, action="account.create")) == 1  # the warm-up's
    names = await client.execute("query { accounts { nodes { name } } }", token=admin.token)
    assert [node["name"] for node in names["accounts"]["nodes"]] == ["Warm-up"]


async def test_invalid_input_is_refused_by_the_executor_with_every_error(client, served):
    admin = await client.sign_up()
    await warm_up(client, admin, served)

    refused = await create(client, admin, name="  ", tags=["x" * 51])

    assert sorted(error["field"] for error in refused["errors"]) == ["name", "tags"]
    assert refused["account"] is None and served.executor == 1


async def test_custom_defaults_are_filled_and_checked_values_go_to_the_executor(client, served):
    admin = await client.sign_up()
    await define_field(client, admin, "account", "tier", "TEXT", default="B")
    await define_field(client, admin, "account", "erp_code", "TEXT", unique=True)
    await warm_up(client, admin, served, custom={"erp_code": "E-0"})

    defaulted = await create(client, admin, name="Defaulted")
    unique = await create(client, admin, name="Checked", custom={"erp_code": "E-1"})
    duplicate = await create(client, admin, name="Duplicate", custom={"erp_code": "E-1"})

    assert served.compiled == 1 and served.executor == 2
    assert defaulted["errors"] == [] and unique["errors"] == []
    assert [(e["field"], e["code"]) for e in duplicate["errors"]] == [("custom.erp_code", "DUPLICATE")]
    read = "query($id: ID!) { account(id: $id) { customFields } }"
    account = await client.execute(read, {"id": defaulted["account"]["id"]}, admin.token)
    assert account["account"]["customFields"] == {"tier": "B"}


async def test_a_required_custom_field_left_out_is_the_executors_error(client, served):
    admin = await client.sign_up()
    await create(client, admin, name="Warm-up")
    await define_field(client, admin, "account", "region_code", "TEXT", required=True)
    await warm_up(client, admin, served, custom={"region_code": "华东"})

    refused = await create(client, admin, name="Missing")
    given = await create(client, admin, name="Given", custom={"region_code": "华北"})

    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("custom.region_code", "REQUIRED")]
    assert given["errors"] == [] and (served.executor, served.compiled) == (1, 1)


async def test_a_mutation_sent_by_get_is_refused_before_the_fast_path(client, served):
    admin = await client.sign_up()
    query = 'mutation { createAccount(input: {name: "By GET"}) { account { id } } }'

    response = await client.http.get(
        "/graphql", params={"query": query}, headers={"authorization": f"Bearer {admin.token}"}
    )

    assert response.status_code == 405
    assert served.compiled == 0


async def test_a_create_with_an_api_key_is_audited_as_the_keys(client, served):
    from tests.identity.test_api_keys import create_key

    admin = await client.sign_up()
    key = await create_key(client, admin, role_key="sales", name="ERP sync")
    member = type(admin)(key["secret"], admin.user_id, admin.email, admin.tenant_id)
    await warm_up(client, member, served)

    created = await create(client, member, name="From the ERP")

    assert created["errors"] == [] and served.compiled == 1
    [written] = await audit_of(client, admin, objectId=created["account"]["id"])
    assert written["viaApiKey"] is True and written["action"] == "account.create"


async def test_a_sales_rep_creating_for_a_colleague_gets_the_account_but_no_longer_sees_it(client, served):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await warm_up(client, rep, served)

    mine = await create(client, rep, name="客户甲")
    handed_over = await create(client, rep, name="客户乙", ownerId=admin.user_id)

    assert served.compiled == 2  # the payload shows what was created, whoever owns it (as the executor)
    assert mine["account"]["owner"]["id"] == rep.user_id
    assert handed_over["errors"] == [] and handed_over["account"]["owner"]["id"] == admin.user_id
    listed = await client.execute("query { accounts { nodes { name } } }", token=rep.token)
    assert [node["name"] for node in listed["accounts"]["nodes"]] == ["Warm-up", "客户甲"]
