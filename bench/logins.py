"""Login flood benchmark (issue 12, H4): waves of 40 parallel wrong logins while another tenant works.

    python -m bench.logins [--parallel 40] [--waves 5] [--pool-size 10] [--limit-ms 1000]

The server is a real `uvicorn gateway.app:app_from_environment --factory` process (development mode, to
sign up over the API; production argon2id parameters, one worker, `CRM_DB_POOL_SIZE` connections). Two
floods:
- `one account`: every login guesses the same account's password; the throttle counts each attempt
  before it hashes, so only the limit's worth reach argon2 and the rest are THROTTLED at once;
- `many accounts`: every login names another email and the per-address limit is lifted, so every attempt
  wants a hash: the hashing gate runs as many as there are CPUs, queues `CRM_PASSWORD_HASH_QUEUE` more
  and answers the rest OVERLOADED (HTTP 429, Retry-After).
Meanwhile a client of another tenant sends `me` queries one after another; its latencies are the point:
every one must stay under `--limit-ms` (exit status 1 otherwise). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.database import admin_url_for, prepare_database
from bench.server import ROOT, UvicornServer

SIGN_UP = """mutation($input: SignUpInput!) { signUp(input: $input) { token errors { code message } } }"""
LOGIN = """mutation($input: LoginInput!) { login(input: $input) { token errors { code } } }"""
ME = "{ me { user { email } } }"
PASSWORD = "a long bench passphrase"


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.logins", description=__doc__.split("\n")[0])
    parser.add_argument("--parallel", type=int, default=40, help="wrong logins sent at once per wave")
    parser.add_argument("--waves", type=int, default=5, help="waves per flood")
    parser.add_argument("--pool-size", type=int, default=10, help="CRM_DB_POOL_SIZE of the server")
    parser.add_argument("--limit-ms", type=float, default=1000.0, help="the other tenant's latency bound")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".crm" / "bench-logins")
    return parser.parse_args(argv)


async def sign_up(http: httpx.AsyncClient, name: str) -> tuple[str, str]:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    variables = {"input": {"tenantName": name, "email": email, "password": PASSWORD, "fullName": "Bench"}}
    body = (await http.post("/graphql", json={"query": SIGN_UP, "variables": variables})).json()
    return email, body["data"]["signUp"]["token"]


async def wrong_login(http: httpx.AsyncClient, email: str) -> str:
    variables = {"input": {"email": email, "password": "not the password"}}
    response = await http.post("/graphql", json={"query": LOGIN, "variables": variables})
    if response.status_code != 200 and response.status_code != 429:
        return f"HTTP {response.status_code}"
    errors = response.json()["data"]["login"]["errors"]
    return f"{errors[0]['code']} ({response.status_code})"


async def other_tenant(http: httpx.AsyncClient, token: str, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        response = await http.post(
            "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"}
        )
        elapsed = time.perf_counter() - started
        ok = response.status_code == 200 and response.json().get("data", {}).get("me") is not None
        latencies.append(elapsed if ok else float("inf"))
    return latencies


async def flood(
    base_url: str, arguments: argparse.Namespace, name: str, same_account: bool
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=arguments.parallel + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        victim, _ = await sign_up(http, f"Victim {name}")
        _, token = await sign_up(http, f"Bystander {name}")
        stop = asyncio.Event()
        watcher = asyncio.create_task(other_tenant(http, token, stop))
        codes: Counter[str] = Counter()
        started = time.perf_counter()
        for _ in range(arguments.waves):
            emails = [
                victim if same_account else f"nobody-{uuid.uuid4().hex}@example.com"
                for _ in range(arguments.parallel)
            ]
            codes.update(await asyncio.gather(*(wrong_login(http, email) for email in emails)))
        seconds = time.perf_counter() - started
        stop.set()
        latencies = sorted(await watcher)

    def nearest(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "flood": name,
        "logins": f"{arguments.waves} x {arguments.parallel} in {seconds:.1f} s",
        "answers": ", ".join(f"{code}: {count}" for code, count in sorted(codes.items())),
        "other tenant": f"{len(latencies)} requests, p50 {nearest(0.5) * 1000:.0f} ms, "
        f"p99 {nearest(0.99) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms",
        "within": latencies[-1] * 1000 <= arguments.limit_ms,
    }


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    admin_url, _ = admin_url_for(arguments.data_dir / "pg")
    urls = prepare_database(admin_url, "crm_bench_logins", recreate=True)
    rows = []
    for name, same_account in (("one account", True), ("many accounts", False)):
        # The many-accounts flood lifts the per-address limit so that every attempt asks for a hash.
        os.environ["CRM_LOGIN_MAX_FAILURES_PER_ADDRESS"] = "30" if same_account else "1000000"
        log = arguments.data_dir / f"uvicorn-{name.replace(' ', '-')}.log"
        with UvicornServer(
            urls.app, workers=1, pool_size=arguments.pool_size, log_path=log, environment="development"
        ) as server:
            rows.append(asyncio.run(flood(server.base_url, arguments, name, same_account)))
    bound = f"{arguments.limit_ms:.0f} ms"
    print(f"\n| flood | logins | answers (HTTP status) | other tenant's `me` (bound {bound}) |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        verdict = "" if row["within"] else " **over the bound**"
        print(f"| {row['flood']} | {row['logins']} | {row['answers']} | {row['other tenant']}{verdict} |")
    return 0 if all(row["within"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
