"""Job-built report rollups (funnel, customers, activities; `reports.refresh`): every report they serve
equals the same report computed from the records, for an admin and for a rep (who sees only their
numbers), in day, week and month spans; after moves, new deals and deletes the rollup keeps its snapshot
until the next refresh and then agrees again; custom-field conditions read the records; another tenant's
rows are out of reach in SQL as the application role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from gateway.jobs import run_one
from graph.core.jobs import JOBS
from tests.admin.documents import create_team, define_field, set_team
from tests.crm.documents import create_account, create_activity
from tests.platform.test_round_trips import round_trips  # noqa: F401 - the fixture
from tests.reports.conftest import REPORT
from tests.reports.test_more_reports import tenant_sql
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named
from tests.support import GraphQLClient, Member, relay_uuid

TODAY = datetime.now(UTC).date()
FROM, TO = (TODAY - timedelta(days=170)).isoformat(), (TODAY + timedelta(days=1)).isoformat()
RECENT = (TODAY - timedelta(days=60)).isoformat()

# (owner, account, days ago created, stages moved through, segment)
DEALS = [
    ("rae", "Alpha", 1, ["Qualification"], "smb"),
    ("rae", "Alpha", 12, ["Qualification", "Proposal", "Won"], "enterprise"),
    ("rae", "Beta", 33, ["Lost"], None),
    ("rae", "Beta", 64, ["Qualification", "Won"], "smb"),
    ("sam", "Gamma", 5, ["Proposal"], None),
    ("sam", "Gamma", 95, ["Qualification", "Proposal", "Negotiation", "Won"], "enterprise"),
    ("sam", "Delta", 140, ["Won"], None),
    ("tia", "Tia Co", 150, ["Qualification", "Lost"], "smb"),
]
# (author, days ago, kind)
ACTIVITIES = [
    ("rae", 0, "CALL"),
    ("rae", 3, "EMAIL"),
    ("rae", 20, "CALL"),
    ("rae", 45, "MEETING"),
    ("sam", 8, "CALL"),
    ("sam", 100, "CALL"),
    ("tia", 130, "EMAIL"),
]

DEFINITIONS: list[dict[str, Any]] = [
    {"kind": "FUNNEL", "metrics": ["REACHED", "CONVERSION_RATE", "STAGE_DAYS"], "groupBy": "STAGE"},
    {"kind": "FUNNEL", "metrics": ["REACHED"], "groupBy": "STAGE", "from": RECENT},
    {
        "kind": "CUSTOMERS",
        "metrics": ["NEW_CUSTOMERS", "LOST_CUSTOMERS", "CHURN_RISK"],
        "groupBy": "INDUSTRY",
    },
    {"kind": "CUSTOMERS", "metrics": ["NEW_CUSTOMERS"], "groupBy": "OWNER", "bucket": "MONTH"},
    {"kind": "CUSTOMERS", "metrics": ["CHURN_RISK"], "groupBy": "NONE", "from": RECENT},
    {"kind": "ACTIVITIES", "metrics": ["ACTIVITY_COUNT"], "groupBy": "OWNER", "bucket": "WEEK"},
    {"kind": "ACTIVITIES", "metrics": ["ACTIVITY_COUNT"], "groupBy": "KIND", "bucket": "MONTH"},
    {"kind": "ACTIVITIES", "metrics": ["ACTIVITY_COUNT"], "groupBy": "TEAM", "bucket": "DAY", "from": RECENT},
    {"kind": "ACTIVITIES", "metrics": ["ACTIVITY_COUNT"], "groupBy": "NONE", "bucket": "QUARTER"},
]


@dataclass
class Tenant:
    admin: Member
    members: dict[str, Member]
    team: dict[str, Any]
    deals: list[dict[str, Any]]
    account_ids: dict[str, str]


async def owner_sql(database_urls: Any, tenant_id: str, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """Writes the application does not offer (history, bulk deletes), as the owner inside the tenant."""
    await tenant_sql(database_urls, tenant_id, list(statements), owner=True)


@pytest.fixture(scope="module")
async def tenant(http: GraphQLClient, database_urls: Any) -> Tenant:
    admin = await http.sign_up("Rollup Co", baseCurrency="USD")
    members = {name: await http.add_member(admin, "sales", name) for name in ("rae", "sam", "tia")}
    team = await create_team(http, admin, "North")
    for name in ("rae", "sam"):
        await set_team(http, admin, members[name], team)
    await define_field(http, admin, "opportunity", "segment", "TEXT", filterable=True)
    pipeline = await default_pipeline(http, admin)
    industries = {
        "Alpha": "software",
        "Beta": "retail",
        "Gamma": "software",
        "Delta": None,
        "Tia Co": "retail",
    }
    owners = {"Alpha": "rae", "Beta": "rae", "Gamma": "sam", "Delta": "sam", "Tia Co": "tia"}
    account_ids = {}
    for name, industry in industries.items():
        values = {"industry": industry} if industry else {}
        account = await create_account(http, members[owners[name]], name=name, **values)
        account_ids[name] = account["id"]
    deals, backdated = [], []
    for owner, account, days_ago, stages, segment in DEALS:
        custom = {"custom": {"segment": segment}} if segment else {}
        deal = await create_opportunity(http, members[owner], account_ids[account], **custom)
        for stage in stages:
            extra = {"lostReason": "price"} if stage == "Lost" else {}
            deal = await moved(http, members[owner], deal, stage_named(pipeline, stage)["id"], **extra)
        deals.append(deal)
        backdated.append(
            (
                "update opportunities set created_at = created_at - make_interval(days => $1),"
                " closed_at = closed_at - make_interval(days => $1 / 2) where id = $2",
                (days_ago, uuid.UUID(relay_uuid(deal["id"]))),
            )
        )
    for author, days_ago, kind in ACTIVITIES:
        account = next(name for name, owner in owners.items() if owner == author)
        activity = await create_activity(
            http, members[author], subject=kind, kind=kind, done=True, accountId=account_ids[account]
        )
        backdated.append(
            (
                "update activities set occurred_at = occurred_at - make_interval(days => $1) where id = $2",
                (days_ago, uuid.UUID(relay_uuid(activity["id"]))),
            )
        )
    await owner_sql(database_urls, admin.tenant_id, *backdated)
    return Tenant(admin, members, team, deals, account_ids)


async def answers(http: GraphQLClient, member: Member, **extra: Any) -> list[dict[str, Any]]:
    results = []
    for definition in DEFINITIONS:
        variables = {"input": {"from": FROM, "to": TO, **definition, **extra}}
        results.append((await http.execute(REPORT, variables, member.token))["report"])
    return results


def figures(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in result.items() if key != "asOf"} for result in results]


async def refresh(services: Any, tenant: Tenant, at: datetime) -> str:
    outcome = await run_one(
        services.db, "reports.refresh", JOBS["reports.refresh"], uuid.UUID(tenant.admin.tenant_id), at
    )
    assert not outcome.failed, outcome.summary
    return outcome.summary


async def forget_refreshes(database_urls: Any, tenant: Tenant) -> None:
    """Back to the records: without a refresh marker the reports scan them."""
    await owner_sql(database_urls, tenant.admin.tenant_id, ("delete from report_refreshes", ()))


async def test_rollups_answer_what_the_records_answer_and_keep_their_snapshot(
    http, services, database_urls, tenant
):
    admin, rae = tenant.admin, tenant.members["rae"]
    raw = figures(await answers(http, admin))
    raw_rae = figures(await answers(http, rae))
    raw_admin_as_rae = figures(await answers(http, admin, ownerId=rae.user_id))
    raw_team = figures(await answers(http, admin, teamId=tenant.team["id"]))
    assert raw_rae == raw_admin_as_rae != raw  # a rep sees only their numbers
    assert any(series["values"] for result in raw for series in result["series"])

    first = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    summary = await refresh(services, tenant, first)
    # Customers: accounts with a won deal (Alpha, Beta, Gamma, Delta).
    assert summary.endswith(" funnel rollup rows, 4 customer rollup rows"), summary
    rolled = await answers(http, admin)
    assert figures(rolled) == raw
    assert {datetime.fromisoformat(result["asOf"]) for result in rolled} == {first}
    assert figures(await answers(http, rae)) == raw_rae
    assert figures(await answers(http, admin, teamId=tenant.team["id"])) == raw_team

    # Custom-field conditions need the deals: read live, not from the rollup.
    custom = [{"key": "segment", "equals": "smb"}]
    funnel = {"kind": "FUNNEL", "metrics": ["REACHED"], "groupBy": "STAGE", "from": FROM, "to": TO}
    live = (await http.execute(REPORT, {"input": {**funnel, "custom": custom}}, admin.token))["report"]
    assert datetime.fromisoformat(live["asOf"]) > first

    # Writes after the refresh: a deal moves on, another is deleted, an activity goes, a deal is won.
    pipeline = await default_pipeline(http, admin)
    await moved(http, rae, tenant.deals[0], stage_named(pipeline, "Won")["id"])
    await owner_sql(
        database_urls,
        admin.tenant_id,
        (
            "delete from opportunity_stage_history where opportunity_id = $1",
            (uuid.UUID(relay_uuid(tenant.deals[4]["id"])),),
        ),
        ("delete from opportunities where id = $1", (uuid.UUID(relay_uuid(tenant.deals[4]["id"])),)),
        ("delete from activities where subject = 'MEETING'", ()),
    )
    fresh = await create_opportunity(http, tenant.members["tia"], tenant.account_ids["Tia Co"])
    await moved(http, tenant.members["tia"], fresh, stage_named(pipeline, "Won")["id"])
    assert figures(await answers(http, admin)) == raw  # the snapshot stands until the next refresh

    await forget_refreshes(database_urls, tenant)
    changed = figures(await answers(http, admin))
    changed_rae = figures(await answers(http, rae))
    assert changed != raw
    second = first + timedelta(minutes=1)
    await refresh(services, tenant, second)
    again = await answers(http, admin)
    assert figures(again) == changed
    assert {datetime.fromisoformat(result["asOf"]) for result in again} == {second}
    assert figures(await answers(http, rae)) == changed_rae


ROLLUP_ROWS = {
    "funnel_rollups": (
        "insert into funnel_rollups values ($1, 'day', current_date, $2, $2, 1, 0, 0)",
        2,
    ),
    "customer_rollups": (
        "insert into customer_rollups (tenant_id, account_id, first_won_on, last_won_on, won_days, done_days)"
        " values ($1, $2, current_date, current_date, '{}', '{}')",
        2,
    ),
    "activity_day_rollups": (
        "insert into activity_day_rollups (tenant_id, grain, day, author_id, kind, activity_count)"
        " values ($1, 'day', current_date, $2, 'call', 1)",
        2,
    ),
}


async def test_another_tenant_cannot_read_or_write_the_rollups(http, services, database_urls, tenant):
    await refresh(services, tenant, datetime.now(UTC))
    other = await http.sign_up("Rollup Elsewhere")
    connection = await asyncpg.connect(database_urls.app)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
            for table, (insert, _) in ROLLUP_ROWS.items():
                seen = await connection.fetchval(
                    f"select count(*) from {table} where tenant_id = $1", uuid.UUID(tenant.admin.tenant_id)
                )
                assert seen == 0, table
                assert await connection.fetchval(f"select count(*) from {table}") == 0, table
                with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                    async with connection.transaction():  # a savepoint: the refusal ends only this write
                        await connection.execute(insert, uuid.UUID(tenant.admin.tenant_id), uuid.uuid4())
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant.admin.tenant_id)
            for table in ROLLUP_ROWS:
                assert await connection.fetchval(f"select count(*) from {table}") > 0, table
    finally:
        await connection.close()
    # Through the API: the other tenant's reports read none of it.
    for result in await answers(http, other):
        assert all(value in (None, "0", "0.00") for s in result["series"] for value in s["values"]), result


async def test_reached_and_conversion_share_one_read_with_custom_plans(
    http,
    services,
    tenant,
    round_trips,  # noqa: F811
):
    await refresh(services, tenant, datetime.now(UTC))
    funnel = {"kind": "FUNNEL", "metrics": ["REACHED", "CONVERSION_RATE", "STAGE_DAYS"], "groupBy": "STAGE"}
    variables = {"input": {**funnel, "from": FROM, "to": TO}}
    await http.execute(REPORT, variables, tenant.admin.token)  # statements prepared on the connection
    round_trips.reset()
    result = (await http.execute(REPORT, variables, tenant.admin.token))["report"]
    assert {t["metric"] for t in result["totals"] if t["value"] is not None} == set(funnel["metrics"])
    facts = [sql for sql in round_trips.seen if "UNION ALL" in sql]
    assert len(facts) == 1
    # Reached deals (which conversion divides) once, finished stays once.
    assert facts[0].count("FROM funnel_rollups") == 2, facts[0]
    # Custom plans and no parallel workers for the rest of the transaction, set with the base currency.
    settings = [sql for sql in round_trips.seen if "tenants.base_currency" in sql and "set_config" in sql]
    assert len(settings) == 1 and settings[0].count("set_config(") == 2, round_trips.seen
