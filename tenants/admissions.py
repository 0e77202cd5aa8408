"""Remembered admissions: a one-trip statement runs only while the database shows the same admission.

The fast path (gateway/fast_path.py) plans a request's read or create for the actor its credential was
last admitted as (`Checked`) and sends it as ONE statement with no BEGIN or COMMIT. That statement
re-checks the credential itself and yields nothing unless the check shows that same admission; then
the caller falls back to a full check in a transaction, which reports refusals with their own errors
and remembers the new admission.

Two kinds:
- `SessionAdmission` (bearer sessions, the frontends' credential): the session row and three index
  lookups (migrations 0400 and 0402): the session still valid and within the tenant's time limits; the
  membership active with the same role and team; the user active; the tenant's admission stamp
  (`admission_stamps`, bumped by every role, security-settings or custom-field definition edit)
  unchanged; MFA enrolment only where the policy requires it of this member. No PL/pgSQL call: the session
  lookup makes the tenant settings in its select list and everything that reads rows behind
  row-level security is a subquery correlated with it, so it runs after them.
- `KeyAdmission` (API keys): `crm_authenticate_api_key` as the FROM item, every column of its row
  compared with the remembered one.

The client's address is judged in Python before the statement (`admits_address`): the allowlist is part
of the stamped policy, the address is the request's.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import asyncpg
from sqlalchemy import BigInteger, Boolean, Integer, LargeBinary, Text, Uuid, bindparam, column, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from tenants.credentials import API_KEY_CHECK, Checked, Credential, touch_seconds
from tenants.rate_limits import Admission as BucketAnswer
from tenants.rate_limits import Charge, folded_admission
from tenants.security.policy import address_allowed
from tenants.tokens import digest, parse_api_key

# The API-key check's parameters' SQL types, for the check as a FROM item.
PARAMETER_TYPES: dict[str, Any] = {
    "token_hash": LargeBinary(),
    "tenant_id": Uuid(),
    "prefix": Text(),
    "key_hash": LargeBinary(),
    "statement_timeout": Text(),
    "touch_seconds": Integer(),
}
# What must be as it was when an API key was admitted for a statement planned for that admission: who
# (ids, team, role and role version), the custom-field definitions a write was checked against, and
# every input of the security policy's judgement but the client's address.
API_KEY_STATE = {
    "team_id": Uuid(),
    "role_id": Uuid(),
    "role_key": Text(),
    "role_version": Integer(),
    "fields_version": BigInteger(),
    "ip_allowlist": ARRAY(Text()),
    "api_key_id": Uuid(),
    "creator_id": Uuid(),
    "usable": Boolean(),
    "creator_active": Boolean(),
    "scopes": ARRAY(Text()),
}

# The session admission's SQL, with {name} for its values (`SESSION_VALUE_TYPES`). `c` is the session
# row; the tenant settings ride in its select list (PostgreSQL keeps volatile outputs of a subquery and
# never pushes a qual holding a subquery into it), so the correlated subquery that reads memberships,
# users and the tenant's stamp runs after them, under the tenant's row-level security.
SESSION_SOURCE = """select s.id as session_id, s.user_id, s.active_tenant_id as tenant_id,
       s.created_at as session_created_at, s.last_seen_at as session_last_seen_at,
       set_config('app.tenant_id', s.active_tenant_id::text, true) as entered_tenant,
       set_config('app.user_id', s.user_id::text, true) as entered_user,
       set_config('statement_timeout', {statement_timeout}, true) as entered_timeout
  from public.user_sessions s
 where s.token_hash = {token_hash} and s.revoked_at is null and s.expires_at > now()"""
# tenants.security.policy.access_violation's session limits against the database's clock, then the
# stamped state. A missing membership makes the subquery null: not admitted.
SESSION_HOLDS = """c.session_id = {session_id} and c.user_id = {user_id} and c.tenant_id = {tenant_id}
and c.session_created_at > now() - make_interval(hours => {max_hours})
and coalesce(c.session_last_seen_at, c.session_created_at) > now() - make_interval(mins => {idle_minutes})
and (select m.is_active and u.is_active
            and m.role_id = {role_id} and m.team_id is not distinct from {team_id}
            and coalesce((select a.stamp from public.admission_stamps a where a.tenant_id = m.tenant_id), 0)
                = {admission_stamp}
            and (not {mfa_matters}
                 or {mfa_enrolled} = exists (select from public.user_mfa f
                                              where f.user_id = m.user_id and f.enabled_at is not null))
       from public.memberships m
       join public.users u on u.id = m.user_id
      where m.tenant_id = c.tenant_id and m.user_id = c.user_id)"""
SESSION_VALUE_TYPES: dict[str, Any] = {
    "statement_timeout": Text(),
    "token_hash": PARAMETER_TYPES["token_hash"],
    "session_id": Uuid(),
    "user_id": Uuid(),
    "tenant_id": Uuid(),
    "max_hours": Integer(),
    "idle_minutes": Integer(),
    "role_id": Uuid(),
    "team_id": Uuid(),
    "admission_stamp": BigInteger(),
    "mfa_matters": Boolean(),
    "mfa_enrolled": Boolean(),
}
SESSION_COLUMNS = {
    "session_id": Uuid(),
    "user_id": Uuid(),
    "tenant_id": Uuid(),
    "session_created_at": None,
    "session_last_seen_at": None,
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class SessionAdmission:
    """A remembered session admission, checked by the stamps of migrations 0400 and 0402."""

    # A column of `source` that is never null (correlates a subquery with the checked row).
    present = "session_id"

    def source(self) -> Any:
        """The session row as the FROM item `c` of a SQLAlchemy statement (the one-trip create)."""
        statement = text(named(SESSION_SOURCE)).bindparams(*session_binds(SESSION_SOURCE))
        columns = (column(name, type_) for name, type_ in SESSION_COLUMNS.items())
        return statement.columns(*columns).subquery("c")

    def conditions(self, source: Any) -> list[ColumnElement[bool]]:
        return [text(named(SESSION_HOLDS)).bindparams(*session_binds(SESSION_HOLDS))]  # type: ignore[list-item]

    def binds(self, checked: Checked, credential: Credential, statement_timeout: str) -> dict[str, Any]:
        """The values of `source` and `conditions` for requests of `credential` admitted as `checked`
        (the same for each of them: kept on `checked`; callers must not change the dict)."""
        key = ("session admission", credential.value, statement_timeout)
        values = checked.derived.get(key)
        if values is None:
            values = checked.derived[key] = session_values(checked, credential, statement_timeout)
        return values

    def positional(self, first: int) -> tuple[str, str, tuple[str, ...]]:
        """`SESSION_SOURCE` and `SESSION_HOLDS` as raw SQL with `$first`, `$first+1`... in order of first
        use, and the names of the values in that order (a one-trip read's own values come first)."""
        return positional_session_parts(first)


@functools.cache
def positional_session_parts(first: int) -> tuple[str, str, tuple[str, ...]]:
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${first + order.index(match.group(1))}"

    source = PLACEHOLDER.sub(number, SESSION_SOURCE)
    holds = PLACEHOLDER.sub(number, SESSION_HOLDS)
    return source, holds, tuple(f"k_{name}" for name in order)


def named(template: str) -> str:
    """The template with SQLAlchemy's `:name` bind markers (`k_` keeps them apart from the plan's)."""
    return PLACEHOLDER.sub(lambda match: f":k_{match.group(1)}", template)


def session_binds(template: str) -> list[Any]:
    names = dict.fromkeys(PLACEHOLDER.findall(template))
    return [bindparam(f"k_{name}", type_=SESSION_VALUE_TYPES[name]) for name in names]


def session_values(checked: Checked, credential: Credential, statement_timeout: str) -> dict[str, Any]:
    row, policy = checked.row, checked.policy
    mfa_matters = policy.requires_mfa(checked.actor.permissions)
    values = {
        "statement_timeout": statement_timeout,
        "token_hash": digest(credential.value),
        "session_id": row.session_id,
        "user_id": row.user_id,
        "tenant_id": row.tenant_id,
        "max_hours": policy.max_hours,
        "idle_minutes": policy.idle_minutes,
        "role_id": row.role_id,
        "team_id": row.team_id,
        "admission_stamp": row.admission_stamp,
        "mfa_matters": mfa_matters,
        "mfa_enrolled": bool(policy.mfa_enrolled),
    }
    return {f"k_{name}": value for name, value in values.items()}


class KeyAdmission:
    """A remembered API-key admission: `crm_authenticate_api_key` as the FROM item `c`, and every
    column of its row that decides the admission compared with the remembered row."""

    check = API_KEY_CHECK
    present = "api_key_id"

    def source(self) -> Any:
        arguments = [bindparam(f"c_{name}", type_=PARAMETER_TYPES[name]) for name in self.check.parameters]
        function = getattr(func, self.check.function)(*arguments)
        return function.table_valued(*(column(name, type_) for name, type_ in API_KEY_STATE.items()))

    def conditions(self, source: Any) -> list[ColumnElement[bool]]:
        return [
            source.c[name].is_not_distinct_from(bindparam(f"k_{name}", type_=type_))
            for name, type_ in API_KEY_STATE.items()
        ]

    def binds(self, checked: Checked, credential: Credential, statement_timeout: str) -> dict[str, Any]:
        """As `SessionAdmission.binds`."""
        key = ("key admission", credential.value, statement_timeout)
        values = checked.derived.get(key)
        if values is None:
            values = checked.derived[key] = key_values(checked, credential, statement_timeout)
        return values


def key_values(checked: Checked, credential: Credential, statement_timeout: str) -> dict[str, Any]:
    values = {f"k_{name}": getattr(checked.row, name) for name in API_KEY_STATE}
    parsed = parse_api_key(credential.value)
    assert parsed is not None  # it was admitted
    parameters: dict[str, Any] = {"tenant_id": parsed.tenant_id, "prefix": parsed.prefix}
    parameters["key_hash"] = digest(credential.value)
    parameters.update(statement_timeout=statement_timeout, touch_seconds=touch_seconds(False))
    values.update({f"c_{name}": value for name, value in parameters.items()})
    return values


Admission = SessionAdmission | KeyAdmission
ADMISSIONS: dict[str, Admission] = {"session": SessionAdmission(), "api_key": KeyAdmission()}


def admits_address(checked: Checked, client_address: str | None) -> bool:
    """Whether the policy `checked` was admitted under lets this address in (the IP allowlist)."""
    return address_allowed(checked.policy.ip_allowlist, client_address)


NOT_ADMITTED = object()


async def admitted_read(
    pool: asyncpg.Pool,
    checked: Checked,
    credential: Credential,
    statement_timeout: str,
    read: str,
    arguments: list[Any],
    charge: Charge | None = None,
) -> Any:
    """A session's read in ONE statement with its remembered admission (no BEGIN, no COMMIT):
    `select (<read>) from <session row> as c where <the admission holds>`. The read's value, or
    NOT_ADMITTED when the database no longer shows that admission (nothing was read or charged).

    `read` is a single-value SELECT with `$1..$n` for `arguments`: an uncorrelated subquery, which
    PostgreSQL evaluates when the target list first needs it, after the session row (which made the
    tenant settings) passed the admission's filter. Were it ever otherwise the read would see no tenant
    at all (the settings are empty outside the statement), never another tenant; the test suite's
    verify mode compares every such read with the executor's answer. A `charge` (tenants/rate_limits.py)
    joins the rate-limit buckets to the admitted row and the read runs only if they admit it."""
    admission = ADMISSIONS["session"]
    assert isinstance(admission, SessionAdmission)
    source, holds, names = admission.positional(len(arguments) + 1)
    binds = admission.binds(checked, credential, statement_timeout)
    values = [*arguments, *(binds[name] for name in names)]
    columns, value, join = "", f"({read})", ""
    if charge is not None and charge.answer is None:
        subjects = ("c.tenant_id", "c.user_id", "null::uuid")
        columns, join = folded_admission(subjects, len(values) + 1)
        columns, value = f", {columns}", f"case when a.refusal is null then ({read}) end"
        values += charge.operation_arguments()
    statement = f"select {value} as crm_read{columns} from ({source}) as c {join} where {holds}"
    record = await pool.fetchrow(statement, *values)
    if record is None:
        return NOT_ADMITTED
    if join:
        charge.settle(BucketAnswer.from_record(record, "crm_"))  # type: ignore[union-attr]
    return record["crm_read"]
