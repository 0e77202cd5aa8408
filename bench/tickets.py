"""Service desk queues: a 500k-ticket tenant beside a 1k-ticket tenant (issue 16: within 2x).

    python -m bench.tickets                                  # 500,000 + 1,000 tickets
    python -m bench.tickets --large 50000 --duration 3       # quicker

Seeds like bench/projects.py (server-side SQL as the owner role inside each tenant's RLS wall, foreign keys
and indexes on): tickets spread over statuses, priorities, assignees (every fifth unassigned) and SLA
targets around now (a share at risk, a share breached). Then starts uvicorn (production mode) and measures,
as a sales member of each tenant (scope `own`: assigned to them or unassigned), the queue queries below,
alternating tenants, and prints the p50 ratio large / small per queue.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.database import admin_url_for, prepare_database, server_facts
from bench.load import Scenario, Stats, drive
from bench.projects import in_batches, login
from bench.run import RESULTS, machine
from bench.server import ROOT, UvicornServer
from bench.tenants import BenchTenant, create_tenants

QUEUE = """
query($queue: TicketQueue) {
  tickets(first: 50, filter: {queue: $queue}) {
    nodes { id number subject status priority assignee { fullName } } } }"""
QUEUES = [None, "MINE", "UNASSIGNED", "AT_RISK", "BREACHED"]

TICKETS = """
insert into tickets (tenant_id, id, number, subject, channel, kind, status, priority, assignee_id,
                     created_by_id, response_risk_at, response_due_at, resolution_risk_at, resolution_due_at,
                     first_responded_at, created_at, updated_at)
select $1, md5($1::uuid::text || ':ticket:' || n)::uuid, 'TCK-B-' || lpad(n::text, 7, '0'), 'Ticket ' || n,
       (array['phone', 'email', 'web', 'wechat'])[1 + n % 4],
       (array['question', 'complaint', 'request'])[1 + n % 3],
       (array['new', 'open', 'open', 'pending_customer', 'resolved', 'closed', 'closed', 'closed'])
           [1 + n % 8],
       (array['low', 'normal', 'normal', 'high', 'urgent'])[1 + n % 5],
       case when n % 5 = 0 then null else ($2::uuid[])[1 + n % cardinality($2::uuid[])] end,
       ($2::uuid[])[1],
       now() + ((n % 97) - 30) * interval '10 minutes', now() + ((n % 97) - 20) * interval '10 minutes',
       now() + ((n % 89) - 30) * interval '1 hour', now() + ((n % 89) - 20) * interval '1 hour',
       case when n % 3 = 0 then now() - interval '1 day' end,
       now() - n * interval '1 minute', now() - n * interval '1 minute'
from generate_series($3::int, $4::int) as n
"""


async def seed(owner_url: str, tenant: BenchTenant, count: int) -> float:
    connection = await asyncpg.connect(owner_url)
    try:
        await connection.execute("set synchronous_commit = off")
        elapsed = await in_batches(connection, tenant, TICKETS, count, list(tenant.member_ids))
        await connection.execute("vacuum (analyze) tickets")
        return elapsed
    finally:
        await connection.close()


def scenarios() -> list[Scenario]:
    def check(data: dict[str, Any]) -> str | None:
        return None if (data.get("tickets") or {}).get("nodes") is not None else f"no tickets: {data}"

    return [
        Scenario(f"tickets(queue: {queue or 'all'})", QUEUE, lambda queue=queue: {"queue": queue}, check)
        for queue in QUEUES
    ]


async def measure(
    server: UvicornServer, tenants: list[BenchTenant], arguments: argparse.Namespace
) -> list[Stats]:
    limits = httpx.Limits(
        max_connections=arguments.concurrency, max_keepalive_connections=arguments.concurrency
    )
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as client:
        tokens = {t.label: await login(client, f"bench-{t.label}-sales-0@example.com") for t in tenants}
        results = []
        for scenario in scenarios():
            for tenant in tenants:
                stats = await drive(
                    client,
                    tokens[tenant.label],
                    scenario,
                    tenant.label,
                    concurrency=arguments.concurrency,
                    duration=arguments.duration,
                    requests=None,
                    warmup=arguments.warmup,
                )
                print(
                    f"  {tenant.label:<8} {stats.scenario:<30} {stats.throughput:8.1f} req/s"
                    f"  p50 {stats.percentile_ms(50):7.2f} ms  p99 {stats.percentile_ms(99):7.2f} ms"
                    f"  errors {stats.errors}"
                )
                results.append(stats)
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tickets", description=__doc__.split("\n")[0])
    parser.add_argument("--large", type=int, default=500_000, help="tickets of the large tenant")
    parser.add_argument("--small", type=int, default=1_000, help="tickets of the small tenant")
    parser.add_argument("--members", type=int, default=10, help="sales users of the large tenant")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario and tenant")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".crm" / "bench")
    parser.add_argument("--database", default="crm_bench_tickets")
    arguments = parser.parse_args(argv)

    admin_url, _ = admin_url_for(arguments.data_dir)
    urls = prepare_database(admin_url, arguments.database, recreate=True)
    tenants = asyncio.run(create_tenants(urls.app, 1, arguments.members))
    for tenant, count in zip(tenants, (arguments.large, arguments.small), strict=True):
        elapsed = asyncio.run(seed(urls.owner, tenant, count))
        print(f"bench: {tenant.label}: {count:,} tickets seeded in {elapsed:.1f}s")
    facts = asyncio.run(server_facts(admin_url))
    RESULTS.mkdir(exist_ok=True)
    load_before = os.getloadavg()[0]
    with UvicornServer(urls.app, workers=1, pool_size=10, log_path=RESULTS / "uvicorn-tickets.log") as server:
        results = asyncio.run(measure(server, tenants, arguments))
    print(f"load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print(f"\n{machine()}; PostgreSQL {facts['version']}")
    print(f"{arguments.large:,} vs {arguments.small:,} tickets; concurrency {arguments.concurrency}\n")
    print("| queue | large p50 ms | small p50 ms | ratio |\n| --- | ---: | ---: | ---: |")
    for large, small in zip(results[::2], results[1::2], strict=True):
        large_ms, small_ms = large.percentile_ms(50), small.percentile_ms(50)
        print(f"| {large.scenario} | {large_ms:.2f} | {small_ms:.2f} | {large_ms / small_ms:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
