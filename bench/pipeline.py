"""Sales pipeline bench: 200k opportunities in one tenant, funnel/forecast/board timed through GraphQL.

    python -m bench.pipeline                          # 200,000 opportunities, 20 requests per query
    python -m bench.pipeline --opportunities 20000 --requests 10
    python -m bench.pipeline --reuse                  # keep a database seeded by an earlier run
    python -m bench.pipeline --reuse --compare-with ../old-checkout   # two servers taking turns

Seeds by bulk SQL as the owner role (see bench/pipeline_seed.py), starts the server as a real uvicorn
process in production mode, logs in as the tenant's admin (scope ALL) and as one sales rep (scope OWN),
and sends each report query `--requests` times one after another (concurrency 1: latency, not
throughput). Figures are recorded in bench/README.md under "Sales pipeline".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.database import admin_url_for, prepare_database
from bench.load import Scenario, Stats, drive
from bench.pipeline_seed import seed_pipeline
from bench.seed import ACCOUNTS, CITIES, INDUSTRIES, SUFFIXES, SYLLABLES, in_batches, words
from bench.server import ROOT, UvicornServer
from bench.tenants import LARGE, PASSWORD, BenchTenant, create_tenant, production_settings
from gateway.services import Services
from tenants.embedded import checked_identifier

RESULTS = Path(__file__).resolve().parent / "results"
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { code message } } }"""
FUNNEL = """
query($from: Date!, $to: Date!) { funnel(from: $from, to: $to) {
  total stages { stage { name } count amount reached conversionRate averageDaysInStage } } }"""
FORECAST = """
query($from: Date!, $to: Date!, $period: ReportPeriod!, $groupBy: [ReportGrouping!]) {
  forecast(from: $from, to: $to, period: $period, groupBy: $groupBy) {
    rows { periodStart owner { fullName } openCount weightedAmount bestCaseAmount closedWonAmount }
    total { openCount weightedAmount bestCaseAmount closedWonAmount unconvertedCount } } }"""
WIN_RATE = """
query($from: Date!, $to: Date!) { winRate(from: $from, to: $to) {
  rows { owner { fullName } wonCount lostCount winRate wonAmount } total { winRate } } }"""
BOARD = """
{ pipelineBoard { columns { stage { name } count amount
  opportunities(first: 10) { edges { node { name amount owner { fullName } account { name } } } } } } }"""
# The peer bench's pipelineAgg (../shared/peer-bench/queries/crm/pipelineAgg.graphql): totals, no cards.
BOARD_TOTALS = """
{ pipeline: pipelineBoard { nodes: columns { stage { name } count total: amount } } }"""


def add_seeded_database_arguments(parser: argparse.ArgumentParser) -> None:
    """The options naming a database this bench seeded, for the tools that measure on it."""
    parser.add_argument("--opportunities", type=int, default=100_000, help="as seeded by bench.pipeline")
    parser.add_argument("--accounts", type=int, default=20_000, help="as seeded by bench.pipeline")
    parser.add_argument(
        "--data-dir", type=Path, default=ROOT / ".crm" / "bench", help="embedded PostgreSQL home"
    )
    parser.add_argument("--database", default="crm_bench_pipeline", help="the pipeline bench's database")


def seeded_database(arguments: argparse.Namespace) -> tuple[str, BenchTenant]:
    """(superuser URL of the server, the seeded tenant) of the database named by the arguments above."""
    admin_url, _ = admin_url_for(arguments.data_dir)
    tenant = asyncio.run(seeded_tenant(admin_url, arguments.database, arguments))
    if tenant is None:
        raise SystemExit("Seed first: python -m bench.pipeline (same --opportunities/--accounts).")
    return admin_url, tenant


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.split("\n")[0])
    parser.add_argument("--opportunities", type=int, default=200_000, help="opportunities in the tenant")
    parser.add_argument("--accounts", type=int, default=20_000, help="accounts they belong to")
    parser.add_argument("--members", type=int, default=10, help="sales users owning them round robin")
    parser.add_argument("--requests", type=int, default=20, help="requests per query and user")
    parser.add_argument("--warmup", type=int, default=3, help="uncounted requests before each query")
    parser.add_argument(
        "--data-dir", type=Path, default=ROOT / ".crm" / "bench", help="embedded PostgreSQL home"
    )
    parser.add_argument("--database", default="crm_bench_pipeline", help="database name (recreated)")
    parser.add_argument("--reuse", action="store_true", help="keep the database seeded by an earlier run")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="requests in flight (1: latency without queueing)"
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        default=None,
        help="another checkout (e.g. a git worktree of an older commit) served side by side on the same"
        " database; the two take turns",
    )
    parser.add_argument("--rounds", type=int, default=4, help="turns per query and user with --compare-with")
    parser.add_argument(
        "--only", default="", help="run only the queries whose name contains this text (e.g. board)"
    )
    return parser.parse_args(argv)


