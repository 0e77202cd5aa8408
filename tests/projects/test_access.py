"""Roles inside a tenant: viewers read, sales reps (scope own) reach only projects they manage or are
members of, and members work on tasks but only the manager changes the project itself."""

from __future__ import annotations

from tests.projects.documents import (
    ADD_CHECKLIST_ITEM,
    ADD_COMMENT,
    ADD_DEPENDENCY,
    ADD_MEMBER,
    BOARD,
    CHANGE_PROJECT_STATUS,
    CHANGE_TASK_STATUS,
    CREATE_MILESTONE,
    CREATE_PROJECT,
    CREATE_TASK,
    GANTT,
    MY_TASKS,
    NODE,
    PROJECT,
    PROJECTS,
    REMOVE_MEMBER,
    UPDATE_PROJECT,
    UPDATE_TASK,
    add_member,
    create_project,
    create_task,
    error_pairs,
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
        payload = (await client.execute(document, variables, viewer.token))[name]
        assert error_pairs(payload) == DENIED, name

    assert (await client.execute(PROJECT, {"id": project["id"]}, viewer.token))["project"]["version"] == 1
    board = (await client.execute(BOARD, {"projectId": project["id"], "perColumn": 5}, viewer.token))[
        "taskBoard"
    ]
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
        payload = (await client.execute(document, variables, rep.token))[name]
        assert error_pairs(payload) == DENIED, name
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
