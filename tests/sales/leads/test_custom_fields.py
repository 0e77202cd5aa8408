"""Custom fields and field rules on leads: validated values, filters and sort keys, hidden and read-only
fields for a custom role, tenant isolation of definitions, and reassignment of a leaver's leads."""

from __future__ import annotations

from tests.admin.documents import (
    DEACTIVATE,
    FIELDS,
    REASSIGN,
    VALUES,
    assign,
    create_role,
    define_field,
    error_pairs,
)
from tests.sales.leads.documents import CHANGE_STATUS, CREATE_LEAD, UPDATE_LEAD, create_lead

LEADS = f"""
query($filter: LeadFilter, $orderBy: [LeadOrder!]) {{
  leads(filter: $filter, orderBy: $orderBy) {{ edges {{ node {{ lastName notes {VALUES} }} }} }} }}"""
LEAD = f"query($id: ID!) {{ lead(id: $id) {{ lastName title notes {VALUES} }} }}"
TIERS = {"options": [{"key": "gold", "label": "Gold"}, {"key": "silver", "label": "Silver"}]}


async def define_lead_fields(client, admin):
    await define_field(client, admin, "lead", "budget", "INTEGER", validation={"min": 0}, filterable=True)
    await define_field(client, admin, "lead", "tier", "SINGLE_SELECT", validation=TIERS, filterable=True)


async def names(client, member, variables):
    edges = (await client.execute(LEADS, variables, member.token))["leads"]["edges"]
    return [edge["node"]["lastName"] for edge in edges]


async def test_lead_custom_values_are_validated_stored_filtered_and_ordered(client):
    admin = await client.sign_up()
    await define_lead_fields(client, admin)
    big = await create_lead(client, admin, lastName="Big", custom={"budget": 500, "tier": "gold"})
    small = await create_lead(client, admin, lastName="Small", custom={"budget": 20})

    bad = [
        ({"budget": -1}, [("custom.budget", "INVALID")]),
        ({"budget": "lots"}, [("custom.budget", "INVALID")]),
        ({"tier": "bronze"}, [("custom.tier", "INVALID")]),
        ({"colour": "red"}, [("custom.colour", "INVALID")]),
        ({"budget": -1, "tier": "bronze"}, [("custom.budget", "INVALID"), ("custom.tier", "INVALID")]),
    ]
    for custom, expected in bad:
        created = await client.outcome(
            CREATE_LEAD,
            {"input": {"source": "web", "lastName": "X", "custom": custom}},
            admin.token,
            "createLead",
        )
        assert created == expected, custom
        updated = await client.outcome(
            UPDATE_LEAD,
            {"id": small["id"], "version": 1, "input": {"custom": custom}},
            admin.token,
            "updateLead",
        )
        assert updated == expected, custom
    assert await names(client, admin, {}) == ["Big", "Small"]  # nothing half-written

    updated = (
        await client.execute(
            UPDATE_LEAD,
            {"id": small["id"], "version": 1, "input": {"custom": {"tier": "silver"}}},
            admin.token,
        )
    )["updateLead"]
    assert updated["errors"] == [] and updated["lead"]["version"] == 2
    node = (await client.execute(LEAD, {"id": big["id"]}, admin.token))["lead"]
    assert node["customFields"] == {"budget": 500, "tier": "gold"}
    assert [(v["key"], v["value"]) for v in node["fieldValues"]] == [
        ("budget", {"__typename": "IntegerValue", "integer": 500}),
        ("tier", {"__typename": "OptionValue", "key": "gold", "label": "Gold"}),
    ]

    silver = {"filter": {"custom": [{"key": "tier", "equals": "silver"}]}}
    assert await names(client, admin, silver) == ["Small"]
    rich = {"filter": {"custom": [{"key": "budget", "range": {"min": 100}}]}}
    assert await names(client, admin, rich) == ["Big"]
    by_budget = {"orderBy": [{"customField": "budget", "direction": "DESC"}]}
    assert await names(client, admin, by_budget) == ["Big", "Small"]
    by_budget_asc = {"orderBy": [{"customField": "budget"}]}
    assert await names(client, admin, by_budget_asc) == ["Small", "Big"]
    errors = await client.errors(
        LEADS, {"orderBy": [{"field": "NAME", "customField": "budget"}]}, admin.token
    )
    assert errors[0]["extensions"]["code"] == "INVALID"


