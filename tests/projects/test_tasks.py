from __future__ import annotations

from tests.admin.documents import DEACTIVATE
from tests.projects.documents import (
    ADD_CHECKLIST_ITEM,
    ADD_COMMENT,
    ADD_DEPENDENCY,
    BOARD,
    CHANGE_TASK_STATUS,
    CREATE_MILESTONE,
    CREATE_TASK,
    GANTT,
    MY_TASKS,
    OVERDUE,
    REMOVE_DEPENDENCY,
    TASK,
    UPDATE_CHECKLIST_ITEM,
    UPDATE_TASK,
    add_member,
    create_project,
    create_task,
    error_pairs,
    ok,
    set_status,
)


async def test_create_task_with_assignee_milestone_and_parent(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], dev)
    milestone = (
        await ok(
            client,
            admin,
            CREATE_MILESTONE,
            {"input": {"projectId": project["id"], "name": "M1", "dueDate": "2026-03-01"}},
            "createMilestone",
        )
    )["milestone"]
    parent = await create_task(client, admin, project["id"], title="Parent")

    task = await create_task(
        client,
        admin,
        project["id"],
        title=" Build ",
        priority="HIGH",
        assigneeId=dev.user_id,
        milestoneId=milestone["id"],
        parentId=parent["id"],
        estimateHours="8.5",
        startDate="2026-02-01",
        dueDate="2026-02-10",
    )

    assert (task["title"], task["status"], task["priority"], task["estimateHours"]) == (
        "Build",
        "TODO",
        "HIGH",
        "8.50",
    )
    assert task["assignee"]["id"] == dev.user_id
    assert task["reporter"]["id"] == admin.user_id
    assert (task["milestone"]["id"], task["parent"]["id"], task["project"]["id"]) == (
        milestone["id"],
        parent["id"],
        project["id"],
    )
    seen = (await client.execute(TASK, {"id": parent["id"]}, admin.token))["node"]
    assert [subtask["id"] for subtask in seen["subtasks"]] == [task["id"]]


