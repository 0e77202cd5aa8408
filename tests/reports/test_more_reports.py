"""The remaining built-in reports against plain-Python computations: money collected, outstanding and
targets; receivables aging; new, lost and at-risk customers; service volumes, SLA, CSAT and NPS; project
budgets, hours and utilisation; campaign ROI (marketing's figures reshaped)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from tests.crm.documents import create_account, create_activity
from tests.marketing.documents import add_cost, create_campaign
from tests.reports.conftest import EUR_RATE, by_key, money, report
from tests.sales.commerce.documents import signed_contract
from tests.sales.orders.documents import PAY, confirmed_order, create_target
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named
from tests.support import ok, relay_uuid

TODAY = datetime.now(UTC).date()


def in_usd(amount: str, currency: str) -> Decimal:
    return Decimal(amount) * (EUR_RATE if currency == "EUR" else 1)


def aging_bucket(days: int) -> str:
    """Days past due -> the receivables bucket (current, 1-30, 31-60, 61-90, over 90)."""
    for limit, name in ((0, "current"), (30, "days_1_30"), (60, "days_31_60"), (90, "days_61_90")):
        if days <= limit:
            return name
    return "days_over_90"


async def test_collected_outstanding_target_and_receivables(http, seeded):
    rae, admin = seeded.members["rae"], seeded.admin
    order = await confirmed_order(http, rae)
    paid = (
        await ok(
            http,
            rae,
            PAY,
            {"input": {"orderId": order["id"], "receivedOn": TODAY.isoformat(), "amount": "100"}},
            "recordSalesOrderPayment",
        )
    )["salesOrder"]
    contract = await signed_contract(http, rae)
    await create_target(http, admin, level="USER", userId=rae.user_id, goal="5000")

    result = await report(
        http, admin, kind="SALES_PERFORMANCE", metrics=["COLLECTED", "OUTSTANDING", "TARGET"], groupBy="OWNER"
    )
    key = seeded.user_key("rae")
    assert by_key(result, "COLLECTED")[key] == money(in_usd("100", paid["currency"]))
    owed_order = Decimal(paid["total"]) - Decimal(paid["returnedAmount"]) - Decimal(paid["paidAmount"])
    owed_contract = Decimal(contract["amount"]) - Decimal(contract["paidAmount"])
    assert by_key(result, "OUTSTANDING")[key] == money(
        owed_order * (EUR_RATE if paid["currency"] == "EUR" else 1)
        + owed_contract * (EUR_RATE if contract["currency"] == "EUR" else 1)
    )
    assert by_key(result, "TARGET") == {key: "5000.00"}

    aging = await report(http, admin, kind="RECEIVABLES", metrics=["RECEIVABLE"], groupBy="AGING_BUCKET")
    end = date.fromisoformat(aging["buckets"][0]["startsOn"]) + timedelta(days=90)  # the seed's period
    as_of = end - timedelta(days=1)
    expected = aging_bucket((as_of - date.fromisoformat(contract["startDate"])).days)
    totals = by_key(aging, "RECEIVABLE")
    assert totals[expected] == money(in_usd(contract["amount"], contract["currency"]))
    assert all(value == "0.00" for name, value in totals.items() if name != expected)


async def tenant_sql(
    database_urls, tenant_id: str, statements: list[tuple[str, tuple]], owner: bool = False
) -> None:
    connection = await asyncpg.connect(database_urls.owner if owner else database_urls.app)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            for sql, arguments in statements:
                await connection.execute(sql, *arguments)
    finally:
        await connection.close()


async def test_customers_new_lost_and_at_risk(http, database_urls):
    admin = await http.sign_up("Churn Co")
    pipeline = await default_pipeline(http, admin)
    won = stage_named(pipeline, "Won")["id"]
    accounts, deals = {}, {}
    for name, industry in (("Old", "retail"), ("Fresh", "software")):
        accounts[name] = await create_account(http, admin, name=name, industry=industry)
        deals[name] = await moved(
            http, admin, await create_opportunity(http, admin, accounts[name]["id"]), won
        )
    await create_activity(
        http, admin, subject="Visit", kind="MEETING", done=True, accountId=accounts["Fresh"]["id"]
    )
    # "Old" bought 200 days ago (as the owner: the application may not rewrite history).
    long_ago = datetime.now(UTC) - timedelta(days=200)
    await tenant_sql(
        database_urls,
        admin.tenant_id,
        [
            (
                "update opportunities set closed_at = $1 where id = $2",
                (long_ago, uuid.UUID(relay_uuid(deals["Old"]["id"]))),
            )
        ],
        owner=True,
    )
    start, end = (TODAY - timedelta(days=30)).isoformat(), (TODAY + timedelta(days=1)).isoformat()
    result = await report(
        http,
        admin,
        kind="CUSTOMERS",
        metrics=["NEW_CUSTOMERS", "LOST_CUSTOMERS", "CHURN_RISK"],
        groupBy="INDUSTRY",
        **{"from": start, "to": end},
    )
    # New: first deal won in the period (Fresh). Lost: bought in the year before it, nothing in it (Old).
    # At risk: a customer without a done activity in 90 days (Old); Fresh was visited and buys more.
    assert by_key(result, "NEW_CUSTOMERS") == {"software": "1"}
    assert by_key(result, "LOST_CUSTOMERS") == {"retail": "1"}
    assert by_key(result, "CHURN_RISK") == {"retail": "1"}


async def test_service_and_projects(http, database_urls):
    admin = await http.sign_up("Service Co")
    agent = await http.add_member(admin, "sales", "agent")
    tenant, agent_id, admin_id = (
        admin.tenant_id,
        uuid.UUID(relay_uuid(agent.user_id)),
        uuid.UUID(relay_uuid(admin.user_id)),
    )
    now = datetime.now(UTC)
    tickets = [  # (assignee, priority, resolved, due)
        (agent_id, "high", now - timedelta(hours=2), now - timedelta(hours=1)),
        (agent_id, "high", now - timedelta(hours=1), now - timedelta(hours=3)),
        (None, "normal", None, now + timedelta(hours=5)),
    ]
    surveys = [(0, "csat", 5), (1, "csat", 3), (0, "nps", 10), (1, "nps", 5)]
    entries = [
        (agent_id, Decimal("3"), True),
        (agent_id, Decimal("1"), False),
        (admin_id, Decimal("2"), True),
    ]
    ids = [uuid.uuid4() for _ in tickets]
    project, task = uuid.uuid4(), uuid.uuid4()
    statements = [
        (
            "insert into tickets (tenant_id, id, number, subject, channel, priority, assignee_id, resolved_at,"
            " resolution_due_at) values ($1, $2, $3, 'Help', 'email', $4, $5, $6, $7)",
            (uuid.UUID(tenant), ids[i], f"T-{i}", priority, assignee, resolved, due),
        )
        for i, (assignee, priority, resolved, due) in enumerate(tickets)
    ]
    statements += [
        (
            "insert into surveys (tenant_id, id, ticket_id, kind, token_hash, sent_at, expires_at, answered_at,"
            " score, agent_id) values ($1, $2, $3, $4, $5, $6, $7, $6, $8, $9)",
            (
                uuid.UUID(tenant),
                uuid.uuid4(),
                ids[i],
                kind,
                uuid.uuid4().bytes,
                now,
                now + timedelta(days=9),
                score,
                agent_id,
            ),
        )
        for i, kind, score in surveys
    ]
    statements += [
        (
            "insert into projects (tenant_id, id, code, name, manager_id, currency, budget, planned_start)"
            " values ($1, $2, 'P-1', 'Rollout', $3, 'USD', 1000, $4)",
            (uuid.UUID(tenant), project, admin_id, TODAY),
        ),
        (
            "insert into tasks (tenant_id, id, project_id, title, reporter_id) values ($1, $2, $3, 'Build', $4)",
            (uuid.UUID(tenant), task, project, admin_id),
        ),
    ]
    statements += [
        (
            "insert into time_entries (tenant_id, id, project_id, task_id, user_id, work_date, hours, billable,"
            " created_by_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $5)",
            (uuid.UUID(tenant), uuid.uuid4(), project, task, user, TODAY, hours, billable),
        )
        for user, hours, billable in entries
    ]
    await tenant_sql(database_urls, tenant, statements)

    service = await report(
        http,
        admin,
        kind="SERVICE",
        metrics=["TICKETS_OPENED", "SLA_ATTAINMENT", "CSAT", "NPS"],
        groupBy="PRIORITY",
    )
    opened = {}
    for _, priority, _, _ in tickets:
        opened[priority] = opened.get(priority, 0) + 1
    assert {k: int(v) for k, v in by_key(service, "TICKETS_OPENED").items()} == opened
    resolved = [(r, d) for _, _, r, d in tickets if r is not None]
    attained = Decimal(sum(1 for r, d in resolved if r <= d)) / len(resolved)
    totals = {t["metric"]: t["value"] for t in service["totals"]}
    assert totals["SLA_ATTAINMENT"] == str(attained.quantize(Decimal("0.0001")))
    csat = [score for _, kind, score in surveys if kind == "csat"]
    assert totals["CSAT"] == str((Decimal(sum(csat)) / len(csat)).quantize(Decimal("0.01")))
    nps = [100 if s >= 9 else -100 if s <= 6 else 0 for _, kind, s in surveys if kind == "nps"]
    assert totals["NPS"] == str((Decimal(sum(nps)) / len(nps)).quantize(Decimal("0.01")))
    # The agent (own scope) sees the tickets assigned to them and the unassigned ones.
    mine = await report(http, agent, kind="SERVICE", metrics=["TICKETS_OPENED"])
    assert mine["totals"][0]["value"] == str(len(tickets))

    projects = await report(
        http, admin, kind="PROJECTS", metrics=["BUDGET", "LOGGED_HOURS", "UTILISATION"], groupBy="OWNER"
    )
    hours = {}
    for user, amount, _ in entries:
        hours[str(user)] = hours.get(str(user), Decimal(0)) + amount
    assert {k: Decimal(v) for k, v in by_key(projects, "LOGGED_HOURS").items()} == hours
    assert by_key(projects, "BUDGET") == {str(admin_id): "1000.00"}
    billable = sum((h for _, h, b in entries if b), Decimal(0)) / sum((h for _, h, _ in entries), Decimal(0))
    totals = {t["metric"]: t["value"] for t in projects["totals"]}
    assert totals["UTILISATION"] == str(billable.quantize(Decimal("0.0001")))


async def test_campaign_roi_is_marketings_figures_per_campaign_and_channel(http):
    admin = await http.sign_up("Fair Co")
    costs = {"Expo": ("event", ["1000.50", "20"]), "Ads": ("online_ads", ["300"])}
    for name, (channel, amounts) in costs.items():
        campaign = await create_campaign(http, admin, name=name, channel=channel)
        for amount in amounts:
            await add_cost(http, admin, campaign["id"], amount)
    by_campaign = await report(
        http, admin, kind="CAMPAIGN_ROI", metrics=["CAMPAIGN_COST", "CAMPAIGN_LEADS"], groupBy="CAMPAIGN"
    )
    got = {s["label"]: s["total"] for s in by_campaign["series"] if s["metric"] == "CAMPAIGN_COST"}
    assert got == {
        name: money(sum((Decimal(a) for a in amounts), Decimal(0))) for name, (_, amounts) in costs.items()
    }
    by_channel = await report(http, admin, kind="CAMPAIGN_ROI", metrics=["CAMPAIGN_COST"], groupBy="CHANNEL")
    assert by_key(by_channel, "CAMPAIGN_COST") == {
        channel: money(sum((Decimal(a) for a in amounts), Decimal(0))) for channel, amounts in costs.values()
    }
    assert by_channel["totals"][0]["value"] == money(
        sum((Decimal(a) for _, amounts in costs.values() for a in amounts), Decimal(0))
    )
