"""Per-event credential checks, batched: one query for every session-token connection of a tenant.

An event of a busy tenant reaches many connections of this process at once, and each must confirm that
its credential still holds before anything is re-read for it. Checked one by one that is three statements
per connection; here the connections waiting in the same turn of the event loop are checked together, with
the same rules as `gateway.auth.actor_for_session` (not revoked, not expired, still acting in this tenant,
active member, active user, the tenant's security policy), inside the tenant's RLS wall. API keys (rare
on live screens) keep the full one-by-one check; so do the connect-time and periodic checks, which also
record `last_seen_at`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import LargeBinary, Row, Text, any_, bindparam, cast, select
from sqlalchemy.dialects.postgresql import ARRAY

from gateway.auth import PERMISSIONS, AuthenticationFailed, raise_violation
from graph.live.context import LiveContext
from tenants.db import Database
from tenants.models import Membership, Role, User, UserSession
from tenants.permissions import Actor
from tenants.security.models import TenantSecuritySettings, UserMfa
from tenants.security.policy import SecurityPolicy, access_violation
from tenants.tokens import digest

Waiter = tuple[bytes, asyncio.Future[Actor], str | None, str | None]
HASHES = ARRAY(LargeBinary)


class CredentialChecks:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.waiting: dict[uuid.UUID, list[Waiter]] = defaultdict(list)

    async def actor_for(self, context: LiveContext) -> Actor:
        """The connection's actor now; raises AuthenticationFailed when the credential no longer holds."""
        credential = context.credential
        assert credential is not None
        if credential.kind != "session":
            return await context.authenticate()
        tenant_id = context.actor.tenant_id
        future: asyncio.Future[Actor] = asyncio.get_running_loop().create_future()
        batch = self.waiting[tenant_id]
        batch.append((digest(credential.value), future, context.request_id, context.client_address))
        if len(batch) == 1:  # the first waiter of this turn schedules the check of everyone who joins it
            asyncio.get_running_loop().call_soon(self._start, tenant_id)
        return await future

    def _start(self, tenant_id: uuid.UUID) -> None:
        batch = self.waiting.pop(tenant_id, [])
        if batch:
            task = asyncio.ensure_future(self._check(tenant_id, batch))
            task.add_done_callback(lambda done: done.exception() if not done.cancelled() else None)

    async def _check(self, tenant_id: uuid.UUID, batch: list[Waiter]) -> None:
        try:
            rows = await self._rows(tenant_id, {token_hash for token_hash, *_rest in batch})
        except Exception as error:  # the database is unreachable: every waiter learns it
            for _hash, future, *_rest in batch:
                if not future.done():
                    future.set_exception(error)
            return
        now = datetime.now(UTC)
        for token_hash, future, request_id, client_address in batch:
            if future.done():
                continue
            try:
                actor = actor_from(rows.get(token_hash), tenant_id, now, request_id, client_address)
                future.set_result(actor)
            except AuthenticationFailed as error:
                future.set_exception(error)

    async def _rows(self, tenant_id: uuid.UUID, hashes: set[bytes]) -> dict[bytes, Row[Any]]:
        # Plain columns, not ORM objects: one row per connection of a busy tenant, and the role's
        # permissions as text (decoded once per role version by gateway.auth's PERMISSIONS cache).
        async with self.db.transaction(tenant_id) as session:
            result = await session.execute(
                select(
                    UserSession.token_hash,
                    UserSession.id.label("session_id"),
                    UserSession.user_id,
                    UserSession.active_tenant_id,
                    UserSession.revoked_at,
                    UserSession.expires_at,
                    UserSession.created_at.label("session_created_at"),
                    UserSession.last_seen_at.label("session_last_seen_at"),
                    User.is_active.label("user_active"),
                    Membership.is_active.label("member_active"),
                    Membership.team_id,
                    Role.id.label("role_id"),
                    Role.version.label("role_version"),
                    Role.key.label("role_key"),
                    Role.is_builtin.label("role_is_builtin"),
                    cast(Role.permissions, Text).label("role_permissions"),
                    # The tenant's security policy and the user's second factor (gateway.auth's check).
                    TenantSecuritySettings.ip_allowlist,
                    TenantSecuritySettings.session_idle_minutes,
                    TenantSecuritySettings.session_max_hours,
                    TenantSecuritySettings.mfa_required,
                    UserMfa.enabled_at.is_not(None).label("mfa_enrolled"),
                )
                .join(User, User.id == UserSession.user_id)
                .outerjoin(
                    Membership,
                    (Membership.user_id == UserSession.user_id)
                    & (Membership.tenant_id == UserSession.active_tenant_id),
                )
                .outerjoin(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
                .outerjoin(TenantSecuritySettings, TenantSecuritySettings.tenant_id == tenant_id)
                .outerjoin(UserMfa, UserMfa.user_id == UserSession.user_id)
                # One array parameter: the same prepared statement whatever the number of connections.
                .where(UserSession.token_hash == any_(bindparam("hashes", list(hashes), type_=HASHES)))
            )
            return {row.token_hash: row for row in result}


def actor_from(
    row: Row[Any] | None,
    tenant_id: uuid.UUID,
    now: datetime,
    request_id: str | None,
    client_address: str | None,
) -> Actor:
    """gateway.auth.actor_for_session's rules, on a row of the batched query."""
    if row is None or row.revoked_at or row.expires_at <= now:
        raise AuthenticationFailed("The session has expired or was revoked; log in again.")
    if row.active_tenant_id != tenant_id:
        raise AuthenticationFailed("The session moved to another tenant.")
    if row.role_id is None or not row.member_active or not row.user_active:
        raise AuthenticationFailed("You are no longer a member of this tenant.")
    permissions = PERMISSIONS.get(row)
    violation = access_violation(
        SecurityPolicy.from_row(row),
        now=now,
        client_address=client_address,
        permissions=permissions,
        session_started=row.session_created_at,
        session_last_active=row.session_last_seen_at,
    )
    raise_violation(violation)
    return Actor(
        tenant_id=tenant_id,
        user_id=row.user_id,
        permissions=permissions,
        team_id=row.team_id,
        role_key=row.role_key,
        session_id=row.session_id,
        request_id=request_id,
    )