def scenarios(today: date) -> list[Scenario]:
    year = {"from": str(today - timedelta(days=365)), "to": str(today + timedelta(days=1))}
    ahead = {"from": str(today.replace(day=1)), "to": str(today + timedelta(days=366))}

    def has(key: str) -> Any:
        return lambda data: None if data.get(key) else f"no {key} in the answer"

    return [
        Scenario("funnel (12 months of created deals)", FUNNEL, lambda: year, has("funnel")),
        Scenario(
            "forecast by month (next 12 months)",
            FORECAST,
            lambda: {**ahead, "period": "MONTH", "groupBy": ["PERIOD"]},
            has("forecast"),
        ),
        Scenario(
            "forecast by quarter and owner",
            FORECAST,
            lambda: {**ahead, "period": "QUARTER", "groupBy": ["PERIOD", "OWNER"]},
            has("forecast"),
        ),
        Scenario("win rate by owner (12 months)", WIN_RATE, lambda: year, has("winRate")),
        Scenario("board (6 columns x 10 cards)", BOARD, dict, has("pipelineBoard")),
        Scenario("board totals (peer bench pipelineAgg)", BOARD_TOTALS, dict, has("pipeline")),
    ]


async def create_and_seed(urls: Any, arguments: argparse.Namespace) -> tuple[BenchTenant, dict[str, float]]:
    services = Services.build(production_settings(), urls.app)
    try:
        tenant = await create_tenant(services, LARGE, arguments.members)
    finally:
        await services.db.dispose()
    timings: dict[str, float] = {}
    connection = await asyncpg.connect(urls.owner)
    try:
        started = time.perf_counter()
        await in_batches(
            connection,
            tenant,
            ACCOUNTS,
            arguments.accounts,
            [
                tenant.member_ids,
                words(SYLLABLES),
                words(SUFFIXES, "|"),
                words(INDUSTRIES, "|"),
                words(CITIES, "|"),
            ],
        )
        timings["accounts"] = time.perf_counter() - started
        await connection.execute(
            f'comment on database "{checked_identifier(arguments.database)}" is '
            + quote(json.dumps(tenant_json(tenant, arguments)))
        )
    finally:
        await connection.close()
    timings.update(
        await seed_pipeline(
            urls.owner, tenant.id, tenant.member_ids, arguments.accounts, arguments.opportunities
        )
    )
    return tenant, timings


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def tenant_json(tenant: BenchTenant, arguments: argparse.Namespace) -> dict[str, Any]:
    return {
        "opportunities": arguments.opportunities,
        "accounts": arguments.accounts,
        "tenant": {
            "label": tenant.label,
            "name": tenant.name,
            "admin_email": tenant.admin_email,
            "id": str(tenant.id),
            "member_ids": [str(m) for m in tenant.member_ids],
        },
    }


async def seeded_tenant(admin_url: str, database: str, arguments: argparse.Namespace) -> BenchTenant | None:
    """The tenant of an earlier run with the same sizes, or None."""
    connection = await asyncpg.connect(admin_url)
    try:
        comment = await connection.fetchval(
            "select shobj_description(oid, 'pg_database') from pg_database where datname = $1", database
        )
    finally:
        await connection.close()
    if not comment:
        return None
    marker = json.loads(comment)
    if (marker["opportunities"], marker["accounts"]) != (arguments.opportunities, arguments.accounts):
        return None
    data = marker["tenant"]
    return BenchTenant(
        data["label"],
        data["name"],
        data["admin_email"],
        uuid_of(data["id"]),
        [uuid_of(m) for m in data["member_ids"]],
    )


def uuid_of(text: str) -> uuid.UUID:
    return uuid.UUID(text)


