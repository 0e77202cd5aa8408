"""A segment over the large tenant's contacts: evaluate, page, count, freeze, invite (issue 17).

    python -m bench.segments                         # seeds 300k contacts once, then measures
    python -m bench.segments --reuse                 # measure again on the seeded database
    python -m bench.segments --contacts 30000 --runs 3    # quicker

The large tenant is seeded with server-side SQL (bench/seed.py, no activities) and about a third of
the contacts get the tag `vip`. Then, through a production-mode uvicorn worker as the tenant's admin
(scope ALL, so the segment holds every tagged contact), each step is timed over `--runs` requests:
`createSegment` (the filter checked by counting), a dynamic segment's first page of 50 members and
`memberCount`, `freezeSegment` (one INSERT ... SELECT of every member id), the frozen segment's page
and count, and `inviteToCampaign` with the segment (one INSERT ... SELECT; later runs find everyone
invited). Printed, and written to bench/results/segments-<timestamp>.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import report
from bench.database import admin_url_for, prepare_database, server_facts
from bench.run import RESULTS, git_commit, login, machine
from bench.seed import Sizes, seed
from bench.server import ROOT, UvicornServer
from bench.tenants import BenchTenant, create_tenants

CREATE = """
mutation($name: String!, $frozen: Boolean!) {
  createSegment(input: {name: $name, filter: {contacts: {tag: "vip"}}, frozen: $frozen}) {
    segment { id version memberCount } errors { code message }
  }
}"""
PAGE = """
query($id: ID!) {
  segment(id: $id) { memberCount contacts(first: 50) { nodes { id fullName } pageInfo { endCursor } } }
}"""
NEXT_PAGE = """
query($id: ID!, $after: String) {
  segment(id: $id) { contacts(first: 50, after: $after) { nodes { id fullName } pageInfo { endCursor } } }
}"""
COUNT = """
query($id: ID!) { segment(id: $id) { memberCount } }"""
FREEZE = """
mutation($id: ID!, $version: Int!) {
  freezeSegment(id: $id, version: $version) { segment { version memberCount } errors { code message } }
}"""
CAMPAIGN = """
mutation($segment: ID!) {
  createCampaign(input: {name: "Bench expo", channel: "event", segmentId: $segment}) {
    campaign { id } errors { code message }
  }
}"""
INVITE = """
mutation($campaign: ID!, $segment: ID!) {
  inviteToCampaign(input: {campaignId: $campaign, segmentId: $segment}) { count errors { code message } }
}"""


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.segments", description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=300_000, help="contacts of the large tenant")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per step")
    parser.add_argument(
        "--data-dir", type=Path, default=ROOT / ".crm" / "bench", help="embedded PostgreSQL home"
    )
    parser.add_argument("--database", default="crm_bench_segments", help="database name")
    parser.add_argument(
        "--reuse", action="store_true", help="keep a seeded database (same size) from a last run"
    )
    parser.add_argument("--skip-invite", action="store_true", help="leave out inviteToCampaign")
    return parser.parse_args(argv)


async def tag_a_third(owner_url: str, tenant: BenchTenant) -> int:
    connection = await asyncpg.connect(owner_url)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
            tagged = await connection.execute(
                "update contacts set tags = array['vip'] where (hashtext(id::text) & 2147483647) % 3 = 0"
            )
            await connection.execute("analyze contacts")
        return int(tagged.split()[-1])
    finally:
        await connection.close()


async def stored_tenant(owner_url: str, contacts: int) -> BenchTenant | None:
    connection = await asyncpg.connect(owner_url)
    try:
        marker = await connection.fetchval(
            "select obj_description(oid, 'pg_database') from pg_database where datname = current_database()"
        )
    finally:
        await connection.close()
    if not marker or not marker.startswith(f"segments {contacts} "):
        return None
    _, _, tenant_id, email, *members = marker.split(" ")
    return BenchTenant("large", "large", email, uuid.UUID(tenant_id), [uuid.UUID(m) for m in members])


async def remember(owner_url: str, database: str, contacts: int, tenant: BenchTenant) -> None:
    connection = await asyncpg.connect(owner_url)
    try:
        text = " ".join(
            ["segments", str(contacts), str(tenant.id), tenant.admin_email, *map(str, tenant.member_ids)]
        )
        await connection.execute(f"comment on database {database} is '{text}'")
    finally:
        await connection.close()


def prepare(arguments: argparse.Namespace, admin_url: str) -> tuple[str, BenchTenant, int]:
    if arguments.reuse:
        urls = prepare_database(admin_url, arguments.database, recreate=False)
        tenant = asyncio.run(stored_tenant(urls.owner, arguments.contacts))
        if tenant is not None:
            return urls.app, tenant, -1
    urls = prepare_database(admin_url, arguments.database, recreate=True)
    tenant = asyncio.run(create_tenants(urls.app, 0, 10))[0]
    asyncio.run(seed(urls.owner, [(tenant, Sizes(max(arguments.contacts // 3, 1), arguments.contacts, 0))]))
    tagged = asyncio.run(tag_a_third(urls.owner, tenant))
    asyncio.run(remember(urls.owner, arguments.database, arguments.contacts, tenant))
    return urls.app, tenant, tagged


async def call(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> tuple[float, Any]:
    started = time.perf_counter()
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"{query.split('(')[0].strip()}: {body['errors']}")
    data = next(iter(body["data"].values()))
    if isinstance(data, dict) and data.get("errors"):
        raise RuntimeError(f"{query.split('(')[0].strip()}: {data['errors']}")
    return elapsed, data


async def measure(
    base_url: str, tenant: BenchTenant, runs: int, skip_invite: bool = False
) -> tuple[list[tuple[str, list[float]]], int]:
    steps: dict[str, list[float]] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=600) as client:
        token = await login(client, tenant)
        members = 0
        for run in range(runs):
            ms, created = await call(client, token, CREATE, {"name": f"VIP {run}", "frozen": False})
            steps.setdefault("createSegment (dynamic, counted)", []).append(ms)
            segment = created["segment"]
            members = segment["memberCount"]
            ms, _ = await call(client, token, PAGE, {"id": segment["id"]})
            steps.setdefault("dynamic: first 50 members + memberCount", []).append(ms)
            ms, _ = await call(client, token, FREEZE, {"id": segment["id"], "version": segment["version"]})
            steps.setdefault("freezeSegment (snapshot of every id)", []).append(ms)
            ms, page = await call(client, token, PAGE, {"id": segment["id"]})
            steps.setdefault("frozen: first 50 members + memberCount", []).append(ms)
            after = page["contacts"]["pageInfo"]["endCursor"]
            for _ in range(3):
                ms, page = await call(client, token, NEXT_PAGE, {"id": segment["id"], "after": after})
                steps.setdefault("frozen: next 50 (after the cursor, no count)", []).append(ms)
                after = page["contacts"]["pageInfo"]["endCursor"]
            ms, _ = await call(client, token, COUNT, {"id": segment["id"]})
            steps.setdefault("frozen: memberCount alone", []).append(ms)
        if skip_invite:
            return list(steps.items()), members
        _, campaign = await call(client, token, CAMPAIGN, {"segment": segment["id"]})
        for _ in range(runs):
            ms, _ = await call(
                client, token, INVITE, {"campaign": campaign["campaign"]["id"], "segment": segment["id"]}
            )
            steps.setdefault("inviteToCampaign (first: everyone, then nobody new)", []).append(ms)
    return list(steps.items()), members


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    admin_url, _ = admin_url_for(arguments.data_dir)
    app_url, tenant, tagged = prepare(arguments, admin_url)
    facts = asyncio.run(server_facts(admin_url))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(exist_ok=True)
    with UvicornServer(
        app_url, workers=1, pool_size=10, log_path=RESULTS / f"segments-{stamp}.log"
    ) as server:
        steps, members = asyncio.run(measure(server.base_url, tenant, arguments.runs, arguments.skip_invite))
    rows = [
        [name, f"{values[0]:.1f}", f"{statistics.median(values):.1f}", f"{max(values):.1f}"]
        for name, values in steps
    ]
    lines = [
        f"# Segment over {arguments.contacts:,} contacts ({members:,} members)",
        "",
        report.key_value_table(
            [
                ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
                ("commit", git_commit()),
                ("machine", machine()),
                ("PostgreSQL", f"{facts['version']} (shared_buffers {facts['shared_buffers']})"),
                ("runs per step", str(arguments.runs)),
            ]
        ),
        "",
        markdown_table(["step", "first ms", "median ms", "max ms"], rows),
    ]
    text = "\n".join(lines)
    print(text)
    (RESULTS / f"segments-{stamp}.md").write_text(text + "\n")
    if tagged >= 0 and tagged != members:
        raise RuntimeError(f"the segment holds {members} contacts, {tagged} were tagged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
