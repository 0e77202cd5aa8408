"""Per-event credential checks, batched: one query for every session-token connection of a tenant.

An event of a busy tenant reaches many connections of this process at once, and each must confirm that
its credential still holds before anything is re-read for it, with the same rules as
`tenants.credentials.actor_for_session` (not revoked, not expired, still acting in this tenant, active member,
active user, the tenant's security policy), inside the tenant's RLS wall. Checked one by one that is three
statements per connection. Here one query checks every session of the tenant that this process has been
asked about recently, and a connection may use the answer of any check that *started* after its event was
received (that check saw every change committed before the event, a revocation included): an event for a
thousand connections costs one query, even when the connections reach their check at different times.
API keys (rare on live screens) keep the full one-by-one check; so do the connect-time and periodic checks,
which also record `last_seen_at`.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
import uuid
from collections import defaultdict, namedtuple
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Dialect, LargeBinary, Text, any_, bindparam, cast, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from graph.live.context import LiveContext
from tenants.credentials import PERMISSIONS, AuthenticationFailed, raise_violation
from tenants.db import Database
from tenants.models import Membership, Role, User, UserSession
from tenants.permissions import Actor
from tenants.security.models import TenantSecuritySettings, UserMfa
from tenants.security.policy import SecurityPolicy, access_violation
from tenants.tokens import digest


@dataclass
class Checked:
    """A session's row from the check that started at `started` (monotonic); None: no such session."""

    row: SessionRow | None
    started: float
    asked: float  # when a connection last asked about it (sessions nobody asks about are dropped)


@dataclass
class Batch:
    """One check: the sessions it asks about, and its answer (`done`) for everyone waiting on it."""

    hashes: set[bytes]
    done: asyncio.Future[None]
    everyone: bool = False  # also every session of the tenant asked about recently
    started: float = math.inf  # monotonic, once its query is on its way


