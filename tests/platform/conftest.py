"""Platform fixtures: the server as a real uvicorn process, for audits and WebSocket tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tenants.embedded import DatabaseUrls

ROOT = Path(__file__).resolve().parents[2]
# The suite's argon2 parameters (OWASP's minimum; see tests/conftest.py:make_settings).
TEST_ENVIRONMENT = {
    "CRM_ARGON2_MEMORY_KIB": "19456",
    "CRM_ARGON2_TIME_COST": "2",
    "CRM_ARGON2_PARALLELISM": "1",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """`python -m uvicorn gateway.app:app_from_environment --factory` on a free port."""

    def __init__(self, database_url: str, environment: str, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {
            **os.environ,
            **TEST_ENVIRONMENT,
            "DATABASE_URL": database_url,
            "CRM_ENV": environment,
            "PYTHONUNBUFFERED": "1",
        }
        self.log = log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "gateway.app:app_from_environment",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            cwd=ROOT,  # the server must not read a developer's .env: run where none is expected
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout}s:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


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
