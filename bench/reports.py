"""Reports bench: every built-in report on a big tenant and on a 1k-row tenant, and the ratio.

    python -m bench.reports                                   # 200,000 deals and activities vs 1,000
    python -m bench.reports --big 20000 --small 1000 --requests 5
    python -m bench.reports --big 3000 --small 1000 --requests 2   # a smoke run (what CI-sized machines do)

Seeds two tenants by bulk SQL as the owner role with the data builders of the other benches
(`bench.seed`: accounts, contacts, activities; `bench.pipeline_seed`: deals with stage history and
rates), refreshes the job-built rollups (the `reports.refresh` job: activities, funnel, customers) and
analyzes the rollup tables (as autovacuum does after such a rebuild, so the plans are the steady state's,
not those of tables without statistics), then computes each built-in report
through `graph.reports.engine.evaluate` as each tenant's admin (scope ALL) inside that tenant's RLS wall,
`--requests` times after one warm-up, alternating the tenants, and prints the median of each and
big/small. The issue's goal is a ratio of at most 2 (`-` marks a report over it). In-process: the
GraphQL layer adds the same constant to both tenants and is measured by bench.pipeline.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg

import graph.schema  # noqa: F401 - imports every area (models, jobs)
from bench.database import admin_url_for, prepare_database
from bench.pipeline_seed import seed_pipeline
from bench.seed import Sizes, seed
from bench.server import ROOT
from bench.tenants import BenchTenant, create_tenant, production_settings
from gateway.jobs import run_one
from gateway.services import Services
from graph.core.jobs import JOBS
from graph.reports import engine
from graph.reports.catalog import Definition, Grouping, Metric, ReportKind, TimeBucket
from tenants.permissions import Actor, builtin_permissions


def definitions(today: date) -> dict[str, Definition]:
    year = (today - timedelta(days=365), today + timedelta(days=1))
    ahead = (today.replace(day=1), today + timedelta(days=366))

    def made(
        kind: ReportKind, metrics: list[Metric], period: tuple[date, date], **extra: object
    ) -> Definition:
        return Definition(kind, tuple(metrics), period[0], period[1], **extra)  # type: ignore[arg-type]

    return {
        "sales performance by rep, monthly": made(
            ReportKind.SALES_PERFORMANCE,
            [Metric.WON_AMOUNT, Metric.WON_COUNT, Metric.COLLECTED, Metric.TARGET],
            year,
            group_by=Grouping.OWNER,
            bucket=TimeBucket.MONTH,
        ),
        "sales performance by team": made(
            ReportKind.SALES_PERFORMANCE,
            [Metric.WON_AMOUNT, Metric.OUTSTANDING],
            year,
            group_by=Grouping.TEAM,
        ),
        "forecast vs actual, monthly": made(
            ReportKind.FORECAST,
            [Metric.WEIGHTED_FORECAST, Metric.BEST_CASE, Metric.WON_AMOUNT],
            ahead,
            bucket=TimeBucket.MONTH,
        ),
        "funnel and stage velocity": made(
            ReportKind.FUNNEL,
            [Metric.REACHED, Metric.CONVERSION_RATE, Metric.STAGE_DAYS],
            year,
            group_by=Grouping.STAGE,
        ),
        "customers by industry": made(
            ReportKind.CUSTOMERS,
            [Metric.NEW_CUSTOMERS, Metric.LOST_CUSTOMERS, Metric.CHURN_RISK],
            year,
            group_by=Grouping.INDUSTRY,
        ),
        "receivables aging": made(
            ReportKind.RECEIVABLES, [Metric.RECEIVABLE], year, group_by=Grouping.AGING_BUCKET
        ),
        "projects by manager": made(
            ReportKind.PROJECTS,
            [Metric.BUDGET, Metric.LOGGED_HOURS, Metric.UTILISATION],
            year,
            group_by=Grouping.OWNER,
        ),
        "service by priority": made(
            ReportKind.SERVICE,
            [Metric.TICKETS_OPENED, Metric.SLA_ATTAINMENT, Metric.CSAT],
            year,
            group_by=Grouping.PRIORITY,
        ),
        "campaign ROI by channel": made(
            ReportKind.CAMPAIGN_ROI,
            [Metric.CAMPAIGN_COST, Metric.RETURN_ON_SPEND],
            year,
            group_by=Grouping.CHANNEL,
        ),
        "activities per employee, weekly (rollup)": made(
            ReportKind.ACTIVITIES,
            [Metric.ACTIVITY_COUNT],
            year,
            group_by=Grouping.OWNER,
            bucket=TimeBucket.WEEK,
        ),
    }


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n")[0])
    parser.add_argument("--big", type=int, default=200_000, help="deals, and activities, in the big tenant")
    parser.add_argument("--small", type=int, default=1_000, help="deals, and activities, in the small one")
    parser.add_argument("--members", type=int, default=10, help="sales users per tenant")
    parser.add_argument("--requests", type=int, default=5, help="timed computations per report and tenant")
    parser.add_argument(
        "--data-dir", type=Path, default=ROOT / ".crm" / "bench", help="embedded PostgreSQL home"
    )
    parser.add_argument("--database", default="crm_bench_reports", help="database name (recreated)")
    return parser.parse_args(argv)


async def seed_tenant(urls: object, label: str, rows: int, members: int) -> BenchTenant:
    services = Services.build(production_settings(), urls.app)  # type: ignore[attr-defined]
    try:
        tenant = await create_tenant(services, label, members)
    finally:
        await services.db.dispose()
    accounts = max(rows // 10, 10)
    await seed(urls.owner, [(tenant, Sizes(accounts=accounts, contacts=accounts, activities=rows))])  # type: ignore[attr-defined]
    await seed_pipeline(urls.owner, tenant.id, tenant.member_ids, accounts, rows)  # type: ignore[attr-defined]
    return tenant


# Rollups rebuilt by the job or backfilled by a migration: statistics as autovacuum would leave them.
ROLLUP_TABLES = (
    "activity_day_rollups",
    "funnel_rollups",
    "customer_rollups",
    "customer_span_rollups",
    "opportunity_close_rollups",
    "opportunity_close_span_rollups",
)


async def analyze_rollups(owner_url: str) -> None:
    connection = await asyncpg.connect(owner_url)
    try:
        await connection.execute(f"analyze {', '.join(ROLLUP_TABLES)}")
    finally:
        await connection.close()


async def once(services: Services, tenant: BenchTenant, definition: Definition) -> float:
    actor = Actor(tenant.id, tenant.member_ids[0], builtin_permissions("admin"), role_key="admin")
    async with services.db.transaction(tenant.id, actor.user_id) as session:
        started = time.perf_counter()
        await engine.evaluate(session, actor, [(definition, "input")])
        return time.perf_counter() - started


async def timed(
    services: Services, big: BenchTenant, small: BenchTenant, definition: Definition, requests: int
) -> tuple[float, float]:
    """Median seconds on each tenant, the two measured in turn (after one warm-up each), so that a load
    change on a shared machine falls on both rather than on one tenant's batch."""
    seconds: dict[str, list[float]] = {"big": [], "small": []}
    for attempt in range(requests + 1):
        for label, tenant in (("big", big), ("small", small)):
            spent = await once(services, tenant, definition)
            if attempt:  # the first is a warm-up
                seconds[label].append(spent)
    return statistics.median(seconds["big"]), statistics.median(seconds["small"])


