"""The benchmark's own database: embedded PostgreSQL under the bench data dir, or DATABASE_URL (admin)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from migrations import upgrade_to_head
from tenants.embedded import DatabaseUrls, bootstrap_roles, checked_identifier, start_embedded_server

APP_ROLE = "crm_app"


def admin_url_for(data_dir: Path) -> tuple[str, bool]:
    """(superuser URL, embedded?): DATABASE_URL when set (a role that may create roles and databases)."""
    external = os.environ.get("DATABASE_URL")
    if external:
        return external, False
    return start_embedded_server(data_dir), True


def with_database(url: str, database: str) -> str:
    """The same server and role, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{checked_identifier(database)}"))


async def drop_database(admin_url: str, database: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'drop database if exists "{checked_identifier(database)}" with (force)')
    finally:
        await connection.close()


def prepare_database(admin_url: str, database: str, *, recreate: bool) -> DatabaseUrls:
    """Create (or recreate) the bench database with its roles, then migrate it to head as the owner."""
    if recreate:
        asyncio.run(drop_database(admin_url, database))
    urls = asyncio.run(bootstrap_roles(admin_url, database, APP_ROLE))
    upgrade_to_head(urls.owner, APP_ROLE)
    return urls


async def server_facts(admin_url: str) -> dict[str, str]:
    connection = await asyncpg.connect(admin_url)
    try:
        return {
            "version": await connection.fetchval("show server_version"),
            "shared_buffers": await connection.fetchval("show shared_buffers"),
            "work_mem": await connection.fetchval("show work_mem"),
        }
    finally:
        await connection.close()
