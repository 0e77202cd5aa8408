"""Authentication at the edge: a bearer session token or API key becomes an `Actor`.

The tenant always comes from the credential (the session's current tenant, or the key's own tenant),
never from a header the client chooses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.db import enter_tenant
from tenants.identity import role_permissions
from tenants.models import ApiKey, Membership, Role, User, UserSession
from tenants.permissions import Actor, Permissions
from tenants.security.policy import Violation, access_violation, load_policy
from tenants.tokens import API_KEY_PREFIX, SESSION_PREFIX, digest, parse_api_key, same_digest

# Last-seen / last-used times are refreshed at most this often, so reads do not all become writes.
TOUCH_INTERVAL = timedelta(minutes=1)


class AuthenticationFailed(Exception):
    """The credential is unknown, expired or revoked."""


class AccessRefused(AuthenticationFailed):
    """A valid credential the tenant's security policy refuses here (network, MFA): HTTP 403 + code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Credential:
    kind: str  # "session" | "api_key"
    value: str


def bearer_credential(authorization: str | None) -> Credential | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise AuthenticationFailed("Use 'Authorization: Bearer <session token or API key>'.")
    return credential_from(value)


def credential_from(value: str) -> Credential:
    if value.startswith(SESSION_PREFIX):
        return Credential("session", value)
    if value.startswith(API_KEY_PREFIX):
        return Credential("api_key", value)
    raise AuthenticationFailed("The credential is neither a session token nor an API key.")


async def authenticate(
    session: AsyncSession, credential: Credential, request_id: str | None, client_address: str | None = None
) -> Actor:
    """Checks the credential inside the request's transaction and moves it into the actor's tenant."""
    if credential.kind == "session":
        return await actor_for_session(session, credential.value, request_id, client_address)
    return await actor_for_api_key(session, credential.value, request_id, client_address)


async def actor_for_session(
    session: AsyncSession, token: str, request_id: str | None, client_address: str | None = None
) -> Actor:
    now = datetime.now(UTC)
    user_session = await session.scalar(select(UserSession).where(UserSession.token_hash == digest(token)))
    if user_session is None or user_session.revoked_at or user_session.expires_at <= now:
        raise AuthenticationFailed("The session has expired or was revoked; log in again.")
    await enter_tenant(session, user_session.active_tenant_id, user_session.user_id)
    row = (
        await session.execute(
            select(Membership, Role, User.is_active)
            .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.user_id == user_session.user_id,
                Membership.tenant_id == user_session.active_tenant_id,
            )
        )
    ).one_or_none()
    if row is None or not row.Membership.is_active or not row.is_active:
        raise AuthenticationFailed("You are no longer a member of this tenant.")
    permissions = role_permissions(row.Role)
    tenant_id = user_session.active_tenant_id
    await enforce_access_policy(
        session, tenant_id, user_session.user_id, permissions, client_address, user_session
    )
    if user_session.last_seen_at is None or now - user_session.last_seen_at > TOUCH_INTERVAL:
        await session.execute(
            update(UserSession).where(UserSession.id == user_session.id).values(last_seen_at=now)
        )
    return Actor(
        tenant_id=user_session.active_tenant_id,
        user_id=user_session.user_id,
        permissions=permissions,
        team_id=row.Membership.team_id,
        role_key=row.Role.key,
        session_id=user_session.id,
        request_id=request_id,
    )


async def actor_for_api_key(
    session: AsyncSession, key: str, request_id: str | None, client_address: str | None = None
) -> Actor:
    parsed = parse_api_key(key)
    if parsed is None:
        raise AuthenticationFailed("Malformed API key.")
    now = datetime.now(UTC)
    await enter_tenant(session, parsed.tenant_id)
    row = (
        await session.execute(
            select(ApiKey, Role)
            .join(Role, (Role.tenant_id == ApiKey.tenant_id) & (Role.id == ApiKey.role_id))
            .where(ApiKey.prefix == parsed.prefix)
        )
    ).one_or_none()
    if row is None or not same_digest(row.ApiKey.key_hash, digest(key)):
        raise AuthenticationFailed("Unknown API key.")
    api_key: ApiKey = row.ApiKey
    if api_key.revoked_at or (api_key.expires_at and api_key.expires_at <= now):
        raise AuthenticationFailed("This API key was revoked or has expired.")
    permissions = role_permissions(row.Role)
    await enforce_access_policy(session, parsed.tenant_id, api_key.created_by_id, permissions, client_address)
    if api_key.last_used_at is None or now - api_key.last_used_at > TOUCH_INTERVAL:
        api_key.last_used_at = now
    # A key acts for its creator, so it dies with the creator's membership.
    creator = await session.scalar(select(Membership).where(Membership.user_id == api_key.created_by_id))
    if creator is None or not creator.is_active:
        raise AuthenticationFailed("The member who created this API key is no longer active.")
    return Actor(
        tenant_id=parsed.tenant_id,
        user_id=api_key.created_by_id,
        permissions=permissions,
        team_id=creator.team_id,
        role_key=row.Role.key,
        api_key_id=api_key.id,
        request_id=request_id,
    )


async def enforce_access_policy(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    permissions: Permissions,
    client_address: str | None,
    user_session: UserSession | None = None,
) -> None:
    """The tenant's security policy (tenants/security/policy.py): IP allowlist for sessions and API keys,
    idle and absolute session limits, the MFA rule. One read (`POLICY_ROW`: columns of
    tenant_security_settings + "has a confirmed factor"), one pure judgement; the transaction is already
    inside the tenant."""
    policy = await load_policy(session, tenant_id, user_id)
    violation = access_violation(
        policy,
        now=datetime.now(UTC),
        client_address=client_address,
        permissions=permissions,
        session_started=user_session.created_at if user_session else None,
        session_last_active=user_session.last_seen_at if user_session else None,
    )
    raise_violation(violation)


def raise_violation(violation: Violation | None) -> None:
    if violation is None:
        return
    if violation.status == 403:
        raise AccessRefused(violation.message, violation.code)
    raise AuthenticationFailed(violation.message)


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
