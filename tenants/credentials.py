"""Credentials to actors: a bearer session token or API key becomes an `Actor`, in one round trip.

Used by both endpoints (HTTP in gateway/app.py and gateway/compiled_reads.py, WebSocket in graph/live).
The tenant always comes from the credential (the session's current tenant, or the key's own tenant),
never from a header the client chooses. One SQL function per credential kind (migrations/baseline.sql,
first written by revision 0100_request_auth) checks the credential, makes the transaction-local tenant
settings and returns the membership, the role and the tenant's security policy, so a request pays one
statement for all of it.
Role permissions are decoded once per process and role version (`PermissionCache`): a role edit bumps
the version, so the next request reads the new permissions without any invalidation message. The
policy (IP allowlist, session limits, MFA rule) is judged here by `tenants.security.policy`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import asyncpg
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.fields.values import remember_fields_version
from tenants.permissions import Actor, Permissions, builtin_permissions
from tenants.rate_limits import Admission as BucketAnswer
from tenants.rate_limits import Charge, folded_admission
from tenants.scopes import SCOPED_PERMISSIONS
from tenants.security.policy import SecurityPolicy, Violation, access_violation
from tenants.tokens import API_KEY_PREFIX, SESSION_PREFIX, digest, parse_api_key

# Last-seen / last-used times are refreshed at most this often, so reads do not all become writes.
TOUCH_INTERVAL = timedelta(minutes=1)
# Statements that commit on their own (one-trip reads and creates) never touch: a check whose actor the
# policy then refuses (a session past its idle limit) would otherwise commit the touch and revive the
# session for the next request. The fast path sends a credential through a transaction (which commits
# the touch only when the request is admitted) whenever a touch may be due (`Checked.touch_due`).
NEVER_TOUCH_SECONDS = 2**31 - 1


@dataclass(frozen=True)
class CredentialCheck:
    """One of migration 0100's credential functions, callable through a session or a raw connection."""

    function: str
    parameters: tuple[str, ...]

    @cached_property
    def session_statement(self) -> Any:
        return text(f"select * from {self.function}({', '.join(':' + p for p in self.parameters)})")

    @cached_property
    def placeholders(self) -> str:
        return ", ".join(f"${n}" for n in range(1, len(self.parameters) + 1))

    @cached_property
    def raw_statement(self) -> str:
        return f"select * from {self.function}({self.placeholders})"

    @cached_property
    def raw_statement_generic_plans(self) -> str:
        """`raw_statement` that also lets the rest of the transaction reuse generic plans."""
        return (
            "select c.*, set_config('plan_cache_mode', 'force_generic_plan', true) as plan_cache_mode"
            f" from {self.function}({self.placeholders}) as c"
        )


SESSION_CHECK = CredentialCheck(
    "crm_authenticate_session", ("token_hash", "statement_timeout", "touch_seconds")
)
API_KEY_CHECK = CredentialCheck(
    "crm_authenticate_api_key", ("tenant_id", "prefix", "key_hash", "statement_timeout", "touch_seconds")
)

# Runs a check with its parameters and returns its row (attribute access) or None.
CheckRunner = Callable[[CredentialCheck, dict[str, Any]], Awaitable[Any]]


def session_runner(session: AsyncSession) -> CheckRunner:
    async def run(check: CredentialCheck, parameters: dict[str, Any]) -> Any:
        return (await session.execute(check.session_statement, parameters)).one_or_none()

    return run


def raw_runner(connection: asyncpg.Connection, generic_plans: bool = False) -> CheckRunner:
    async def run(check: CredentialCheck, parameters: dict[str, Any]) -> Any:
        statement = check.raw_statement_generic_plans if generic_plans else check.raw_statement
        record = await connection.fetchrow(statement, *(parameters[p] for p in check.parameters))
        return None if record is None else RecordRow(record)

    return run