async def test_create_task_rejects_bad_input(client):
    admin = await client.sign_up()
    stranger = await client.add_member(admin, "sales", "stranger")
    project = await create_project(client, admin)
    elsewhere = await create_project(client, admin, name="Elsewhere")
    foreign_parent = await create_task(client, admin, elsewhere["id"])
    cases = [
        ({"title": ""}, [("title", "REQUIRED")]),
        ({"title": "x" * 301}, [("title", "TOO_LONG")]),
        ({"estimateHours": "-1"}, [("estimateHours", "INVALID")]),
        ({"startDate": "2026-02-02", "dueDate": "2026-02-01"}, [("dueDate", "INVALID")]),
        ({"assigneeId": stranger.user_id}, [("assigneeId", "INVALID")]),
        ({"parentId": foreign_parent["id"]}, [("parentId", "NOT_FOUND")]),
        ({"milestoneId": project["id"]}, [("milestoneId", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        variables = {"input": {"projectId": project["id"], "title": "T", **values}}
        payload = (await client.execute(CREATE_TASK, variables, admin.token))["createTask"]
        assert payload["task"] is None, values
        assert error_pairs(payload) == expected, values


async def test_update_task_refuses_parent_cycles_and_stale_versions(client):
    admin = await client.sign_up()
    project = await create_project(client, admin)
    parent = await create_task(client, admin, project["id"], title="Parent")
    child = await create_task(client, admin, project["id"], title="Child", parentId=parent["id"])

    cycle = (
        await client.execute(
            UPDATE_TASK, {"id": parent["id"], "version": 1, "input": {"parentId": child["id"]}}, admin.token
        )
    )["updateTask"]
    renamed = (
        await ok(
            client,
            admin,
            UPDATE_TASK,
            {"id": child["id"], "version": 1, "input": {"title": "Renamed", "parentId": None}},
            "updateTask",
        )
    )["task"]
    stale = (
        await client.execute(
            UPDATE_TASK, {"id": child["id"], "version": 1, "input": {"title": "x"}}, admin.token
        )
    )["updateTask"]

    assert error_pairs(cycle) == [("parentId", "CYCLE")]
    assert (renamed["title"], renamed["parent"], renamed["version"]) == ("Renamed", None, 2)
    assert error_pairs(stale) == [("version", "CONFLICT")]


async def test_status_flow_waits_for_dependencies(client):
    admin = await client.sign_up()
    project = await create_project(client, admin)
    design = await create_task(client, admin, project["id"], title="Design")
    build = await create_task(client, admin, project["id"], title="Build")
    await ok(
        client,
        admin,
        ADD_DEPENDENCY,
        {"taskId": build["id"], "dependsOnId": design["id"]},
        "addTaskDependency",
    )

    waiting = (
        await client.execute(
            CHANGE_TASK_STATUS, {"id": build["id"], "version": 1, "status": "IN_PROGRESS"}, admin.token
        )
    )["changeTaskStatus"]
    skipping = (
        await client.execute(
            CHANGE_TASK_STATUS, {"id": design["id"], "version": 1, "status": "DONE"}, admin.token
        )
    )["changeTaskStatus"]
    design = await set_status(client, admin, design, "IN_PROGRESS")
    design = await set_status(client, admin, design, "DONE")
    build = await set_status(client, admin, build, "IN_PROGRESS")
    build = await set_status(client, admin, build, "BLOCKED")

    assert error_pairs(waiting) == [("status", "INVALID_TRANSITION")]
    assert "Design" in waiting["errors"][0]["message"]
    assert error_pairs(skipping) == [("status", "INVALID_TRANSITION")]
    assert design["completedAt"] is not None
    assert build["status"] == "BLOCKED"


async def test_dependencies_refuse_cycles_naming_the_path(client):
    admin = await client.sign_up()
    project = await create_project(client, admin)
    a, b, c = [await create_task(client, admin, project["id"], title=title) for title in ("A", "B", "C")]
    other_project = await create_project(client, admin, name="Other")
    elsewhere = await create_task(client, admin, other_project["id"], title="Elsewhere")
    await ok(client, admin, ADD_DEPENDENCY, {"taskId": b["id"], "dependsOnId": a["id"]}, "addTaskDependency")
    await ok(client, admin, ADD_DEPENDENCY, {"taskId": c["id"], "dependsOnId": b["id"]}, "addTaskDependency")

    cycle = (await client.execute(ADD_DEPENDENCY, {"taskId": a["id"], "dependsOnId": c["id"]}, admin.token))[
        "addTaskDependency"
    ]
    itself = (await client.execute(ADD_DEPENDENCY, {"taskId": a["id"], "dependsOnId": a["id"]}, admin.token))[
        "addTaskDependency"
    ]
    duplicate = (
        await client.execute(ADD_DEPENDENCY, {"taskId": b["id"], "dependsOnId": a["id"]}, admin.token)
    )["addTaskDependency"]
    across = (
        await client.execute(ADD_DEPENDENCY, {"taskId": a["id"], "dependsOnId": elsewhere["id"]}, admin.token)
    )["addTaskDependency"]
    removed = await ok(
        client, admin, REMOVE_DEPENDENCY, {"taskId": c["id"], "dependsOnId": b["id"]}, "removeTaskDependency"
    )
    missing = (
        await client.execute(REMOVE_DEPENDENCY, {"taskId": c["id"], "dependsOnId": b["id"]}, admin.token)
    )["removeTaskDependency"]

    assert error_pairs(cycle) == [("dependsOnId", "CYCLE")]
    assert "A → C → B → A" in cycle["errors"][0]["message"]
    assert error_pairs(itself) == [("dependsOnId", "CYCLE")]
    assert error_pairs(duplicate) == [("dependsOnId", "DUPLICATE")]
    assert error_pairs(across) == [("dependsOnId", "INVALID")]
    assert removed["task"]["dependsOn"] == []
    assert error_pairs(missing) == [("dependsOnId", "NOT_FOUND")]


async def test_checklist_and_comments_with_mentions(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    other = await client.sign_up("Other")
    project = await create_project(client, admin)
    task = await create_task(client, admin, project["id"])

    first = (
        await ok(
            client, admin, ADD_CHECKLIST_ITEM, {"taskId": task["id"], "text": "Draft"}, "addChecklistItem"
        )
    )["item"]
    second = (
        await ok(
            client, admin, ADD_CHECKLIST_ITEM, {"taskId": task["id"], "text": "Review"}, "addChecklistItem"
        )
    )["item"]
    ticked = (
        await ok(
            client,
            admin,
            UPDATE_CHECKLIST_ITEM,
            {"id": first["id"], "version": 1, "input": {"done": True}},
            "updateChecklistItem",
        )
    )["item"]
    blank = (await client.execute(ADD_CHECKLIST_ITEM, {"taskId": task["id"], "text": " "}, admin.token))[
        "addChecklistItem"
    ]
    stale = (
        await client.execute(
            UPDATE_CHECKLIST_ITEM, {"id": first["id"], "version": 1, "input": {"text": "x"}}, admin.token
        )
    )["updateChecklistItem"]
    comment = (
        await ok(
            client,
            admin,
            ADD_COMMENT,
            {
                "input": {
                    "taskId": task["id"],
                    "body": "@dev please review",
                    "mentions": [dev.user_id, dev.user_id],
                }
            },
            "addTaskComment",
        )
    )["comment"]
    outsider = (
        await client.execute(
            ADD_COMMENT,
            {"input": {"taskId": task["id"], "body": "hi", "mentions": [other.user_id]}},
            admin.token,
        )
    )["addTaskComment"]
    empty = (await client.execute(ADD_COMMENT, {"input": {"taskId": task["id"], "body": ""}}, admin.token))[
        "addTaskComment"
    ]

    assert (first["position"], second["position"]) == (1, 2)
    assert (ticked["done"], ticked["version"]) == (True, 2)
    assert error_pairs(blank) == [("text", "REQUIRED")]
    assert error_pairs(stale) == [("version", "CONFLICT")]
    assert comment["mentions"] == [{"id": dev.user_id}]
    assert error_pairs(outsider) == [("mentions", "NOT_FOUND")]
    assert error_pairs(empty) == [("body", "REQUIRED")]
    seen = (await client.execute(TASK, {"id": task["id"]}, admin.token))["node"]
    assert [(item["text"], item["done"]) for item in seen["checklist"]] == [
        ("Draft", True),
        ("Review", False),
    ]
    assert [c["body"] for c in seen["comments"]] == ["@dev please review"]


async def test_my_tasks_overdue_gantt_and_board(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], dev)
    late = await create_task(
        client,
        dev,
        project["id"],
        title="Late",
        assigneeId=dev.user_id,
        dueDate="2026-01-10",
        startDate="2026-01-02",
    )
    soon = await create_task(
        client,
        dev,
        project["id"],
        title="Soon",
        assigneeId=dev.user_id,
        dueDate="2026-01-20",
        priority="URGENT",
    )
    undated = await create_task(client, dev, project["id"], title="Undated", assigneeId=dev.user_id)
    await create_task(client, admin, project["id"], title="Not mine", dueDate="2026-01-01")
    await ok(
        client, dev, ADD_DEPENDENCY, {"taskId": soon["id"], "dependsOnId": late["id"]}, "addTaskDependency"
    )
    late = await set_status(client, dev, late, "IN_PROGRESS")

    mine = (await client.execute(MY_TASKS, {}, dev.token))["myTasks"]
    in_progress = (await client.execute(MY_TASKS, {"status": ["IN_PROGRESS"]}, dev.token))["myTasks"]
    overdue = (await client.execute(OVERDUE, {"projectId": project["id"], "on": "2026-01-15"}, dev.token))[
        "overdueTasks"
    ]
    gantt = (await client.execute(GANTT, {"projectId": project["id"]}, dev.token))["projectGantt"]
    board = (await client.execute(BOARD, {"projectId": project["id"], "perColumn": 1}, dev.token))[
        "taskBoard"
    ]["columns"]
    too_wide = await client.errors(BOARD, {"projectId": project["id"], "perColumn": 101}, dev.token)

    assert [e["node"]["title"] for e in mine["edges"]] == ["Late", "Soon", "Undated"]
    assert [e["node"]["title"] for e in in_progress["edges"]] == ["Late"]
    assert [e["node"]["title"] for e in overdue["edges"]] == ["Not mine", "Late"]
    assert gantt["tasks"][0]["title"] == "Late"
    assert gantt["dependencies"] == [{"taskId": soon["id"], "dependsOnId": late["id"]}]
    assert gantt["truncated"] is False
    assert [(c["status"], c["count"], [t["title"] for t in c["tasks"]]) for c in board] == [
        ("TODO", 3, ["Soon"]),
        ("IN_PROGRESS", 1, ["Late"]),
        ("BLOCKED", 0, []),
        ("DONE", 0, []),
    ]
    assert too_wide[0]["extensions"]["code"] == "INVALID"
    assert undated["dueDate"] is None


async def test_a_deactivated_member_cannot_be_assigned(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], dev)
    await client.execute(DEACTIVATE, {"userId": dev.user_id}, admin.token)

    payload = (
        await client.execute(
            CREATE_TASK,
            {"input": {"projectId": project["id"], "title": "T", "assigneeId": dev.user_id}},
            admin.token,
        )
    )["createTask"]

    assert error_pairs(payload) == [("assigneeId", "INVALID")]
