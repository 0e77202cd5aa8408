"""API keys for integrations: bound to one tenant and one role, shown once, revocable, optionally expiring.

A key never holds more than its creator: it is created only with a role the creator's rights cover, and
whenever a member's rights shrink (their role changes, their role is edited, they are deactivated) the
keys they created that now exceed them are revoked in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.identity import role_by_key, role_permissions
from tenants.models import ApiKey, Membership, Role
from tenants.permissions import Actor, Capability
from tenants.tokens import digest, new_api_key
from tenants.validation import required_text

# Longest lifetime a key may be given; keys without an expiry live until revoked.
MAX_KEY_LIFETIME = timedelta(days=365)


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    secret: str


async def create_api_key(
    session: AsyncSession, actor: Actor, name: str, role_key: str, expires_at: datetime | None
) -> NewApiKey:
    actor.require_capability(Capability.MANAGE_USERS)
    name = required_text(name, "name", 100)
    if expires_at is not None:
        now = datetime.now(UTC)
        if expires_at <= now:
            raise DomainError(ErrorCode.INVALID, "The expiry must be in the future.", "expiresAt")
        if expires_at > now + MAX_KEY_LIFETIME:
            raise DomainError(ErrorCode.INVALID, "A key may live at most 365 days.", "expiresAt")
    role = await role_by_key(session, actor.tenant_id, role_key, "roleKey")
    actor.require_covers(role_permissions(role), "roleKey", "This role")
    secret, prefix = new_api_key(actor.tenant_id)
    api_key = ApiKey(
        tenant_id=actor.tenant_id,
        name=name,
        prefix=prefix,
        key_hash=digest(secret),
        role_id=role.id,
        created_by_id=actor.user_id,
        expires_at=expires_at,
    )
    session.add(api_key)
    await session.flush()
    await audit.record(
        session,
        actor,
        "api_key.create",
        "api_key",
        api_key.id,
        {"name": [None, name], "role": [None, role_key]},
    )
    return NewApiKey(api_key, secret)


async def revoke_api_key(session: AsyncSession, actor: Actor, api_key_id: uuid.UUID) -> ApiKey:
    actor.require_capability(Capability.MANAGE_USERS)
    api_key = await session.get(ApiKey, (actor.tenant_id, api_key_id))
    if api_key is None:
        raise not_found("API key")
    if api_key.revoked_at is None:
        api_key.revoked_at = datetime.now(UTC)
        await audit.record(session, actor, "api_key.revoke", "api_key", api_key.id)
    return api_key


async def revoke_keys_beyond_creators(
    session: AsyncSession, actor: Actor, creator_id: uuid.UUID | None = None
) -> int:
    """Revokes the live keys (of one creator, or all) whose role holds more than their creator's current
    role, or whose creator is no longer an active member. Called by every write that shrinks a member."""
    key_role, creator_role = aliased(Role), aliased(Role)
    query = (
        select(ApiKey, key_role, creator_role, Membership.is_active)
        .join(key_role, (key_role.tenant_id == ApiKey.tenant_id) & (key_role.id == ApiKey.role_id))
        .outerjoin(
            Membership,
            (Membership.tenant_id == ApiKey.tenant_id) & (Membership.user_id == ApiKey.created_by_id),
        )
        .outerjoin(
            creator_role,
            (creator_role.tenant_id == Membership.tenant_id) & (creator_role.id == Membership.role_id),
        )
        .where(ApiKey.tenant_id == actor.tenant_id, ApiKey.revoked_at.is_(None))
    )
    if creator_id is not None:
        query = query.where(ApiKey.created_by_id == creator_id)
    now, revoked = datetime.now(UTC), 0
    for api_key, role, held, active in (await session.execute(query)).all():
        if active and held is not None and role_permissions(held).covers(role_permissions(role)):
            continue
        api_key.revoked_at = now
        revoked += 1
        reason = "creator no longer holds its role" if active else "creator is no longer an active member"
        await audit.record(session, actor, "api_key.revoke", "api_key", api_key.id, {"reason": reason})
    return revoked


async def list_api_keys(session: AsyncSession, actor: Actor) -> Sequence[ApiKey]:
    actor.require_capability(Capability.MANAGE_USERS)
    return (
        await session.scalars(
            select(ApiKey)
            .where(ApiKey.tenant_id == actor.tenant_id)
            .order_by(ApiKey.created_at.desc(), ApiKey.id)
        )
    ).all()
