"""1,000 WebSocket subscribers of one pipeline board: time from a stage move to each subscriber's event.

    python -m bench.subscribers                           # 1,000 subscribers, 20 moves, 2 client processes
    python -m bench.subscribers --subscribers 200 --events 5

Starts its own database (`crm_bench_subscribers`, recreated each run; embedded PostgreSQL under `--data-dir`
unless DATABASE_URL names an admin connection) and one uvicorn worker (development mode, so that signUp
answers a token; pool, limits and the live path are the production ones). Over GraphQL it signs up a tenant
and creates an account and an opportunity; the other subscribers' session tokens are inserted in SQL (an
argon2 login each would take minutes), so every connection is its own session and is re-validated on its own.

`--processes` client processes (asyncio + uvloop + the `websockets` library) each open their share of the
`--subscribers` connections (graphql-transport-ws, credential in `connection_init`) subscribed to
`pipelineChanged(pipelineId)` with the opportunity, its stage and owner in the selection. Then, `--events`
times, the driver sends `moveOpportunity` over HTTP (alternating two open stages) and waits `--interval`
seconds. Latency of a delivery = the frame's arrival at the subscriber - the start of the mutation's HTTP
request (one monotonic clock for all processes), so it includes the mutation itself, the commit, NOTIFY, the
fan-out, the credential check, the re-read and the send. Each client process also samples its own event-loop
lag every 5 ms during the events: a high lag means the client, not the server, was slow. The report is printed
and written to bench/results/subscribers-<timestamp>.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import psutil
import uvloop
import websockets

from bench import report
from bench.database import admin_url_for, prepare_database
from bench.live import extra_sessions, global_uuid
from bench.load import percentile
from bench.run import RESULTS, git_commit, machine
from bench.server import ROOT, UvicornServer

PROTOCOL = "graphql-transport-ws"
SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token user { id } tenant { id } errors { code message } } }"""
SETUP = """
mutation Setup($name: String!) { createAccount(input: {name: $name}) { account { id } errors { code } } }"""
PIPELINES = "{ pipelines { nodes { id isDefault stages { id name kind } } } }"
CREATE_OPPORTUNITY = """
mutation Create($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { id version } errors { code message } } }"""
MOVE = """
mutation Move($id: ID!, $stageId: ID!, $version: Int!) {
  moveOpportunity(id: $id, stageId: $stageId, version: $version) {
    opportunity { id version } errors { code message } } }"""
SUBSCRIPTION = """
subscription Board($pipelineId: ID!) { pipelineChanged(pipelineId: $pipelineId) {
  type opportunityId version dropped
  opportunity { id name status stage { name } owner { email } } } }"""


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.subscribers",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--subscribers", type=int, default=1_000, help="WebSocket connections, one session each"
    )
    parser.add_argument(
        "--events", type=int, default=20, help="stage moves, each one event for every subscriber"
    )
    parser.add_argument("--interval", type=float, default=1.0, help="seconds from one move to the next")
    parser.add_argument("--processes", type=int, default=2, help="client processes sharing the subscribers")
    parser.add_argument(
        "--drain", type=float, default=5.0, help="seconds to wait for late deliveries after the last move"
    )
    parser.add_argument(
        "--no-compression",
        action="store_true",
        help="do not offer permessage-deflate (browsers do; without it the server compresses nothing)",
    )
    parser.add_argument("--pool-size", type=int, default=10, help="CRM_DB_POOL_SIZE of the server")
    parser.add_argument("--database", default="crm_bench_subscribers", help="database name (recreated)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / ".crm" / "bench",
        help="embedded PostgreSQL home (ignored when DATABASE_URL, a superuser/admin URL, is set)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy record the server during the events into this file (.svg: flame graph, else raw stacks)",
    )
    return parser.parse_args(argv)


# --- the client processes ---------------------------------------------------------------------------------


async def subscribe(
    ws_url: str, token: str, pipeline_id: str, compression: str | None, gate: asyncio.Semaphore
) -> Any:
    async with gate:
        socket = await websockets.connect(
            ws_url, subprotocols=[PROTOCOL], open_timeout=120, ping_interval=None, compression=compression
        )  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 120))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"connection_init refused: {ack}")
        message = {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIPTION, "variables": {"pipelineId": pipeline_id}},
        }
        await socket.send(json.dumps(message))
        first = json.loads(await asyncio.wait_for(socket.recv(), 120))
        if first.get("payload", {}).get("data", {}).get("pipelineChanged", {}).get("type") != "subscribed":
            raise RuntimeError(f"subscribe failed: {first}")
    return socket


async def listen(socket: Any, arrivals: dict[int, float], problems: list[str]) -> None:
    async for raw in socket:
        arrived = time.monotonic()
        message = json.loads(raw)
        kind = message.get("type")
        if kind == "ping":
            await socket.send('{"type":"pong"}')
        elif kind == "next":
            payload = message["payload"]
            change = (payload.get("data") or {}).get("pipelineChanged") or {}
            if payload.get("errors") or change.get("dropped") or not change.get("opportunity"):
                problems.append(str(payload)[:300])
            else:
                arrivals.setdefault(change["version"], arrived)
        else:
            problems.append(str(message)[:300])


