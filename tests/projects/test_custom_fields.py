"""Custom fields and field rules on projects: validated values, filters and sort keys, hidden and
read-only fields for a custom role, tenant isolation of definitions, and reassignment of a leaver's
projects (the heir becomes their manager)."""

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
from tests.projects.documents import CHANGE_PROJECT_STATUS, CREATE_PROJECT, UPDATE_PROJECT, create_project

PROJECTS = f"""
query($filter: ProjectFilter, $orderBy: [ProjectOrder!]) {{
  projects(filter: $filter, orderBy: $orderBy) {{ edges {{ node {{ name description {VALUES} }} }} }} }}"""
PROJECT = f"query($id: ID!) {{ project(id: $id) {{ name description manager {{ id }} {VALUES} }} }}"
PHASES = {"options": [{"key": "pilot", "label": "Pilot"}, {"key": "rollout", "label": "Rollout"}]}


async def define_project_fields(client, admin):
    await define_field(client, admin, "project", "seats", "INTEGER", validation={"min": 1}, filterable=True)
    await define_field(client, admin, "project", "phase", "SINGLE_SELECT", validation=PHASES, filterable=True)


async def names(client, member, variables):
    edges = (await client.execute(PROJECTS, variables, member.token))["projects"]["edges"]
    return [edge["node"]["name"] for edge in edges]


async def test_project_custom_values_are_validated_stored_filtered_and_ordered(client):
    admin = await client.sign_up()
    await define_project_fields(client, admin)
    big = await create_project(client, admin, name="Big", custom={"seats": 500, "phase": "pilot"})
    small = await create_project(client, admin, name="Small", custom={"seats": 20})

    bad = [
        ({"seats": 0}, [("custom.seats", "INVALID")]),
        ({"seats": "many"}, [("custom.seats", "INVALID")]),
        ({"phase": "sunset"}, [("custom.phase", "INVALID")]),
        ({"colour": "red"}, [("custom.colour", "INVALID")]),
        ({"seats": 0, "phase": "sunset"}, [("custom.seats", "INVALID"), ("custom.phase", "INVALID")]),
    ]
    for custom, expected in bad:
        created = await client.outcome(
            CREATE_PROJECT, {"input": {"name": "X", "custom": custom}}, admin.token, "createProject"
        )
        assert created == expected, custom
        updated = await client.outcome(
            UPDATE_PROJECT,
            {"id": small["id"], "version": 1, "input": {"custom": custom}},
            admin.token,
            "updateProject",
        )
        assert updated == expected, custom
    assert await names(client, admin, {}) == ["Big", "Small"]  # nothing half-written

    updated = (
        await client.execute(
            UPDATE_PROJECT,
            {"id": small["id"], "version": 1, "input": {"custom": {"phase": "rollout"}}},
            admin.token,
        )
    )["updateProject"]
    assert updated["errors"] == [] and updated["project"]["version"] == 2
    node = (await client.execute(PROJECT, {"id": big["id"]}, admin.token))["project"]
    assert node["customFields"] == {"seats": 500, "phase": "pilot"}
    assert [(v["key"], v["value"]) for v in node["fieldValues"]] == [
        ("phase", {"__typename": "OptionValue", "key": "pilot", "label": "Pilot"}),
        ("seats", {"__typename": "IntegerValue", "integer": 500}),
    ]  # form order: position, then key

    rollout = {"filter": {"custom": [{"key": "phase", "equals": "rollout"}]}}
    assert await names(client, admin, rollout) == ["Small"]
    large = {"filter": {"custom": [{"key": "seats", "range": {"min": 100}}]}}
    assert await names(client, admin, large) == ["Big"]
    assert await names(client, admin, {"orderBy": [{"customField": "seats"}]}) == ["Small", "Big"]
    by_seats_desc = {"orderBy": [{"customField": "seats", "direction": "DESC"}]}
    assert await names(client, admin, by_seats_desc) == ["Big", "Small"]


