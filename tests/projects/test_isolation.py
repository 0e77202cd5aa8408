"""Tenant B, holding tenant A's ids, sees nothing and changes nothing: through the API and in SQL."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.crm.sql import raw_id
from tests.projects.documents import (
    ADD_CHECKLIST_ITEM,
    ADD_COMMENT,
    ADD_DEPENDENCY,
    ADD_MEMBER,
    BOARD,
    CHANGE_PROJECT_STATUS,
    CHANGE_TASK_STATUS,
    CREATE_CHANGE,
    CREATE_MILESTONE,
    CREATE_RISK,
    CREATE_TASK,
    DECIDE,
    DELETE_TIME,
    FROM_TEMPLATE,
    GANTT,
    IMPLEMENT_CHANGE,
    LOG_TIME,
    MY_TASKS,
    NODE,
    OVERDUE,
    PROJECTS,
    RATES,
    RECORD_EXPENSE,
    REMOVE_DEPENDENCY,
    REMOVE_MEMBER,
    RISK_MATRIX,
    SAVE_TEMPLATE,
    SET_RATE,
    SUBMIT_CHANGE,
    TASK,
    TEMPLATES,
    UPDATE_CHANGE,
    UPDATE_CHECKLIST_ITEM,
    UPDATE_MILESTONE,
    UPDATE_PROJECT,
    UPDATE_RISK,
    UPDATE_TASK,
    create_project,
    create_task,
    define_chain,
    error_pairs,
    ok,
)


async def tenant_a(client):
    a = await client.sign_up("Tenant A")
    project = await create_project(client, a, name="A project")
    milestone = (
        await ok(
            client,
            a,
            CREATE_MILESTONE,
            {"input": {"projectId": project["id"], "name": "A milestone", "dueDate": "2026-01-01"}},
            "createMilestone",
        )
    )["milestone"]
    first = await create_task(
        client, a, project["id"], title="A1", assigneeId=a.user_id, dueDate="2026-01-01"
    )
    second = await create_task(client, a, project["id"], title="A2")
    await ok(
        client, a, ADD_DEPENDENCY, {"taskId": second["id"], "dependsOnId": first["id"]}, "addTaskDependency"
    )
    await ok(client, a, ADD_CHECKLIST_ITEM, {"taskId": first["id"], "text": "A item"}, "addChecklistItem")
    await ok(client, a, ADD_COMMENT, {"input": {"taskId": first["id"], "body": "A"}}, "addTaskComment")
    return a, project, milestone, first, second


async def test_other_tenant_sees_and_changes_nothing_through_the_api(client):
    a, project, milestone, first, second = await tenant_a(client)
    b = await client.sign_up("Tenant B")
    b_project = await create_project(client, b, name="B project")
    item_id = (await client.execute(TASK, {"id": first["id"]}, a.token))["node"]["checklist"][0]["id"]

    for record_id in (project["id"], milestone["id"], first["id"]):
        assert (await client.execute(NODE, {"id": record_id}, b.token))["node"] is None
    assert [
        e["node"]["name"] for e in (await client.execute(PROJECTS, {}, b.token))["projects"]["edges"]
    ] == ["B project"]
    assert (await client.execute(MY_TASKS, {}, b.token))["myTasks"]["edges"] == []
    assert (await client.execute(OVERDUE, {"on": "2030-01-01"}, b.token))["overdueTasks"]["edges"] == []
    for document in (GANTT, BOARD):
        errors = await client.errors(document, {"projectId": project["id"], "perColumn": 5}, b.token)
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"

    attempts = [
        (UPDATE_PROJECT, {"id": project["id"], "version": 1, "input": {"name": "x"}}, "updateProject", "id"),
        (
            CHANGE_PROJECT_STATUS,
            {"id": project["id"], "version": 1, "status": "ACTIVE"},
            "changeProjectStatus",
            "id",
        ),
        (
            ADD_MEMBER,
            {"projectId": project["id"], "userId": b.user_id, "role": "LEAD"},
            "addProjectMember",
            "projectId",
        ),
        (
            ADD_MEMBER,
            {"projectId": b_project["id"], "userId": a.user_id, "role": "LEAD"},
            "addProjectMember",
            "userId",
        ),
        (
            REMOVE_MEMBER,
            {"projectId": project["id"], "userId": a.user_id},
            "removeProjectMember",
            "projectId",
        ),
        (
            CREATE_MILESTONE,
            {"input": {"projectId": project["id"], "name": "x", "dueDate": "2026-01-01"}},
            "createMilestone",
            "projectId",
        ),
        (
            UPDATE_MILESTONE,
            {"id": milestone["id"], "version": 1, "input": {"name": "x"}},
            "updateMilestone",
            "id",
        ),
        (CREATE_TASK, {"input": {"projectId": project["id"], "title": "x"}}, "createTask", "projectId"),
        (
            CREATE_TASK,
            {"input": {"projectId": b_project["id"], "title": "x", "parentId": first["id"]}},
            "createTask",
            "parentId",
        ),
        (UPDATE_TASK, {"id": first["id"], "version": 1, "input": {"title": "x"}}, "updateTask", "id"),
        (
            CHANGE_TASK_STATUS,
            {"id": first["id"], "version": 1, "status": "IN_PROGRESS"},
            "changeTaskStatus",
            "id",
        ),
        (ADD_DEPENDENCY, {"taskId": second["id"], "dependsOnId": first["id"]}, "addTaskDependency", "taskId"),
        (ADD_CHECKLIST_ITEM, {"taskId": first["id"], "text": "x"}, "addChecklistItem", "taskId"),
        (ADD_COMMENT, {"input": {"taskId": first["id"], "body": "x"}}, "addTaskComment", "taskId"),
        (
            REMOVE_DEPENDENCY,
            {"taskId": second["id"], "dependsOnId": first["id"]},
            "removeTaskDependency",
            "taskId",
        ),
        (
            UPDATE_CHECKLIST_ITEM,
            {"id": item_id, "version": 1, "input": {"done": True}},
            "updateChecklistItem",
            "id",
        ),
    ]
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, b.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name
    b_task = await create_task(client, b, b_project["id"])
    mention = (
        await client.execute(
            ADD_COMMENT, {"input": {"taskId": b_task["id"], "body": "x", "mentions": [a.user_id]}}, b.token
        )
    )["addTaskComment"]
    assert error_pairs(mention) == [("mentions", "NOT_FOUND")]


async def in_tenant(connection, tenant_id: str) -> None:
    await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)


PROJECT_TABLES = [
    "projects",
    "project_members",
    "project_status_history",
    "milestones",
    "tasks",
    "task_dependencies",
    "task_checklist_items",
    "task_comments",
]


async def assert_sql_wall(db, a_tenant_id: str, b_tenant_id: str, tables: list[str]) -> None:
    """As the app role inside tenant B: none of A's rows are visible, updatable or deletable; inserting a
    row for tenant A is refused; inside A, the rows are all there."""
    connection = await db.connect()
    counts = {}
    async with connection.transaction():
        await in_tenant(connection, a_tenant_id)
        for table in tables:
            counts[table] = await connection.fetchval(f"select count(*) from {table}")
            assert counts[table] > 0, table
    async with connection.transaction():
        await in_tenant(connection, b_tenant_id)
        for table in tables:
            assert (
                await connection.fetchval(
                    f"select count(*) from {table} where tenant_id = $1", uuid.UUID(a_tenant_id)
                )
                == 0
            )
            for statement in (f"update {table} set tenant_id = tenant_id", f"delete from {table}"):
                try:
                    async with connection.transaction():
                        assert await connection.execute(
                            f"{statement} where tenant_id = $1", uuid.UUID(a_tenant_id)
                        ) in (
                            "UPDATE 0",
                            "DELETE 0",
                        )
                except asyncpg.InsufficientPrivilegeError:
                    pass  # append-only tables: the app role may not update or delete at all
    async with connection.transaction():
        for table in tables:
            assert await connection.fetchval(f"select count(*) from {table}") == 0, table
    async with connection.transaction():
        await in_tenant(connection, a_tenant_id)
        for table in tables:
            assert await connection.fetchval(f"select count(*) from {table}") == counts[table], table


async def test_sql_wall_hides_and_protects_project_rows(client, db):
    a, *_ = await tenant_a(client)
    b = await client.sign_up("Tenant B")
    await assert_sql_wall(db, a.tenant_id, b.tenant_id, PROJECT_TABLES)

    connection = await db.connect()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, b.tenant_id)
            await connection.execute(
                "insert into projects (tenant_id, id, code, name, manager_id, currency)"
                " values ($1, $2, 'X-1', 'x', $3, 'USD')",
                uuid.UUID(a.tenant_id),
                uuid.uuid4(),
                raw_id(a.user_id),
            )


ALL_TABLES = [
    *PROJECT_TABLES,
    "user_cost_rates",
    "time_entries",
    "expenses",
    "risks",
    "change_requests",
    "change_request_history",
    "project_templates",
    "approval_chains",
    "approval_chain_steps",
    "approval_requests",
    "approval_decisions",
]


async def tenant_a_delivery(client):
    a, project, _milestone, first, _second = await tenant_a(client)
    boss = await client.add_member(a, "manager", "boss")
    await ok(client, a, SET_RATE, {"userId": a.user_id, "rate": "50", "currency": "USD"}, "setUserCostRate")
    entry = (
        await ok(
            client,
            a,
            LOG_TIME,
            {"input": {"taskId": first["id"], "hours": "2", "workDate": "2026-01-05"}},
            "logTime",
        )
    )["timeEntry"]
    await ok(
        client,
        a,
        RECORD_EXPENSE,
        {
            "input": {
                "projectId": project["id"],
                "description": "x",
                "amount": "5",
                "incurredOn": "2026-01-05",
            }
        },
        "recordExpense",
    )
    risk = (
        await ok(
            client,
            a,
            CREATE_RISK,
            {"input": {"projectId": project["id"], "title": "A risk", "probability": 2, "impact": 2}},
            "createRisk",
        )
    )["risk"]
    template = (
        await ok(
            client,
            a,
            SAVE_TEMPLATE,
            {"projectId": project["id"], "name": "A template"},
            "saveProjectAsTemplate",
        )
    )["template"]
    await define_chain(client, a, {"name": "Boss", "rule": "ANY", "userIds": [boss.user_id]})
    change = (
        await ok(
            client,
            a,
            CREATE_CHANGE,
            {"input": {"projectId": project["id"], "title": "A change", "kind": "SCOPE", "reason": "r"}},
            "createChangeRequest",
        )
    )["changeRequest"]
    change = (await ok(client, a, SUBMIT_CHANGE, {"id": change["id"], "version": 1}, "submitChangeRequest"))[
        "changeRequest"
    ]
    await ok(
        client,
        boss,
        DECIDE,
        {"requestId": change["approval"]["id"], "decision": "REJECT", "comment": "no"},
        "decideApproval",
    )
    return a, project, first, entry, risk, template, change


async def test_other_tenant_cannot_reach_time_risks_changes_or_templates(client):
    a, project, task, entry, risk, template, change = await tenant_a_delivery(client)
    b = await client.sign_up("Tenant B")
    b_project = await create_project(client, b, name="B project")

    for node_id in (risk["id"], change["id"], change["approval"]["id"]):
        assert (await client.execute(NODE, {"id": node_id}, b.token))["node"] is None
    assert (await client.execute(TEMPLATES, {}, b.token))["projectTemplates"]["nodes"] == []
    assert (await client.execute(RATES, {}, b.token))["userCostRates"]["nodes"] == []
    matrix_errors = await client.errors(RISK_MATRIX, {"projectId": project["id"]}, b.token)
    assert matrix_errors[0]["extensions"]["code"] == "NOT_FOUND"
    attempts = [
        (
            LOG_TIME,
            {"input": {"taskId": task["id"], "hours": "1", "workDate": "2026-01-05"}},
            "logTime",
            "taskId",
        ),
        (DELETE_TIME, {"id": entry["id"]}, "deleteTimeEntry", "id"),
        (
            RECORD_EXPENSE,
            {
                "input": {
                    "projectId": project["id"],
                    "description": "x",
                    "amount": "1",
                    "incurredOn": "2026-01-05",
                }
            },
            "recordExpense",
            "projectId",
        ),
        (SET_RATE, {"userId": a.user_id, "rate": "1", "currency": "USD"}, "setUserCostRate", "userId"),
        (
            CREATE_RISK,
            {"input": {"projectId": project["id"], "title": "x", "probability": 1, "impact": 1}},
            "createRisk",
            "projectId",
        ),
        (UPDATE_RISK, {"id": risk["id"], "version": 1, "input": {"impact": 1}}, "updateRisk", "id"),
        (
            CREATE_CHANGE,
            {"input": {"projectId": project["id"], "title": "x", "kind": "SCOPE", "reason": "r"}},
            "createChangeRequest",
            "projectId",
        ),
        (
            UPDATE_CHANGE,
            {"id": change["id"], "version": 1, "input": {"title": "x"}},
            "updateChangeRequest",
            "id",
        ),
        (SUBMIT_CHANGE, {"id": change["id"], "version": 1}, "submitChangeRequest", "id"),
        (IMPLEMENT_CHANGE, {"id": change["id"], "version": 1}, "implementChangeRequest", "id"),
        (SAVE_TEMPLATE, {"projectId": project["id"], "name": "x"}, "saveProjectAsTemplate", "projectId"),
        (
            FROM_TEMPLATE,
            {"input": {"templateId": template["id"], "name": "x", "plannedStart": "2026-01-01"}},
            "createProjectFromTemplate",
            "templateId",
        ),
        (
            CREATE_RISK,
            {
                "input": {
                    "projectId": b_project["id"],
                    "title": "x",
                    "probability": 1,
                    "impact": 1,
                    "ownerId": a.user_id,
                }
            },
            "createRisk",
            "ownerId",
        ),
    ]
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, b.token))[name]
        expected = "INVALID" if field == "ownerId" else "NOT_FOUND"
        assert error_pairs(payload) == [(field, expected)], name


async def test_sql_wall_covers_every_project_and_approval_table(client, db):
    a, *_ = await tenant_a_delivery(client)
    b = await client.sign_up("Tenant B")
    await assert_sql_wall(db, a.tenant_id, b.tenant_id, ALL_TABLES)
    connection = await db.connect()
    migration_tables = await connection.fetch(
        "select tablename from pg_tables where schemaname = 'public' and tablename = any($1::text[])",
        ALL_TABLES,
    )
    assert len(migration_tables) == len(ALL_TABLES) == 19
    not_walled = await connection.fetch(
        "select relname from pg_class where relname = any($1::text[])"
        " and not (relrowsecurity and relforcerowsecurity)",
        ALL_TABLES,
    )
    assert not_walled == []
