"""Live-updates benchmark: N concurrent subscribers in one tenant, time from commit to delivery.

`python -m bench.live` starts its own database (`crm_bench_live`, embedded PostgreSQL under
`--data-dir` unless DATABASE_URL names an admin connection), a production-mode uvicorn process, signs up
one tenant, connects `--subscribers` WebSockets (graphql-transport-ws, each authenticated in its own
`connection_init`) subscribed to `accountsChanged { type version account { id name owner { email } } }`,
then commits `--events` account updates, one every `--interval` seconds, straight in SQL as the application
role (update + `pg_notify` with the same payload the service publishes, in one transaction). The commit
time is taken when COMMIT returns; each subscriber stamps the event when its frame arrives. Every delivery
goes through the full server path: listener, fan-out, re-validation of the credential, re-read under the
subscriber's tenant session, GraphQL execution, send. Server memory is the uvicorn process's RSS.

The subscribers run in this process on the same machine, so they compete with the server for the CPU:
figures are an upper bound for the server alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import websockets

from bench.database import admin_url_for, prepare_database
from bench.server import UvicornServer
from graph.live.events import CHANNEL, Event
from tenants.embedded import DatabaseUrls
from tenants.ids import new_id
from tenants.tokens import digest, new_session_token

PROTOCOL = "graphql-transport-ws"
SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token user { id } tenant { id } errors { code message } } }
"""
CREATE = 'mutation { createAccount(input: {name: "Live bench"}) { account { id } errors { code } } }'
SUBSCRIPTION = "subscription { accountsChanged { type version dropped account { id name owner { email } } } }"


@dataclass
class Subscriber:
    socket: Any = None
    arrivals: dict[int, float] = field(default_factory=dict)  # version -> perf_counter at arrival
    dropped: int = 0


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between commits")
    parser.add_argument(
        "--drain", type=float, default=120.0, help="max seconds to wait for the last deliveries"
    )
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--database", default="crm_bench_live")
    parser.add_argument("--data-dir", type=Path, default=Path(".crm/bench"))
    return parser.parse_args(argv)


def rss_mib(pid: int) -> float:
    process = psutil.Process(pid)
    total = process.memory_info().rss + sum(
        child.memory_info().rss for child in process.children(recursive=True)
    )
    return total / 2**20


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


async def sign_up(base_url: str) -> tuple[str, uuid.UUID, uuid.UUID, str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        email = f"live-bench-{uuid.uuid4().hex[:8]}@example.com"
        variables = {
            "input": {
                "tenantName": "Live Bench",
                "email": email,
                "password": "a long passphrase",
                "fullName": "B",
            }
        }
        payload = (await http.post("/graphql", json={"query": SIGN_UP, "variables": variables})).json()
        token = payload["data"]["signUp"]["token"]
        tenant_id = global_uuid(payload["data"]["signUp"]["tenant"]["id"])
        user_id = global_uuid(payload["data"]["signUp"]["user"]["id"])
        created = (
            await http.post("/graphql", json={"query": CREATE}, headers={"authorization": f"Bearer {token}"})
        ).json()
        account_global_id = created["data"]["createAccount"]["account"]["id"]
    return token, tenant_id, user_id, account_global_id


def global_uuid(global_id: str) -> uuid.UUID:
    from strawberry import relay

    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


async def extra_sessions(owner_url: str, user_id: uuid.UUID, tenant_id: uuid.UUID, count: int) -> list[str]:
    """More logins of the same user, made in SQL (an argon2 login each would take minutes): every
    subscriber then has its own session token, so each re-validation looks up a different session."""
    tokens = [new_session_token() for _ in range(count)]
    connection = await asyncpg.connect(owner_url)
    try:
        await connection.executemany(
            "insert into user_sessions (id, user_id, token_hash, active_tenant_id, expires_at)"
            " values ($1, $2, $3, $4, now() + interval '1 day')",
            [(new_id(), user_id, digest(token), tenant_id) for token in tokens],
        )
    finally:
        await connection.close()
    return tokens


async def connect(ws_url: str, token: str, subscriber: Subscriber, handshakes: asyncio.Semaphore) -> None:
    async with handshakes:
        socket = await websockets.connect(
            ws_url,
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            open_timeout=120,
            ping_interval=None,
        )
        await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 120))
        assert ack["type"] == "connection_ack", ack
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
        first = json.loads(await socket.recv())
        assert first["payload"]["data"]["accountsChanged"]["type"] == "subscribed", first
    subscriber.socket = socket


