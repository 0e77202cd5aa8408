"""Seed one large tenant beside small ones, start uvicorn, and measure req/s and p50/p99 per scenario.

    python -m bench.run                      # full size: 100k accounts, 300k contacts, 1M activities
    python -m bench.run --scale 0.1 --duration 5
    python -m bench.run --reuse              # keep the seeded database from a previous run

See bench/README.md for what is measured and the recorded figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import explain, report
from bench.database import admin_url_for, prepare_database, server_facts, with_database
from bench.load import Scenario, Stats, drive
from bench.scenarios import TenantData, crm_scenarios, me_scenario, search_terms
from bench.seed import Sizes, sample_ids, sample_names, seed
from bench.server import ROOT, UvicornServer
from bench.tenants import LARGE, PASSWORD, BenchTenant, create_tenants
from tenants.embedded import DatabaseUrls

RESULTS = Path(__file__).resolve().parent / "results"
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { code message } } }"""


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    size = parser.add_argument_group("data")
    size.add_argument("--accounts", type=int, default=100_000, help="accounts of the large tenant")
    size.add_argument("--contacts", type=int, default=300_000, help="contacts of the large tenant")
    size.add_argument("--activities", type=int, default=1_000_000, help="activities of the large tenant")
    size.add_argument(
        "--scale", type=float, default=1.0, help="multiply the large tenant's sizes (0.1: quick)"
    )
    size.add_argument("--small-tenants", type=int, default=5, help="small tenants beside the large one")
    size.add_argument(
        "--small-accounts",
        type=int,
        default=200,
        help="accounts per small tenant (x3 contacts, x10 activities)",
    )
    size.add_argument(
        "--large-members", type=int, default=10, help="sales users owning the large tenant's rows"
    )
    where = parser.add_argument_group("database")
    where.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / ".crm" / "bench",
        help="embedded PostgreSQL home (ignored when DATABASE_URL, a superuser/admin URL, is set)",
    )
    where.add_argument("--database", default="crm_bench", help="database name (dropped and recreated)")
    where.add_argument("--reuse", action="store_true", help="keep the seeded database if its sizes match")
    load = parser.add_argument_group("load")
    load.add_argument("--duration", type=float, default=10.0, help="seconds per scenario and tenant")
    load.add_argument(
        "--requests", type=int, default=None, help="requests per scenario and tenant (not time)"
    )
    load.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    load.add_argument("--rounds", type=int, default=3, help="alternate large/small slices per scenario")
    load.add_argument("--warmup", type=int, default=30, help="uncounted requests before each measurement")
    load.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    load.add_argument("--pool-size", type=int, default=10, help="CRM_DB_POOL_SIZE of the server")
    load.add_argument("--seed-only", action="store_true", help="prepare and seed the database, then stop")
    load.add_argument("--baseline-only", action="store_true", help="measure only `me` (no CRM schema needed)")
    load.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE of the list queries")
    return parser.parse_args(argv)


def large_sizes(arguments: argparse.Namespace) -> Sizes:
    def scaled(value: int) -> int:
        return max(1, round(value * arguments.scale))

    return Sizes(scaled(arguments.accounts), scaled(arguments.contacts), scaled(arguments.activities))


def small_sizes(arguments: argparse.Namespace) -> Sizes:
    return Sizes(arguments.small_accounts, arguments.small_accounts * 3, arguments.small_accounts * 10)


# --- the seeded database, remembered in a comment on the database so --reuse can find it ----------------


async def read_marker(admin_url: str, database: str) -> dict[str, Any] | None:
    connection = await asyncpg.connect(admin_url)
    try:
        text = await connection.fetchval(
            "select shobj_description(oid, 'pg_database') from pg_database where datname = $1", database
        )
    finally:
        await connection.close()
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


async def write_marker(owner_url: str, database: str, marker: dict[str, Any]) -> None:
    connection = await asyncpg.connect(owner_url)
    try:
        literal = json.dumps(marker).replace("'", "''")
        await connection.execute(f"comment on database \"{database}\" is '{literal}'")
    finally:
        await connection.close()


