"""Rate limits: token buckets per tenant, per user and per API key, shared by every server process.

The buckets live in PostgreSQL (`rate_limit_buckets`, UNLOGGED: migration 0322) and one SQL function,
`crm_take_tokens`, refills the caller's buckets by the time elapsed, takes the operation's cost from all
of them or from none, and answers what the `RateLimit-*` headers say. A request pays for it in a
statement it sends anyway where it can: the one-trip read joins it to the credential check
(`tenants.credentials.authenticate_and_read`). Elsewhere it is one statement of its own in an implicit
transaction on the statement pool (`take_tokens`), so the bucket rows stay locked for that statement
only, never for the rest of a request's transaction (which would queue a tenant's requests one behind
the other). The same function applies the tenant's persisted-operations rule, kept in the same row.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from tenants.permissions import Actor

TAKE_TOKENS = (
    "crm_take_tokens($1::uuid, $2::uuid, $3::uuid, $4::integer, $5::integer[], $6::bytea, $7::boolean)"
)
ADMISSION_COLUMNS = ("refusal", "rate_limit", "remaining", "reset_seconds", "retry_after")
LEASE_SECONDS = 1.0
LEASES_SIZE = 10_000


@dataclass(frozen=True)
class Limits:
    """Bucket sizes (burst) and refills (points per minute); a tenant's row may override each."""

    tenant_burst: int
    tenant_per_minute: int
    user_burst: int
    user_per_minute: int
    key_burst: int
    key_per_minute: int

    def as_array(self) -> list[int]:
        return [
            self.tenant_burst,
            self.tenant_per_minute,
            self.user_burst,
            self.user_per_minute,
            self.key_burst,
            self.key_per_minute,
        ]


@dataclass(frozen=True)
class Admission:
    """What the buckets answered: `refusal` None (admitted), RATE_LIMITED or a persisted-operation code;
    the limit, remaining points and seconds until full of the bucket that matters most (the one with
    the least left, or the one that refuses longest), and for a RATE_LIMITED the seconds to wait."""

    refusal: str | None
    limit: int | None
    remaining: int | None
    reset_seconds: int | None
    retry_after: int | None

    @classmethod
    def from_record(cls, record: Any, prefix: str = "") -> Admission:
        return cls(*(record[prefix + name] for name in ADMISSION_COLUMNS))

    def headers(self) -> dict[str, str]:
        """The IETF draft's RateLimit fields (draft-ietf-httpapi-ratelimit-headers), plus Retry-After."""
        if self.limit is None:
            return {}
        found = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.remaining or 0)),
            "RateLimit-Reset": str(max(0, self.reset_seconds or 0)),
        }
        if self.retry_after is not None:
            found["Retry-After"] = str(self.retry_after)
        return found


@dataclass
class Charge:
    """One request's claim on its buckets: its cost in points and its document's SHA-256 (the persisted
    operations rule); `answer` is set once the buckets have answered, so a request is charged once even
    when one path hands it over to another."""

    cost: int
    limits: Limits
    operation_hash: bytes
    hash_only: bool = False
    answer: Admission | None = field(default=None)
    # The credential's digest (leases are per credential and document) and the points to lease.
    credential_key: bytes | None = None
    lease_points: int = 0

    def arguments(
        self, tenant_id: uuid.UUID, user_id: uuid.UUID, api_key_id: uuid.UUID | None, extra: int = 0
    ) -> list[Any]:
        return [tenant_id, user_id, api_key_id, *self.operation_arguments(extra)]

    def operation_arguments(self, extra: int = 0) -> list[Any]:
        """`crm_take_tokens`' arguments after the three ids (`extra`: points leased beyond the cost)."""
        return [self.cost + extra, self.limits.as_array(), self.operation_hash, self.hash_only]

    @property
    def lease_key(self) -> bytes | None:
        return None if self.credential_key is None else self.credential_key + self.operation_hash

    def settle(self, admission: Admission) -> None:
        self.answer = admission
        if admission.refusal is not None:
            raise LimitRefusal(self, admission)


class LimitRefusal(Exception):
    """The buckets (or the persisted-operations rule) refuse the request; nothing was taken."""

    def __init__(self, charge: Charge, admission: Admission) -> None:
        super().__init__(admission.refusal)
        self.charge = charge
        self.admission = admission


@dataclass
class Lease:
    """Points taken from the buckets ahead of the requests that spend them (module docstring)."""

    balance: int
    answer: Admission  # what the buckets said when the lease was taken (their remaining excludes it)
    expires: float

    def spend(self, cost: int) -> Admission | None:
        if self.balance < cost or time.monotonic() >= self.expires:
            return None
        self.balance -= cost
        return leased_answer(self.answer, self.balance)


def leased_answer(answer: Admission, balance: int) -> Admission:
    """The headers' view: the buckets' remaining points plus what the lease still holds."""
    remaining = None if answer.remaining is None else answer.remaining + balance
    return Admission(None, answer.limit, remaining, answer.reset_seconds, None)


class Leases:
    def __init__(self) -> None:
        self.entries: OrderedDict[bytes, Lease] = OrderedDict()

    def spend(self, key: bytes, cost: int) -> Admission | None:
        lease = self.entries.get(key)
        return None if lease is None else lease.spend(cost)

    def keep(self, key: bytes, balance: int, answer: Admission) -> None:
        self.entries[key] = Lease(balance, answer, time.monotonic() + LEASE_SECONDS)
        self.entries.move_to_end(key)
        if len(self.entries) > LEASES_SIZE:
            self.entries.popitem(last=False)


LEASES = Leases()


async def take_tokens(pool: asyncpg.Pool, actor: Actor, charge: Charge) -> None:
    """Charges the request from its lease, or in one statement of its own (see the module's docstring);
    a request the buckets already answered is not charged again. Raises LimitRefusal when refused."""
    if charge.answer is not None:
        return
    key = charge.lease_key
    if key is not None and (spent := LEASES.spend(key, charge.cost)) is not None:
        charge.settle(spent)
        return
    ids = (actor.tenant_id, actor.user_id, actor.api_key_id)
    if key is not None and charge.lease_points > 0:
        leasing = charge.arguments(*ids, charge.lease_points)
        record = await pool.fetchrow(f"select * from {TAKE_TOKENS}", *leasing)
        answer = Admission.from_record(record)
        if answer.refusal is None:
            LEASES.keep(key, charge.lease_points, answer)
            charge.settle(leased_answer(answer, charge.lease_points))
            return
        # Not enough for a lease (or refused outright): the cost alone decides.
    record = await pool.fetchrow(f"select * from {TAKE_TOKENS}", *charge.arguments(*ids))
    charge.settle(Admission.from_record(record))


def folded_admission(subjects: Sequence[str], first_placeholder: int) -> tuple[str, str]:
    """The select list and the lateral join that fold `crm_take_tokens` into a credential statement:
    `subjects` are the SQL expressions of the tenant, user and key ids from the credential row `c`;
    the charge's other four arguments are `$first_placeholder..+3`."""
    n = first_placeholder
    call = (
        f"crm_take_tokens({', '.join(subjects)}, ${n}::integer, ${n + 1}::integer[],"
        f" ${n + 2}::bytea, ${n + 3}::boolean)"
    )
    columns = ", ".join(f"a.{name} as crm_{name}" for name in ADMISSION_COLUMNS)
    return columns, f"cross join lateral {call} as a"
