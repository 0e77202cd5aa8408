"""API keys for integrations: bound to one tenant and one role, shown once, revocable."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import ApiKey, Role
from tenants.permissions import Actor, Capability
from tenants.tokens import digest, new_api_key
from tenants.validation import required_text


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    secret: str


async def create_api_key(
    session: AsyncSession, actor: Actor, name: str, role_key: str, expires_at: datetime | None
) -> NewApiKey:
    actor.require_capability(Capability.MANAGE_USERS)
    name = required_text(name, "name", 100)
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise DomainError(ErrorCode.INVALID, "The expiry must be in the future.", "expiresAt")
    role = await session.scalar(select(Role).where(Role.key == role_key))
    if role is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No role with key '{role_key}' in this tenant.", "roleKey")
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


async def list_api_keys(session: AsyncSession, actor: Actor) -> Sequence[ApiKey]:
    actor.require_capability(Capability.MANAGE_USERS)
    return (await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id))).all()
