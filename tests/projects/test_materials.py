"""Materials and purchases: lines against the budget, approved through the generic chain, received cost
feeding the project's cost."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.admin.documents import assign, create_role, define_field
from tests.crm.sql import raw_id
from tests.projects.documents import DEFINE_CHAIN, add_member, create_project, error_pairs, ok
from tests.projects.test_isolation import assert_sql_wall, in_tenant

ERRORS = "errors { field code message }"
LINE_FIELDS = (
    "id name quantity unit unitPrice amount status actualAmount receivedOn version approval { status }"
)
ADD_LINE = f"""
mutation($input: AddMaterialLineInput!) {{
  addMaterialLine(input: $input) {{ materialLine {{ {LINE_FIELDS} }} {ERRORS} }}
}}"""
REQUEST = f"""
mutation($id: ID!, $version: Int!) {{
  requestPurchase(id: $id, version: $version) {{ materialLine {{ {LINE_FIELDS} }} {ERRORS} }}
}}"""
RECEIVE = f"""
mutation($id: ID!, $version: Int!, $input: ReceiveMaterialInput!) {{
  receiveMaterial(id: $id, version: $version, input: $input) {{ materialLine {{ {LINE_FIELDS} }} {ERRORS} }}
}}"""
CANCEL = f"""
mutation($id: ID!, $version: Int!) {{
  cancelMaterialLine(id: $id, version: $version) {{ materialLine {{ {LINE_FIELDS} }} {ERRORS} }}
}}"""
DECIDE = f"""
mutation($requestId: ID!, $decision: ApprovalDecisionKind!) {{
  decideApproval(requestId: $requestId, decision: $decision) {{ request {{ status }} {ERRORS} }}
}}"""
MATERIALS = f"""query($id: ID!) {{ project(id: $id) {{
  materials {{ {LINE_FIELDS} }} cost {{ materialCost actualCost remaining burnPercent }} }} }}"""
LINE = f"""query($id: ID!) {{ node(id: $id) {{ ... on MaterialLine {{ {LINE_FIELDS} }} }} }}"""
APPROVAL_ID = """query($id: ID!) { node(id: $id) { ... on MaterialLine { approval { id } } } }"""


async def purchase_chain(client, admin, approver):
    variables = {
        "input": {
            "name": "Purchasing",
            "subjectType": "material_purchase",
            "steps": [{"name": "Buyer", "rule": "ANY", "userIds": [approver.user_id]}],
        }
    }
    await ok(client, admin, DEFINE_CHAIN, variables, "defineApprovalChain")


async def add_line(client, member, project, **values):
    variables = {
        "input": {
            "projectId": project["id"],
            "name": "Cable",
            "quantity": "10",
            "unit": "m",
            "unitPrice": "12.5",
        }
        | values
    }
    return (await ok(client, member, ADD_LINE, variables, "addMaterialLine"))["materialLine"]


async def decide(client, approver, line, decision, requester):
    """The requester reads the approval's id (the approver need not see the project)."""
    approval = (await client.execute(APPROVAL_ID, {"id": line["id"]}, requester.token))["node"]["approval"]
    variables = {"requestId": approval["id"], "decision": decision}
    return await ok(client, approver, DECIDE, variables, "decideApproval")


async def test_a_purchase_is_approved_received_and_feeds_the_project_cost(client):
    admin = await client.sign_up()
    pm = await client.add_member(admin, "sales", "pm")
    buyer = await client.add_member(admin, "manager", "buyer")
    await purchase_chain(client, admin, buyer)
    project = await create_project(
        client, admin, name="Fit-out", budget="1000", currency="USD", managerId=pm.user_id
    )
    await add_member(client, admin, project["id"], pm)

    line = await add_line(client, pm, project)
    requested = (await ok(client, pm, REQUEST, {"id": line["id"], "version": 1}, "requestPurchase"))[
        "materialLine"
    ]
    early = await client.execute(
        RECEIVE, {"id": line["id"], "version": 2, "input": {"receivedOn": "2026-01-05"}}, pm.token
    )
    await decide(client, buyer, line, "APPROVE", pm)
    approved = (await client.execute(LINE, {"id": line["id"]}, pm.token))["node"]
    variables = {
        "id": line["id"],
        "version": approved["version"],
        "input": {"receivedOn": "2026-01-05", "actualAmount": "130"},
    }
    received = (await ok(client, pm, RECEIVE, variables, "receiveMaterial"))["materialLine"]
    project_view = (await client.execute(MATERIALS, {"id": project["id"]}, pm.token))["project"]

    assert (line["amount"], line["status"], line["approval"]) == ("125.00", "PLANNED", None)
    assert (requested["status"], requested["approval"]) == ("REQUESTED", {"status": "PENDING"})
    assert error_pairs(early["receiveMaterial"]) == [("id", "INVALID_TRANSITION")]
    assert approved["status"] == "APPROVED"
    assert (received["status"], received["actualAmount"], received["receivedOn"]) == (
        "RECEIVED",
        "130.00",
        "2026-01-05",
    )
    assert project_view["cost"] == {
        "materialCost": "130.00",
        "actualCost": "130.00",
        "remaining": "870.00",
        "burnPercent": "13.0",
    }
    assert [item["status"] for item in project_view["materials"]] == ["RECEIVED"]


