"""Operations: the migration table is read-only for the application role, `crm serve` refuses a database
with pending migrations, and the embedded PostgreSQL stops with the server and cleans up after a kill."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
from alembic import command
from typer.testing import CliRunner

from config.settings import get_settings
from gateway.cli import app
from migrations import alembic_config, pending_migrations
from tenants.embedded import bootstrap_roles
from tests.servers import ROOT, TEST_ENVIRONMENT, free_port

APP_ROLE = "crm_app"


async def test_the_application_role_cannot_write_alembic_version(database_urls):
    connection = await asyncpg.connect(database_urls.app)
    try:
        versions = await connection.fetch("select version_num from alembic_version")
        assert "0130_alembic_version_read_only" in {row["version_num"] for row in versions}
        for statement in (
            "insert into alembic_version values ('9999_forged')",
            "update alembic_version set version_num = version_num",
            "delete from alembic_version",
            "truncate alembic_version",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def behind_database(database_urls):
    """A database migrated only up to the platform registry (0003): every area is pending."""
    name = f"crm_behind_{uuid.uuid4().hex[:8]}"
    urls = asyncio.run(bootstrap_roles(database_urls.admin, name, APP_ROLE))
    command.upgrade(alembic_config(urls.owner, APP_ROLE), "0003_tenant_registry")
    yield urls
    asyncio.run(drop(database_urls.admin, name))


async def drop(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await connection.close()


def test_serve_refuses_a_database_with_pending_migrations(behind_database, monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: print("served"))
    monkeypatch.setenv("DATABASE_URL", behind_database.app)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 1, result.output
    assert "served" not in result.output
    assert "pending migrations" in result.output
    assert "0130_alembic_version_read_only" in result.output
    assert "crm migrate" in result.output and "--migrate" in result.output


async def test_pending_migrations_of_an_up_to_date_database_are_none(database_urls):
    assert await pending_migrations(database_urls.app) == []


class EmbeddedServe:
    """`crm serve` on the embedded PostgreSQL of `data_dir`, as a real process."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.port = free_port()
        self.log = log_path.open("ab")
        environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        environment.update(TEST_ENVIRONMENT, CRM_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from gateway.cli import main; main()", "serve", "--port", str(self.port)],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "crm serve exited early; see its log"
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError("crm serve did not become ready")

    def wait_exit(self, timeout: float = 60) -> int:
        code = self.process.wait(timeout)
        self.log.close()
        return code


def postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().split()[0])
    return pid if psutil.pid_exists(pid) else None


def handles(pgdata: Path) -> list[int]:
    path = pgdata / ".handle_pids.json"
    return json.loads(path.read_text()) if path.exists() else []


def test_embedded_postgres_survives_a_kill_and_stops_with_sigterm(tmp_path):
    data_dir, log_path = tmp_path / "crm", tmp_path / "serve.log"
    pgdata = data_dir / "pgdata"

    killed = EmbeddedServe(data_dir, log_path)
    try:
        killed.wait_ready()
        first_postmaster = postmaster_pid(pgdata)
        killed.process.send_signal(signal.SIGKILL)
        killed.wait_exit()
    finally:
        if killed.process.poll() is None:
            killed.process.kill()
    assert first_postmaster is not None and postmaster_pid(pgdata) == first_postmaster
    assert handles(pgdata) == [killed.process.pid]  # the stale id the killed server left behind

    restarted = EmbeddedServe(data_dir, log_path)
    try:
        restarted.wait_ready()
        assert postmaster_pid(pgdata) == first_postmaster  # reused, not a second server
        assert handles(pgdata) == [restarted.process.pid]  # the stale id is gone
        restarted.process.send_signal(signal.SIGTERM)
        assert restarted.wait_exit() == 0
    finally:
        if restarted.process.poll() is None:
            restarted.process.kill()
        leftover = postmaster_pid(pgdata)
        if leftover is not None:
            psutil.Process(leftover).terminate()
    assert leftover is None, log_path.read_text()[-3000:]
    assert handles(pgdata) == []
