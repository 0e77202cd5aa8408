"""uvicorn processes for the live tests, with the WebSocket knobs turned down so tests stay fast."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.platform.conftest import ROOT, TEST_ENVIRONMENT, free_port

# Short intervals: a revoked credential is noticed within half a second, an idle socket is pinged every
# second, an unacknowledged one times out after one; a queue of 4 overflows under a burst of events.
LIVE_ENVIRONMENT = {
    "CRM_WS_INIT_TIMEOUT_SECONDS": "1",
    "CRM_WS_PING_SECONDS": "1",
    "CRM_LIVE_REVALIDATE_SECONDS": "0.5",
    "CRM_LIVE_QUEUE_SIZE": "4",
    "CRM_LIVE_LISTENER_PING_SECONDS": "0.5",
    "CRM_WS_MAX_SUBSCRIPTIONS": "3",
    "CRM_WS_ALLOWED_ORIGINS": "https://app.example.com",
}


class Server:
    """`uvicorn gateway.app:app_from_environment --factory` on a free port, logging to a file."""

    def __init__(self, database_url: str, log_path: Path, **environment: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        self.log_path = log_path
        self.log = log_path.open("wb")
        env = {
            **os.environ,
            **TEST_ENVIRONMENT,
            **LIVE_ENVIRONMENT,
            **environment,
            "DATABASE_URL": database_url,
            "CRM_ENV": "development",
            "PYTHONUNBUFFERED": "1",
        }
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
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30.0) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return self
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