async def test_a_purchase_over_budget_is_refused_and_a_rejected_one_can_be_cancelled(client):
    admin = await client.sign_up()
    buyer = await client.add_member(admin, "manager", "buyer")
    project = await create_project(client, admin, budget="300", currency="USD")
    first = await add_line(client, admin, project, quantity="20")  # 250.00
    second = await add_line(client, admin, project, name="Conduit", quantity="4")  # 50.00 + 250 = 300: fits
    third = await add_line(client, admin, project, name="Clips", quantity="1", unitPrice="0.01")

    no_chain = (await client.execute(REQUEST, {"id": first["id"], "version": 1}, admin.token))[
        "requestPurchase"
    ]
    await purchase_chain(client, admin, buyer)
    await ok(client, admin, REQUEST, {"id": first["id"], "version": 1}, "requestPurchase")
    await ok(client, admin, REQUEST, {"id": second["id"], "version": 1}, "requestPurchase")
    over = (await client.execute(REQUEST, {"id": third["id"], "version": 1}, admin.token))["requestPurchase"]
    await decide(client, buyer, second, "REJECT", admin)
    rejected = (await client.execute(LINE, {"id": second["id"]}, admin.token))["node"]
    retried = (await ok(client, admin, REQUEST, {"id": third["id"], "version": 1}, "requestPurchase"))[
        "materialLine"
    ]
    cancelled = await ok(
        client, admin, CANCEL, {"id": second["id"], "version": rejected["version"]}, "cancelMaterialLine"
    )
    stale = (await client.execute(CANCEL, {"id": second["id"], "version": 1}, admin.token))[
        "cancelMaterialLine"
    ]

    assert error_pairs(no_chain) == [(None, "INVALID")]
    assert error_pairs(over) == [("id", "OVER_BUDGET")]
    assert "300.00 USD" in over["errors"][0]["message"]
    assert rejected["status"] == "REJECTED"
    assert retried["status"] == "REQUESTED"  # the rejection freed the budget
    assert cancelled["materialLine"]["status"] == "CANCELLED"
    assert error_pairs(stale) == [("version", "CONFLICT")]


async def test_material_input_is_checked_and_scope_applies(client):
    admin = await client.sign_up()
    outsider = await client.add_member(admin, "sales", "outsider")
    viewer = await client.add_member(admin, "viewer", "viewer")
    project = await create_project(client, admin, currency="USD")
    await add_member(client, admin, project["id"], viewer)
    base = {"projectId": project["id"], "name": "Cable", "quantity": "1", "unit": "m", "unitPrice": "1"}
    cases = [
        ({"quantity": "0"}, [("quantity", "INVALID")]),
        ({"quantity": "1.0001"}, [("quantity", "INVALID")]),
        ({"unitPrice": "-1"}, [("unitPrice", "INVALID")]),
        ({"unitPrice": "1.001"}, [("unitPrice", "INVALID")]),
        ({"name": " ", "unit": ""}, [("name", "REQUIRED"), ("unit", "REQUIRED")]),
    ]
    for change, expected in cases:
        payload = (await client.execute(ADD_LINE, {"input": base | change}, admin.token))["addMaterialLine"]
        assert error_pairs(payload) == expected, change
    hidden = (await client.execute(ADD_LINE, {"input": base}, outsider.token))["addMaterialLine"]
    assert error_pairs(hidden) == [("projectId", "NOT_FOUND")]
    assert await client.refused(ADD_LINE, {"input": base}, viewer.token, "addMaterialLine") == [
        (None, "PERMISSION_DENIED")
    ]
    line = await add_line(client, admin, project)
    assert (await client.execute(LINE, {"id": line["id"]}, outsider.token))["node"] is None
    assert (await client.execute(MATERIALS, {"id": project["id"]}, admin.token))["project"]["materials"] == [
        line
    ]


