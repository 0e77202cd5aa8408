"""The login log: every sign-in attempt, who, where from, how, and how it ended.

An attempt for a known user is written into each tenant of the user's active memberships (only the
chosen tenant when the login named one of them, the key's tenant for an API key): each tenant's admins
see the attempts on their own members' accounts, and the tenant wall (RLS) keeps them there. Attempts
no tenant can own (an email without an account, an account without an active membership, a key of an
unknown tenant) go to `login_attempts`, which the application may only append to: no API reads it,
so it cannot tell anyone which emails were tried. Operators read it as the owner role.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Index, Select, String, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import enter_tenant
from tenants.ids import new_id
from tenants.models import ApiKey, Base, TenantMixin
from tenants.tokens import parse_api_key

if TYPE_CHECKING:
    from tenants.identity import SessionGrant

MAX_USER_AGENT = 512
MAX_ADDRESS = 64


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    THROTTLED = "throttled"


class Method(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a sign-in method, not a password
    INVITATION = "invitation"
    API_KEY = "api_key"


class Reason(StrEnum):
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a reason code
    UNKNOWN_EMAIL = "unknown_email"
    INACTIVE_USER = "inactive_user"
    NOT_A_MEMBER = "not_a_member"
    LOCKED_ACCOUNT_ADDRESS = "locked_account_address"
    LOCKED_ACCOUNT = "locked_account"
    LOCKED_ADDRESS = "locked_address"
    UNKNOWN_KEY = "unknown_key"
    REJECTED_KEY = "rejected_key"  # revoked, expired, wrong secret or its creator left


class LoginEvent(TenantMixin, Base):
    """Append-only for the application role (migration 0120_login_log)."""

    __tablename__ = "login_events"
    __table_args__ = (
        Index("login_events_tenant_created_idx", "tenant_id", text("created_at DESC"), text("id DESC")),
        Index(
            "login_events_tenant_user_created_idx",
            "tenant_id",
            "user_id",
            text("created_at DESC"),
            text("id DESC"),
        ),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column()
    api_key_id: Mapped[uuid.UUID | None] = mapped_column()
    email: Mapped[str | None] = mapped_column(String(320))
    outcome: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    client_address: Mapped[str | None] = mapped_column(String(MAX_ADDRESS))
    user_agent: Mapped[str | None] = mapped_column(String(MAX_USER_AGENT))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LoginAttempt(Base):
    """Attempts without a tenant; INSERT only for the application role."""

    __tablename__ = "login_attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str | None] = mapped_column(String(320))
    outcome: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    client_address: Mapped[str | None] = mapped_column(String(MAX_ADDRESS))
    user_agent: Mapped[str | None] = mapped_column(String(MAX_USER_AGENT))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@dataclass(frozen=True)
class Client:
    """Where an attempt came from: the client address (proxy-aware, see gateway) and its user agent."""

    address: str | None
    user_agent: str | None

    def columns(self) -> dict[str, str | None]:
        return {
            "client_address": self.address[:MAX_ADDRESS] if self.address else None,
            "user_agent": self.user_agent[:MAX_USER_AGENT] if self.user_agent else None,
        }


@dataclass(frozen=True)
class Entry:
    outcome: Outcome
    method: Method
    client: Client
    email: str | None = None
    reason: Reason | None = None

    def columns(self) -> dict[str, object]:
        return {
            "email": self.email[:320] if self.email else None,
            "outcome": self.outcome.value,
            "method": self.method.value,
            "reason": self.reason.value if self.reason else None,
            **self.client.columns(),
        }


async def record(
    session: AsyncSession,
    entry: Entry,
    tenant_ids: Sequence[uuid.UUID],
    user_id: uuid.UUID | None = None,
    api_key_id: uuid.UUID | None = None,
) -> None:
    """Writes the entry into each tenant given (leaving the transaction in the last), or the global log."""
    if not tenant_ids:
        await session.execute(insert(LoginAttempt).values(id=new_id(), **entry.columns()))
        return
    for tenant_id in tenant_ids:
        await enter_tenant(session, tenant_id, user_id)
        await session.execute(
            insert(LoginEvent).values(
                tenant_id=tenant_id, id=new_id(), user_id=user_id, api_key_id=api_key_id, **entry.columns()
            )
        )


async def record_sign_in(session: AsyncSession, grant: SessionGrant, method: Method, client: Client) -> None:
    """A sign-in that opened a session (e.g. accepting an invitation), in the tenant it entered."""
    entry = Entry(Outcome.SUCCESS, method, client, email=grant.user.email)
    await record(session, entry, [grant.tenant.id], grant.user.id)


async def record_api_key_failure(session: AsyncSession, key: str, client: Client) -> None:
    """A rejected API key: in its tenant when the key names an existing one, else in the global log."""
    entry = Entry(Outcome.FAILURE, Method.API_KEY, client, reason=Reason.UNKNOWN_KEY)
    parsed = parse_api_key(key)
    if parsed is None:
        await record(session, entry, [])
        return
    await enter_tenant(session, parsed.tenant_id)
    row = (
        await session.execute(select(ApiKey.id, ApiKey.created_by_id).where(ApiKey.prefix == parsed.prefix))
    ).one_or_none()
    if row is None:
        await record(session, entry, [])
        return
    rejected = Entry(Outcome.FAILURE, Method.API_KEY, client, reason=Reason.REJECTED_KEY)
    await record(session, rejected, [parsed.tenant_id], row.created_by_id, row.id)


def login_events_statement(
    user_id: uuid.UUID | None = None,
    outcome: Outcome | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
) -> Select[tuple[LoginEvent]]:
    """The current tenant's events, newest first, narrowed by the filters given."""
    statement = select(LoginEvent).order_by(LoginEvent.created_at.desc(), LoginEvent.id.desc())
    if user_id is not None:
        statement = statement.where(LoginEvent.user_id == user_id)
    if outcome is not None:
        statement = statement.where(LoginEvent.outcome == outcome.value)
    if since is not None:
        statement = statement.where(LoginEvent.created_at >= since)
    if before is not None:
        statement = statement.where(LoginEvent.created_at < before)
    return statement