async def lag_monitor(samples: list[float], stop: asyncio.Event, period: float = 0.005) -> None:
    """How late the event loop wakes up: the client's own delay on top of the server's."""
    while not stop.is_set():
        planned = time.monotonic() + period
        await asyncio.sleep(period)
        samples.append(max(0.0, time.monotonic() - planned))


async def client_main(
    ws_url: str, tokens: list[str], pipeline_id: str, compression: str | None, pipe: Connection
) -> None:
    gate = asyncio.Semaphore(25)
    arrivals = [dict[int, float]() for _ in tokens]
    problems: list[str] = []
    sockets = await asyncio.gather(
        *(subscribe(ws_url, token, pipeline_id, compression, gate) for token in tokens)
    )
    listeners = [asyncio.create_task(listen(s, a, problems)) for s, a in zip(sockets, arrivals, strict=True)]
    loop = asyncio.get_running_loop()
    pipe.send("ready")
    await loop.run_in_executor(None, pipe.recv)  # "go": the events start
    lags: list[float] = []
    stop = asyncio.Event()
    monitor = asyncio.create_task(lag_monitor(lags, stop))
    await loop.run_in_executor(None, pipe.recv)  # "stop"
    stop.set()
    await monitor
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    pipe.send({"arrivals": arrivals, "lags": lags, "problems": problems[:20], "problem_count": len(problems)})


def client_process(
    ws_url: str, tokens: list[str], pipeline_id: str, compression: str | None, pipe: Connection
) -> None:
    try:
        uvloop.run(client_main(ws_url, tokens, pipeline_id, compression, pipe))
    except BaseException as error:
        pipe.send({"error": repr(error)})
        raise


# --- the driver ---------------------------------------------------------------------------------------------


async def graphql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = (
        await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    ).json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]