class RecordRow:
    """An asyncpg record read by attribute, like a SQLAlchemy row."""

    __slots__ = ("record",)

    def __init__(self, record: asyncpg.Record) -> None:
        self.record = record

    def __getattr__(self, name: str) -> Any:
        try:
            return self.record[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Checked:
    """An admitted credential: its actor and the credential function's row it came from (which the
    one-trip statements compare with the credential's state when they run: tenants/admissions.py)."""

    actor: Actor
    row: Any
    at: float = field(default_factory=time.monotonic)  # when it was checked
    # What later requests of the credential derive from this admission (its policy, the one-trip
    # create's bind values): worked out once, as the admission does not change.
    derived: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def fields_version(self) -> int | None:
        return self.row.fields_version

    @property
    def policy(self) -> SecurityPolicy:
        policy = self.derived.get("policy")
        if policy is None:
            policy = self.derived["policy"] = SecurityPolicy.from_row(self.row)
        return policy

    def touch_due(self) -> bool:
        """Whether the credential's last-seen / last-used time may need refreshing by now: its check
        touched it if it was older than TOUCH_INTERVAL, so the next touch is due one interval later."""
        return time.monotonic() - self.at >= TOUCH_INTERVAL.total_seconds()


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


class PermissionCache:
    """Decoded role permissions per (role id, role version); built-in roles per key.

    Bounded, so a tenant creating roles in a loop cannot grow the process without limit. Built-in roles
    are computed from the registered object types, which are complete once the schema is imported.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[Any, Permissions] = OrderedDict()

    def get(self, row: Any) -> Permissions:
        key = row.role_key if row.role_is_builtin else (row.role_id, row.role_version)
        permissions = self.entries.get(key)
        if permissions is None:
            permissions = (
                builtin_permissions(row.role_key)
                if row.role_is_builtin
                else Permissions.from_json(orjson.loads(row.role_permissions))
            )
            self.entries[key] = permissions
            if len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return permissions


PERMISSIONS = PermissionCache()


async def authenticate(
    session: AsyncSession,
    credential: Credential,
    request_id: str | None,
    statement_timeout: str = "15s",
    client_address: str | None = None,
) -> Actor:
    """Checks the credential as the first statement of the request's transaction and enters its tenant."""
    checked = await checked_actor(
        session_runner(session), credential, request_id, statement_timeout, client_address
    )
    remember_fields_version(session, checked.actor.tenant_id, checked.fields_version)
    return checked.actor


async def authenticate_raw(
    connection: asyncpg.Connection,
    credential: Credential,
    request_id: str | None,
    statement_timeout: str,
    client_address: str | None,
    generic_plans: bool = False,
) -> Checked:
    """`authenticate` on a raw asyncpg connection (the compiled fast path, which has no session);
    `generic_plans` sets `plan_cache_mode` for the rest of the transaction in the same statement."""
    return await checked_actor(
        raw_runner(connection, generic_plans), credential, request_id, statement_timeout, client_address
    )


async def authenticate_and_read(
    pool: asyncpg.Pool,
    credential: Credential,
    request_id: str | None,
    statement_timeout: str,
    client_address: str | None,
    read: str,
    arguments: list[Any],
    charge: Charge | None = None,
) -> tuple[Checked, Any]:
    """`authenticate` and a read in ONE statement outside any transaction block (no BEGIN, no COMMIT):
    `select c.*, (<read>) from <credential function>(...) as c`, returning the actor and the read's value.

    `read` is a single-value SELECT with `$1..$n` for `arguments`. The credential function runs first:
    PostgreSQL materialises a PL/pgSQL set-returning function in FROM before it evaluates the target list,
    and the read is an uncorrelated subquery (an InitPlan) evaluated when the target list first needs it.
    So the read's row-level security sees the tenant settings the function made, local to the statement's
    own transaction and gone after it. Were it ever otherwise, the read would see no tenant at all (the
    settings are empty outside the function), never another tenant. The test suite's verify mode compares
    every such read with the executor's answer.

    A `charge` (tenants/rate_limits.py) joins the rate-limit buckets to the same statement (a LATERAL
    call on the credential row, so it runs after the check) and the read runs only if they admit it.
    """
    found: dict[str, Any] = {}

    async def run(check: CredentialCheck, parameters: dict[str, Any]) -> Any:
        first = len(arguments) + 1
        placeholders = ", ".join(f"${n}" for n in range(first, first + len(check.parameters)))
        values = [*arguments, *(parameters[p] for p in check.parameters)]
        columns, value, join = "", f"({read})", ""
        if charge is not None and charge.answer is None:
            columns, join = folded_admission(charge_subjects(check, first), len(values) + 1)
            columns, value = f", {columns}", f"case when a.refusal is null then ({read}) end"
            values += charge.operation_arguments()
        statement = (
            f"select c.*{columns}, {value} as crm_read from {check.function}({placeholders}) as c {join}"
        )
        record = await pool.fetchrow(statement, *values)
        if record is None:
            return None
        found["value"] = record["crm_read"]
        if join:
            found["admission"] = BucketAnswer.from_record(record, "crm_")
        return RecordRow(record)

    checked = await checked_actor(run, credential, request_id, statement_timeout, client_address, touch=False)
    if charge is not None and "admission" in found:
        charge.settle(found["admission"])  # after the credential was judged: its refusal comes first
    return checked, found.get("value")


def charge_subjects(check: CredentialCheck, first_placeholder: int) -> tuple[str, str, str]:
    """The tenant, user and key ids a charge is taken from, as SQL on the credential row `c`; the user
    is null (no charge) for a credential the check refuses anyway."""
    if check is SESSION_CHECK:
        return "c.tenant_id", "case when c.role_id is not null then c.user_id end", "null::uuid"
    tenant = f"${first_placeholder + check.parameters.index('tenant_id')}::uuid"
    return tenant, "case when c.usable and c.creator_active then c.creator_id end", "c.api_key_id"


async def checked_actor(
    run: CheckRunner,
    credential: Credential,
    request_id: str | None,
    statement_timeout: str,
    client_address: str | None,
    touch: bool = True,
) -> Checked:
    """The credential's actor and the row it was checked from."""
    check = actor_for_session if credential.kind == "session" else actor_for_api_key
    return await check(run, credential.value, request_id, statement_timeout, client_address, touch)


async def actor_for_session(
    run: CheckRunner,
    token: str,
    request_id: str | None,
    statement_timeout: str,
    client_address: str | None,
    touch: bool,
) -> Checked:
    row = await credential_row(run, SESSION_CHECK, statement_timeout, touch, token_hash=digest(token))
    if row is None:
        raise AuthenticationFailed("The session has expired or was revoked; log in again.")
    if row.role_id is None:
        raise AuthenticationFailed("You are no longer a member of this tenant.")
    actor = admitted_actor(
        row,
        client_address,
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        request_id=request_id,
        session_id=row.session_id,
        session_started=row.session_created_at,
        session_last_active=row.session_last_seen_at,
    )
    return Checked(actor, row)


async def actor_for_api_key(
    run: CheckRunner,
    key: str,
    request_id: str | None,
    statement_timeout: str,
    client_address: str | None,
    touch: bool,
) -> Checked:
    parsed = parse_api_key(key)
    if parsed is None:
        raise AuthenticationFailed("Malformed API key.")
    row = await credential_row(
        run,
        API_KEY_CHECK,
        statement_timeout,
        touch,
        tenant_id=parsed.tenant_id,
        prefix=parsed.prefix,
        key_hash=digest(key),
    )
    if row is None:
        raise AuthenticationFailed("Unknown API key.")
    if not row.usable:
        raise AuthenticationFailed("This API key was revoked or has expired.")
    if not row.creator_active:
        raise AuthenticationFailed("The member who created this API key is no longer active.")
    # A key is not a person logging in: only the network rule applies (no session limits, no MFA).
    actor = admitted_actor(
        row,
        client_address,
        tenant_id=parsed.tenant_id,
        user_id=row.creator_id,
        request_id=request_id,
        api_key_id=row.api_key_id,
        scopes=None if row.scopes is None else tuple(row.scopes),
    )
    return Checked(actor, row)


async def credential_row(
    run: CheckRunner, check: CredentialCheck, statement_timeout: str, touch: bool, **credential: Any
) -> Any:
    """The credential function's row (None: unknown, expired or revoked); it also enters the tenant.
    `touch`: refresh the last-seen / last-used time when it is older than TOUCH_INTERVAL."""
    parameters = {**credential, "statement_timeout": statement_timeout, "touch_seconds": touch_seconds(touch)}
    return await run(check, parameters)


def touch_seconds(touch: bool) -> int:
    return int(TOUCH_INTERVAL.total_seconds()) if touch else NEVER_TOUCH_SECONDS


def admitted_actor(
    row: Any,
    client_address: str | None,
    *,
    tenant_id: Any,
    user_id: Any,
    request_id: str | None,
    session_id: Any = None,
    api_key_id: Any = None,
    session_started: datetime | None = None,
    session_last_active: datetime | None = None,
    scopes: tuple[str, ...] | None = None,
) -> Actor:
    """The actor of a checked credential, once the tenant's security policy admits the request; an API
    key with scopes acts with its role narrowed to them (tenants/scopes.py)."""
    permissions = PERMISSIONS.get(row)
    raise_violation(
        access_violation(
            SecurityPolicy.from_row(row),
            now=datetime.now(UTC),
            client_address=client_address,
            permissions=permissions,
            session_started=session_started,
            session_last_active=session_last_active,
        )
    )
    if scopes is not None:
        permissions = SCOPED_PERMISSIONS.get(permissions, scopes)
    return Actor(
        tenant_id=tenant_id,
        user_id=user_id,
        permissions=permissions,
        team_id=row.team_id,
        role_key=row.role_key,
        session_id=session_id,
        api_key_id=api_key_id,
        request_id=request_id,
        scopes=scopes,
    )


def raise_violation(violation: Violation | None) -> None:
    if violation is None:
        return
    if violation.status == 403:
        raise AccessRefused(violation.message, violation.code)
    raise AuthenticationFailed(violation.message)