async def test_hidden_fields_are_absent_and_read_only_fields_refused_for_a_custom_role(client):
    admin = await client.sign_up()
    await define_project_fields(client, admin)
    rules = {
        "custom.phase": "HIDDEN",
        "custom.seats": "READ_ONLY",
        "description": "HIDDEN",
        "budget": "READ_ONLY",
        "status": "READ_ONLY",
    }
    grant = {
        "objectType": "project",
        "actions": ["READ", "CREATE", "UPDATE", "DELETE"],
        "scope": "ALL",
        "fields": [{"field": field, "access": access} for field, access in rules.items()],
    }
    role = await create_role(client, admin, "project_clerk", grants=[grant])
    clerk = await client.add_member(admin, "sales", "clerk")
    await assign(client, admin, clerk, role)
    project = await create_project(
        client, admin, name="Kept", description="secret", custom={"seats": 7, "phase": "pilot"}
    )

    node = (await client.execute(PROJECT, {"id": project["id"]}, clerk.token))["project"]
    assert node["description"] is None and node["customFields"] == {"seats": 7}
    assert [v["key"] for v in node["fieldValues"]] == ["seats"]
    listed = (await client.execute(PROJECTS, {}, clerk.token))["projects"]["edges"][0]["node"]
    assert listed["description"] is None and listed["customFields"] == {"seats": 7}
    for variables in (
        {"filter": {"custom": [{"key": "phase", "equals": "pilot"}]}},
        {"orderBy": [{"customField": "phase"}]},
    ):
        errors = await client.errors(PROJECTS, variables, clerk.token)
        assert errors[0]["extensions"]["code"] == "INVALID", variables

    attempts = [
        ({"custom": {"seats": 8}}, [("custom.seats", "PERMISSION_DENIED")]),
        ({"custom": {"phase": "rollout"}}, [("custom.phase", "INVALID")]),
        ({"description": "x"}, [("description", "PERMISSION_DENIED")]),
        ({"budget": "10.00"}, [("budget", "PERMISSION_DENIED")]),
    ]
    for data, expected in attempts:
        payload = await client.outcome(
            UPDATE_PROJECT, {"id": project["id"], "version": 1, "input": data}, clerk.token, "updateProject"
        )
        assert payload == expected, data
    status = await client.refused(
        CHANGE_PROJECT_STATUS,
        {"id": project["id"], "version": 1, "status": "ACTIVE"},
        clerk.token,
        "changeProjectStatus",
    )
    assert status == [("status", "PERMISSION_DENIED")]
    allowed = await client.execute(
        UPDATE_PROJECT, {"id": project["id"], "version": 1, "input": {"name": "Renamed"}}, clerk.token
    )
    assert allowed["updateProject"]["errors"] == []
    kept = (await client.execute(PROJECT, {"id": project["id"]}, admin.token))["project"]
    assert kept["description"] == "secret" and kept["customFields"] == {"seats": 7, "phase": "pilot"}


async def test_another_tenants_project_fields_are_invisible(client):
    admin = await client.sign_up()
    await define_project_fields(client, admin)
    other = await client.sign_up("Globex")

    definitions = (await client.execute(FIELDS, {"objectType": "project"}, other.token))["fieldDefinitions"][
        "nodes"
    ]
    assert definitions == []
    created = await client.execute(
        CREATE_PROJECT, {"input": {"name": "X", "custom": {"seats": 2}}}, other.token
    )
    assert error_pairs(created["createProject"]) == [("custom.seats", "INVALID")]
    errors = await client.errors(
        PROJECTS, {"filter": {"custom": [{"key": "seats", "equals": 2}]}}, other.token
    )
    assert errors[0]["extensions"]["code"] == "INVALID"


async def test_a_leavers_projects_get_the_heir_as_manager(client):
    admin = await client.sign_up()
    leaver = await client.add_member(admin, "sales", "leaver")
    heir = await client.add_member(admin, "sales", "heir")
    project = await create_project(client, admin, name="Handed over", managerId=leaver.user_id)
    await client.execute(DEACTIVATE, {"userId": leaver.user_id}, admin.token)

    payload = (await client.execute(REASSIGN, {"from": leaver.user_id, "to": heir.user_id}, admin.token))[
        "reassignRecords"
    ]

    assert {"objectType": "project", "count": 1} in payload["reassigned"]
    node = (await client.execute(PROJECT, {"id": project["id"]}, admin.token))["project"]
    assert node["manager"]["id"] == heir.user_id