async def listen(subscriber: Subscriber) -> None:
    async for raw in subscriber.socket:
        arrived = time.perf_counter()
        message = json.loads(raw)
        if message.get("type") == "ping":
            await subscriber.socket.send('{"type":"pong"}')
            continue
        if message.get("type") != "next":
            continue
        change = message["payload"]["data"]["accountsChanged"]
        if change["dropped"]:
            subscriber.dropped += 1
        elif change["version"] is not None:
            subscriber.arrivals[change["version"]] = arrived


async def commit_updates(
    app_url: str, tenant_id: uuid.UUID, account_id: uuid.UUID, events: int, interval: float
) -> dict[int, float]:
    """Each update in its own transaction, announced exactly as graph/crm/accounts.py does."""
    commits: dict[int, float] = {}
    connection = await asyncpg.connect(app_url)
    try:
        for number in range(events):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                version = await connection.fetchval(
                    "update accounts set name = $2, version = version + 1 where id = $1 returning version",
                    account_id,
                    f"Live bench {number}",
                )
                payload = Event(tenant_id, "account.updated", {"account": account_id}, version).encode()
                await connection.execute("select pg_notify($1, $2)", CHANNEL, payload)
            commits[version] = time.perf_counter()
            await asyncio.sleep(interval)
    finally:
        await connection.close()
    return commits


async def all_delivered(subscribers: list[Subscriber], versions: set[int], within: float) -> None:
    """Waits until every subscriber has every version (or `within` seconds have passed)."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        if all(versions <= subscriber.arrivals.keys() for subscriber in subscribers):
            return
        await asyncio.sleep(0.1)


async def run(arguments: argparse.Namespace, server: UvicornServer, urls: DatabaseUrls) -> dict[str, Any]:
    assert server.process is not None
    token, tenant_id, user_id, account_global_id = await sign_up(server.base_url)
    account_id = global_uuid(account_global_id)
    tokens = [token, *await extra_sessions(urls.owner, user_id, tenant_id, arguments.subscribers - 1)]
    ws_url = server.base_url.replace("http://", "ws://") + "/graphql"
    memory_idle = rss_mib(server.process.pid)

    subscribers = [Subscriber() for _ in range(arguments.subscribers)]
    handshakes = asyncio.Semaphore(50)
    started = time.perf_counter()
    await asyncio.gather(
        *(connect(ws_url, t, s, handshakes) for t, s in zip(tokens, subscribers, strict=True))
    )
    connect_seconds = time.perf_counter() - started
    memory_connected = rss_mib(server.process.pid)

    listeners = [asyncio.create_task(listen(s)) for s in subscribers]
    commits = await commit_updates(urls.app, tenant_id, account_id, arguments.events, arguments.interval)
    await all_delivered(subscribers, set(commits), within=arguments.drain)
    memory_after = rss_mib(server.process.pid)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.socket.close() for s in subscribers), return_exceptions=True)

    latencies = [
        (subscriber.arrivals[version] - committed) * 1000
        for subscriber in subscribers
        for version, committed in commits.items()
        if version in subscriber.arrivals
    ]
    expected = len(commits) * len(subscribers)
    per_event_last = [
        (max(s.arrivals[v] for s in subscribers if v in s.arrivals) - committed) * 1000
        for v, committed in commits.items()
        if any(v in s.arrivals for s in subscribers)
    ]
    return {
        "subscribers": arguments.subscribers,
        "events": len(commits),
        "interval_s": arguments.interval,
        "deliveries": f"{len(latencies)} / {expected}",
        "dropped_signals": sum(s.dropped for s in subscribers),
        "connect_s": round(connect_seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "last_delivery_per_event_p50_ms": round(statistics.median(per_event_last), 1)
        if per_event_last
        else None,
        "rss_idle_mib": round(memory_idle, 1),
        "rss_connected_mib": round(memory_connected, 1),
        "rss_after_events_mib": round(memory_after, 1),
        "per_subscriber_kib": round((memory_connected - memory_idle) * 1024 / arguments.subscribers, 1),
    }


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    admin_url, _embedded = admin_url_for(arguments.data_dir)
    urls = prepare_database(admin_url, arguments.database, recreate=True)
    log_path = Path("bench/results") / f"live-{time.strftime('%Y%m%d-%H%M%S')}.log"
    with UvicornServer(
        urls.app, workers=1, pool_size=arguments.pool_size, log_path=log_path, environment="development"
    ) as server:
        results = asyncio.run(run(arguments, server, urls))
    width = max(len(key) for key in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
