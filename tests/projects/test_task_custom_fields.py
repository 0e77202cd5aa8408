"""Custom fields and field rules on tasks: validated values, the `tasks` list's filters and sort keys,
hidden and read-only fields for a custom role, and tenant isolation of definitions."""

from __future__ import annotations

from tests.admin.documents import FIELDS, VALUES, assign, create_role, define_field, error_pairs
from tests.projects.documents import CHANGE_TASK_STATUS, CREATE_TASK, UPDATE_TASK, create_project, create_task

TASKS = f"""
query($filter: TaskFilter, $orderBy: [TaskOrder!]) {{
  tasks(filter: $filter, orderBy: $orderBy) {{ edges {{ node {{ title description {VALUES} }} }} }} }}"""
TASK = f"query($id: ID!) {{ node(id: $id) {{ ... on Task {{ title description {VALUES} }} }} }}"
AREAS = {"options": [{"key": "backend", "label": "Backend"}, {"key": "design", "label": "Design"}]}


async def define_task_fields(client, admin):
    await define_field(client, admin, "task", "points", "INTEGER", validation={"max": 13}, filterable=True)
    await define_field(client, admin, "task", "area", "SINGLE_SELECT", validation=AREAS, filterable=True)


async def titles(client, member, variables):
    edges = (await client.execute(TASKS, variables, member.token))["tasks"]["edges"]
    return [edge["node"]["title"] for edge in edges]


async def test_task_custom_values_are_validated_stored_filtered_and_ordered(client):
    admin = await client.sign_up()
    await define_task_fields(client, admin)
    project = await create_project(client, admin)
    big = await create_task(
        client, admin, project["id"], title="Big", custom={"points": 8, "area": "backend"}
    )
    small = await create_task(client, admin, project["id"], title="Small", custom={"points": 1})

    bad = [
        ({"points": 21}, [("custom.points", "INVALID")]),
        ({"points": "lots"}, [("custom.points", "INVALID")]),
        ({"area": "sales"}, [("custom.area", "INVALID")]),
        ({"colour": "red"}, [("custom.colour", "INVALID")]),
        ({"points": 21, "area": "sales"}, [("custom.points", "INVALID"), ("custom.area", "INVALID")]),
    ]
    for custom, expected in bad:
        created = await client.outcome(
            CREATE_TASK,
            {"input": {"projectId": project["id"], "title": "X", "custom": custom}},
            admin.token,
            "createTask",
        )
        assert created == expected, custom
        updated = await client.outcome(
            UPDATE_TASK,
            {"id": small["id"], "version": 1, "input": {"custom": custom}},
            admin.token,
            "updateTask",
        )
        assert updated == expected, custom
    assert await titles(client, admin, {}) == ["Big", "Small"]  # nothing half-written

    updated = (
        await client.execute(
            UPDATE_TASK,
            {"id": small["id"], "version": 1, "input": {"custom": {"area": "design"}}},
            admin.token,
        )
    )["updateTask"]
    assert updated["errors"] == [] and updated["task"]["version"] == 2
    node = (await client.execute(TASK, {"id": big["id"]}, admin.token))["node"]
    assert node["customFields"] == {"points": 8, "area": "backend"}
    assert [(v["key"], v["value"]) for v in node["fieldValues"]] == [
        ("area", {"__typename": "OptionValue", "key": "backend", "label": "Backend"}),
        ("points", {"__typename": "IntegerValue", "integer": 8}),
    ]

    design = {"filter": {"projectId": project["id"], "custom": [{"key": "area", "equals": "design"}]}}
    assert await titles(client, admin, design) == ["Small"]
    large = {"filter": {"custom": [{"key": "points", "range": {"min": 5}}]}}
    assert await titles(client, admin, large) == ["Big"]
    assert await titles(client, admin, {"orderBy": [{"customField": "points"}]}) == ["Small", "Big"]
    by_points_desc = {"orderBy": [{"customField": "points", "direction": "DESC"}]}
    assert await titles(client, admin, by_points_desc) == ["Big", "Small"]