async def run(arguments: argparse.Namespace, urls: object) -> str:
    started = time.perf_counter()
    big = await seed_tenant(urls, "reports-big", arguments.big, arguments.members)
    small = await seed_tenant(urls, "reports-small", arguments.small, arguments.members)
    seeded = time.perf_counter() - started
    services = Services.build(production_settings(), urls.app)  # type: ignore[attr-defined]
    try:
        now = datetime.now(UTC)
        for tenant in (big, small):
            await run_one(services.db, "reports.refresh", JOBS["reports.refresh"], tenant.id, now)
        await analyze_rollups(urls.owner)  # type: ignore[attr-defined]
        lines = [
            f"reports bench: {arguments.big:,} vs {arguments.small:,} deals and activities "
            f"(seeded in {seeded:.1f} s), median of {arguments.requests}",
            f"{'report':45} {'big ms':>9} {'small ms':>9} {'ratio':>6}",
        ]
        for name, definition in definitions(now.date()).items():
            on_big, on_small = await timed(services, big, small, definition, arguments.requests)
            ratio = on_big / on_small if on_small else float("inf")
            flag = "" if ratio <= 2 else "  -"
            lines.append(f"{name:45} {on_big * 1000:9.1f} {on_small * 1000:9.1f} {ratio:6.2f}{flag}")
        return "\n".join(lines)
    finally:
        await services.db.dispose()


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    admin_url, _ = admin_url_for(arguments.data_dir)
    urls = prepare_database(admin_url, arguments.database, recreate=True)  # runs its own event loop
    print(asyncio.run(run(arguments, urls)))


if __name__ == "__main__":
    main()
