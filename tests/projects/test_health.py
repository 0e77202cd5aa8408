from __future__ import annotations

from tests.projects.documents import (
    CREATE_MILESTONE,
    CREATE_RISK,
    HEALTH,
    LOG_TIME,
    SET_RATE,
    create_project,
    create_task,
    ok,
)


async def health(client, member, project_id, on):
    return (await client.execute(HEALTH, {"id": project_id, "on": on}, member.token))["project"]["health"]


def reasons(result):
    return {(reason["code"], reason["status"]) for reason in result["reasons"]}


async def test_health_lists_each_reason_with_the_status_it_implies(client):
    admin = await client.sign_up()
    project = await create_project(
        client, admin, plannedStart="2026-01-01", plannedEnd="2026-06-30", budget="1000"
    )
    for index in range(4):
        await create_task(client, admin, project["id"], title=f"T{index}", dueDate=f"2026-02-0{index + 1}")
    await ok(
        client,
        admin,
        CREATE_MILESTONE,
        {"input": {"projectId": project["id"], "name": "M", "dueDate": "2026-02-01"}},
        "createMilestone",
    )

    early = await health(client, admin, project["id"], "2026-01-15")
    one_overdue = await health(client, admin, project["id"], "2026-02-02")
    slipped = await health(client, admin, project["id"], "2026-02-20")
    past_end = await health(client, admin, project["id"], "2026-07-01")

    assert early == {"status": "ON_TRACK", "reasons": []}
    assert reasons(one_overdue) == {("OVERDUE_TASKS", "OFF_TRACK"), ("MILESTONE_SLIPPAGE", "AT_RISK")}
    assert one_overdue["status"] == "OFF_TRACK"
    assert "1 of 4 open tasks are overdue" in one_overdue["reasons"][0]["message"]
    assert ("MILESTONE_SLIPPAGE", "OFF_TRACK") in reasons(slipped)
    assert ("PAST_END_DATE", "OFF_TRACK") in reasons(past_end)


async def test_budget_burn_and_high_risks_feed_health(client):
    admin = await client.sign_up()
    project = await create_project(client, admin, budget="1000")
    task = await create_task(client, admin, project["id"])
    await ok(
        client,
        admin,
        SET_RATE,
        {"userId": admin.user_id, "rate": "100", "currency": "USD"},
        "setUserCostRate",
    )
    await ok(
        client,
        admin,
        LOG_TIME,
        {"input": {"taskId": task["id"], "hours": "9.5", "workDate": "2026-01-05"}},
        "logTime",
    )
    burning = await health(client, admin, project["id"], "2026-01-06")
    await ok(
        client,
        admin,
        LOG_TIME,
        {"input": {"taskId": task["id"], "hours": "1", "workDate": "2026-01-06"}},
        "logTime",
    )
    over = await health(client, admin, project["id"], "2026-01-06")
    await ok(
        client,
        admin,
        CREATE_RISK,
        {"input": {"projectId": project["id"], "title": "Key person leaves", "probability": 4, "impact": 4}},
        "createRisk",
    )
    risky = await health(client, admin, project["id"], "2026-01-06")

    assert burning["status"] == "AT_RISK"
    assert reasons(burning) == {("BUDGET_BURN", "AT_RISK")}
    assert reasons(over) == {("BUDGET_BURN", "OFF_TRACK")}
    assert ("HIGH_RISKS", "AT_RISK") in reasons(risky)
