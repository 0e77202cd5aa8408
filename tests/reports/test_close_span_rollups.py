"""Sales performance and forecast from the week/month close rollups (kept by triggers, migration 0381):
every answer equals the same report scanning the deals, also across an exchange-rate change inside a
month (that month's days are converted at their own rates) and after API and bulk-SQL writes (won, amount
changed, owner changed, deleted); the span rows equal a recomputation from the opportunities; a rep sees
only their numbers; another tenant can neither read nor write the rows and the application role may not
delete them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from graph.reports import sales_facts
from tests.admin.documents import create_team, set_team
from tests.crm.documents import create_account
from tests.reports.conftest import REPORT, by_key, money
from tests.reports.test_more_reports import tenant_sql
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named
from tests.sales.pipeline.reporting import set_rate
from tests.support import GraphQLClient, Member, relay_uuid

TODAY = datetime.now(UTC).date()
# A month two months back, whose EUR rate changes on its 15th: its days must be converted one by one.
SPLIT_MONTH = (TODAY.replace(day=1) - timedelta(days=40)).replace(day=1)
RATE_CHANGE = SPLIT_MONTH.replace(day=15)
FIRST_RATE, SECOND_RATE = Decimal("1.10"), Decimal("1.25")
FROM, TO = (TODAY - timedelta(days=200)).isoformat(), (TODAY + timedelta(days=1)).isoformat()
AHEAD = (TODAY.replace(day=1) - timedelta(days=62)).isoformat(), (TODAY + timedelta(days=200)).isoformat()

# (owner, amount, currency, outcome, close day: days ago for won, days ahead for open)
DEALS = [
    ("rae", "1000", "USD", "won", 3),
    ("rae", "500", "EUR", "won", (TODAY - (SPLIT_MONTH + timedelta(days=4))).days),
    ("rae", "700", "EUR", "won", (TODAY - (SPLIT_MONTH + timedelta(days=20))).days),
    ("rae", "300", "EUR", "won", 120),
    ("sam", "2500", "USD", "won", 45),
    ("sam", "900", "EUR", "won", 170),
    ("sam", "4000", "USD", "open", 20),
    ("tia", "800", "EUR", "open", 75),
    ("tia", "600", "USD", "won", 2),
]

DEFINITIONS: list[dict[str, Any]] = [
    {
        "kind": "SALES_PERFORMANCE",
        "metrics": ["WON_AMOUNT", "WON_COUNT"],
        "groupBy": "OWNER",
        "bucket": "MONTH",
    },
    {"kind": "SALES_PERFORMANCE", "metrics": ["WON_AMOUNT"], "groupBy": "TEAM"},
    {"kind": "SALES_PERFORMANCE", "metrics": ["WON_AMOUNT", "WON_COUNT"], "bucket": "WEEK"},
    {"kind": "SALES_PERFORMANCE", "metrics": ["WON_AMOUNT"], "groupBy": "OWNER", "bucket": "QUARTER"},
    {
        "kind": "FORECAST",
        "metrics": ["WEIGHTED_FORECAST", "BEST_CASE", "WON_AMOUNT"],
        "bucket": "MONTH",
        "from": AHEAD[0],
        "to": AHEAD[1],
    },
    {"kind": "FORECAST", "metrics": ["BEST_CASE"], "groupBy": "OWNER", "from": AHEAD[0], "to": AHEAD[1]},
]

STORED_SPANS = """
select grain, day, status, owner_id, currency, opportunity_count, amount, weighted_amount
from opportunity_close_span_rollups
where opportunity_count <> 0 or amount <> 0 or weighted_amount <> 0
order by 1, 2, 3, 4, 5"""
RECOMPUTED_SPANS = """
select g.grain, date_trunc(g.grain, o.day::timestamp)::date, o.status, o.owner_id, o.currency, count(*),
       sum(o.amount), sum(o.amount * o.probability)
from (select *, case when status = 'open' then expected_close_on
                     else (closed_at at time zone 'UTC')::date end as day
      from opportunities) as o cross join (values ('week'), ('month')) as g (grain)
