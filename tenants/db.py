"""The database engine and the per-request tenant session.

Every transaction of the application role begins with a transaction-local
`set_config('app.tenant_id', ...)`, which the RLS policies read. Being transaction-local, the setting can
never leak to the next user of a pooled connection; with no setting a transaction sees no tenant rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import greenlet_spawn

from tenants.effects import write_pending_effects_now

SET_REQUEST_SETTINGS = text(
    "select set_config('app.tenant_id', :tenant_id, true),"
    " set_config('app.user_id', :user_id, true),"
    " set_config('statement_timeout', :statement_timeout, true)"
)
READ_ONLY_SQL_TRANSACTION = "25006"
SET_TENANT = text(
    "select set_config('app.tenant_id', :tenant_id, true), set_config('app.user_id', :user_id, true)"
)


class UnsafeDatabaseRole(RuntimeError):
    """The runtime role could step around row-level security."""


def to_async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and pick the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':', 1)[0]}://...")


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """The pooled engine of the application role.

    No pre-ping: it would cost a round trip on every checkout. A connection that died (PostgreSQL
    restarted, a proxy dropped it) fails on the request's first statement instead, which
    `Database.open_request_session` retries once on a fresh connection; `pool_recycle` bounds a
    connection's age. A read-only-transaction error (SQLSTATE 25006: the server became a standby after a
    failover) also marks the connection as lost, so the pool replaces it instead of reusing it.
    """
    engine = create_async_engine(
        to_async_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False, pool_recycle=1800
    )
    event.listen(engine.sync_engine, "handle_error", treat_read_only_as_disconnect)
    return engine


def treat_read_only_as_disconnect(context: ExceptionContext) -> None:
    if getattr(context.original_exception, "sqlstate", None) == READ_ONLY_SQL_TRANSACTION:
        context.is_disconnect = True


class Database:
    def __init__(self, url: str, pool_size: int = 10, statement_timeout_ms: int = 15_000) -> None:
        self.engine = create_engine(url, pool_size)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        self.statement_timeout = f"{statement_timeout_ms}ms"
        self.pool_size = pool_size
        self.statement_pool: asyncpg.Pool | None = None
        self.statement_pool_lock = asyncio.Lock()
        # Query loggers put on the statement pool's connections (the round-trip tests count with them).
        self.query_loggers: list[Callable[[Any], None]] = []
        self.retired_loggers: list[Callable[[Any], None]] = []

    async def single_statements(self) -> asyncpg.Pool:
        """A pool of plain asyncpg connections for requests made of one statement (no BEGIN/COMMIT):
        the fast path's one-trip reads (gateway/fast_path.py).

        Its own pool, because its connections carry session settings that the SQLAlchemy sessions must
        not inherit: `plan_cache_mode = force_generic_plan` (a one-trip read cannot set it first, and
        PostgreSQL would otherwise replan a page query on every execution; text searches never come
        here) and the request `statement_timeout` (the credential check sets it for later statements
        only). Nothing transaction-local survives a statement, so no tenant setting can leak.
        """
        if self.statement_pool is None:
            async with self.statement_pool_lock:
                if self.statement_pool is None:
                    self.statement_pool = await asyncpg.create_pool(
                        self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                        min_size=0,
                        max_size=self.pool_size,
                        setup=self.attach_query_loggers,
                        reset=keep_session,
                        server_settings={
                            "plan_cache_mode": "force_generic_plan",
                            "statement_timeout": self.statement_timeout,
                        },
                    )
        return self.statement_pool

    async def attach_query_loggers(self, connection: Any) -> None:
        """On every acquire: the connection logs to exactly the loggers registered now."""
        for logger in self.retired_loggers:
            connection.remove_query_logger(logger)
        for logger in self.query_loggers:
            connection.add_query_logger(logger)

    @asynccontextmanager
    async def transaction(
        self, tenant_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> AsyncIterator[AsyncSession]:
        """One transaction, committed on success, scoped to a tenant (or to none)."""
        async with self.sessions() as session, session.begin():
            await start_request_transaction(session, tenant_id, user_id, self.statement_timeout)
            yield session

    async def open_request_session(
        self, first_statement: Callable[[AsyncSession], Awaitable[None]]
    ) -> AsyncSession:
        """A session in a new transaction whose first statement (the tenant settings, or the credential
        check that makes them) has run. A connection found dead on that first statement is replaced and
        the statement retried once: nothing had happened yet, so the retry is safe."""
        for attempt in (1, 2):
            session = self.sessions()
            await session.begin()
            try:
                await first_statement(session)
                return session
            except DBAPIError as error:
                await session.close()
                if attempt == 2 or not error.connection_invalidated:
                    raise
            except BaseException:
                await session.close()
                raise
        raise AssertionError("unreachable")

    async def begin_raw(self) -> RawTransaction:
        """A transaction on a pooled connection's own asyncpg driver, for the compiled fast path.

        No SQLAlchemy session or unit of work (a third of a point read's CPU): the caller sends the
        credential check as the first statement, like `open_request_session`, and then its own SQL. A
        connection found dead on BEGIN is replaced and BEGIN retried.
        """
        # After a restart every pooled connection is dead: each is found out by its BEGIN and dropped,
        # so allow as many retries as the pool holds. A failure to connect is raised at once.
        attempts = self.engine.sync_engine.pool.size() + 1
        for attempt in range(1, attempts + 1):
            pooled = await self.engine.raw_connection()
            transaction = RawTransaction(pooled)
            try:
                await transaction.begin()
                return transaction
            except BaseException as error:
                lost = connection_lost(error)
                await transaction.release(lost=lost)
                if attempt == attempts or not lost:
                    raise
        raise AssertionError("unreachable")

    async def verify_runtime_role(self) -> None:
        """Refuse to run as a role that RLS does not bind."""
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "select r.rolname, r.rolsuper, r.rolbypassrls,"
                        " (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                        "   where c.relowner = r.oid and n.nspname = 'public' and c.relkind = 'r') as owned"
                        " from pg_roles r where r.rolname = current_user"
                    )
                )
            ).one()
        if row.rolsuper or row.rolbypassrls or row.owned:
            raise UnsafeDatabaseRole(
                f"The database role '{row.rolname}' can bypass row-level security "
                f"(superuser={row.rolsuper}, bypassrls={row.rolbypassrls}, owns {row.owned} tables). "
                "Point DATABASE_URL at the application role instead: a role created with "
                "NOSUPERUSER NOBYPASSRLS that owns no table (migrations grant it DML as CRM_APP_ROLE, "
                "default 'crm_app'), and run migrations with MIGRATION_DATABASE_URL as the owner."
            )

    async def search_operators_leakproof(self) -> bool:
        """Whether LIKE/ILIKE may use trigram indexes under RLS (see tenants/embedded.py)."""
        async with self.engine.connect() as connection:
            flags = (
                await connection.execute(
                    text(
                        "select bool_and(proleakproof) from pg_proc"
                        " where proname in ('texticlike', 'textlike')"
                    )
                )
            ).scalar()
        return bool(flags)

    async def dispose(self) -> None:
        if self.statement_pool is not None:
            await self.statement_pool.close()
            self.statement_pool = None
        await self.engine.dispose()


async def start_request_transaction(
    session: AsyncSession, tenant_id: uuid.UUID | None, user_id: uuid.UUID | None, statement_timeout: str
) -> None:
    await session.execute(
        SET_REQUEST_SETTINGS,
        {
            "tenant_id": str(tenant_id) if tenant_id else "",
            "user_id": str(user_id) if user_id else "",
            "statement_timeout": statement_timeout,
        },
    )


async def enter_tenant(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID | None = None) -> None:
    """Move the current transaction into a tenant (sign-up, login, accepting an invite)."""
    await write_pending_effects_now(session)
    await session.execute(
        SET_TENANT, {"tenant_id": str(tenant_id), "user_id": str(user_id) if user_id else ""}
    )


async def keep_session(_connection: Any) -> None:
    """No reset when a statement-pool connection is released (asyncpg's default costs a round trip):
    its statements leave nothing behind (no locks, cursors, LISTEN or session settings: every setting
    they make is transaction-local)."""


class RawTransaction:
    """One transaction on the asyncpg connection under a pooled SQLAlchemy connection.

    SQLAlchemy's adapter does not know of this transaction, so the pool's reset on return finds nothing
    to roll back: `finish` always ends it first. The connection goes back to the same pool the sessions
    use, so the pool size bounds both paths together.
    """

    def __init__(self, pooled: Any) -> None:
        self.pooled = pooled
        self.connection: asyncpg.Connection = pooled.driver_connection
        self.transaction: Any = None
        self.open = False

    async def begin(self) -> None:
        self.transaction = self.connection.transaction()
        await self.transaction.start()
        self.open = True

    async def finish(self, *, commit: bool) -> None:
        """Commits (or rolls back) and returns the connection to the pool; a lost one is discarded."""
        lost = False
        try:
            if self.open:
                self.open = False
                if commit:
                    await self.transaction.commit()
                else:
                    await self.transaction.rollback()
        except Exception as error:
            lost = connection_lost(error)
            if commit:
                raise
            # A failed rollback (the connection died) has nothing left to undo: the connection is dropped.
        finally:
            await self.release(lost=lost)

    async def release(self, *, lost: bool) -> None:
        if self.pooled is None:
            return
        pooled, self.pooled = self.pooled, None
        if lost or self.connection.is_closed():
            await greenlet_spawn(pooled.invalidate)
        await greenlet_spawn(pooled.close)


def connection_lost(error: BaseException) -> bool:
    """Whether `error` leaves the connection unusable (closed, reset, or a standby's read-only refusal)."""
    if isinstance(error, asyncpg.PostgresError):
        return getattr(error, "sqlstate", None) == READ_ONLY_SQL_TRANSACTION or isinstance(
            error, asyncpg.PostgresConnectionError
        )
    # InternalClientError: the server ended the session while the connection sat idle in the pool
    # (pg_terminate_backend, a restart) and the driver is still consuming its farewell message.
    return isinstance(error, asyncpg.InterfaceError | asyncpg.InternalClientError | ConnectionError | OSError)
