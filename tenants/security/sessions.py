"""Active sessions: a user lists and revokes their own; a user manager revokes a member's sessions in
this tenant. A revoked session is refused by the edge at once, and its WebSockets are closed with 4403
by the live layer's credential re-check (before the next event, or within CRM_LIVE_REVALIDATE_SECONDS).

Sessions are global identity rows (a session may move between a user's tenants), so every statement
here names the user, and an administrator only reaches sessions acting in their own tenant.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.identity import role_permissions
from tenants.models import Membership, Role, UserSession
from tenants.permissions import Actor, Capability

MAX_LISTED = 100


def require_session(actor: Actor) -> uuid.UUID:
    if actor.session_id is None:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "API keys have no sessions; sign in with a session token."
        )
    return actor.session_id


def active(now: datetime):  # type: ignore[no-untyped-def]
    return (UserSession.revoked_at.is_(None)) & (UserSession.expires_at > now)


async def my_sessions(session: AsyncSession, actor: Actor) -> list[UserSession]:
    require_session(actor)
    return await sessions_where(session, UserSession.user_id == actor.user_id)


async def sessions_where(session: AsyncSession, condition) -> list[UserSession]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    rows = await session.scalars(
        select(UserSession)
        .where(condition, active(now))
        .order_by(func.coalesce(UserSession.last_seen_at, UserSession.created_at).desc(), UserSession.id)
        .limit(MAX_LISTED)
    )
    return list(rows)


async def sessions_by_id(session: AsyncSession, actor: Actor, ids: list[uuid.UUID]) -> list[UserSession]:
    """Active sessions among `ids` the two lists would show this actor: their own (signed in with a
    session), and for manage_users holders the sessions acting in this tenant. `user_sessions` has no
    RLS (sessions are global identity data), so the tenant condition here is the wall."""
    visible = []
    if actor.session_id is not None:
        visible.append(UserSession.user_id == actor.user_id)
    if actor.permissions.has(Capability.MANAGE_USERS):
        visible.append(UserSession.active_tenant_id == actor.tenant_id)
    if not visible:
        return []
    return await sessions_where(session, UserSession.id.in_(ids) & or_(*visible))


async def revoke_my_session(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> None:
    require_session(actor)
    revoked = await revoke_where(
        session, (UserSession.user_id == actor.user_id) & (UserSession.id == session_id)
    )
    if not revoked:
        raise not_found("active session of yours")
    await audit.record(session, actor, "session.revoke", "user", actor.user_id, {"sessions_revoked": 1})


async def revoke_my_sessions(session: AsyncSession, actor: Actor, include_current: bool) -> int:
    """Every session of the user, in every tenant; the current one too when asked."""
    current = require_session(actor)
    condition = UserSession.user_id == actor.user_id
    if not include_current:
        condition = condition & (UserSession.id != current)
    revoked = await revoke_where(session, condition)
    await audit.record(
        session, actor, "session.revoke_all", "user", actor.user_id, {"sessions_revoked": revoked}
    )
    return revoked


async def member_sessions(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> list[UserSession]:
    actor.require_capability(Capability.MANAGE_USERS)
    await member_role(session, actor, user_id)
    return await sessions_where(
        session, (UserSession.user_id == user_id) & (UserSession.active_tenant_id == actor.tenant_id)
    )


async def revoke_member_sessions(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> int:
    """The member's sessions acting in this tenant (their sessions elsewhere are not this tenant's)."""
    actor.require_capability(Capability.MANAGE_USERS)
    role = await member_role(session, actor, user_id)
    beyond = sorted(c.value for c in role_permissions(role).capabilities if not actor.permissions.has(c))
    if beyond:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            f"This member holds capabilities you lack ({', '.join(beyond)}); ask someone who holds them.",
            "userId",
        )
    revoked = await revoke_where(
        session, (UserSession.user_id == user_id) & (UserSession.active_tenant_id == actor.tenant_id)
    )
    await audit.record(
        session, actor, "member.revoke_sessions", "user", user_id, {"sessions_revoked": revoked}
    )
    return revoked


async def member_role(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> Role:
    role = await session.scalar(
        select(Role)
        .join(Membership, (Membership.tenant_id == Role.tenant_id) & (Membership.role_id == Role.id))
        .where(Membership.tenant_id == actor.tenant_id, Membership.user_id == user_id)
    )
    if role is None:
        raise not_found("member", "userId")
    return role


async def revoke_where(session: AsyncSession, condition) -> int:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    result = await session.execute(
        update(UserSession).where(condition, active(now)).values(revoked_at=now).returning(UserSession.id)
    )
    return len(result.all())


async def describe_session(session: AsyncSession, session_id: uuid.UUID, user_agent: str | None) -> None:
    """Records the client's User-Agent on a session just opened (shown in the session list)."""
    if user_agent:
        opened = await session.get(UserSession, session_id)  # in the identity map: no SELECT
        if opened is not None:
            opened.user_agent = user_agent[:400]