def tenant_from_json(value: dict[str, Any]) -> BenchTenant:
    return BenchTenant(
        value["label"], value["name"], value["admin_email"], value["id"], list(value["member_ids"])
    )


def prepare(arguments: argparse.Namespace, admin_url: str) -> tuple[DatabaseUrls, list[BenchTenant], dict]:
    """The seeded database: reused when asked and matching, otherwise recreated and seeded now."""
    large, small = large_sizes(arguments), small_sizes(arguments)
    wanted = {"large": asdict(large), "small": asdict(small), "small_tenants": arguments.small_tenants}
    if arguments.reuse:
        marker = asyncio.run(read_marker(admin_url, arguments.database))
        if marker and marker.get("sizes") == wanted and not arguments.baseline_only:
            print(f"bench: reusing {arguments.database} (seeded in {marker['seeding']['total']:.0f}s)")
            urls = prepare_database(admin_url, arguments.database, recreate=False)
            return urls, [tenant_from_json(t) for t in marker["tenants"]], marker["seeding"]
    print(f"bench: creating {arguments.database}: large tenant {large}, {arguments.small_tenants} x {small}")
    started = time.perf_counter()
    urls = prepare_database(admin_url, arguments.database, recreate=True)
    migrated = time.perf_counter()
    tenants = asyncio.run(create_tenants(urls.app, arguments.small_tenants, arguments.large_members))
    created = time.perf_counter()
    seeding: dict[str, Any] = {
        "migrate": migrated - started,
        "tenants (identity service, argon2)": created - migrated,
    }
    if not arguments.baseline_only:
        plan = [(tenant, large if tenant.label == LARGE else small) for tenant in tenants]
        tables, vacuum = asyncio.run(seed(urls.owner, plan))
        seeding.update({f"insert {table}": seconds for table, seconds in tables.items()})
        seeding["vacuum analyze"] = vacuum
    seeding["total"] = time.perf_counter() - started
    marker = {
        "sizes": wanted,
        "tenants": [
            {**asdict(t), "id": str(t.id), "member_ids": [str(m) for m in t.member_ids]} for t in tenants
        ],
        "seeding": seeding,
    }
    if not arguments.baseline_only:
        asyncio.run(write_marker(urls.owner, arguments.database, marker))
    print(f"bench: seeded in {seeding['total']:.1f}s")
    return urls, tenants, seeding


# --- measuring --------------------------------------------------------------------------------------------


async def login(client: httpx.AsyncClient, tenant: BenchTenant) -> str:
    response = await client.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"email": tenant.admin_email, "password": PASSWORD}}},
    )
    payload = response.json()["data"]["login"]
    if not payload["token"]:
        raise RuntimeError(f"login as {tenant.admin_email} failed: {payload['errors']}")
    return str(payload["token"])


async def tenant_data(owner_url: str, tenant: BenchTenant, accounts: int) -> TenantData:
    contacts = await sample_ids(owner_url, tenant, "contacts", 2_000)
    names = await sample_names(owner_url, tenant, 200)
    return TenantData(tenant.label, contacts, search_terms(names), accounts)


async def measure(
    arguments: argparse.Namespace, server: UvicornServer, urls: DatabaseUrls, measured: list[BenchTenant]
) -> list[Stats]:
    sizes = {LARGE: large_sizes(arguments).accounts}
    limits = httpx.Limits(
        max_connections=arguments.concurrency, max_keepalive_connections=arguments.concurrency
    )
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as client:
        plans: list[tuple[BenchTenant, str, list[Scenario]]] = []
        for tenant in measured:
            scenarios = [me_scenario()]
            if not arguments.baseline_only:
                data = await tenant_data(
                    urls.owner, tenant, sizes.get(tenant.label, arguments.small_accounts)
                )
                scenarios += crm_scenarios(data)
            plans.append((tenant, await login(client, tenant), scenarios))
        results: list[Stats] = []
        rounds = max(1, arguments.rounds)
        for index in range(len(plans[0][2])):
            merged: dict[str, Stats] = {}
            # Alternate the tenants in short slices so that a change in background load hits both alike.
            for round_number in range(rounds):
                for tenant, token, scenarios in plans:
                    part = await drive(
                        client,
                        token,
                        scenarios[index],
                        tenant.label,
                        concurrency=arguments.concurrency,
                        duration=None if arguments.requests else arguments.duration / rounds,
                        requests=arguments.requests // rounds if arguments.requests else None,
                        warmup=arguments.warmup if round_number == 0 else 0,
                    )
                    merged[tenant.label] = (
                        merged[tenant.label].merge(part) if tenant.label in merged else part
                    )
            for stats in merged.values():
                print(
                    f"  {stats.scenario:<50} {stats.tenant:<8} {stats.throughput:8.1f} req/s"
                    f"  p50 {stats.percentile_ms(50):7.2f} ms  p99 {stats.percentile_ms(99):7.2f} ms"
                    f"  errors {stats.errors}"
                )
                results.append(stats)
        return results


