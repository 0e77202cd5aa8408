"""Forecast and win rate: figures checked against values computed by hand, in the base currency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.sales.pipeline.documents import (
    create_account,
    create_opportunity,
    default_pipeline,
    moved,
)
from tests.sales.pipeline.reporting import set_rate

FORECAST = """
query($from: Date!, $to: Date!, $period: ReportPeriod!, $groupBy: [ReportGrouping!], $ownerId: ID, $pipelineId: ID) {
  forecast(from: $from, to: $to, period: $period, groupBy: $groupBy, ownerId: $ownerId, pipelineId: $pipelineId) {
    currency
    rows { periodStart owner { id } openCount weightedAmount bestCaseAmount wonCount closedWonAmount unconvertedCount }
    total { periodStart owner { id } openCount weightedAmount bestCaseAmount wonCount closedWonAmount unconvertedCount }
  }
}"""
WIN_RATE = """
query($from: Date!, $to: Date!, $groupBy: [ReportGrouping!], $period: ReportPeriod! = MONTH) {
  winRate(from: $from, to: $to, groupBy: $groupBy, period: $period) {
    currency
    rows { periodStart owner { id } wonCount lostCount winRate wonAmount }
    total { wonCount lostCount winRate wonAmount }
  }
}"""


def month_start(day: date, months_later: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


def figures(row):
    return (
        row["openCount"],
        row["weightedAmount"],
        row["bestCaseAmount"],
        row["wonCount"],
        row["closedWonAmount"],
        row["unconvertedCount"],
    )


async def seeded(client):
    """Base USD; EUR 1.10 until M2, 1.20 from M2; no GBP rate. Returns (admin, rep, month starts)."""
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    s = {stage["name"]: stage["id"] for stage in (await default_pipeline(client, admin))["stages"]}
    today = datetime.now(UTC).date()
    m = [month_start(today, n) for n in range(4)]
    await set_rate(client, admin, "EUR", "2020-01-01", "1.10")
    await set_rate(client, admin, "EUR", str(m[2]), "1.20")
    account = await create_account(client, admin)
    rep_account = await create_account(client, rep)

    async def deal(member, account_id, **values):
        return await create_opportunity(client, member, account_id, **values)

    def day(base: date, days: int) -> str:
        return str(base + timedelta(days=days))

    await deal(
        admin, account["id"], name="a1", amount="1000", stageId=s["Proposal"], expectedCloseOn=day(m[1], 4)
    )
    await deal(admin, account["id"], name="a2", amount="2000", currency="EUR", expectedCloseOn=day(m[1], 10))
    await deal(
        admin,
        account["id"],
        name="a3",
        amount="500",
        currency="EUR",
        stageId=s["Negotiation"],
        probability=40,
        expectedCloseOn=day(m[2], 1),
    )
    await deal(
        rep,
        rep_account["id"],
        name="r1",
        amount="300",
        stageId=s["Qualification"],
        expectedCloseOn=day(m[1], 2),
    )
    r2 = await deal(rep, rep_account["id"], name="r2", amount="800", expectedCloseOn=day(m[3], 20))
    await moved(client, rep, r2, s["Won"])
    a4 = await deal(admin, account["id"], name="a4", amount="999", expectedCloseOn=day(m[1], 1))
    await moved(client, admin, a4, s["Lost"], lostReason="price")
    await deal(admin, account["id"], name="a5", amount="5000", expectedCloseOn=day(m[3], 5))
    await deal(admin, account["id"], name="a6", amount="100", currency="GBP", expectedCloseOn=day(m[1], 1))
    r3 = await deal(rep, rep_account["id"], name="r3", amount="1000", currency="EUR")
    await moved(client, rep, r3, s["Won"])
    return admin, rep, m


async def test_forecast_by_period_and_by_owner(client):
    admin, rep, m = await seeded(client)
    window = {"from": str(m[0]), "to": str(m[3]), "period": "MONTH"}

    by_month = (await client.execute(FORECAST, window, admin.token))["forecast"]
    assert by_month["currency"] == "USD"
    assert [(r["periodStart"], r["owner"], *figures(r)) for r in by_month["rows"]] == [
        (str(m[0]), None, 0, "0.00", "0.00", 2, "1900.00", 0),  # r2 800 USD + r3 1000 EUR x 1.10, won today
        (str(m[1]), None, 4, None, None, 0, "0.00", 1),  # a6 is in GBP without a rate: unknown, not 0.00
        (str(m[2]), None, 1, "240.00", "600.00", 0, "0.00", 0),  # a3: 40% of 500 EUR x 1.20
    ]
    assert figures(by_month["total"]) == (5, None, None, 2, "1900.00", 1)
    assert by_month["total"]["periodStart"] is None

    by_owner = (await client.execute(FORECAST, {**window, "groupBy": ["OWNER"]}, admin.token))["forecast"]
    owners = {r["owner"]["id"]: figures(r) for r in by_owner["rows"]}
    assert owners == {
        admin.user_id: (4, None, None, 0, "0.00", 1),
        rep.user_id: (1, "60.00", "300.00", 2, "1900.00", 0),
    }
    both = (await client.execute(FORECAST, {**window, "groupBy": ["PERIOD", "OWNER"]}, admin.token))[
        "forecast"
    ]
    assert len(both["rows"]) == 4 and figures(both["total"]) == figures(by_month["total"])
    just_total = (await client.execute(FORECAST, {**window, "groupBy": []}, admin.token))["forecast"]
    assert [figures(r) for r in just_total["rows"]] == [figures(by_month["total"])]

    quarters = (await client.execute(FORECAST, {**window, "period": "QUARTER"}, admin.token))["forecast"]
    starts = [r["periodStart"] for r in quarters["rows"]]
    assert all(date.fromisoformat(start).month in (1, 4, 7, 10) for start in starts)
    assert figures(quarters["total"]) == figures(by_month["total"])

    # A rep sees only their own deals, also when asking for someone else's.
    own = (await client.execute(FORECAST, {**window, "groupBy": []}, rep.token))["forecast"]
    assert figures(own["total"]) == (1, "60.00", "300.00", 2, "1900.00", 0)
    others = (await client.execute(FORECAST, {**window, "ownerId": admin.user_id}, rep.token))["forecast"]
    assert others["rows"] == [] and figures(others["total"]) == (0, "0.00", "0.00", 0, "0.00", 0)
    filtered = (
        await client.execute(FORECAST, {**window, "ownerId": rep.user_id, "groupBy": []}, admin.token)
    )["forecast"]
    assert figures(filtered["total"]) == figures(own["total"])

    # With a GBP rate every figure is known: a1 500/1000, a2 220/2200, r1 60/300, a6 10% of 100 GBP x 1.30.
    await set_rate(client, admin, "GBP", "2020-01-01", "1.30")
    priced = (await client.execute(FORECAST, window, admin.token))["forecast"]
    assert figures(priced["rows"][1]) == (4, "793.00", "3630.00", 0, "0.00", 0)
    assert figures(priced["total"]) == (5, "1033.00", "4230.00", 2, "1900.00", 0)


async def test_win_rate_by_owner(client):
    admin, rep, m = await seeded(client)
    window = {"from": str(m[0]), "to": str(m[1])}

    result = (await client.execute(WIN_RATE, window, admin.token))["winRate"]
    rows = {
        r["owner"]["id"]: (r["wonCount"], r["lostCount"], r["winRate"], r["wonAmount"])
        for r in result["rows"]
    }
    assert rows == {admin.user_id: (0, 1, 0.0, "0.00"), rep.user_id: (2, 0, 1.0, "1900.00")}
    total = result["total"]
    assert (total["wonCount"], total["lostCount"], total["winRate"], total["wonAmount"]) == (
        2,
        1,
        0.6667,
        "1900.00",
    )
    by_period = (await client.execute(WIN_RATE, {**window, "groupBy": ["PERIOD"]}, admin.token))["winRate"]
    assert [(r["periodStart"], r["wonCount"], r["lostCount"]) for r in by_period["rows"]] == [
        (str(m[0]), 2, 1)
    ]
    mine = (await client.execute(WIN_RATE, window, rep.token))["winRate"]
    assert [(r["owner"]["id"], r["winRate"]) for r in mine["rows"]] == [(rep.user_id, 1.0)]
    nothing = (await client.execute(WIN_RATE, {"from": "2020-01-01", "to": "2020-02-01"}, admin.token))[
        "winRate"
    ]
    assert nothing["rows"] == [] and nothing["total"]["winRate"] is None


async def test_other_tenant_reports_see_nothing(client):
    _, _, m = await seeded(client)
    other = await client.sign_up("Other")
    window = {"from": str(m[0]), "to": str(m[3]), "period": "MONTH", "groupBy": []}
    result = (await client.execute(FORECAST, window, other.token))["forecast"]
    assert figures(result["total"]) == (0, "0.00", "0.00", 0, "0.00", 0)
    assert (await client.execute(WIN_RATE, {"from": str(m[0]), "to": str(m[1])}, other.token))["winRate"][
        "rows"
    ] == []


async def test_viewer_reads_reports_and_bad_ranges_are_refused(client):
    admin, _, m = await seeded(client)
    viewer = await client.add_member(admin, "viewer", "viewer")
    window = {"from": str(m[0]), "to": str(m[3]), "period": "MONTH", "groupBy": []}
    assert figures((await client.execute(FORECAST, window, viewer.token))["forecast"]["total"])[0] == 5
    errors = await client.errors(FORECAST, {**window, "to": str(m[0])}, admin.token)
    assert errors[0]["extensions"]["code"] == "INVALID"
    errors = await client.errors(FORECAST, {**window, "pipelineId": admin.user_id}, admin.token)
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