async def set_up(base_url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        email = f"subscribers-{uuid.uuid4().hex[:8]}@example.com"
        signed = (
            await graphql(
                http,
                SIGN_UP,
                {
                    "input": {
                        "tenantName": "Board Bench",
                        "email": email,
                        "password": "a long passphrase",
                        "fullName": "Board",
                    }
                },
            )
        )["signUp"]
        token = signed["token"]
        account = (await graphql(http, SETUP, {"name": "Board bench account"}, token))["createAccount"][
            "account"
        ]
        pipeline = next(
            p for p in (await graphql(http, PIPELINES, {}, token))["pipelines"]["nodes"] if p["isDefault"]
        )
        open_stages = [stage["id"] for stage in pipeline["stages"] if stage["kind"] == "OPEN"]
        created = (
            await graphql(
                http,
                CREATE_OPPORTUNITY,
                {
                    "input": {
                        "name": "Board bench deal",
                        "accountId": account["id"],
                        "amount": "1000",
                        "stageId": open_stages[0],
                    }
                },
                token,
            )
        )["createOpportunity"]
        if created["errors"]:
            raise RuntimeError(f"createOpportunity failed: {created['errors']}")
    return {
        "token": token,
        "tenant_id": global_uuid(signed["tenant"]["id"]),
        "user_id": global_uuid(signed["user"]["id"]),
        "pipeline_id": pipeline["id"],
        "stages": open_stages[:2],
        "opportunity": created["opportunity"],
    }


async def move_events(
    base_url: str, setup: dict[str, Any], events: int, interval: float
) -> tuple[dict[int, float], list[float]]:
    """Sends the moves; returns (version -> monotonic start of its mutation, mutation latencies in ms)."""
    starts: dict[int, float] = {}
    latencies: list[float] = []
    opportunity = setup["opportunity"]
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        await graphql(http, "{ me { user { id } } }", {}, setup["token"])  # the keep-alive connection is open
        for number in range(events):
            variables = {
                "id": opportunity["id"],
                "stageId": setup["stages"][(number + 1) % 2],
                "version": opportunity["version"],
            }
            started = time.monotonic()
            payload = (await graphql(http, MOVE, variables, setup["token"]))["moveOpportunity"]
            latencies.append((time.monotonic() - started) * 1000)
            if payload["errors"]:
                raise RuntimeError(f"moveOpportunity failed: {payload['errors']}")
            opportunity = payload["opportunity"]
            starts[opportunity["version"]] = started
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
    return starts, latencies


def profile_server(pid: int, path: Path, seconds: float) -> Any:
    import subprocess

    spy = Path(sys.executable).with_name("py-spy")
    command = [
        str(spy),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "200",
        "-o",
        str(path),
        # an .svg flame graph, or collapsed stacks (one line per stack and its sample count) for anything else
        "--format",
        "flamegraph" if path.suffix == ".svg" else "raw",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def run(arguments: argparse.Namespace, server: UvicornServer, owner_url: str) -> dict[str, Any]:
    assert server.process is not None
    setup = asyncio.run(set_up(server.base_url))
    tokens = [
        setup["token"],
        *asyncio.run(
            extra_sessions(owner_url, setup["user_id"], setup["tenant_id"], arguments.subscribers - 1)
        ),
    ]
    ws_url = server.base_url.replace("http://", "ws://") + "/graphql"
    context = multiprocessing.get_context("spawn")
    shares = [tokens[index :: arguments.processes] for index in range(arguments.processes)]
    pipes, processes = [], []
    started = time.monotonic()
    for share in shares:
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=client_process,
            args=(
                ws_url,
                share,
                setup["pipeline_id"],
                None if arguments.no_compression else "deflate",
                child_end,
            ),
        )
        process.start()
        pipes.append(parent_end)
        processes.append(process)
    for pipe in pipes:
        message = pipe.recv()
        if message != "ready":
            raise RuntimeError(f"a client process failed: {message}")
    connect_seconds = time.monotonic() - started
    rss = psutil.Process(server.process.pid).memory_info().rss / 2**20
    spy = (
        profile_server(server.process.pid, arguments.profile, arguments.events * arguments.interval + 2)
        if arguments.profile
        else None
    )
    load_before = os.getloadavg()
    for pipe in pipes:
        pipe.send("go")
    starts, mutation_ms = asyncio.run(
        move_events(server.base_url, setup, arguments.events, arguments.interval)
    )
    time.sleep(arguments.drain)
    for pipe in pipes:
        pipe.send("stop")
    results = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join(timeout=30)
    load_after = os.getloadavg()
    if spy is not None:
        spy.wait(timeout=60)
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        raise RuntimeError(f"client processes failed: {failed}")
    arrivals = [subscriber for r in results for subscriber in r["arrivals"]]
    latencies = [(seen[v] - start) * 1000 for seen in arrivals for v, start in starts.items() if v in seen]
    last_per_event = [
        max((seen[v] - start) * 1000 for seen in arrivals if v in seen)
        for v, start in starts.items()
        if any(v in seen for seen in arrivals)
    ]
    lags = [lag * 1000 for r in results for lag in r["lags"]]
    return {
        "subscribers": arguments.subscribers,
        "client processes": arguments.processes,
        "permessage-deflate": "not offered"
        if arguments.no_compression
        else "offered by the client (negotiated)",
        "events (moves) x interval": f"{len(starts)} x {arguments.interval:g} s",
        "deliveries": f"{len(latencies)} / {len(starts) * len(arrivals)}",
        "wrong or dropped frames": sum(r["problem_count"] for r in results),
        "first problems": "; ".join(p for r in results for p in r["problems"])[:500] or "none",
        "connect + subscribe all": f"{connect_seconds:.1f} s",
        "server RSS with all subscribed": f"{rss:.0f} MiB",
        "delivery latency p50 / p99 / max": ms_triple(latencies),
        "last delivery of an event p50 / p99 / max": ms_triple(last_per_event),
        "moveOpportunity request p50 / p99 / max": ms_triple(mutation_ms),
        "client event-loop lag p50 / p99 / max": ms_triple(lags),
        "per event: move request / first / median / last delivery (ms)": "; ".join(
            per_event(arrivals, version, start, mutation)
            for (version, start), mutation in zip(starts.items(), mutation_ms, strict=True)
        ),
        "load average (1/5/15 min) before / after": " / ".join(
            "{:.2f} {:.2f} {:.2f}".format(*v) for v in (load_before, load_after)
        ),
    }


def per_event(arrivals: list[dict[int, float]], version: int, start: float, mutation_ms: float) -> str:
    seen = sorted((subscriber[version] - start) * 1000 for subscriber in arrivals if version in subscriber)
    if not seen:
        return f"{mutation_ms:.0f} / none"
    return f"{mutation_ms:.0f} / {seen[0]:.0f} / {statistics.median(seen):.0f} / {seen[-1]:.0f}"


def ms_triple(values: list[float]) -> str:
    if not values:
        return "none"
    return f"{statistics.median(values):.1f} / {percentile(values, 99):.1f} / {max(values):.1f} ms"


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    admin_url, _embedded = admin_url_for(arguments.data_dir)
    urls = prepare_database(admin_url, arguments.database, recreate=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    with UvicornServer(
        urls.app,
        workers=1,
        pool_size=arguments.pool_size,
        log_path=RESULTS / f"subscribers-{stamp}.log",
        environment="development",
    ) as server:
        results = run(arguments, server, urls.owner)
    rows = [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("commit", git_commit()),
        ("machine", machine()),
    ]
    rows += [(key, str(value)) for key, value in results.items()]
    text = "# pipelineChanged fan-out\n\n" + report.key_value_table(rows) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"subscribers-{stamp}.md"
    path.write_text(text)
    print(f"subscribers: report written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
