"""kill -9 of a server during a write load loses no acknowledged write (issue 22).

Starts the server (uvicorn, one worker, development mode so sign-up answers a token), runs `--clients`
concurrent writers sending `createAccount` with unique names, SIGKILLs the server after `--seconds`,
starts a new one on the same database and checks, as the application role inside the tenant, that every
create answered `200` with no errors is stored. Creates cut off in flight may or may not be stored
(the client never learned); none may be stored twice.

    python -m bench.crash_writes                      # 8 writers, kill after 5 s, 3 rounds
    python -m bench.crash_writes --rounds 10 --seconds 2

Exits 1 when an acknowledged write is missing or a name is stored twice. A bench, not a CI test: it
starts servers and a database and takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import signal
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from bench.database import admin_url_for, prepare_database
from bench.server import UvicornServer

CREATE = """mutation($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id } errors { code } } }"""
SIGN_UP = "mutation($input: SignUpInput!) { signUp(input: $input) { token tenant { id } errors { code } } }"


async def writer(base_url: str, token: str, prefix: str, acknowledged: list[str], stop: asyncio.Event) -> int:
    sent = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        while not stop.is_set():
            name = f"{prefix}-{sent}"
            sent += 1
            try:
                response = await http.post(
                    "/graphql",
                    json={"query": CREATE, "variables": {"input": {"name": name}}},
                    headers={"authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError:
                return sent  # the server is gone: this create's fate is unknown to the client
            body = response.json()
            answered = response.status_code == 200 and not body.get("errors")
            if answered and body["data"]["createAccount"]["errors"] == []:
                acknowledged.append(name)
    return sent


async def stored_names(app_url: str, tenant_id: str) -> list[str]:
    connection = await asyncpg.connect(app_url)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            return [row["name"] for row in await connection.fetch("select name from accounts")]
    finally:
        await connection.close()


async def one_round(
    app_url: str, log_dir: Path, number: int, clients: int, seconds: float
) -> tuple[int, int, int, int]:
    log = log_dir / f"round-{number}.log"
    server = UvicornServer(app_url, workers=1, pool_size=10, log_path=log, environment="development")
    server.__enter__()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        variables = {
            "input": {
                "tenantName": f"Crash {number}",
                "email": f"crash-{uuid.uuid4().hex[:8]}@example.com",
                "password": "bench horse battery staple",
                "fullName": "Crash Admin",
            }
        }
        payload = (await http.post("/graphql", json={"query": SIGN_UP, "variables": variables})).json()
        token, tenant = payload["data"]["signUp"]["token"], payload["data"]["signUp"]["tenant"]["id"]
    acknowledged: list[str] = []
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(writer(server.base_url, token, f"r{number}c{client}", acknowledged, stop))
        for client in range(clients)
    ]
    await asyncio.sleep(seconds)
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    killed_at = len(acknowledged)
    sent = sum(await asyncio.gather(*tasks))
    server.process.wait()
    after = log_dir / f"round-{number}-after.log"
    # A new server on the same database comes up (the application has nothing to recover).
    with UvicornServer(app_url, workers=1, pool_size=10, log_path=after):
        stored = await stored_names(app_url, base64.b64decode(tenant).decode().split(":", 1)[1])
    missing = set(acknowledged) - set(stored)
    duplicates = len(stored) - len(set(stored))
    print(
        f"round {number}: sent {sent}, acknowledged {len(acknowledged)} ({killed_at} before the kill), "
        f"stored {len(stored)}, acknowledged but missing {len(missing)}, stored twice {duplicates}",
        flush=True,
    )
    return len(acknowledged), len(stored), len(missing), duplicates


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "crm-bench-crash")
    options = parser.parse_args()
    admin_url, _embedded = admin_url_for(options.data_dir)
    urls = prepare_database(admin_url, "crm_crash_writes", recreate=True)
    log_dir = Path(tempfile.mkdtemp(prefix="crm-crash-logs-"))
    started = time.monotonic()
    results = [
        asyncio.run(one_round(urls.app, log_dir, number, options.clients, options.seconds))
        for number in range(1, options.rounds + 1)
    ]
    lost = sum(missing for _, _, missing, _ in results)
    twice = sum(duplicates for _, _, _, duplicates in results)
    print(
        f"{options.rounds} rounds in {time.monotonic() - started:.0f} s: "
        f"{sum(a for a, _, _, _ in results)} acknowledged writes, {lost} lost, {twice} stored twice"
    )
    raise SystemExit(1 if lost or twice else 0)


if __name__ == "__main__":
    main()