where o.day is not null
group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5"""


@dataclass
class Tenant:
    admin: Member
    members: dict[str, Member]
    team: dict[str, Any]
    deals: list[dict[str, Any]]


@pytest.fixture(scope="module")
async def tenant(http: GraphQLClient, database_urls: Any) -> Tenant:
    admin = await http.sign_up("Span Co", baseCurrency="USD")
    await set_rate(http, admin, "EUR", (TODAY - timedelta(days=400)).isoformat(), str(FIRST_RATE))
    await set_rate(http, admin, "EUR", RATE_CHANGE.isoformat(), str(SECOND_RATE))
    members = {name: await http.add_member(admin, "sales", name) for name in ("rae", "sam", "tia")}
    team = await create_team(http, admin, "West")
    for name in ("rae", "sam"):
        await set_team(http, admin, members[name], team)
    pipeline = await default_pipeline(http, admin)
    won = stage_named(pipeline, "Won")["id"]
    deals, closes = [], []
    for owner, amount, currency, outcome, days in DEALS:
        account = await create_account(http, members[owner], name=f"{owner} {amount}")
        expected = (TODAY + timedelta(days=days if outcome == "open" else 10)).isoformat()
        deal = await create_opportunity(
            http, members[owner], account["id"], amount=amount, currency=currency, expectedCloseOn=expected
        )
        if outcome == "won":
            deal = await moved(http, members[owner], deal, won)
            closes.append(
                (
                    "update opportunities set closed_at = closed_at - make_interval(days => $1) where id = $2",
                    (days, uuid.UUID(relay_uuid(deal["id"]))),
                )
            )
        deals.append(deal)
    await tenant_sql(database_urls, admin.tenant_id, closes, owner=True)  # bulk SQL: the triggers keep up
    return Tenant(admin, members, team, deals)


async def answers(http: GraphQLClient, member: Member, **extra: Any) -> list[dict[str, Any]]:
    results = []
    for definition in DEFINITIONS:
        variables = {"input": {"from": FROM, "to": TO, **definition, **extra}}
        results.append((await http.execute(REPORT, variables, member.token))["report"])
    return results


def figures(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in result.items() if key != "asOf"} for result in results]


async def scanned(http: GraphQLClient, member: Member, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> Any:
    """The same reports scanning the deals (as a custom-field condition makes them do)."""
    with monkeypatch.context() as patch:
        patch.setattr(sales_facts, "rollup_fits", lambda definition: False)
        return figures(await answers(http, member, **extra))


async def spans_agree(database_urls: Any, tenant_id: str) -> None:
    connection = await asyncpg.connect(database_urls.app)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            stored = [tuple(row) for row in await connection.fetch(STORED_SPANS)]
            recomputed = [tuple(row) for row in await connection.fetch(RECOMPUTED_SPANS)]
    finally:
        await connection.close()
    assert stored == recomputed and stored


def in_usd(amount: str, currency: str, day: date) -> Decimal:
    rate = Decimal(1) if currency == "USD" else SECOND_RATE if day >= RATE_CHANGE else FIRST_RATE
    return Decimal(amount) * rate


async def test_the_span_rollups_answer_what_the_deals_answer_through_writes(
    http, database_urls, monkeypatch, tenant
):
    admin, rae = tenant.admin, tenant.members["rae"]
    await spans_agree(database_urls, admin.tenant_id)
    rolled = figures(await answers(http, admin))
    assert rolled == await scanned(http, admin, monkeypatch)
    # Independently: every deal won in the period, each at its closing day's rate (split month included).
    won = [(amount, currency, TODAY - timedelta(days=days)) for _, amount, currency, outcome, days in DEALS]
    expected = sum(
        (
            in_usd(amount, currency, day)
            for (amount, currency, day), deal in zip(won, DEALS, strict=True)
            if deal[3] == "won" and day >= date.fromisoformat(FROM)
        ),
        Decimal(0),
    )
    assert {t["metric"]: t["value"] for t in rolled[2]["totals"]}["WON_AMOUNT"] == money(expected)
    # A rep sees only their numbers, the same as an admin filtering on them.
    assert figures(await answers(http, rae)) == figures(await answers(http, admin, ownerId=rae.user_id))
    assert figures(await answers(http, rae)) == await scanned(http, rae, monkeypatch)
    assert set(by_key(rolled[0], "WON_AMOUNT")) == {
        relay_uuid(tenant.members[name].user_id) for name in ("rae", "sam", "tia")
    }

    # Writes: an open deal is won (API); in bulk SQL an amount changes, a deal changes owner, one goes;
    # a new rate inside another month splits it too.
    pipeline = await default_pipeline(http, admin)
    await moved(http, tenant.members["sam"], tenant.deals[6], stage_named(pipeline, "Won")["id"])
    ids = [uuid.UUID(relay_uuid(deal["id"])) for deal in tenant.deals]
    await tenant_sql(
        database_urls,
        admin.tenant_id,
        [
            ("update opportunities set amount = amount + 111 where id = $1", (ids[1],)),
            (
                "update opportunities set owner_id = $1 where id = $2",
                (uuid.UUID(relay_uuid(tenant.members["tia"].user_id)), ids[4]),
            ),
            ("delete from opportunity_stage_history where opportunity_id = $1", (ids[5],)),
            ("delete from opportunities where id = $1", (ids[5],)),
        ],
        owner=True,
    )
    await set_rate(http, admin, "EUR", (TODAY - timedelta(days=115)).isoformat(), "1.30")
    await spans_agree(database_urls, admin.tenant_id)
    after = figures(await answers(http, admin))
    assert after != rolled
    assert after == await scanned(http, admin, monkeypatch)
    assert figures(await answers(http, rae)) == await scanned(http, rae, monkeypatch)
    assert figures(await answers(http, admin, teamId=tenant.team["id"])) == await scanned(
        http, admin, monkeypatch, teamId=tenant.team["id"]
    )


async def test_another_tenant_cannot_read_or_write_the_span_rollups(http, database_urls, tenant):
    other = await http.sign_up("Span Elsewhere")
    row = (
        "insert into opportunity_close_span_rollups (tenant_id, grain, day, status, owner_id, currency)"
        " values ($1, 'month', date_trunc('month', now())::date, 'won', $2, 'USD')"
    )
    connection = await asyncpg.connect(database_urls.app)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
            assert await connection.fetchval("select count(*) from opportunity_close_span_rollups") == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                async with connection.transaction():
                    await connection.execute(row, uuid.UUID(tenant.admin.tenant_id), uuid.uuid4())
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant.admin.tenant_id)
            assert await connection.fetchval("select count(*) from opportunity_close_span_rollups") > 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await connection.execute("delete from opportunity_close_span_rollups")
    finally:
        await connection.close()
    result = (
        await http.execute(
            REPORT,
            {"input": {"from": FROM, "to": TO, **DEFINITIONS[0]}},
            other.token,
        )
    )["report"]
    assert result["series"] == [] and {t["value"] for t in result["totals"]} == {"0.00", "0"}