async def test_hidden_fields_are_absent_and_read_only_fields_refused_for_a_custom_role(client):
    admin = await client.sign_up()
    await define_lead_fields(client, admin)
    rules = {"custom.tier": "HIDDEN", "custom.budget": "READ_ONLY", "notes": "HIDDEN", "status": "READ_ONLY"}
    grant = {
        "objectType": "lead",
        "actions": ["READ", "CREATE", "UPDATE", "DELETE"],
        "scope": "ALL",
        "fields": [{"field": field, "access": access} for field, access in rules.items()],
    }
    role = await create_role(client, admin, "lead_clerk", grants=[grant])
    clerk = await client.add_member(admin, "sales", "clerk")
    await assign(client, admin, clerk, role)
    lead = await create_lead(
        client, admin, lastName="Kept", notes="secret", custom={"budget": 7, "tier": "gold"}
    )

    node = (await client.execute(LEAD, {"id": lead["id"]}, clerk.token))["lead"]
    assert node["notes"] is None and node["customFields"] == {"budget": 7}
    assert [v["key"] for v in node["fieldValues"]] == ["budget"]
    listed = (await client.execute(LEADS, {}, clerk.token))["leads"]["edges"][0]["node"]
    assert listed["notes"] is None and listed["customFields"] == {"budget": 7}
    for variables in (
        {"filter": {"custom": [{"key": "tier", "equals": "gold"}]}},
        {"orderBy": [{"customField": "tier"}]},
    ):
        errors = await client.errors(LEADS, variables, clerk.token)
        assert errors[0]["extensions"]["code"] == "INVALID", variables

    attempts = [
        ({"custom": {"budget": 8}}, [("custom.budget", "PERMISSION_DENIED")]),
        ({"custom": {"tier": "silver"}}, [("custom.tier", "INVALID")]),
        ({"notes": "x"}, [("notes", "PERMISSION_DENIED")]),
    ]
    for data, expected in attempts:
        payload = await client.outcome(
            UPDATE_LEAD, {"id": lead["id"], "version": 1, "input": data}, clerk.token, "updateLead"
        )
        assert payload == expected, data
    status = await client.refused(
        CHANGE_STATUS, {"id": lead["id"], "version": 1, "status": "WORKING"}, clerk.token, "changeLeadStatus"
    )
    assert status == [("status", "PERMISSION_DENIED")]
    allowed = await client.execute(
        UPDATE_LEAD, {"id": lead["id"], "version": 1, "input": {"lastName": "Renamed"}}, clerk.token
    )
    assert allowed["updateLead"]["errors"] == []
    kept = (await client.execute(LEAD, {"id": lead["id"]}, admin.token))["lead"]
    assert kept["notes"] == "secret" and kept["customFields"] == {"budget": 7, "tier": "gold"}


async def test_another_tenants_lead_fields_are_invisible(client):
    admin = await client.sign_up()
    await define_lead_fields(client, admin)
    other = await client.sign_up("Globex")

    definitions = (await client.execute(FIELDS, {"objectType": "lead"}, other.token))["fieldDefinitions"][
        "nodes"
    ]
    assert definitions == []
    created = await client.execute(
        CREATE_LEAD, {"input": {"source": "web", "lastName": "X", "custom": {"budget": 1}}}, other.token
    )
    assert error_pairs(created["createLead"]) == [("custom.budget", "INVALID")]
    errors = await client.errors(LEADS, {"filter": {"custom": [{"key": "budget", "equals": 1}]}}, other.token)
    assert errors[0]["extensions"]["code"] == "INVALID"


async def test_a_leavers_leads_are_reassigned(client):
    admin = await client.sign_up()
    leaver = await client.add_member(admin, "sales", "leaver")
    heir = await client.add_member(admin, "sales", "heir")
    lead = await create_lead(client, admin, lastName="Owned", ownerId=leaver.user_id)
    await client.execute(DEACTIVATE, {"userId": leaver.user_id}, admin.token)

    payload = (await client.execute(REASSIGN, {"from": leaver.user_id, "to": heir.user_id}, admin.token))[
        "reassignRecords"
    ]

    assert {"objectType": "lead", "count": 1} in payload["reassigned"]
    owner = await client.execute(
        "query($id: ID!) { lead(id: $id) { owner { id } } }", {"id": lead["id"]}, heir.token
    )
    assert owner["lead"]["owner"]["id"] == heir.user_id
