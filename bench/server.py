"""The server under test: `uvicorn gateway.app:app_from_environment --factory` as a child process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class UvicornServer:
    """Starts uvicorn with the application-role URL in production mode; stops it on exit."""

    def __init__(
        self,
        app_url: str,
        *,
        workers: int,
        pool_size: int,
        log_path: Path,
        root: Path = ROOT,
        environment: str = "production",
    ) -> None:
        self.app_url = app_url
        # Benches that sign up over the API run in development: in production signUp answers no token (the
        # session comes from the emailed confirmation). Nothing they measure differs between the two modes
        # (argon2 parameters, pool and limits are the same settings).
        self.environment = environment
        self.root = root  # the checkout whose code runs (`python -m` imports from the working directory)
        self.workers = workers
        self.pool_size = pool_size
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> UvicornServer:
        env = {
            **os.environ,
            "DATABASE_URL": self.app_url,
            "CRM_ENV": self.environment,
            "CRM_DB_POOL_SIZE": str(self.pool_size),
        }
        env.pop("MIGRATION_DATABASE_URL", None)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "gateway.app:app_from_environment",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 180.0) -> None:  # a loaded shared machine starts slowly
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"uvicorn did not become ready in {timeout:.0f}s; see {self.log_path}")

    def __exit__(self, *_exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
