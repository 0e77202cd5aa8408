"""Password login: throttled before the check, hashed without holding a connection, logged either way.

Issue 12 (H4, M1, H6): each login holds at most one pooled connection, never while a password hashes;
parallel attempts are counted atomically before any is verified; and the limits cannot lock anybody out
of their own account (tenants/throttle.py). Every attempt lands in the login log (tenants/login_log.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import partial
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import login_log
from tenants.errors import DomainError, ErrorCode, RetryLater
from tenants.identity import Identity, SessionGrant, member_tenants, user_by_email
from tenants.login_log import Client, Entry, Method, Outcome, Reason
from tenants.models import User
from tenants.passwords import Reservation
from tenants.security import mfa as second_factor
from tenants.throttle import Scope


class RequestTransaction(Protocol):
    """The request's transaction, which login ends before hashing (gateway's RequestContext)."""

    async def session(self) -> AsyncSession: ...

    async def finish(self, *, commit: bool) -> None: ...


THROTTLE_REASONS = {
    Scope.ACCOUNT_ADDRESS: Reason.LOCKED_ACCOUNT_ADDRESS,
    Scope.ACCOUNT: Reason.LOCKED_ACCOUNT,
    Scope.ADDRESS: Reason.LOCKED_ADDRESS,
}


async def log_attempt(
    session: AsyncSession, entry: Entry, user: User | None, tenant_id: uuid.UUID | None
) -> None:
    """An attempt on an account goes to the tenant it named, if the user belongs to it, else to all of
    the user's tenants; an attempt on no account goes to the global log."""
    if user is None:
        await login_log.record(session, entry, [])
        return
    tenant_ids = [tenant.id for tenant in await member_tenants(session, user.id)]
    await login_log.record(session, entry, [tenant_id] if tenant_id in tenant_ids else tenant_ids, user.id)


def failure_reason(user: User | None, password_ok: bool) -> Reason:
    if user is None:
        return Reason.UNKNOWN_EMAIL
    return Reason.INACTIVE_USER if password_ok else Reason.WRONG_PASSWORD


class PasswordLogin:
    """`login(email, password)`; at most `connections` pooled connections serve login steps at once."""

    def __init__(self, identity: Identity, connections: int) -> None:
        self.identity = identity
        self.login_connections = asyncio.Semaphore(connections)

    async def login(
        self,
        transaction: RequestTransaction,
        email: str,
        password: str,
        tenant_id: uuid.UUID | None,
        client: Client,
    ) -> SessionGrant | second_factor.LoginChallenge:
        """Password login in three short steps, so no pooled connection is held while the password hashes.

        1. Read the user and count the attempt (atomically, before any check); commit, so the count stands
           whatever the rest of the request does. An attempt over a limit is logged in its own step and
           refused without hashing; one refused a hashing slot (OVERLOADED) is given back at once.
        2. Verify (and upgrade an old hash) in the admitted hashing slot, no connection held.
        3. Log the outcome; on success give the attempt back, choose the tenant and open the session (in
           a savepoint, so a wrong tenant leaves no session behind).
        """
        entry = partial(Entry, method=Method.PASSWORD, client=client, email=email)
        hashing: Reservation | None = None
        try:
            async with self.login_step(transaction) as session:
                user = await user_by_email(session, email.strip())
                # Row locks on the counters from here to the commit: parallel attempts queue here.
                attempt = await self.identity.throttle.count(session, email, client.address)
                if attempt.allowed:
                    try:
                        hashing = self.identity.passwords.admit()
                    except RetryLater:
                        await self.identity.throttle.forgive(session, attempt)  # costs no attempt
                        raise
            if hashing is None:
                async with self.login_step(transaction) as session:
                    reason = THROTTLE_REASONS[max(attempt.exceeded, key=attempt.exceeded.__getitem__)]
                    await log_attempt(session, entry(Outcome.THROTTLED, reason=reason), user, tenant_id)
                    raise DomainError(
                        ErrorCode.THROTTLED,
                        f"Too many failed attempts; try again in {attempt.retry_after} seconds.",
                    )
            password_ok = await hashing.verify(user.password_hash if user else None, password)
            upgraded = None
            if user is not None and password_ok and self.identity.passwords.needs_rehash(user.password_hash):
                upgraded = await hashing.hash(password)
        finally:
            if hashing is not None:
                hashing.release()
        async with self.login_step(transaction) as session:
            if user is None or not password_ok or not user.is_active:
                reason = failure_reason(user, password_ok)
                await log_attempt(session, entry(Outcome.FAILURE, reason=reason), user, tenant_id)
                raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong email or password.")
            await self.identity.throttle.succeeded(session, attempt)
            if upgraded is not None:
                await session.execute(update(User).where(User.id == user.id).values(password_hash=upgraded))
            try:
                async with session.begin_nested():
                    tenants = await member_tenants(session, user.id)
                    tenant = await self.identity.choose_tenant(session, user, tenants, tenant_id)
                    grant = await second_factor.after_password(
                        self.identity, session, user, tenant, client.address
                    )
            except DomainError:
                await log_attempt(session, entry(Outcome.FAILURE, reason=Reason.NOT_A_MEMBER), user, None)
                raise
            await login_log.record(session, entry(Outcome.SUCCESS), [tenant.id], user.id)
        if isinstance(grant, SessionGrant):
            return replace(grant, tenants=tuple(tenants))
        return grant  # the second step (tenants/security/mfa.py) opens the session

    @asynccontextmanager
    async def login_step(self, transaction: RequestTransaction) -> AsyncIterator[AsyncSession]:
        """One short transaction of a login on the request's connection, committed at its end, also when
        it ends in a DomainError (what it counted and logged stands). Logins hold at most
        `login_connections` pooled connections at once, so a flood of them leaves the rest of the pool to
        everybody else; none is held while a password hashes."""
        async with self.login_connections:
            session = await transaction.session()
            try:
                yield session
            except DomainError:
                await transaction.finish(commit=True)
                raise
            except BaseException:
                await transaction.finish(commit=False)
                raise
            await transaction.finish(commit=True)
