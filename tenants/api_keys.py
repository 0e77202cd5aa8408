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
from tenants.scopes import clean_scopes
from tenants.tokens import digest, new_api_key
from tenants.validation import required_text

# Longest lifetime a key may be given; keys without an expiry live until revoked.
MAX_KEY_LIFETIME = timedelta(days=365)
# Longest time a rotated key keeps working beside its replacement.
MAX_GRACE_PERIOD = timedelta(days=7)


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    secret: str


async def create_api_key(
    session: AsyncSession,
    actor: Actor,
    name: str,
    role_key: str,
    expires_at: datetime | None,
    scopes: Sequence[str] | None = None,
) -> NewApiKey:
    actor.require_capability(Capability.MANAGE_USERS)
    name = required_text(name, "name", 100)
    check_expiry(expires_at)
    role = await role_by_key(session, actor.tenant_id, role_key, "roleKey")
    permissions = role_permissions(role)
    actor.require_covers(permissions, "roleKey", "This role")
    cleaned = clean_scopes(scopes, permissions)
    secret, prefix = new_api_key(actor.tenant_id)
    api_key = ApiKey(
        tenant_id=actor.tenant_id,
        name=name,
        prefix=prefix,
        key_hash=digest(secret),
        role_id=role.id,
        created_by_id=actor.user_id,
        expires_at=expires_at,
        scopes=None if cleaned is None else list(cleaned),
    )
    session.add(api_key)
    await session.flush()
    changes: dict[str, list[object]] = {"name": [None, name], "role": [None, role_key]}
    if cleaned is not None:
        changes["scopes"] = [None, list(cleaned)]
    await audit.record(session, actor, "api_key.create", "api_key", api_key.id, changes)
    return NewApiKey(api_key, secret)


def check_expiry(expires_at: datetime | None, field: str = "expiresAt") -> None:
    if expires_at is None:
        return
    now = datetime.now(UTC)
    if expires_at <= now:
        raise DomainError(ErrorCode.INVALID, "The expiry must be in the future.", field)
    if expires_at > now + MAX_KEY_LIFETIME:
        raise DomainError(ErrorCode.INVALID, "A key may live at most 365 days.", field)


async def rotate_api_key(
    session: AsyncSession, actor: Actor, api_key_id: uuid.UUID, grace_period: timedelta
) -> NewApiKey:
    """A new secret for a key: a new key with the same name, role, scopes, expiry and creator, and the
    old one kept working for `grace_period` (its expiry becomes the end of it; zero ends it now), so
    an integration can switch without downtime; the old key names its replacement (`replaced_by_id`)."""
    actor.require_capability(Capability.MANAGE_USERS)
    if not timedelta(0) <= grace_period <= MAX_GRACE_PERIOD:
        raise DomainError(
            ErrorCode.INVALID, "The grace period is 0 to 604800 seconds (7 days).", "gracePeriodSeconds"
        )
    old = await session.get(ApiKey, (actor.tenant_id, api_key_id), with_for_update=True)
    if old is None:
        raise not_found("API key")
    now = datetime.now(UTC)
    if old.revoked_at is not None or old.replaced_by_id is not None or (
        old.expires_at is not None and old.expires_at <= now
    ):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "Only a live key that was not rotated yet can be rotated.", "id"
        )
    role = await session.get(Role, (actor.tenant_id, old.role_id))
    assert role is not None  # a composite foreign key
    actor.require_covers(role_permissions(role), "id", "This key's role")
    secret, prefix = new_api_key(actor.tenant_id)
    new = ApiKey(
        tenant_id=actor.tenant_id,
        name=old.name,
        prefix=prefix,
        key_hash=digest(secret),
        role_id=old.role_id,
        created_by_id=old.created_by_id,  # the key still holds no more than its creator
        expires_at=old.expires_at,
        scopes=old.scopes,
    )
    session.add(new)
    await session.flush()  # the new row exists before the old one points at it
    grace_end = now + grace_period
    old.replaced_by_id = new.id
    old.expires_at = grace_end if old.expires_at is None else min(old.expires_at, grace_end)
    await audit.record(
        session,
        actor,
        "api_key.rotate",
        "api_key",
        old.id,
        {"replacedBy": [None, str(new.id)], "expiresAt": [None, old.expires_at.isoformat()]},
    )
    return NewApiKey(new, secret)


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
