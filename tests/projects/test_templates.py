from __future__ import annotations

from tests.projects.documents import (
    ADD_CHECKLIST_ITEM,
    ADD_DEPENDENCY,
    CREATE_MILESTONE,
    FROM_TEMPLATE,
    GANTT,
    SAVE_TEMPLATE,
    TEMPLATES,
    create_project,
    create_task,
    error_pairs,
    ok,
)

TASKS = """
query($projectId: ID!) {
  projectGantt(projectId: $projectId) {
    tasks { title startDate dueDate parent { title } milestone { name } checklist { text } dependsOn { title } }
  }
}"""


async def test_template_round_trip_shifts_every_date_to_the_new_start(client):
    admin = await client.sign_up()
    source = await create_project(client, admin, plannedStart="2026-01-05", plannedEnd="2026-02-04")
    milestone = (
        await ok(
            client,
            admin,
            CREATE_MILESTONE,
            {"input": {"projectId": source["id"], "name": "Go-live", "dueDate": "2026-02-01"}},
            "createMilestone",
        )
    )["milestone"]
    design = await create_task(
        client, admin, source["id"], title="Design", startDate="2026-01-05", dueDate="2026-01-09"
    )
    build = await create_task(
        client,
        admin,
        source["id"],
        title="Build",
        startDate="2026-01-12",
        dueDate="2026-01-30",
        milestoneId=milestone["id"],
    )
    await create_task(client, admin, source["id"], title="API", parentId=build["id"], dueDate="2026-01-20")
    await ok(
        client,
        admin,
        ADD_DEPENDENCY,
        {"taskId": build["id"], "dependsOnId": design["id"]},
        "addTaskDependency",
    )
    await ok(
        client, admin, ADD_CHECKLIST_ITEM, {"taskId": design["id"], "text": "Wireframes"}, "addChecklistItem"
    )

    template = (
        await ok(
            client,
            admin,
            SAVE_TEMPLATE,
            {"projectId": source["id"], "name": "Rollout"},
            "saveProjectAsTemplate",
        )
    )["template"]
    duplicate = (
        await client.execute(SAVE_TEMPLATE, {"projectId": source["id"], "name": "Rollout"}, admin.token)
    )["saveProjectAsTemplate"]
    created = (
        await ok(
            client,
            admin,
            FROM_TEMPLATE,
            {
                "input": {
                    "templateId": template["id"],
                    "name": "Rollout for Globex",
                    "plannedStart": "2026-06-01",
                }
            },
            "createProjectFromTemplate",
        )
    )["project"]
    gantt = (await client.execute(TASKS, {"projectId": created["id"]}, admin.token))["projectGantt"]
    listed = (await client.execute(TEMPLATES, {}, admin.token))["projectTemplates"]["nodes"]

    assert (template["milestoneCount"], template["taskCount"], template["durationDays"]) == (1, 3, 30)
    assert error_pairs(duplicate) == [("name", "DUPLICATE")]
    assert (created["plannedStart"], created["plannedEnd"], created["status"]) == (
        "2026-06-01",
        "2026-07-01",
        "PLANNED",
    )
    assert created["milestones"][0]["dueDate"] == "2026-06-28"
    tasks = {task["title"]: task for task in gantt["tasks"]}
    assert (tasks["Design"]["startDate"], tasks["Design"]["dueDate"]) == ("2026-06-01", "2026-06-05")
    assert (tasks["Build"]["startDate"], tasks["Build"]["dueDate"]) == ("2026-06-08", "2026-06-26")
    assert tasks["Build"]["milestone"] == {"name": "Go-live"}
    assert tasks["Build"]["dependsOn"] == [{"title": "Design"}]
    assert tasks["API"]["parent"] == {"title": "Build"}
    assert tasks["Design"]["checklist"] == [{"text": "Wireframes"}]
    assert [t["name"] for t in listed] == ["Rollout"]


async def test_template_input_and_access(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    other = await client.sign_up("Other")
    source = await create_project(client, admin)
    template = (
        await ok(
            client, admin, SAVE_TEMPLATE, {"projectId": source["id"], "name": "T"}, "saveProjectAsTemplate"
        )
    )["template"]

    blank = (await client.execute(SAVE_TEMPLATE, {"projectId": source["id"], "name": " "}, admin.token))[
        "saveProjectAsTemplate"
    ]
    denied = await client.refused(
        SAVE_TEMPLATE, {"projectId": source["id"], "name": "V"}, viewer.token, "saveProjectAsTemplate"
    )
    viewer_create = await client.refused(
        FROM_TEMPLATE,
        {"input": {"templateId": template["id"], "name": "X", "plannedStart": "2026-01-01"}},
        viewer.token,
        "createProjectFromTemplate",
    )
    foreign = (
        await client.execute(
            FROM_TEMPLATE,
            {"input": {"templateId": template["id"], "name": "X", "plannedStart": "2026-01-01"}},
            other.token,
        )
    )["createProjectFromTemplate"]
    foreign_source = (
        await client.execute(SAVE_TEMPLATE, {"projectId": source["id"], "name": "Y"}, other.token)
    )["saveProjectAsTemplate"]
    bad_name = (
        await client.execute(
            FROM_TEMPLATE,
            {"input": {"templateId": template["id"], "name": "", "plannedStart": "2026-01-01"}},
            admin.token,
        )
    )["createProjectFromTemplate"]

    assert error_pairs(blank) == [("name", "REQUIRED")]
    assert denied == [(None, "PERMISSION_DENIED")]
    assert viewer_create == [(None, "PERMISSION_DENIED")]
    assert error_pairs(foreign) == [("templateId", "NOT_FOUND")]
    assert error_pairs(foreign_source) == [("projectId", "NOT_FOUND")]
    assert error_pairs(bad_name) == [("name", "REQUIRED")]
    assert (await client.execute(TEMPLATES, {}, other.token))["projectTemplates"]["nodes"] == []
    assert (await client.execute(GANTT, {"projectId": source["id"]}, admin.token))["projectGantt"][
        "tasks"
    ] == []
