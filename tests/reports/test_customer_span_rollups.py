"""Customer analysis from counts per span (`customer_span_rollups`, migration 0390, built by
`reports.refresh`): new, lost and at-risk customers equal the same reports scanning the accounts, deals and
activities, for periods now and in the past (a period ending on a day a customer's state changes; lost
customers who won again after the period), every grouping and time bucket, as an admin (every-owner rows),
a rep (only their numbers), with owner and team filters; writes after a refresh leave the snapshot as it
was until the next refresh, which agrees with the records again; another tenant can neither read nor
write the rows, in SQL as the application role or through the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from gateway.jobs import run_one
from graph.core.jobs import JOBS
from tests.admin.documents import create_team, set_team
from tests.crm.documents import create_account, create_activity
from tests.reports.test_more_reports import tenant_sql
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named
from tests.support import GraphQLClient, Member, relay_uuid

TODAY = datetime.now(UTC).date()

# name: (owner, industry, region, days ago each deal was won, days ago each done activity happened)
CUSTOMERS: dict[str, tuple[str | None, str | None, str | None, list[int], list[int]]] = {
    "Alpha": ("rae", "software", "north", [400, 250, 10], [5]),
    "Beta": ("rae", "retail", None, [300], []),
    "Gamma": ("sam", "software", "south", [420, 150, 150], [100, 20]),
    "Delta": ("sam", None, "north", [180, 170, 60], [60]),  # fewer wins lately: declining orders
    "Echo": ("tia", "retail", "south", [220, 30], [30]),  # lost for a while, then won again
    "Foxtrot": (None, "media", None, [120], []),  # no owner: only whoever sees every account counts it
    "Golf": ("sam", "software", None, [5], [1]),
}

# Periods as (days ago from, days ago to): now, in the past (lost customers who bought again after the
# period), one ending on a day a state changes (Delta's win 60 days ago puts the end 59 days ago).
PERIODS = [(365, -1), (200, 100), (120, 59), (30, -1), (500, 300), (250, 31)]
GROUPINGS = ["NONE", "INDUSTRY", "REGION", "SOURCE", "OWNER", "TEAM"]
METRICS = ["NEW_CUSTOMERS", "LOST_CUSTOMERS", "CHURN_RISK"]
BUCKETED = [("MONTH", (365, -1)), ("WEEK", (120, 59)), ("QUARTER", (500, 300)), ("DAY", (40, 20))]


def day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def definitions() -> list[dict[str, Any]]:
    """Each period with two groupings (every grouping twice over the periods), and new customers in
    each time bucket."""
    chosen = [
        {"kind": "CUSTOMERS", "metrics": METRICS, "groupBy": grouping, "from": day(start), "to": day(end)}
        for index, (start, end) in enumerate(PERIODS)
        for grouping in (GROUPINGS[index], GROUPINGS[(index + 1) % len(GROUPINGS)])
    ]
    chosen += [
        {"kind": "CUSTOMERS", "metrics": ["NEW_CUSTOMERS"], "groupBy": "INDUSTRY", "bucket": bucket}
        | {"from": day(start), "to": day(end)}
        for bucket, (start, end) in BUCKETED
    ]
    return chosen


FIELDS = "kind asOf buckets { startsOn } series { metric key label values total } totals { metric value }"


@dataclass
class Tenant:
    admin: Member
    members: dict[str, Member]
    team: dict[str, Any]
    accounts: dict[str, str]
    deals: dict[str, list[str]]


async def owner_sql(database_urls: Any, tenant: Tenant, *statements: tuple[str, tuple[Any, ...]]) -> None:
    await tenant_sql(database_urls, tenant.admin.tenant_id, list(statements), owner=True)


async def won_deal(http: GraphQLClient, member: Member, account_id: str, won: str) -> str:
    deal = await create_opportunity(http, member, account_id)
    return relay_uuid((await moved(http, member, deal, won))["id"])


@pytest.fixture(scope="module")
async def tenant(http: GraphQLClient, database_urls: Any) -> Tenant:
    admin = await http.sign_up("Customer Spans Co", baseCurrency="USD")
    members = {name: await http.add_member(admin, "sales", name) for name in ("rae", "sam", "tia")}
    team = await create_team(http, admin, "North")
    for name in ("rae", "sam"):
        await set_team(http, admin, members[name], team)
    won = stage_named(await default_pipeline(http, admin), "Won")["id"]
    seeded = Tenant(admin, members, team, {}, {})
    backdated: list[tuple[str, tuple[Any, ...]]] = []
    for name, (owner, industry, region, wins, activities) in CUSTOMERS.items():
        member = members[owner] if owner else admin
        values = {"industry": industry} if industry else {}
        account = (await create_account(http, member, name=name, **values))["id"]
        seeded.accounts[name] = account
        seeded.deals[name] = []
        for days_ago in wins:
            deal = await won_deal(http, member, account, won)
            seeded.deals[name].append(deal)
            backdated.append(
                (
                    "update opportunities set closed_at = closed_at - make_interval(days => $1) where id = $2",
                    (days_ago, uuid.UUID(deal)),
                )
            )
        for days_ago in activities:
            activity = await create_activity(http, member, kind="CALL", done=True, accountId=account)
            backdated.append(
                (
                    "update activities set occurred_at = occurred_at - make_interval(days => $1)"
                    " where id = $2",
                    (days_ago, uuid.UUID(relay_uuid(activity["id"]))),
                )
            )
        row = uuid.UUID(relay_uuid(account))
        backdated.append(("update accounts set region = $1 where id = $2", (region, row)))
        if owner is None:
            backdated.append(("update accounts set owner_id = null where id = $1", (row,)))
    # Not a customer: a deal, but none won.
    prospect = await create_account(http, members["tia"], name="Hotel", industry="retail")
    await create_opportunity(http, members["tia"], prospect["id"])
    await owner_sql(database_urls, seeded, *backdated)
    return seeded


async def answers(http: GraphQLClient, member: Member, **extra: Any) -> list[dict[str, Any]]:
    """Every definition, in aliased batches (at most 30 aliases a request), without `asOf`."""
    chosen = [{**definition, **extra} for definition in definitions()]
    results: list[dict[str, Any]] = []
    for first in range(0, len(chosen), 25):
        batch = chosen[first : first + 25]
        arguments = ", ".join(f"$i{index}: ReportInput!" for index in range(len(batch)))
        fields = " ".join(f"r{index}: report(input: $i{index}) {{ {FIELDS} }}" for index in range(len(batch)))
        data = await http.execute(
            f"query({arguments}) {{ {fields} }}",
            {f"i{index}": definition for index, definition in enumerate(batch)},
            member.token,
        )
        results += [data[f"r{index}"] for index in range(len(batch))]
    return results


def figures(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in result.items() if key != "asOf"} for result in results]


async def views(http: GraphQLClient, tenant: Tenant) -> dict[str, list[dict[str, Any]]]:
    """The reports as the admin (every-owner rows), a rep, and the admin filtered by owner and by team."""
    admin, rae = tenant.admin, tenant.members["rae"]
    return {
        "admin": figures(await answers(http, admin)),
        "rae": figures(await answers(http, rae)),
        "admin, sam only": figures(await answers(http, admin, ownerId=tenant.members["sam"].user_id)),
        "admin, team": figures(await answers(http, admin, teamId=tenant.team["id"])),
    }


async def refresh(services: Any, tenant_id: str, at: datetime) -> None:
    outcome = await run_one(services.db, "reports.refresh", JOBS["reports.refresh"], uuid.UUID(tenant_id), at)
    assert not outcome.failed, outcome.summary


async def forget_refreshes(database_urls: Any, tenant: Tenant) -> None:
    await owner_sql(database_urls, tenant, ("delete from report_refreshes", ()))


def total(results: list[dict[str, Any]], index: int, metric: str) -> str:
    return next(t["value"] for t in results[index]["totals"] if t["metric"] == metric)


async def test_span_counts_answer_what_the_records_answer_before_and_after_writes(
    http, services, database_urls, tenant
):
    scanned = await views(http, tenant)
    # The fixture is rich enough: each metric counts someone somewhere, a rep sees less than the admin.
    for metric in METRICS:
        assert any(total(scanned["admin"], index, metric) != "0" for index in range(len(PERIODS) * 2)), metric
    assert scanned["rae"] != scanned["admin"]
    # 200-100 days ago, lost: Beta (won 300 days ago), and Echo (220) and Alpha (400, 250), who both
    # bought again after the period.
    past = PERIODS.index((200, 100))  # grouped by INDUSTRY and REGION
    lost = {
        series["key"]: series["total"]
        for series in scanned["admin"][2 * past]["series"]
        if series["metric"] == "LOST_CUSTOMERS"
    }
    assert lost == {"retail": "2", "software": "1"}, lost

    first = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    await refresh(services, tenant.admin.tenant_id, first)
    assert {datetime.fromisoformat(r["asOf"]) for r in await answers(http, tenant.admin)} == {first}
    rolled = await views(http, tenant)
    for view, results in scanned.items():
        for index, (expected, got) in enumerate(zip(results, rolled[view], strict=True)):
            assert got == expected, (view, definitions()[index], got, expected)

    # Writes after the refresh: Beta wins again, one of Gamma's wins and Alpha's activity go, Alpha
    # changes industry, Delta changes owner.
    won = stage_named(await default_pipeline(http, tenant.admin), "Won")["id"]
    await won_deal(http, tenant.members["rae"], tenant.accounts["Beta"], won)
    gamma_deal = uuid.UUID(tenant.deals["Gamma"][1])
    await owner_sql(
        database_urls,
        tenant,
        ("delete from opportunity_stage_history where opportunity_id = $1", (gamma_deal,)),
        ("delete from opportunities where id = $1", (gamma_deal,)),
        ("delete from activities where account_id = $1", (uuid.UUID(relay_uuid(tenant.accounts["Alpha"])),)),
        (
            "update accounts set industry = 'retail' where id = $1",
            (uuid.UUID(relay_uuid(tenant.accounts["Alpha"])),),
        ),
        (
            "update accounts set owner_id = $1 where id = $2",
            (
                uuid.UUID(relay_uuid(tenant.members["tia"].user_id)),
                uuid.UUID(relay_uuid(tenant.accounts["Delta"])),
            ),
        ),
    )
    assert await views(http, tenant) == rolled  # the snapshot stands until the next refresh

    await forget_refreshes(database_urls, tenant)
    changed = await views(http, tenant)
    assert changed["admin"] != scanned["admin"]
    await refresh(services, tenant.admin.tenant_id, first + timedelta(minutes=1))
    again = await views(http, tenant)
    for view, results in changed.items():
        for index, (expected, got) in enumerate(zip(results, again[view], strict=True)):
            assert got == expected, (view, definitions()[index], got, expected)


SPAN_ROW = (
    "insert into customer_span_rollups (tenant_id, figure, grouping, grain, day, owner_id, category,"
    " customers) values ($1, 'new', 'none', 'day', current_date, $2, null, 1)"
)


async def test_another_tenant_cannot_read_or_write_the_span_counts(http, services, database_urls, tenant):
    await refresh(services, tenant.admin.tenant_id, datetime.now(UTC))
    other = await http.sign_up("Customer Spans Elsewhere")
    await refresh(services, other.tenant_id, datetime.now(UTC))  # its reports read its own (empty) rows
    victim = uuid.UUID(tenant.admin.tenant_id)
    connection = await asyncpg.connect(database_urls.app)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
            assert await connection.fetchval("select count(*) from customer_span_rollups") == 0
            seen = "select count(*) from customer_span_rollups where tenant_id = $1"
            assert await connection.fetchval(seen, victim) == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                async with connection.transaction():
                    await connection.execute(SPAN_ROW, victim, uuid.uuid4())
            changed = await connection.execute(
                "update customer_span_rollups set customers = 99 where tenant_id = $1", victim
            )
            assert changed == "UPDATE 0"
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant.admin.tenant_id)
            assert await connection.fetchval("select count(*) from customer_span_rollups") > 0
            assert (
                await connection.fetchval("select count(*) from customer_span_rollups where customers = 99")
                == 0
            )
    finally:
        await connection.close()
    for result in await answers(http, other):
        assert all(value in (None, "0") for s in result["series"] for value in s["values"]), result
        assert all(t["value"] in (None, "0") for t in result["totals"]), result
