"""Two real server processes on the test database (rate limits across processes, the typed client)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tenants.embedded import DatabaseUrls
from tests.servers import UvicornServer


@pytest.fixture(scope="session")
def server_pair(
    database_urls: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[UvicornServer, UvicornServer]]:
    logs = tmp_path_factory.mktemp("integrations")
    servers = (
        UvicornServer(database_urls.app, logs / "a.log", {}),
        UvicornServer(database_urls.app, logs / "b.log", {}),
    )
    try:
        for server in servers:
            server.wait_ready(timeout=120)  # two cold starts on a shared, busy machine
        yield servers
    finally:
        for server in servers:
            server.stop()
