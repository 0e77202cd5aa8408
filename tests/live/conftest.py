"""Live fixtures: two uvicorn processes sharing the test database, and HTTP clients for each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tenants.embedded import DatabaseUrls
from tests.live.servers import Server
from tests.support import GraphQLClient


@pytest.fixture(scope="session")
def live_pair(
    database_urls: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Two server processes on different ports, one database (started together: 2 cores, be quick)."""
    logs = tmp_path_factory.mktemp("live")
    servers = (Server(database_urls.app, logs / "a.log"), Server(database_urls.app, logs / "b.log"))
    try:
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="session")
def server_a(live_pair: tuple[Server, Server]) -> Server:
    return live_pair[0]


@pytest.fixture(scope="session")
def server_b(live_pair: tuple[Server, Server]) -> Server:
    return live_pair[1]


@pytest.fixture
async def http_a(server_a: Server) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=server_a.url, timeout=30) as http:
        yield GraphQLClient(http)


@pytest.fixture
async def http_b(server_b: Server) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=server_b.url, timeout=30) as http:
        yield GraphQLClient(http)
