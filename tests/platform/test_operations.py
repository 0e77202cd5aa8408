"""Operations: the migration table is read-only for the application role, `crm serve` refuses a database
with pending migrations, and the embedded PostgreSQL stops with the server and cleans up after a kill."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from alembic import command
from typer.testing import CliRunner

from gateway.cli import app
from gateway.settings import get_settings
from migrations import alembic_config, pending_migrations
from tenants.embedded import bootstrap_roles

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
