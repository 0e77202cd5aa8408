"""The typed per-request context every resolver receives as `info.context`.

It owns the request's single database transaction: opened lazily (many requests never touch the
database), begun with the tenant settings, committed or rolled back by `TransactionExtension` when the
operation ends. Mutations run inside a savepoint, so a mutation that returns errors leaves nothing
half-written while earlier mutations of the same request still commit.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import strawberry
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from config.settings import Settings
from storage.base import BlobStore
from tenants import i18n
from tenants.db import Database, start_request_transaction
from tenants.errors import DomainError, ErrorCode
from tenants.i18n.preferences import stored_locales
from tenants.identity import Identity
from tenants.login import PasswordLogin
from tenants.permissions import Actor

T = TypeVar("T")
SET_READ_ONLY = text("set transaction read only")


class Services(Protocol):
    """The process-wide services resolvers use; the gateway builds them (gateway/services.py)."""

    settings: Settings
    db: Database
    identity: Identity
    login: PasswordLogin
    blobs: BlobStore
    replica: Database | None  # DATABASE_REPLICA_URL: read-only reports (`RequestContext.report_session`)


@dataclass
class RequestContext:
    services: Services
    request: Any
    response: Any
    request_id: str
    client_address: str | None
    actor_or_none: Actor | None = None
    _session: AsyncSession | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
    # Set by the gateway when the document is one mutation field (see `savepoint`).
    single_mutation: bool = False
    rollback_only: bool = False
    # Runs in the transaction just before it commits, with the operation's result (the gateway keeps an
    # Idempotency-Key's response this way, so key and writes commit together).
    before_commit: Callable[[AsyncSession, Any], Awaitable[None]] | None = None
    _locale: str | None = None

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def actor(self) -> Actor:
        if self.actor_or_none is None:
            raise DomainError(
                ErrorCode.UNAUTHENTICATED, "Log in first: send 'Authorization: Bearer <token>'."
            )
        return self.actor_or_none

    @property
    def tenant_id(self) -> uuid.UUID | None:
        return self.actor_or_none.tenant_id if self.actor_or_none else None

    @property
    def accept_language(self) -> str | None:
        headers = getattr(self.request, "headers", None)  # an HTTP request or a WebSocket
        return headers.get("accept-language") if headers is not None else None

    async def locale(self, *, read: bool = True) -> str:
        """The reader's locale (tenants/i18n `choose`): their own choice, else `Accept-Language`, else the
        tenant's. Read once per request and only when something localized is produced (an error message,
        a label, a printed document), so requests that need none pay no round trip for it.

        `read=False` when the transaction may be aborted (a statement failed): then the user's and the
        tenant's choices are not read and the header decides, English without one."""
        if self._locale is None:
            found = await self._stored_locales() if read else None
            if found is None and not read:
                return i18n.choose(None, self.accept_language, None)
            user_locale, tenant_locale = found or (None, None)
            self._locale = i18n.choose(user_locale, self.accept_language, tenant_locale)
        return self._locale

    def forget_locale(self) -> None:
        self._locale = None

    async def _stored_locales(self) -> tuple[str | None, str | None] | None:
        if self.actor_or_none is None:
            return None
        try:
            return await stored_locales(await self.session(), self.actor_or_none)
        except SQLAlchemyError:  # a failed flush or an aborted transaction: the header decides
            return None

    async def session(self) -> AsyncSession:
        """The request's session, in a transaction that already carries the tenant settings."""
        if self._session is None:
            actor = self.actor_or_none
            self._session = await self.db.open_request_session(
                lambda session: start_request_transaction(
                    session,
                    actor.tenant_id if actor else None,
                    actor.user_id if actor else None,
                    self.db.statement_timeout,
                )
            )
        return self._session

    async def begin_with(self, first_statement: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Opens the request's transaction with `first_statement` (the gateway's credential check, which
        enters the tenant itself) instead of the plain settings statement: one round trip, not two."""
        results: list[T] = []

        async def run(session: AsyncSession) -> None:
            results.append(await first_statement(session))

        self._session = await self.db.open_request_session(run)
        return results[-1]

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[AsyncSession]:
        """Where one mutation runs: a savepoint, so that its failure undoes only its own writes.

        A document with a single mutation needs none (two round trips saved): its failure marks the
        whole transaction for rollback instead, which undoes exactly the same writes.
        """
        session = await self.session()
        if self.single_mutation:
            try:
                yield session
            except BaseException:
                self.rollback_only = True
                raise
            return
        async with session.begin_nested():
            yield session

    async def finish(self, *, commit: bool, result: Any = None) -> None:
        if self._session is None:
            return
        session, self._session = self._session, None
        try:
            if commit and not self.rollback_only:
                if self.before_commit is not None and result is not None:
                    await self.before_commit(session, result)
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()

    @asynccontextmanager
    async def report_session(self) -> AsyncIterator[AsyncSession]:
        """Where a read-only report runs: with DATABASE_REPLICA_URL, its own read-only transaction on the
        replica, in the caller's tenant under the same RLS (a replica is a copy of the whole database,
        roles and policies included); its figures may lag the primary by the replication delay. Without
        a replica, the request's own session (which also sees the request's own writes)."""
        replica = self.services.replica
        if replica is None:
            yield await self.session()
            return
        actor = self.actor
        async with replica.sessions() as session, session.begin():
            # Also when the URL names a primary by mistake: a report never writes.
            await session.execute(SET_READ_ONLY)
            await start_request_transaction(
                session, actor.tenant_id, actor.user_id, replica.statement_timeout
            )
            yield session

    def loader(self, name: str, factory: Any) -> Any:
        """One DataLoader per name per request (so its cache never outlives the request)."""
        if name not in self.loaders:
            self.loaders[name] = factory(self)
        return self.loaders[name]


# The `info` of every resolver: `async def field(self, info: Info) -> ...`.
Info = strawberry.Info[RequestContext, None]
