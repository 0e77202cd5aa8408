"""list50 latency from a 1k-account tenant to a 1M-account tenant, in one run (issue 11: flat within 20 %).

    python -m bench.list_scale                       # seeds 1M + 1k accounts once (~15-30 min), then measures
    python -m bench.list_scale --reuse               # measure again on the seeded database
    python -m bench.list_scale --large-accounts 100000 --duration 5    # quicker

The operation is the peer bench's `list50` (../shared/peer-bench/queries/crm/list50.graphql): the first 50
accounts by name with their owner's name and contact count. Both tenants are seeded with server-side SQL
(`bench/seed.py`: INSERT ... SELECT generate_series, as the owner role inside the tenant's RLS wall) with
`--contacts-per-account` contacts each (their primary account, every fifth also linked to the next one); the
requests go through a real production-mode uvicorn worker as each tenant's admin. Load is closed-loop at every
`--concurrency` level, alternating the two tenants in `--rounds` slices so background load hits both alike.
Afterwards the compiled statement the server runs for the operation (graph/compiled, printed with
`--print-sql`) is timed on the application role with the request path's tenant settings, and EXPLAIN ANALYZEd
for both tenants. Report: printed and written to bench/results/list-scale-<timestamp>.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import report
from bench.database import admin_url_for, prepare_database, server_facts
from bench.load import Scenario, Stats, drive, percentile
from bench.run import RESULTS, git_commit, login, machine, read_marker, tenant_from_json, write_marker
from bench.seed import Sizes, seed
from bench.server import ROOT, UvicornServer
from bench.tenants import LARGE, BenchTenant, create_tenants
from tenants.embedded import DatabaseUrls

LIST50 = """
query list50 {
  accounts(first: 50, orderBy: [{field: NAME, direction: ASC}]) {
    nodes {
      id
      name
      owner { name: fullName }
      contacts: contactCount
    }
  }
}"""
SMALL = "small-1"


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.list_scale",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    data = parser.add_argument_group("data")
    data.add_argument("--large-accounts", type=int, default=1_000_000, help="accounts of the large tenant")
    data.add_argument("--small-accounts", type=int, default=1_000, help="accounts of the small tenant")
    data.add_argument("--contacts-per-account", type=int, default=3, help="contacts seeded per account")
    data.add_argument(
        "--large-members", type=int, default=10, help="sales users owning the large tenant's rows"
    )
    where = parser.add_argument_group("database")
    where.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / ".crm" / "bench",
        help="embedded PostgreSQL home (ignored when DATABASE_URL, a superuser/admin URL, is set)",
    )
    where.add_argument("--database", default="crm_bench_scale", help="database name")
    where.add_argument("--reuse", action="store_true", help="keep the seeded database if its sizes match")
    where.add_argument("--seed-only", action="store_true", help="prepare and seed the database, then stop")
    load = parser.add_argument_group("load")
    load.add_argument(
        "--concurrency", default="1,8", help="comma-separated client counts, each measured on both tenants"
    )
    load.add_argument("--duration", type=float, default=16.0, help="seconds per concurrency and tenant")
    load.add_argument("--rounds", type=int, default=8, help="alternating large/small slices per measurement")
    load.add_argument("--warmup", type=int, default=30, help="uncounted requests before each measurement")
    load.add_argument("--pool-size", type=int, default=10, help="CRM_DB_POOL_SIZE of the server")
    load.add_argument(
        "--sql-runs", type=int, default=50, help="timed runs of the compiled statement per tenant"
    )
    load.add_argument("--print-sql", action="store_true", help="print the compiled statement")
    return parser.parse_args(argv)


def sizes(arguments: argparse.Namespace) -> tuple[Sizes, Sizes]:
    per = arguments.contacts_per_account
    return (
        Sizes(arguments.large_accounts, arguments.large_accounts * per, 0),
        Sizes(arguments.small_accounts, arguments.small_accounts * per, 0),
    )


def prepare(arguments: argparse.Namespace, admin_url: str) -> tuple[DatabaseUrls, list[BenchTenant], dict]:
    """The seeded database: reused when asked and matching, otherwise recreated and seeded now."""
    large, small = sizes(arguments)
    wanted = {"large": asdict(large), "small": asdict(small), "small_tenants": 1}
    if arguments.reuse:
        marker = asyncio.run(read_marker(admin_url, arguments.database))
        if marker and marker.get("sizes") == wanted:
            print(f"list_scale: reusing {arguments.database} (seeded in {marker['seeding']['total']:.0f}s)")
            urls = prepare_database(admin_url, arguments.database, recreate=False)
            return urls, [tenant_from_json(t) for t in marker["tenants"]], marker["seeding"]
    print(f"list_scale: creating {arguments.database}: large {large}, small {small}")
    started = time.perf_counter()
    urls = prepare_database(admin_url, arguments.database, recreate=True)
    tenants = asyncio.run(create_tenants(urls.app, 1, arguments.large_members))
    tables, vacuum = asyncio.run(
        seed(urls.owner, [(tenant, large if tenant.label == LARGE else small) for tenant in tenants])
    )
    seeding: dict[str, Any] = {f"insert {table}": seconds for table, seconds in tables.items()}
    seeding["vacuum analyze"] = vacuum
    seeding["total"] = time.perf_counter() - started
    marker = {
        "sizes": wanted,
        "tenants": [
            {**asdict(t), "id": str(t.id), "member_ids": [str(m) for m in t.member_ids]} for t in tenants
        ],
        "seeding": seeding,
    }
    asyncio.run(write_marker(urls.owner, arguments.database, marker))
    print(f"list_scale: seeded in {seeding['total']:.0f}s")
    return urls, tenants, seeding


def list50_scenario() -> Scenario:
    def check(data: dict[str, Any]) -> str | None:
        nodes = (data.get("accounts") or {}).get("nodes") or []
        if len(nodes) != 50 or any(node["owner"] is None or node["contacts"] is None for node in nodes):
            return f"expected 50 accounts with owner and contacts, got {str(nodes)[:200]}"
        return None

    return Scenario("list50", LIST50, dict, check)


async def measure(
    arguments: argparse.Namespace, server: UvicornServer, tenants: list[BenchTenant]
) -> list[tuple[int, Stats]]:
    levels = [int(value) for value in arguments.concurrency.split(",")]
    limits = httpx.Limits(max_connections=max(levels), max_keepalive_connections=max(levels))
    results: list[tuple[int, Stats]] = []
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as client:
        tokens = [(tenant, await login(client, tenant)) for tenant in tenants]
        scenario = list50_scenario()
        for concurrency in levels:
            merged: dict[str, Stats] = {}
            for round_number in range(arguments.rounds):
                # Each tenant goes first in every other round, so neither always follows the other.
                for tenant, token in tokens if round_number % 2 == 0 else tokens[::-1]:
                    part = await drive(
                        client,
                        token,
                        scenario,
                        tenant.label,
                        concurrency=concurrency,
                        duration=arguments.duration / arguments.rounds,
                        requests=None,
                        warmup=arguments.warmup if round_number == 0 else 0,
                    )
                    merged[tenant.label] = (
                        merged[tenant.label].merge(part) if tenant.label in merged else part
                    )
            for stats in merged.values():
                print(
                    f"  c={concurrency:<3} {stats.tenant:<8} {stats.throughput:8.1f} req/s"
                    f"  p50 {stats.percentile_ms(50):7.2f} ms  p99 {stats.percentile_ms(99):7.2f} ms"
                    f"  errors {stats.errors}"
                )
                results.append((concurrency, stats))
    return results


# --- the statement itself, on the application role ---------------------------------------------------------


async def compiled_statement(tenant: BenchTenant) -> tuple[str, list[Any]]:
    """The statement (and arguments) the server runs for list50 as this tenant's admin."""
    from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

    from config.settings import Settings
    from graph.compiled.planner import Planner
    from graph.core.extensions import validation_rules
    from graph.schema import build_schema
    from tenants.permissions import Actor, builtin_permissions

    settings = Settings(_env_file=None, CRM_ENV="production")  # type: ignore[call-arg]
    planner = Planner(
        build_schema(settings), asyncpg_dialect(), validation_rules(settings), settings.max_tokens
    )
    actor = Actor(tenant.id, tenant.member_ids[0], builtin_permissions("admin"), role_key="admin")
    plan = planner.plan(LIST50, None, {}, actor)
    if plan is None:
        raise RuntimeError("list50 is not compiled: the server serves it with the executor")
    return plan.sql, plan.arguments