async def test_another_tenant_sees_and_changes_no_material_line(client, db):
    admin = await client.sign_up()
    project = await create_project(client, admin, currency="USD")
    line = await add_line(client, admin, project)
    other = await client.sign_up("Other")
    await purchase_chain(client, other, await client.add_member(other, "manager", "buyer"))

    seen = (await client.execute(LINE, {"id": line["id"]}, other.token))["node"]
    requested = (await client.execute(REQUEST, {"id": line["id"], "version": 1}, other.token))[
        "requestPurchase"
    ]
    added = (
        await client.execute(
            ADD_LINE,
            {
                "input": {
                    "projectId": project["id"],
                    "name": "x",
                    "quantity": "1",
                    "unit": "m",
                    "unitPrice": "1",
                }
            },
            other.token,
        )
    )["addMaterialLine"]

    assert seen is None
    assert error_pairs(requested) == [("id", "NOT_FOUND")]
    assert error_pairs(added) == [("projectId", "NOT_FOUND")]
    await assert_sql_wall(db, admin.tenant_id, other.tenant_id, ["material_lines"])
    connection = await db.connect()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, other.tenant_id)
            await connection.execute(
                "insert into material_lines (tenant_id, id, project_id, name, quantity, unit, unit_price, amount,"
                " requested_by_id) values ($1, $2, $3, 'x', 1, 'm', 1, 1, $4)",
                uuid.UUID(admin.tenant_id),
                uuid.uuid4(),
                raw_id(project["id"]),
                raw_id(admin.user_id),
            )


VALUED = f"""query($id: ID!) {{ node(id: $id) {{ ... on MaterialLine {{ {LINE_FIELDS} supplier customFields }} }} }}"""


async def test_a_role_hiding_prices_sees_the_lines_without_them_and_custom_values_are_checked(client):
    admin = await client.sign_up()
    await define_field(client, admin, "material_line", "batch", "TEXT")
    grants = [
        {"objectType": "project", "actions": ["READ"], "scope": "ALL", "fields": []},
        {
            "objectType": "material_line",
            "actions": ["READ", "CREATE", "UPDATE"],
            "scope": "ALL",
            "fields": [
                {"field": "unitPrice", "access": "HIDDEN"},
                {"field": "amount", "access": "HIDDEN"},
                {"field": "actualAmount", "access": "READ_ONLY"},
                {"field": "custom.batch", "access": "READ_ONLY"},
            ],
        },
    ]
    crew = await client.add_member(admin, "sales", "crew")
    await assign(client, admin, crew, await create_role(client, admin, "site_crew", grants=grants))
    project = await create_project(client, admin, currency="USD")
    line = await add_line(client, admin, project, supplier="Cables Ltd", custom={"batch": "B-7"})
    bad_custom = (
        await client.execute(
            ADD_LINE,
            {
                "input": {
                    "projectId": project["id"],
                    "name": "x",
                    "quantity": "1",
                    "unit": "m",
                    "unitPrice": "1",
                    "custom": {"colour": "red"},
                }
            },
            admin.token,
        )
    )["addMaterialLine"]

    seen = (await client.execute(VALUED, {"id": line["id"]}, crew.token))["node"]
    priced = await client.outcome(
        ADD_LINE,
        {"input": {"projectId": project["id"], "name": "x", "quantity": "1", "unit": "m", "unitPrice": "1"}},
        crew.token,
        "addMaterialLine",
    )

    assert error_pairs(bad_custom) == [("custom.colour", "INVALID")]
    assert (seen["name"], seen["unitPrice"], seen["amount"], seen["supplier"]) == (
        "Cable",
        None,
        None,
        "Cables Ltd",
    )
    assert seen["customFields"] == {"batch": "B-7"}
    assert priced == [("unitPrice", "PERMISSION_DENIED")]
    admin_view = (await client.execute(VALUED, {"id": line["id"]}, admin.token))["node"]
    assert (admin_view["unitPrice"], admin_view["amount"]) == ("12.50", "125.00")
