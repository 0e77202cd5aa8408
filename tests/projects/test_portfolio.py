"""The portfolio board: health, budget burn and resource load across the projects one may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.projects.documents import (
    CHANGE_PROJECT_STATUS,
    RECORD_EXPENSE,
    add_member,
    create_project,
    create_task,
    ok,
)
from tests.projects.test_resources import allocate

PORTFOLIO = """
query($statuses: [ProjectStatus!]) {
  portfolio(statuses: $statuses) {
    projectCount onTrack atRisk offTrack
    currencies { currency budget actualCost }
    resourceLoad { totals { capacity allocated } overAllocations { overBy user { id } } }
    entries(first: 10) { totalCount edges { node {
      project { name } health { status reasons { code } } cost { burnPercent } allocatedHours } } }
  }
}"""


def this_monday() -> str:
    today = datetime.now(UTC).date()
    return (today - timedelta(days=today.isoweekday() - 1)).isoformat()


async def activate(client, member, project):
    variables = {"id": project["id"], "version": project["version"], "status": "ACTIVE"}
    return (await ok(client, member, CHANGE_PROJECT_STATUS, variables, "changeProjectStatus"))["project"]


async def test_the_portfolio_sums_health_burn_and_load_within_the_readers_scope(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    today = datetime.now(UTC).date()
    burning = await activate(
        client, admin, await create_project(client, admin, name="A burning", budget="1000")
    )
    late = await activate(client, admin, await create_project(client, admin, name="B late", currency="EUR"))
    calm = await create_project(client, admin, name="C calm", budget="200")
    finished = await activate(client, admin, await create_project(client, admin, name="D finished"))
    await ok(
        client,
        admin,
        CHANGE_PROJECT_STATUS,
        {"id": finished["id"], "version": finished["version"], "status": "DONE"},
        "changeProjectStatus",
    )
    expense = {
        "projectId": burning["id"],
        "description": "Servers",
        "amount": "950",
        "incurredOn": today.isoformat(),
    }
    await ok(client, admin, RECORD_EXPENSE, {"input": expense}, "recordExpense")
    await create_task(
        client, admin, late["id"], title="Overdue", dueDate=(today - timedelta(days=3)).isoformat()
    )
    for project in (burning, calm):
        await add_member(client, admin, project["id"], dev)
    await allocate(client, admin, burning, dev, "30", week=this_monday())
    await allocate(client, admin, calm, dev, "20", week=this_monday())

    board = (await client.execute(PORTFOLIO, {"statuses": None}, admin.token))["portfolio"]
    done = (await client.execute(PORTFOLIO, {"statuses": ["DONE"]}, admin.token))["portfolio"]
    mine = (await client.execute(PORTFOLIO, {"statuses": None}, dev.token))["portfolio"]

    assert (board["projectCount"], board["onTrack"], board["atRisk"], board["offTrack"]) == (3, 1, 1, 1)
    assert board["currencies"] == [
        {"currency": "EUR", "budget": "0", "actualCost": "0.00"},
        {"currency": "USD", "budget": "1200.00", "actualCost": "950.00"},
    ]
    entries = [edge["node"] for edge in board["entries"]["edges"]]
    assert [
        (e["project"]["name"], e["health"]["status"], e["cost"]["burnPercent"], e["allocatedHours"])
        for e in entries
    ] == [
        ("A burning", "AT_RISK", "95.0", "30.00"),
        ("B late", "OFF_TRACK", None, "0"),
        ("C calm", "ON_TRACK", "0.0", "20.00"),
    ]
    assert entries[0]["health"]["reasons"] == [{"code": "BUDGET_BURN"}]
    assert board["resourceLoad"]["totals"] == [{"capacity": "40.00", "allocated": "50.00"}]
    assert board["resourceLoad"]["overAllocations"] == [{"overBy": "10.00", "user": {"id": dev.user_id}}]
    assert [edge["node"]["project"]["name"] for edge in done["entries"]["edges"]] == ["D finished"]
    # The developer sees the projects they belong to, no others.
    assert [edge["node"]["project"]["name"] for edge in mine["entries"]["edges"]] == ["A burning", "C calm"]


async def test_another_tenant_portfolio_is_empty(client):
    admin = await client.sign_up()
    await create_project(client, admin, name="Mine")
    other = await client.sign_up("Other")

    board = (await client.execute(PORTFOLIO, {"statuses": None}, other.token))["portfolio"]

    assert board["projectCount"] == 0
    assert board["entries"]["edges"] == [] and board["currencies"] == []
    assert board["resourceLoad"] == {"totals": [], "overAllocations": []}