async def in_tenant(connection: asyncpg.Connection, tenant: BenchTenant) -> None:
    """The settings the request path sets (crm_authenticate_session, migrations/versions/0100)."""
    await connection.execute(
        "select set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)",
        str(tenant.id),
        str(tenant.member_ids[0]),
    )


async def statement_timings(app_url: str, tenant: BenchTenant, runs: int) -> tuple[list[float], str]:
    """(milliseconds of each run through a prepared statement, EXPLAIN ANALYZE text) as the app role."""
    sql, arguments = await compiled_statement(tenant)
    connection = await asyncpg.connect(app_url)
    try:
        timings = []
        prepared = await connection.prepare(sql)  # as the server's pool does: generic plans after five runs
        for _ in range(runs):
            async with connection.transaction():
                await in_tenant(connection, tenant)
                started = time.perf_counter()
                await prepared.fetchval(*arguments)
                timings.append((time.perf_counter() - started) * 1000)
        async with connection.transaction():
            await in_tenant(connection, tenant)
            rows = await connection.fetch(f"explain (analyze, buffers) {sql}", *arguments)
        return timings, "\n".join(row[0] for row in rows)
    finally:
        await connection.close()


# --- the report -------------------------------------------------------------------------------------------


def results_table(results: list[tuple[int, Stats]]) -> str:
    lines = [
        "| clients | tenant | req/s | p50 ms | p99 ms | requests | errors | p50 vs small | req/s vs small |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    smalls = {concurrency: stats for concurrency, stats in results if stats.tenant == SMALL}
    for concurrency, stats in results:
        small = smalls[concurrency]
        lines.append(
            f"| {concurrency} | {stats.tenant} | {stats.throughput:.1f} | {stats.percentile_ms(50):.2f}"
            f" | {stats.percentile_ms(99):.2f} | {stats.requests} | {stats.errors}"
            f" | {stats.percentile_ms(50) / small.percentile_ms(50):.2f}"
            f" | {stats.throughput / small.throughput:.2f} |"
        )
    return "\n".join(lines)


def sql_table(timings: dict[str, list[float]]) -> str:
    lines = ["| tenant | runs | p50 ms | p99 ms | max ms |", "| --- | ---: | ---: | ---: | ---: |"]
    for label, values in timings.items():
        lines.append(
            f"| {label} | {len(values)} | {statistics.median(values):.2f} | {percentile(values, 99):.2f}"
            f" | {max(values):.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    admin_url, embedded = admin_url_for(arguments.data_dir)
    print(
        f"list_scale: {'embedded PostgreSQL in ' + str(arguments.data_dir) if embedded else 'DATABASE_URL'}"
    )
    urls, tenants, seeding = prepare(arguments, admin_url)
    if arguments.seed_only:
        return 0
    by_label = {tenant.label: tenant for tenant in tenants}
    measured = [by_label[LARGE], by_label[SMALL]]
    facts = asyncio.run(server_facts(admin_url))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    load_before = os.getloadavg()
    with UvicornServer(
        urls.app, workers=1, pool_size=arguments.pool_size, log_path=RESULTS / f"list-scale-{stamp}.log"
    ) as server:
        print(f"list_scale: uvicorn on {server.base_url}")
        results = asyncio.run(measure(arguments, server, measured))
    load_after = os.getloadavg()
    timings: dict[str, list[float]] = {}
    plans: list[str] = []
    for tenant in measured:
        values, plan = asyncio.run(statement_timings(urls.app, tenant, arguments.sql_runs))
        timings[tenant.label] = values
        plans += [f"### {tenant.label}", "```", plan, "```"]
    if arguments.print_sql:
        print(asyncio.run(compiled_statement(measured[0]))[0])
    large, small = sizes(arguments)
    setup = report.key_value_table(
        [
            ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
            ("commit", git_commit()),
            ("machine", machine()),
            ("PostgreSQL", f"{facts['version']} (shared_buffers {facts['shared_buffers']})"),
            ("server", f"uvicorn, 1 worker, CRM_ENV=production, pool {arguments.pool_size}"),
            ("large tenant", f"{large.accounts:,} accounts, {large.contacts:,} contacts"),
            ("small tenant", f"{small.accounts:,} accounts, {small.contacts:,} contacts"),
            ("load", f"{arguments.duration:g}s per tenant and client count in {arguments.rounds} slices"),
            (
                "load average (1/5/15 min) before / after",
                " / ".join("{:.2f} {:.2f} {:.2f}".format(*value) for value in (load_before, load_after)),
            ),
        ]
    )
    seeding_table = report.key_value_table([(step, f"{seconds:.1f} s") for step, seconds in seeding.items()])
    text = "\n\n".join(
        [
            "# list50, small vs large tenant",
            setup,
            "## Through the API",
            results_table(
                [r for r in results if r[1].tenant == LARGE] + [r for r in results if r[1].tenant == SMALL]
            ),
            report.error_notes([stats for _, stats in results]),
            "## The compiled statement alone (application role, prepared)",
            sql_table(timings),
            "## EXPLAIN ANALYZE",
            "\n".join(plans),
            "## Seeding",
            seeding_table,
        ]
    )
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"list-scale-{stamp}.md"
    path.write_text(text + "\n")
    print(f"list_scale: report written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
