"""A delivery project end to end, through GraphQL only: created from a template for a won opportunity →
members added → tasks with dependencies progressed → time logged → a risk raised → a change request
approved in two steps that moves the end date and raises the budget → health changes as tasks go
overdue → project done, with the full status history.
"""

from __future__ import annotations

from tests.crm.documents import create_account
from tests.projects.documents import (
    ADD_DEPENDENCY,
    CHANGE,
    CHANGE_PROJECT_STATUS,
    COST,
    CREATE_CHANGE,
    CREATE_MILESTONE,
    CREATE_RISK,
    FROM_TEMPLATE,
    HEALTH,
    LOG_TIME,
    MY_APPROVALS,
    MY_TASKS,
    PROJECT,
    SAVE_TEMPLATE,
    SET_RATE,
    SUBMIT_CHANGE,
    UPDATE_MILESTONE,
    UPDATE_TASK,
    add_member,
    create_project,
    create_task,
    define_chain,
    ok,
    set_status,
)
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named

TASKS = """
query($projectId: ID!) { projectGantt(projectId: $projectId) { tasks { id title version status dependsOn { title } } } }"""
AUDIT = """
query($id: ID!) { auditLog(filter: {objectId: $id}, first: 50) { edges { node { action } } } }"""
DECIDE = """
mutation($requestId: ID!, $decision: ApprovalDecisionKind!, $comment: String) {
  decideApproval(requestId: $requestId, decision: $decision, comment: $comment) {
    request { status currentStep } errors { field code message }
  }
}"""


async def build_template(client, admin) -> str:
    source = await create_project(
        client, admin, name="Standard rollout", plannedStart="2026-01-05", plannedEnd="2026-03-02"
    )
    milestone = (
        await ok(
            client,
            admin,
            CREATE_MILESTONE,
            {"input": {"projectId": source["id"], "name": "Go-live", "dueDate": "2026-02-27"}},
            "createMilestone",
        )
    )["milestone"]
    design = await create_task(
        client,
        admin,
        source["id"],
        title="Design",
        startDate="2026-01-05",
        dueDate="2026-01-16",
        estimateHours="16",
    )
    build = await create_task(
        client,
        admin,
        source["id"],
        title="Build",
        startDate="2026-01-19",
        dueDate="2026-02-13",
        milestoneId=milestone["id"],
    )
    launch = await create_task(
        client,
        admin,
        source["id"],
        title="Launch",
        startDate="2026-02-16",
        dueDate="2026-02-27",
        milestoneId=milestone["id"],
    )
    await ok(
        client,
        admin,
        ADD_DEPENDENCY,
        {"taskId": build["id"], "dependsOnId": design["id"]},
        "addTaskDependency",
    )
    await ok(
        client,
        admin,
        ADD_DEPENDENCY,
        {"taskId": launch["id"], "dependsOnId": build["id"]},
        "addTaskDependency",
    )
    template = await ok(
        client, admin, SAVE_TEMPLATE, {"projectId": source["id"], "name": "Rollout"}, "saveProjectAsTemplate"
    )
    return template["template"]["id"]


async def health_on(client, member, project_id, on):
    return (await client.execute(HEALTH, {"id": project_id, "on": on}, member.token))["project"]["health"]