class CredentialChecks:
    def __init__(self, db: Database, forget_after: float = 120.0) -> None:
        self.db = db
        self.forget_after = forget_after
        self.waiting: dict[uuid.UUID, Batch] = {}  # the next check of each tenant, gathering sessions
        self.running: dict[uuid.UUID, list[Batch]] = defaultdict(list)
        self.checked: dict[uuid.UUID, dict[bytes, Checked]] = defaultdict(dict)

    async def actor_for(
        self, context: LiveContext, not_before: float, *, everyone: bool = True
    ) -> tuple[Actor, float]:
        """The connection's actor as a check started at or after `not_before` (monotonic) saw it, and when
        that check started; raises AuthenticationFailed when the credential no longer holds. `everyone`:
        a new check covers every session of the tenant asked about recently (the others will ask about
        the same event next); otherwise only the connections waiting now (a new subscription)."""
        credential = context.credential
        assert credential is not None
        if credential.kind != "session":
            started = time.monotonic()
            return await context.authenticate(), started
        tenant_id = context.actor.tenant_id
        token_hash = digest(credential.value)
        checked = self.checked[tenant_id].get(token_hash)
        if checked is None or checked.started < not_before:
            await asyncio.shield(self._answer(tenant_id, token_hash, not_before, everyone))
            checked = self.checked[tenant_id][token_hash]
        checked.asked = time.monotonic()
        actor = actor_from(
            checked.row, tenant_id, datetime.now(UTC), context.request_id, context.client_address
        )
        return actor, checked.started

    def _answer(
        self, tenant_id: uuid.UUID, token_hash: bytes, not_before: float, everyone: bool
    ) -> asyncio.Future[None]:
        """A running check that started late enough and asks about this session, or else the next one."""
        for batch in self.running.get(tenant_id, ()):
            if batch.started >= not_before and token_hash in batch.hashes:
                return batch.done
        batch = self.waiting.get(tenant_id)
        if batch is None:  # the first waiter of this turn schedules the check everyone joins
            loop = asyncio.get_running_loop()
            batch = self.waiting[tenant_id] = Batch(set(), loop.create_future())
            batch.done.add_done_callback(lambda done: done.exception() if not done.cancelled() else None)
            loop.call_soon(self._start, tenant_id)
        batch.hashes.add(token_hash)
        batch.everyone = batch.everyone or everyone
        return batch.done

    def _start(self, tenant_id: uuid.UUID) -> None:
        batch = self.waiting.pop(tenant_id, None)
        if batch is not None:
            task = asyncio.ensure_future(self._check(tenant_id, batch))
            task.add_done_callback(lambda done: done.exception() if not done.cancelled() else None)

    async def _check(self, tenant_id: uuid.UUID, batch: Batch) -> None:
        batch.started = started = time.monotonic()
        if batch.everyone:
            known = self.checked[tenant_id]
            batch.hashes |= {h for h, checked in known.items() if started - checked.asked < self.forget_after}
        self.running[tenant_id].append(batch)
        try:
            rows = await self._rows(tenant_id, batch.hashes)
        except Exception as error:  # the database is unreachable: every waiter learns it
            batch.done.set_exception(error)
            return
        finally:
            self.running[tenant_id].remove(batch)
            if not self.running[tenant_id]:
                del self.running[tenant_id]
        known = self.checked[tenant_id]
        for token_hash in batch.hashes:
            current = known.get(token_hash)
            if current is None:
                known[token_hash] = Checked(rows.get(token_hash), started, started)
            elif current.started <= started:  # another check may have finished meanwhile: keep the later
                current.row, current.started = rows.get(token_hash), started
        self._forget(started, keep=batch.hashes)
        batch.done.set_result(None)

    def _forget(self, now: float, keep: set[bytes]) -> None:
        """Drops the sessions (and tenants) nobody has asked about for `forget_after` seconds."""
        for tenant_id, known in list(self.checked.items()):
            for token_hash in [h for h, checked in known.items() if now - checked.asked >= self.forget_after]:
                if token_hash not in keep:
                    del known[token_hash]
            if not known:
                del self.checked[tenant_id]

    async def _rows(self, tenant_id: uuid.UUID, hashes: set[bytes]) -> dict[bytes, SessionRow]:
        # On the driver's connection, as plain tuples: a busy tenant's check returns a row per
        # connection, and SQLAlchemy's result processing of a thousand rows cost more than the query.
        sql, names = checks_statement(self.db.engine.dialect)
        values = {"hashes": list(hashes), "tenant_id": tenant_id}
        async with self.db.transaction(tenant_id) as session:
            raw = await (await session.connection()).get_raw_connection()
            records = await raw.driver_connection.fetch(sql, *(values[name] for name in names))
        return {record[0]: SessionRow(*record) for record in records}


# The tenant's security policy and the user's second factor are tenants.credentials' check; the role's
# permissions come as text, decoded once per role version by tenants.credentials' PERMISSIONS cache.
CHECKS = (
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
        TenantSecuritySettings.ip_allowlist,
        TenantSecuritySettings.session_idle_minutes,
        TenantSecuritySettings.session_max_hours,
        TenantSecuritySettings.mfa_required,
        UserMfa.enabled_at.is_not(None).label("mfa_enrolled"),
    )
    .join(User, User.id == UserSession.user_id)
    .outerjoin(
        Membership,
        (Membership.user_id == UserSession.user_id) & (Membership.tenant_id == UserSession.active_tenant_id),
    )
    .outerjoin(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
    .outerjoin(
        TenantSecuritySettings,
        TenantSecuritySettings.tenant_id == bindparam("tenant_id", type_=PG_UUID(as_uuid=True)),
    )
    .outerjoin(UserMfa, UserMfa.user_id == UserSession.user_id)
    # One array parameter: the same prepared statement whatever the number of connections.
    .where(UserSession.token_hash == any_(bindparam("hashes", type_=ARRAY(LargeBinary))))
)
SessionRow = namedtuple("SessionRow", [column.name for column in CHECKS.selected_columns])  # type: ignore[misc]


@functools.cache
def checks_statement(dialect: Dialect) -> tuple[str, tuple[str, ...]]:
    """CHECKS as the driver's SQL, with its parameter names in order."""
    compiled = CHECKS.compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ())


def actor_from(
    row: SessionRow | None,
    tenant_id: uuid.UUID,
    now: datetime,
    request_id: str | None,
    client_address: str | None,
) -> Actor:
    """tenants.credentials.actor_for_session's rules, on a row of the batched query."""
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
