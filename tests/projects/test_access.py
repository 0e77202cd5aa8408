"""Roles inside a tenant: viewers read, sales reps (scope own) reach only projects they manage or are
members of, and members work on tasks but only the manager changes the project itself."""

from __future__ import annotations

from tests.crm.sql import put_in_team
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
    CREATE_PROJECT,
    CREATE_RISK,
    CREATE_TASK,
    DECIDE,
    DEFINE_CHAIN,
    GANTT,
    IMPLEMENT_CHANGE,
    MY_TASKS,
    NODE,
    PROJECT,
    PROJECTS,
    REMOVE_DEPENDENCY,
    REMOVE_MEMBER,
    SUBMIT_CHANGE,
    UPDATE_CHANGE,
    UPDATE_CHECKLIST_ITEM,
    UPDATE_MILESTONE,
    UPDATE_PROJECT,
    UPDATE_RISK,
    UPDATE_TASK,
    add_member,
    create_project,
    create_task,
    define_chain,
    error_pairs,
    ok,
)

DENIED = [(None, "PERMISSION_DENIED")]


def task_writes(project, task, user_id):
    return [
        (CREATE_TASK, {"input": {"projectId": project["id"], "title": "x"}}, "createTask"),
        (UPDATE_TASK, {"id": task["id"], "version": 1, "input": {"title": "x"}}, "updateTask"),
        (CHANGE_TASK_STATUS, {"id": task["id"], "version": 1, "status": "IN_PROGRESS"}, "changeTaskStatus"),
        (ADD_DEPENDENCY, {"taskId": task["id"], "dependsOnId": task["id"]}, "addTaskDependency"),
        (ADD_CHECKLIST_ITEM, {"taskId": task["id"], "text": "x"}, "addChecklistItem"),
        (ADD_COMMENT, {"input": {"taskId": task["id"], "body": "x"}}, "addTaskComment"),
    ]


def project_writes(project, user_id):
    return [
        (UPDATE_PROJECT, {"id": project["id"], "version": 1, "input": {"name": "x"}}, "updateProject"),
        (
            CHANGE_PROJECT_STATUS,
            {"id": project["id"], "version": 1, "status": "ACTIVE"},
            "changeProjectStatus",
        ),
        (ADD_MEMBER, {"projectId": project["id"], "userId": user_id, "role": "LEAD"}, "addProjectMember"),
        (REMOVE_MEMBER, {"projectId": project["id"], "userId": user_id}, "removeProjectMember"),
        (
            CREATE_MILESTONE,
            {"input": {"projectId": project["id"], "name": "M", "dueDate": "2026-01-01"}},
            "createMilestone",
        ),
    ]


