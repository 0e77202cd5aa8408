"""Platform fixtures: the server as a real uvicorn process, for audits and WebSocket tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tenants.embedded import DatabaseUrls
from tests.servers import UvicornServer


class LiveServer(UvicornServer):
    """A server in one `CRM_ENV` (development or production)."""

    def __init__(self, database_url: str, environment: str, log_path: Path) -> None:
        super().__init__(database_url, log_path, {"CRM_ENV": environment})


@pytest.fixture(scope="session")
def start_live_server(
    database_urls: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], LiveServer]]:
    """Starts (once per environment) a uvicorn process against the test database; stops them all at the end."""
    servers: dict[str, LiveServer] = {}

    def start(environment: str) -> LiveServer:
        if environment not in servers:
            log_path = tmp_path_factory.mktemp("live-server") / f"{environment}.log"
            server = LiveServer(database_urls.app, environment, log_path)
            servers[environment] = server
            server.wait_ready()
        return servers[environment]

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def live_server(start_live_server: Callable[[str], LiveServer]) -> str:
    """Base URL of a development-mode server (introspection and GraphiQL on)."""
    return start_live_server("development").url


@pytest.fixture(scope="session")
def live_server_production(start_live_server: Callable[[str], LiveServer]) -> str:
    """Base URL of a production-mode server (no introspection, no GraphiQL, masked errors)."""
    return start_live_server("production").url