# --- the report -------------------------------------------------------------------------------------------


def machine() -> str:
    memory = "?"
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
            memory = f"{kib / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {memory} RAM, {platform.platform()}, Python {platform.python_version()}"


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def write_report(
    arguments: argparse.Namespace,
    seeding: dict[str, Any],
    facts: dict[str, str],
    results: list[Stats],
    small_label: str,
    plans: str,
    extra_rows: list[tuple[str, str]],
) -> Path:
    large, small = large_sizes(arguments), small_sizes(arguments)
    load = (
        f"{arguments.requests} requests" if arguments.requests else f"{arguments.duration:g}s"
    ) + f" per scenario and tenant, concurrency {arguments.concurrency}, {arguments.warmup} warm-up requests"
    setup = report.key_value_table(
        [
            ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
            ("commit", git_commit()),
            ("machine", machine()),
            ("PostgreSQL", f"{facts['version']} (shared_buffers {facts['shared_buffers']})"),
            (
                "server",
                f"uvicorn, {arguments.workers} worker(s), CRM_ENV=production, pool {arguments.pool_size}",
            ),
            (
                "large tenant",
                f"{large.accounts:,} accounts, {large.contacts:,} contacts, {large.activities:,} activities",
            ),
            (
                "small tenants",
                f"{arguments.small_tenants} x ({small.accounts:,} accounts / {small.contacts:,}"
                f" / {small.activities:,})",
            ),
            ("load", load),
            *extra_rows,
        ]
    )
    seeding_table = report.key_value_table([(step, f"{seconds:.1f} s") for step, seconds in seeding.items()])
    sections = [
        "# Benchmark run",
        setup,
        "## Results (large tenant vs small tenant)",
        report.results_table(results, small_label),
        report.error_notes(results),
        "## Seeding",
        seeding_table,
    ]
    if plans:
        sections += ["## Query plans", plans]
    text = "\n\n".join(section for section in sections if section) + "\n"
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    admin_url, embedded = admin_url_for(arguments.data_dir)
    print(f"bench: {'embedded PostgreSQL in ' + str(arguments.data_dir) if embedded else 'DATABASE_URL'}")
    urls, tenants, seeding = prepare(arguments, admin_url)
    if arguments.seed_only:
        return 0
    facts = asyncio.run(server_facts(admin_url))
    measured = [tenants[0], tenants[1]] if len(tenants) > 1 else tenants
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    log_path = RESULTS / f"uvicorn-{stamp}.log"
    load_before = os.getloadavg()[0]
    with UvicornServer(
        urls.app, workers=arguments.workers, pool_size=arguments.pool_size, log_path=log_path
    ) as server:
        print(f"bench: uvicorn on {server.base_url} (log {log_path})")
        results = asyncio.run(measure(arguments, server, urls, measured))
    # The load average shows whether something else competed for the CPU during the run.
    extra_rows = [("load average (1 min) before / after", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}")]
    plans = ""
    if not arguments.baseline_only and not arguments.no_explain:
        names = asyncio.run(sample_names(urls.owner, measured[0], 1))
        plans = asyncio.run(
            explain.plans(
                urls.app, with_database(admin_url, arguments.database), measured, search_terms(names)[0]
            )
        )
    path = write_report(arguments, seeding, facts, results, measured[-1].label, plans, extra_rows)
    print(f"bench: report written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