async def test_delivery_project_end_to_end(client):
    admin = await client.sign_up("Delivery Co")
    pm = await client.add_member(admin, "manager", "pm")
    dev = await client.add_member(admin, "sales", "dev")
    director = await client.add_member(admin, "manager", "director")
    account = await create_account(client, admin, name="Globex")
    deal = await create_opportunity(client, admin, account["id"], name="Globex rollout deal", amount="48000")
    won = stage_named(await default_pipeline(client, admin), "Won")
    deal = await moved(client, admin, deal, won["id"])
    assert deal["status"] == "WON"
    template_id = await build_template(client, admin)

    # Created from the template for the won deal, starting 2026-03-02 (dates shift by eight weeks).
    project = (
        await ok(
            client,
            admin,
            FROM_TEMPLATE,
            {
                "input": {
                    "templateId": template_id,
                    "name": "Globex rollout",
                    "plannedStart": "2026-03-02",
                    "opportunityId": deal["id"],
                    "managerId": pm.user_id,
                    "budget": "10000",
                    "currency": "USD",
                }
            },
            "createProjectFromTemplate",
        )
    )["project"]
    project_id = project["id"]
    assert (project["plannedStart"], project["plannedEnd"], project["opportunityId"]) == (
        "2026-03-02",
        "2026-04-27",
        deal["id"],
    )
    assert project["account"]["name"] == "Globex"  # taken from the won deal
    assert project["opportunity"] == {"id": deal["id"], "name": "Globex rollout deal", "status": "WON"}

    # Members added; the manager (a lead) runs the project from here on.
    await add_member(client, pm, project_id, dev)
    project = (
        await ok(
            client,
            pm,
            CHANGE_PROJECT_STATUS,
            {"id": project_id, "version": project["version"], "status": "ACTIVE", "comment": "Kick-off"},
            "changeProjectStatus",
        )
    )["project"]
    assert {m["user"]["id"] for m in project["members"]} == {pm.user_id, dev.user_id}

    # Tasks with dependencies progressed.
    tasks = {
        t["title"]: t
        for t in (await client.execute(TASKS, {"projectId": project_id}, pm.token))["projectGantt"]["tasks"]
    }
    assert tasks["Launch"]["dependsOn"] == [{"title": "Build"}]
    for title in ("Design", "Build"):
        updated = await ok(
            client,
            pm,
            UPDATE_TASK,
            {
                "id": tasks[title]["id"],
                "version": tasks[title]["version"],
                "input": {"assigneeId": dev.user_id},
            },
            "updateTask",
        )
        tasks[title] = updated["task"]
    assert [
        e["node"]["title"] for e in (await client.execute(MY_TASKS, {}, dev.token))["myTasks"]["edges"]
    ] == ["Design", "Build"]
    tasks["Design"] = await set_status(client, dev, tasks["Design"], "IN_PROGRESS")
    tasks["Design"] = await set_status(client, dev, tasks["Design"], "DONE")
    tasks["Build"] = await set_status(client, dev, tasks["Build"], "IN_PROGRESS")

    # Time logged at the developer's cost rate.
    await ok(
        client, admin, SET_RATE, {"userId": dev.user_id, "rate": "120", "currency": "USD"}, "setUserCostRate"
    )
    for task, hours, day in (
        ("Design", "8", "2026-03-03"),
        ("Design", "6", "2026-03-04"),
        ("Build", "7.5", "2026-03-16"),
    ):
        await ok(
            client,
            dev,
            LOG_TIME,
            {"input": {"taskId": tasks[task]["id"], "hours": hours, "workDate": day}},
            "logTime",
        )
    cost = (await client.execute(COST, {"id": project_id}, pm.token))["project"]["cost"]
    assert (cost["hours"], cost["laborCost"], cost["burnPercent"]) == ("21.50", "2580.00", "25.8")

    # A risk raised.
    risk = await ok(
        client,
        dev,
        CREATE_RISK,
        {
            "input": {
                "projectId": project_id,
                "title": "Legacy data quality",
                "category": "technical",
                "probability": 3,
                "impact": 4,
            }
        },
        "createRisk",
    )
    assert risk["risk"]["score"] == 12
    assert await health_on(client, pm, project_id, "2026-03-20") == {"status": "ON_TRACK", "reasons": []}

    # A change request approved in two steps moves the end date and raises the budget.
    await define_chain(
        client,
        admin,
        {"name": "Project office", "rule": "ANY", "userIds": [pm.user_id, director.user_id]},
        {"name": "Admin sign-off", "rule": "ALL", "roleKey": "admin"},
    )
    change = (
        await ok(
            client,
            dev,
            CREATE_CHANGE,
            {
                "input": {
                    "projectId": project_id,
                    "title": "Data clean-up",
                    "kind": "BUDGET",
                    "reason": "Legacy data needs cleaning before launch",
                    "costImpact": "2500",
                    "newPlannedEnd": "2026-05-15",
                }
            },
            "createChangeRequest",
        )
    )["changeRequest"]
    change = (
        await ok(
            client,
            dev,
            SUBMIT_CHANGE,
            {"id": change["id"], "version": change["version"]},
            "submitChangeRequest",
        )
    )["changeRequest"]
    request_id = change["approval"]["id"]
    awaiting_pm = (await client.execute(MY_APPROVALS, {"scope": "AWAITING_ME"}, pm.token))["myApprovals"][
        "edges"
    ]
    assert [e["node"]["subjectId"] for e in awaiting_pm] == [change["id"]]
    first = await client.execute(
        DECIDE, {"requestId": request_id, "decision": "APPROVE", "comment": "Needed"}, pm.token
    )
    assert first["decideApproval"] == {"request": {"status": "PENDING", "currentStep": 2}, "errors": []}
    assert (await client.execute(MY_APPROVALS, {"scope": "AWAITING_ME"}, director.token))["myApprovals"][
        "edges"
    ] == []
    second = await client.execute(
        DECIDE, {"requestId": request_id, "decision": "APPROVE", "comment": "Go"}, admin.token
    )
    assert second["decideApproval"] == {"request": {"status": "APPROVED", "currentStep": 2}, "errors": []}
    change = (await client.execute(CHANGE, {"id": change["id"]}, dev.token))["node"]
    assert [(h["toStatus"], h["comment"], h["actor"]["id"]) for h in change["history"]] == [
        ("DRAFT", None, dev.user_id),
        ("SUBMITTED", None, dev.user_id),
        ("UNDER_REVIEW", "Needed", pm.user_id),
        ("APPROVED", "Go", admin.user_id),
        ("IMPLEMENTED", "Applied to the project on approval", admin.user_id),
    ]
    assert [
        (d["stepPosition"], d["approver"]["id"], d["comment"]) for d in change["approval"]["decisions"]
    ] == [
        (1, pm.user_id, "Needed"),
        (2, admin.user_id, "Go"),
    ]
    project = (await client.execute(PROJECT, {"id": project_id}, pm.token))["project"]
    assert (project["budget"], project["plannedEnd"]) == ("12500.00", "2026-05-15")

    # Health changes as tasks go overdue: Build was due 2026-04-10.
    before = await health_on(client, pm, project_id, "2026-04-10")
    after = await health_on(client, pm, project_id, "2026-04-11")
    assert before["status"] == "ON_TRACK"
    assert after["status"] == "OFF_TRACK"
    assert [r["code"] for r in after["reasons"]] == ["OVERDUE_TASKS"]
    assert after["reasons"][0]["message"] == "1 of 2 open tasks are overdue."

    # Work finishes; the milestone completes; the project is done.
    tasks["Build"] = await set_status(client, dev, tasks["Build"], "DONE")
    launch = tasks["Launch"]
    launch = await set_status(client, pm, launch, "IN_PROGRESS")
    await set_status(client, pm, launch, "DONE")
    milestone = project["milestones"][0]
    await ok(
        client,
        pm,
        UPDATE_MILESTONE,
        {"id": milestone["id"], "version": 1, "input": {"completedOn": "2026-05-14"}},
        "updateMilestone",
    )
    project = (await client.execute(PROJECT, {"id": project_id}, pm.token))["project"]
    done = (
        await ok(
            client,
            pm,
            CHANGE_PROJECT_STATUS,
            {"id": project_id, "version": project["version"], "status": "DONE", "comment": "Delivered"},
            "changeProjectStatus",
        )
    )["project"]
    assert [
        (h["fromStatus"], h["toStatus"], h["comment"], h["actor"]["id"]) for h in done["statusHistory"]
    ] == [
        (None, "PLANNED", "Created", admin.user_id),
        ("PLANNED", "ACTIVE", "Kick-off", pm.user_id),
        ("ACTIVE", "DONE", "Delivered", pm.user_id),
    ]
    assert await health_on(client, pm, project_id, "2026-06-01") == {"status": "ON_TRACK", "reasons": []}
    actions = [
        e["node"]["action"]
        for e in (await client.execute(AUDIT, {"id": project_id}, admin.token))["auditLog"]["edges"]
    ]
    assert {
        "project.create",
        "project.create_from_template",
        "project.status",
        "project.member_add",
        "project.change_applied",
    } <= set(actions)
