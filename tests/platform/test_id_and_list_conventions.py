"""Ids and lists, one convention: every object with an `id` is fetched by `node(id:)` under the same rules
as its list (null for another tenant or outside your rights), and lists page both ways."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from tests.admin.documents import CREATE_TEAM, define_field
from tests.projects.documents import (
    ADD_CHECKLIST_ITEM,
    LOG_TIME,
    RECORD_EXPENSE,
    SAVE_TEMPLATE,
    create_project,
    create_task,
)
from tests.sales.commerce.documents import RECORD_DELIVERY, RECORD_PAYMENT, signed_contract
from tests.support import PASSWORD, ok

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
TODAY = datetime.now(UTC).date().isoformat()


async def node(client, member, global_id):
    return (await client.execute(NODE, {"id": global_id}, member.token))["node"]


async def first_node_id(client, member, query, name):
    return (await client.execute(query, token=member.token))[name]["nodes"][0]["id"]


async def test_every_kind_of_record_is_a_node_of_its_tenant_only(client):
    admin = await client.sign_up("Owner Co")
    other = await client.sign_up("Other Co")
    ids: dict[str, str] = {"Tenant": admin.tenant_node_id}

    invited = await client.execute(
        'mutation { inviteUser(input: {email: "new@example.com", roleKey: "viewer"}) { invitation { id } } }',
        token=admin.token,
    )
    ids["Invitation"] = invited["inviteUser"]["invitation"]["id"]
    ids["TenantRole"] = await first_node_id(client, admin, "{ roles { nodes { id } } }", "roles")
    team = await ok(client, admin, CREATE_TEAM, {"input": {"name": "Sales"}}, "createTeam")
    ids["Team"] = team["team"]["id"]
    ids["FieldDefinition"] = (await define_field(client, admin, "account", "tier", "TEXT"))["id"]
    rate = await ok(
        client,
        admin,
        "mutation($i: SetExchangeRateInput!) { setExchangeRate(input: $i) { rate { id } errors { code } } }",
        {"i": {"currency": "EUR", "effectiveOn": "2026-01-01", "rate": "1.1"}},
        "setExchangeRate",
    )
    ids["ExchangeRate"] = rate["rate"]["id"]
    ids["Session"] = await first_node_id(client, admin, "{ mySessions { nodes { id } } }", "mySessions")
    await client.execute(
        "mutation($i: LoginInput!) { login(input: $i) { token } }",
        {"i": {"email": admin.email, "password": PASSWORD}},
    )
    ids["LoginEvent"] = await first_node_id(
        client, admin, "{ loginEvents(first: 1) { nodes { id } } }", "loginEvents"
    )
    ids["AuditEntry"] = await first_node_id(
        client, admin, "{ auditLog(first: 1) { nodes { id } } }", "auditLog"
    )

    contract = await signed_contract(client, admin)
    ids["ContractLine"] = contract["lines"][0]["id"]
    paid = await ok(
        client,
        admin,
        RECORD_PAYMENT,
        {"input": {"contractId": contract["id"], "receivedOn": TODAY, "amount": "10"}},
        "recordPayment",
    )
    ids["Payment"] = paid["payment"]["id"]
    delivered = await ok(
        client,
        admin,
        RECORD_DELIVERY,
        {"input": {"contractLineId": ids["ContractLine"], "quantity": "1", "deliveredOn": TODAY}},
        "recordDelivery",
    )
    ids["Delivery"] = delivered["delivery"]["id"]
    quote = (await client.execute("{ quotes(first: 1) { nodes { lines { id } } } }", token=admin.token))[
        "quotes"
    ]
    ids["QuoteLine"] = quote["nodes"][0]["lines"][0]["id"]

    project = await create_project(client, admin)
    task = await create_task(client, admin, project["id"])
    item = await ok(
        client, admin, ADD_CHECKLIST_ITEM, {"taskId": task["id"], "text": "Check"}, "addChecklistItem"
    )
    ids["ChecklistItem"] = item["item"]["id"]
    entry = await ok(
        client, admin, LOG_TIME, {"input": {"taskId": task["id"], "hours": "1", "workDate": TODAY}}, "logTime"
    )
    ids["TimeEntry"] = entry["timeEntry"]["id"]
    expense = {
        "projectId": project["id"],
        "description": "Taxi",
        "amount": "5",
        "currency": "EUR",
        "incurredOn": TODAY,
    }
    ids["Expense"] = (await ok(client, admin, RECORD_EXPENSE, {"input": expense}, "recordExpense"))[
        "expense"
    ]["id"]
    template = await ok(
        client, admin, SAVE_TEMPLATE, {"projectId": project["id"], "name": "T"}, "saveProjectAsTemplate"
    )
    ids["ProjectTemplate"] = template["template"]["id"]

    for type_name, global_id in ids.items():
        assert base64.b64decode(global_id).decode().startswith(f"{type_name}:"), type_name
        assert await node(client, admin, global_id) == {"__typename": type_name, "id": global_id}, type_name
        assert await node(client, other, global_id) is None, type_name


async def test_a_node_follows_the_rights_of_its_list(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer")
    invited = await client.execute(
        'mutation { inviteUser(input: {email: "x@example.com", roleKey: "viewer"}) { invitation { id } } }',
        token=admin.token,
    )
    invitation = invited["inviteUser"]["invitation"]["id"]
    entry = await first_node_id(client, admin, "{ auditLog(first: 1) { nodes { id } } }", "auditLog")
    session = await first_node_id(client, admin, "{ mySessions { nodes { id } } }", "mySessions")

    # Invitations need manage_users, the audit log view_audit_log, a session is its user's.
    for global_id in (invitation, entry, session):
        assert await node(client, viewer, global_id) is None
        assert (await node(client, admin, global_id))["id"] == global_id
    # The tenants a user belongs to are nodes for that user; another tenant is not.
    assert (await node(client, viewer, admin.tenant_node_id))["id"] == admin.tenant_node_id


async def test_tenant_ids_are_global_ids_and_raw_uuids_are_refused(client):
    admin = await client.sign_up()
    switch = "mutation($id: ID!) { switchTenant(tenantId: $id) { tenant { id } errors { field code } } }"

    refused = await client.errors(switch, {"id": admin.tenant_id}, admin.token)
    kept = (await client.execute(switch, {"id": admin.tenant_node_id}, admin.token))["switchTenant"]

    assert refused[0]["extensions"]["code"] == "INVALID"
    assert kept == {"tenant": {"id": admin.tenant_node_id}, "errors": []}


async def test_lists_page_forwards_and_backwards(client):
    admin = await client.sign_up()
    for name in ("Alpha", "Bravo", "Charlie", "Delta"):
        await ok(client, admin, CREATE_TEAM, {"input": {"name": name}}, "createTeam")
    teams = "query($f: Int, $a: String, $l: Int, $b: String) { teams(first: $f, after: $a, last: $l, before: $b) {"
    teams += " totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"

    async def page(**arguments):
        return (await client.execute(teams, arguments, admin.token))["teams"]

    first = await page(f=2)
    second = await page(f=2, a=first["pageInfo"]["endCursor"])
    back = await page(l=2, b=second["pageInfo"]["endCursor"])
    last = await page(l=1)

    assert [t["name"] for t in first["nodes"]] == ["Alpha", "Bravo"] and first["totalCount"] == 4
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    assert [t["name"] for t in second["nodes"]] == ["Charlie", "Delta"] and not second["pageInfo"][
        "hasNextPage"
    ]
    assert [t["name"] for t in back["nodes"]] == ["Bravo", "Charlie"] and back["pageInfo"]["hasPreviousPage"]
    assert [t["name"] for t in last["nodes"]] == ["Delta"]
    refused = await client.errors(teams, {"a": "bm90IGEgY3Vyc29y"}, admin.token)
    assert refused[0]["extensions"]["code"] == "INVALID"

    # A nested connection pages backwards in SQL, from the end.
    account = await ok(
        client,
        admin,
        'mutation { createAccount(input: {name: "Parent"}) { account { id } errors { code } } }',
        {},
        "createAccount",
    )
    for name in ("Kid A", "Kid B", "Kid C"):
        await ok(
            client,
            admin,
            "mutation($p: ID!, $n: String!) { createAccount(input: {name: $n, parentId: $p}) { account { id } errors { code } } }",
            {"p": account["account"]["id"], "n": name},
            "createAccount",
        )
    children = "query($id: ID!) { account(id: $id) { children(last: 2) { nodes { name } pageInfo { hasPreviousPage } } } }"
    tail = (await client.execute(children, {"id": account["account"]["id"]}, admin.token))["account"][
        "children"
    ]
    assert [c["name"] for c in tail["nodes"]] == ["Kid B", "Kid C"]