async def test_hidden_task_fields_are_absent_and_read_only_ones_refused_for_a_custom_role(client):
    admin = await client.sign_up()
    await define_task_fields(client, admin)
    rules = {
        "custom.area": "HIDDEN",
        "custom.points": "READ_ONLY",
        "description": "HIDDEN",
        "status": "READ_ONLY",
    }
    grants = [
        {"objectType": "project", "actions": ["READ"], "scope": "ALL", "fields": []},
        {
            "objectType": "task",
            "actions": ["READ", "CREATE", "UPDATE", "DELETE"],
            "scope": "ALL",
            "fields": [{"field": field, "access": access} for field, access in rules.items()],
        },
    ]
    role = await create_role(client, admin, "task_clerk", grants=grants)
    clerk = await client.add_member(admin, "sales", "clerk")
    await assign(client, admin, clerk, role)
    project = await create_project(client, admin)
    task = await create_task(
        client,
        admin,
        project["id"],
        title="Kept",
        description="secret",
        custom={"points": 3, "area": "design"},
    )

    node = (await client.execute(TASK, {"id": task["id"]}, clerk.token))["node"]
    assert node["description"] is None and node["customFields"] == {"points": 3}
    assert [v["key"] for v in node["fieldValues"]] == ["points"]
    listed = (await client.execute(TASKS, {}, clerk.token))["tasks"]["edges"][0]["node"]
    assert listed["description"] is None and listed["customFields"] == {"points": 3}
    for variables in (
        {"filter": {"custom": [{"key": "area", "equals": "design"}]}},
        {"orderBy": [{"customField": "area"}]},
    ):
        errors = await client.errors(TASKS, variables, clerk.token)
        assert errors[0]["extensions"]["code"] == "INVALID", variables

    attempts = [
        ({"custom": {"points": 5}}, [("custom.points", "PERMISSION_DENIED")]),
        ({"custom": {"area": "backend"}}, [("custom.area", "INVALID")]),
        ({"description": "x"}, [("description", "PERMISSION_DENIED")]),
    ]
    for data, expected in attempts:
        payload = await client.outcome(
            UPDATE_TASK, {"id": task["id"], "version": 1, "input": data}, clerk.token, "updateTask"
        )
        assert payload == expected, data
    status = await client.refused(
        CHANGE_TASK_STATUS,
        {"id": task["id"], "version": 1, "status": "IN_PROGRESS"},
        clerk.token,
        "changeTaskStatus",
    )
    assert status == [("status", "PERMISSION_DENIED")]
    allowed = await client.execute(
        UPDATE_TASK, {"id": task["id"], "version": 1, "input": {"title": "Renamed"}}, clerk.token
    )
    assert allowed["updateTask"]["errors"] == []
    kept = (await client.execute(TASK, {"id": task["id"]}, admin.token))["node"]
    assert kept["description"] == "secret" and kept["customFields"] == {"points": 3, "area": "design"}


async def test_another_tenants_task_fields_are_invisible(client):
    admin = await client.sign_up()
    await define_task_fields(client, admin)
    own_project = await create_project(client, admin)
    await create_task(client, admin, own_project["id"], title="Acme's", custom={"points": 2})
    other = await client.sign_up("Globex")
    project = await create_project(client, other)

    definitions = (await client.execute(FIELDS, {"objectType": "task"}, other.token))["fieldDefinitions"][
        "nodes"
    ]
    assert definitions == []
    created = await client.execute(
        CREATE_TASK,
        {"input": {"projectId": project["id"], "title": "X", "custom": {"points": 2}}},
        other.token,
    )
    assert error_pairs(created["createTask"]) == [("custom.points", "INVALID")]
    errors = await client.errors(TASKS, {"filter": {"custom": [{"key": "points", "equals": 2}]}}, other.token)
    assert errors[0]["extensions"]["code"] == "INVALID"
    assert await titles(client, other, {}) == []  # and the first tenant's tasks stay out of the list