async def test_viewer_reads_everything_and_writes_nothing(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    project = await create_project(client, admin)
    task = await create_task(client, admin, project["id"])

    attempts = [
        (CREATE_PROJECT, {"input": {"name": "x"}}, "createProject"),
        *project_writes(project, viewer.user_id),
        *task_writes(project, task, viewer.user_id),
    ]
    for document, variables, name in attempts:
        assert await client.refused(document, variables, viewer.token, name) == DENIED, name

    assert (await client.execute(PROJECT, {"id": project["id"]}, viewer.token))["project"]["version"] == 1
    board = (await client.execute(BOARD, {"projectId": project["id"], "perColumn": 5}, viewer.token))[
        "taskBoard"
    ]["columns"]
    assert board[0]["count"] == 1


async def test_sales_rep_reaches_only_projects_they_manage_or_belong_to(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    project = await create_project(client, admin, name="Admin's")
    task = await create_task(client, admin, project["id"])

    assert (await client.execute(PROJECT, {"id": project["id"]}, rep.token))["project"] is None
    assert (await client.execute(NODE, {"id": task["id"]}, rep.token))["node"] is None
    assert (await client.execute(PROJECTS, {}, rep.token))["projects"]["totalCount"] == 0
    assert (await client.errors(GANTT, {"projectId": project["id"]}, rep.token))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"
    for document, variables, name in task_writes(project, task, rep.user_id):
        payload = (await client.execute(document, variables, rep.token))[name]
        assert [code for _, code in error_pairs(payload)] == ["NOT_FOUND"], name

    own = await create_project(client, rep, name="Rep's")
    await add_member(client, admin, project["id"], rep)

    listed = (await client.execute(PROJECTS, {}, rep.token))["projects"]
    assert sorted(e["node"]["name"] for e in listed["edges"]) == ["Admin's", "Rep's"]
    for document, variables, name in project_writes(project, admin.user_id):
        assert await client.refused(document, variables, rep.token, name) == DENIED, name
    mine = await create_task(client, rep, project["id"], title="Mine", assigneeId=rep.user_id)
    updated = (
        await client.execute(
            UPDATE_TASK, {"id": task["id"], "version": 1, "input": {"title": "Edited"}}, rep.token
        )
    )["updateTask"]
    assert updated["errors"] == []
    assert [e["node"]["id"] for e in (await client.execute(MY_TASKS, {}, rep.token))["myTasks"]["edges"]] == [
        mine["id"]
    ]
    renamed = (
        await client.execute(
            UPDATE_PROJECT, {"id": own["id"], "version": 1, "input": {"name": "Renamed"}}, rep.token
        )
    )["updateProject"]
    assert renamed["errors"] == []


async def test_viewer_is_denied_every_delivery_mutation(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    boss = await client.add_member(admin, "manager", "boss")
    await define_chain(client, admin, {"name": "Boss", "rule": "ANY", "userIds": [boss.user_id]})
    project = await create_project(client, admin, budget="10")
    milestone = (
        await ok(
            client,
            admin,
            CREATE_MILESTONE,
            {"input": {"projectId": project["id"], "name": "M", "dueDate": "2026-01-01"}},
            "createMilestone",
        )
    )["milestone"]
    first = await create_task(client, admin, project["id"])
    second = await create_task(client, admin, project["id"])
    await ok(
        client,
        admin,
        ADD_DEPENDENCY,
        {"taskId": second["id"], "dependsOnId": first["id"]},
        "addTaskDependency",
    )
    item = (
        await ok(client, admin, ADD_CHECKLIST_ITEM, {"taskId": first["id"], "text": "x"}, "addChecklistItem")
    )["item"]
    risk = (
        await ok(
            client,
            admin,
            CREATE_RISK,
            {"input": {"projectId": project["id"], "title": "R", "probability": 1, "impact": 1}},
            "createRisk",
        )
    )["risk"]
    change = (
        await ok(
            client,
            admin,
            CREATE_CHANGE,
            {"input": {"projectId": project["id"], "title": "C", "kind": "SCOPE", "reason": "r"}},
            "createChangeRequest",
        )
    )["changeRequest"]
    submitted = (
        await ok(
            client,
            admin,
            CREATE_CHANGE,
            {"input": {"projectId": project["id"], "title": "S", "kind": "SCOPE", "reason": "r"}},
            "createChangeRequest",
        )
    )["changeRequest"]
    submitted = (
        await ok(client, admin, SUBMIT_CHANGE, {"id": submitted["id"], "version": 1}, "submitChangeRequest")
    )["changeRequest"]

    attempts = [
        (UPDATE_MILESTONE, {"id": milestone["id"], "version": 1, "input": {"name": "x"}}, "updateMilestone"),
        (REMOVE_DEPENDENCY, {"taskId": second["id"], "dependsOnId": first["id"]}, "removeTaskDependency"),
        (
            UPDATE_CHECKLIST_ITEM,
            {"id": item["id"], "version": 1, "input": {"done": True}},
            "updateChecklistItem",
        ),
        (UPDATE_RISK, {"id": risk["id"], "version": 1, "input": {"impact": 2}}, "updateRisk"),
        (UPDATE_CHANGE, {"id": change["id"], "version": 1, "input": {"title": "x"}}, "updateChangeRequest"),
        (SUBMIT_CHANGE, {"id": change["id"], "version": 1}, "submitChangeRequest"),
        (IMPLEMENT_CHANGE, {"id": change["id"], "version": 1}, "implementChangeRequest"),
        (DECIDE, {"requestId": submitted["approval"]["id"], "decision": "APPROVE"}, "decideApproval"),
        (
            DEFINE_CHAIN,
            {
                "input": {
                    "name": "x",
                    "subjectType": "change_request",
                    "steps": [{"name": "s", "rule": "ANY", "userIds": [boss.user_id]}],
                }
            },
            "defineApprovalChain",
        ),
    ]
    for document, variables, name in attempts:
        assert await client.refused(document, variables, viewer.token, name) == DENIED, name


async def test_team_scope_reaches_projects_managed_by_teammates(client, db):
    admin = await client.sign_up()
    lead = await client.add_member(admin, "manager", "lead")
    teammate = await client.add_member(admin, "sales", "teammate")
    stranger = await client.add_member(admin, "sales", "stranger")
    await put_in_team(db, admin.tenant_id, "Delivery", lead.user_id, teammate.user_id)
    ours = await create_project(client, teammate, name="Teammate's")
    theirs = await create_project(client, stranger, name="Stranger's")
    task = await create_task(client, teammate, ours["id"])

    seen = (await client.execute(PROJECTS, {}, lead.token))["projects"]
    renamed = (
        await client.execute(
            UPDATE_PROJECT, {"id": ours["id"], "version": 1, "input": {"name": "Renamed"}}, lead.token
        )
    )["updateProject"]
    hidden = (
        await client.execute(
            UPDATE_PROJECT, {"id": theirs["id"], "version": 1, "input": {"name": "x"}}, lead.token
        )
    )["updateProject"]

    assert [edge["node"]["name"] for edge in seen["edges"]] == ["Teammate's"]
    assert renamed["errors"] == []
    assert error_pairs(hidden) == [("id", "NOT_FOUND")]
    assert (await client.execute(NODE, {"id": task["id"]}, lead.token))["node"] == {"id": task["id"]}
