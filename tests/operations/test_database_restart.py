"""PostgreSQL restarted under load (issue 22): while it is down every request fails fast with the typed
UNAVAILABLE error (HTTP 503, Retry-After), never a 500 or a hang; once it is back, requests succeed again
within 5 seconds. On a dedicated embedded server (the suite's shared one stays up)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest

from gateway.app import create_app
from graph.core.errors import database_unavailable
from tests.conftest import make_settings
from tests.live.test_restart import RestartableDatabase
from tests.support import GraphQLClient

ACCOUNTS = "query Accounts { accounts(first: 5) { edges { node { name } } } }"
ME = "{ me { user { email } } }"
CREATE = """mutation ($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id } errors { code } } }"""
RECOVERY_SECONDS = 5.0
FAIL_FAST_SECONDS = 2.0


class StoppableDatabase(RestartableDatabase):
    """Stopped and started again on the same socket directory and port (from postmaster.pid), as the
    embedded server's own start passes them: a plain `pg_ctl start` would pick the defaults."""

    def stop(self) -> None:
        lines = (self.directory / "pgdata" / "postmaster.pid").read_text().splitlines()
        self.port, self.socket_directory = lines[3].strip(), lines[4].strip()
        self.pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        self.pg_ctl("-o", f"-k {self.socket_directory} -p {self.port}", "start")


@pytest.fixture(scope="module")
def restartable() -> Iterator[StoppableDatabase]:
    database = StoppableDatabase()
    try:
        yield database
    finally:
        database.remove()


@pytest.fixture(scope="module")
async def http(restartable: StoppableDatabase) -> AsyncIterator[GraphQLClient]:
    # The production mode the server runs in (compiled reads `on`, not the suite's `verify`).
    app = create_app(make_settings(CRM_COMPILED_READS="on"), restartable.urls.app)
    transport = httpx.ASGITransport(app=app, client=("10.99.0.1", 50000), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as client:
        yield GraphQLClient(client)
    await app.state.services.db.dispose()


class Load:
    """Four clients sending reads (fast path and executor) and creates in a loop, recording each answer."""

    def __init__(self, http: GraphQLClient, token: str) -> None:
        self.http, self.token = http, token
        self.answers: list[tuple[float, float, int, list[str]]] = []  # (sent, took, status, codes)
        self.running = True

    async def client(self, number: int) -> None:
        operations = [(ACCOUNTS, None), (ME, None), (CREATE, {"input": {"name": f"Load {number}"}})]
        turn = 0
        while self.running:
            query, variables = operations[(turn + number) % len(operations)]
            turn += 1
            sent = time.monotonic()
            response = await self.http.post(query, variables, self.token)
            if not response.headers.get("content-type", "").startswith("application/json"):
                self.answers.append(
                    (sent, time.monotonic() - sent, response.status_code, [response.text[:80]])
                )
                continue
            body = response.json()
            codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
            payload_errors = (body.get("data") or {}).get("createAccount", {}) or {}
            codes += [error["code"] for error in payload_errors.get("errors", [])]
            self.answers.append((sent, time.monotonic() - sent, response.status_code, codes))
            await asyncio.sleep(0.02)

    def since(self, moment: float) -> list[tuple[float, float, int, list[str]]]:
        return [answer for answer in self.answers if answer[0] >= moment]


async def test_requests_fail_fast_while_postgresql_restarts_and_recover_within_5_seconds(restartable, http):
    admin = await http.sign_up("Restart")
    await http.execute(ACCOUNTS, None, admin.token)  # warm both pools and the one-trip plan
    load = Load(http, admin.token)
    clients = [asyncio.create_task(load.client(number)) for number in range(4)]
    try:
        await asyncio.sleep(0.5)
        stopping = time.monotonic()
        await asyncio.to_thread(restartable.stop)
        down = time.monotonic()
        await asyncio.sleep(1.5)
        starting = time.monotonic()
        await asyncio.to_thread(restartable.start)
        up = time.monotonic()
        while time.monotonic() < up + RECOVERY_SECONDS:
            if any(status == 200 and not codes for _, _, status, codes in load.since(up)):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    finally:
        load.running = False
        await asyncio.gather(*clients)

    before = [a for a in load.answers if a[0] + a[1] < stopping]
    while_down = [a for a in load.answers if a[0] >= down and a[0] + a[1] < starting]
    after = load.since(up)
    assert before and all(status == 200 and not codes for _, _, status, codes in before)
    # Down: only typed UNAVAILABLE answers, each quickly.
    assert while_down
    assert {(status, tuple(codes)) for _, _, status, codes in while_down} == {(503, ("UNAVAILABLE",))}
    assert max(took for _, took, _, _ in while_down) < FAIL_FAST_SECONDS
    # Back: the first success within 5 s of the server accepting connections again, and nothing but
    # UNAVAILABLE or success on the way (no 500, no other error).
    first_success = min(sent + took for sent, took, status, codes in after if status == 200 and not codes)
    assert first_success - up < RECOVERY_SECONDS
    assert {(status, tuple(codes)) for _, _, status, codes in load.answers} <= {
        (200, ()),
        (503, ("UNAVAILABLE",)),
    }
    assert all(status == 200 and not codes for sent, _, status, codes in after if sent > first_success + 0.5)


def test_a_driver_stuck_on_a_dead_sessions_farewell_is_an_outage():
    # What asyncpg raised on a pooled connection whose server was shutting down (found by the test above).
    stuck = asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")
    assert database_unavailable(stuck)
    assert not database_unavailable(asyncpg.InternalClientError("unexpected codec"))
