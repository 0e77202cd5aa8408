"""Many tenants in one database (issue 22): sign-up, request latency and migration time as the tenant
count grows (10 -> 10,000 by default; `--sizes 10,1000` for a quicker run).

For each size, in one database that grows from the previous size:
- **populate** up to the size with real sign-ups (`Identity.sign_up`: tenant row, built-in roles,
  settings, default pipeline, admin, audit), cheap argon2 parameters (hashing is not what is measured);
- **sign-up**: `--signups` more sign-ups through the API (HTTP, in-process ASGI app), p50/p99;
- **request latency**: `--requests` reads per path by admins of random existing tenants: a compiled
  one-trip read (`accounts(first: 10)`), an executor read (`me`), a compiled create (`createAccount`);
- **migration time**: the latest two revisions downgraded and re-applied as the owner (`0290` touches
  two tenant tables and adds indexes; `0330` a global table), as a rolling release would run them.

    python -m bench.tenant_scale --sizes 10,10000          # the issue's measurement (about an hour)
    python -m bench.tenant_scale --sizes 10,1000 --quick   # a reduced run (minutes)

Writes bench/results/tenant-scale-<timestamp>.md and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from alembic import command

from bench.database import admin_url_for, prepare_database
from config.settings import Settings
from gateway.app import create_app
from gateway.services import Services
from migrations import alembic_config

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench horse battery staple"
ACCOUNTS = "query { accounts(first: 10) { edges { node { id name } } } }"
ME = "query { me { user { email } } }"
CREATE = """mutation($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id } errors { code } } }"""
SIGN_UP = """mutation($input: SignUpInput!) { signUp(input: $input) { token errors { code } } }"""
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { token errors { code } } }"
MIGRATION_BASE = "0280_closeout_surveys"


def settings() -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        CRM_ENV="development",
        CRM_ARGON2_MEMORY_KIB=1024,
        CRM_ARGON2_TIME_COST=1,
        CRM_ARGON2_PARALLELISM=1,
        CRM_LOGIN_MAX_FAILURES_PER_ADDRESS=1_000_000,
        CRM_METRICS_BIND="off",
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def populate(services: Services, start: int, end: int, run: str) -> None:
    """Tenants number start..end-1, eight sign-ups at a time."""
    semaphore = asyncio.Semaphore(8)

    async def one(number: int) -> None:
        async with semaphore, services.db.transaction() as session:
            await services.identity.sign_up(
                session, f"Scale {number}", email(run, number), PASSWORD, f"Admin {number}", None
            )

    for batch in range(start, end, 200):
        await asyncio.gather(*(one(n) for n in range(batch, min(end, batch + 200))))


def email(run: str, number: int) -> str:
    return f"scale-{run}-{number}@example.com"


async def timed(http: httpx.AsyncClient, query: str, variables: dict | None, token: str | None) -> float:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    took = time.perf_counter() - started
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return took * 1000


async def measure(app_url: str, size: int, run: str, signups: int, requests: int) -> dict[str, float]:
    app = create_app(settings(), app_url)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.1", 40000))
    found: dict[str, float] = {}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            signup_ms = []
            for number in range(signups):
                variables = {
                    "input": {
                        "tenantName": f"Fresh {size}-{number}",
                        "email": f"fresh-{run}-{size}-{number}@example.com",
                        "password": PASSWORD,
                        "fullName": "Fresh Admin",
                    }
                }
                signup_ms.append(await timed(http, SIGN_UP, variables, None))
            found["signUp p50"], found["signUp p99"] = percentile(signup_ms, 0.5), percentile(signup_ms, 0.99)
            tokens = []
            for number in random.Random(size).sample(range(size), min(size, 20)):
                response = await http.post(
                    "/graphql",
                    json={
                        "query": LOGIN,
                        "variables": {"input": {"email": email(run, number), "password": PASSWORD}},
                    },
                )
                tokens.append(response.json()["data"]["login"]["token"])
            for token in tokens:  # each credential's first read takes the four-statement path
                await timed(http, ACCOUNTS, None, token)
            for label, query, variables in (
                ("one-trip read", ACCOUNTS, None),
                ("executor read", ME, None),
                ("compiled create", CREATE, {"input": {"name": "Scale Ltd"}}),
            ):
                samples = [
                    await timed(http, query, variables, tokens[index % len(tokens)])
                    for index in range(requests)
                ]
                found[f"{label} p50"], found[f"{label} p99"] = (
                    percentile(samples, 0.5),
                    percentile(samples, 0.99),
                )
    finally:
        await app.state.services.dispose()
    return found


def migration_seconds(owner_url: str) -> float:
    config = alembic_config(owner_url, "crm_app")
    command.downgrade(config, MIGRATION_BASE)
    started = time.perf_counter()
    command.upgrade(config, "head")
    return time.perf_counter() - started


async def tenant_count(services: Services) -> int:
    from sqlalchemy import text

    async with services.db.transaction() as session:
        return int(await session.scalar(text("select count(*) from tenant_registry")))


async def measure_sizes(
    app_url: str, owner_url: str, sizes: list[int], run: str, options: argparse.Namespace
) -> list[tuple[int, dict[str, float]]]:
    rows: list[tuple[int, dict[str, float]]] = []
    services = Services.build(settings(), app_url)
    try:
        for size in sizes:
            started = time.perf_counter()
            await populate(services, await tenant_count(services), size, run)
            populate_seconds = time.perf_counter() - started
            measured = await measure(app_url, size, run, options.signups, options.requests)
            # Alembic's environment runs its own event loop: in a thread of its own.
            measured["migration s"] = await asyncio.to_thread(migration_seconds, owner_url)
            measured["populate s"] = populate_seconds
            rows.append((size, measured))
            print(size, {key: round(value, 2) for key, value in measured.items()}, flush=True)
    finally:
        await services.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,10000", help="tenant counts, ascending (default 10,10000)")
    parser.add_argument("--signups", type=int, default=30, help="API sign-ups timed at each size")
    parser.add_argument("--requests", type=int, default=300, help="requests timed per path at each size")
    default_dir = Path(tempfile.gettempdir()) / "crm-bench-tenant-scale"
    parser.add_argument("--data-dir", type=Path, default=default_dir, help="embedded server's data")
    parser.add_argument("--quick", action="store_true", help="10 sign-ups and 100 requests per size")
    options = parser.parse_args()
    if options.quick:
        options.signups, options.requests = 10, 100
    sizes = [int(size) for size in options.sizes.split(",")]
    admin_url, _embedded = admin_url_for(options.data_dir)
    urls = prepare_database(admin_url, "crm_tenant_scale", recreate=True)
    run = uuid.uuid4().hex[:6]
    rows = asyncio.run(measure_sizes(urls.app, urls.owner, sizes, run, options))
    report(rows, sizes, options)


def report(rows: list[tuple[int, dict[str, float]]], sizes: list[int], options: argparse.Namespace) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    keys = list(rows[0][1])
    lines = [
        f"Run {datetime.now(UTC).isoformat(timespec='seconds')} at {commit.stdout.strip()}: sizes {sizes}, "
        f"{options.signups} sign-ups and {options.requests} requests per path per size, in-process ASGI "
        f"client, {os.cpu_count()} CPUs, load average after {load}",
        "",
        "| tenants | " + " | ".join(keys) + " |",
        "| ---: | " + " | ".join("---:" for _ in keys) + " |",
        *(f"| {size:,} | " + " | ".join(f"{row[key]:.1f}" for key in keys) + " |" for size, row in rows),
        "",
        "Latencies in ms; migration and populate in seconds.",
    ]
    text = "\n".join(lines)
    out = ROOT / "bench" / "results" / f"tenant-scale-{datetime.now(UTC):%Y%m%dT%H%M%S}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