async def login(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post(
        "/graphql", json={"query": LOGIN, "variables": {"input": {"email": email, "password": PASSWORD}}}
    )
    payload = response.json()["data"]["login"]
    if not payload["token"]:
        raise RuntimeError(f"login as {email} failed: {payload['errors']}")
    return str(payload["token"])


async def measure(servers: dict[str, UvicornServer], arguments: argparse.Namespace) -> list[Stats]:
    """Each query as each user on each server; with two servers (`--compare-with`) the servers take turns
    in `--rounds` slices, so that a change in background load hits both alike."""
    today = datetime.now(UTC).date()
    results: list[Stats] = []
    clients = {
        label: httpx.AsyncClient(base_url=server.base_url, timeout=120) for label, server in servers.items()
    }
    try:
        some_client = next(iter(clients.values()))  # sessions live in the database: one login serves all
        users = [
            ("admin (scope all)", await login(some_client, f"bench-{LARGE}-admin@example.com")),
            ("sales rep (scope own)", await login(some_client, f"bench-{LARGE}-sales-0@example.com")),
        ]
        rounds = arguments.rounds if len(servers) > 1 else 1
        for scenario in scenarios(today):
            if arguments.only not in scenario.name:
                continue
            for label, token in users:
                merged: dict[str, Stats] = {}
                for _ in range(rounds):
                    for code, client in clients.items():
                        stats = await drive(
                            client,
                            token,
                            scenario,
                            f"{label}, {code}" if len(servers) > 1 else label,
                            concurrency=arguments.concurrency,
                            duration=None,
                            requests=max(1, arguments.requests // rounds),
                            warmup=arguments.warmup,
                        )
                        merged[code] = merged[code].merge(stats) if code in merged else stats
                for stats in merged.values():
                    results.append(stats)
                    print(
                        f"{scenario.name:40} {stats.tenant:40} {stats.throughput:7.1f} req/s"
                        f" p50 {stats.percentile_ms(50):8.1f} ms"
                        f"  p99 {stats.percentile_ms(99):8.1f} ms  errors {stats.errors}",
                        flush=True,
                    )
    finally:
        for client in clients.values():
            await client.aclose()
    return results


def report(results: list[Stats], timings: dict[str, float], arguments: argparse.Namespace) -> str:
    lines = [
        f"Sales pipeline bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC:"
        f" {arguments.opportunities:,} opportunities, {arguments.accounts:,} accounts,"
        f" {arguments.members + 1} owners; {arguments.requests} requests per query and user,"
        f" concurrency {arguments.concurrency}.",
        "",
        "| query | user | req/s | p50 ms | p99 ms | mean ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for stats in results:
        mean = sum(stats.latencies) / len(stats.latencies) * 1000 if stats.latencies else float("nan")
        p50, p99 = stats.percentile_ms(50), stats.percentile_ms(99)
        lines.append(
            f"| {stats.scenario} | {stats.tenant} | {stats.throughput:,.1f} | {p50:,.1f} | {p99:,.1f}"
            f" | {mean:,.1f} | {stats.errors} |"
        )
    if timings:
        lines += ["", "| seeding step | seconds |", "| --- | ---: |"]
        lines += [f"| {step} | {seconds:,.1f} |" for step, seconds in timings.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    admin_url, _ = admin_url_for(arguments.data_dir)
    tenant = asyncio.run(seeded_tenant(admin_url, arguments.database, arguments)) if arguments.reuse else None
    urls = prepare_database(admin_url, arguments.database, recreate=tenant is None)
    timings: dict[str, float] = {}
    if tenant is None:
        tenant, timings = asyncio.run(create_and_seed(urls, arguments))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    with contextlib.ExitStack() as stack:
        servers = {
            "this checkout": stack.enter_context(
                UvicornServer(urls.app, workers=1, pool_size=5, log_path=RESULTS / f"pipeline-{stamp}.log")
            )
        }
        if arguments.compare_with is not None:
            servers[arguments.compare_with.name] = stack.enter_context(
                UvicornServer(
                    urls.app,
                    workers=1,
                    pool_size=5,
                    log_path=RESULTS / f"pipeline-{stamp}-other.log",
                    root=arguments.compare_with.resolve(),
                )
            )
        results = asyncio.run(measure(servers, arguments))
    text = report(results, timings, arguments)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"pipeline-{stamp}.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
