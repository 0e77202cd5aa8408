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

import asyncio
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
LEASE_GROWTH = 16  # a busy credential's lease grows to this many times the configured size


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
    size: int  # the points this lease was taken with (the next one's size grows from it)

    def spend(self, cost: int) -> Admission | None:
        if self.balance < cost or self.expired():
            return None
        self.balance -= cost
        return leased_answer(self.answer, self.balance)

    def expired(self) -> bool:
        return time.monotonic() >= self.expires


def leased_answer(answer: Admission, balance: int) -> Admission:
    """The headers' view: the buckets' remaining points plus what the lease still holds."""
    remaining = None if answer.remaining is None else answer.remaining + balance
    return Admission(None, answer.limit, remaining, answer.reset_seconds, None)


def lease_cap(charge: Charge, answer: Admission | None) -> int:
    """The most a lease may hold: a tenth of the bucket that mattered most when the last lease was
    taken (the tenant's overrides included; the configured smallest burst before any), so a lease
    never takes a large share of a bucket, and at most LEASE_GROWTH times the configured size."""
    limits = charge.limits
    bucket = min(limits.tenant_burst, limits.user_burst, limits.key_burst)
    if answer is not None and answer.limit is not None:
        bucket = answer.limit
    return min(bucket // 10, charge.lease_points * LEASE_GROWTH)


class Leases:
    """The process's leases by credential and document, and the renewals under way: requests that
    find a lease spent while another request renews it wait for that renewal (one statement) rather
    than each taking a lease, which overwrote one another and lost the points taken."""

    def __init__(self) -> None:
        self.entries: OrderedDict[bytes, Lease] = OrderedDict()
        self.renewals: dict[bytes, asyncio.Future[None]] = {}
        self.refused: dict[bytes, float] = {}  # keys the buckets could not lease to, until when

    def spend(self, key: bytes, cost: int) -> Admission | None:
        lease = self.entries.get(key)
        return None if lease is None else lease.spend(cost)

    def next_size(self, key: bytes, charge: Charge) -> int:
        """The configured size for a new key or after an idle spell (the lease expired with points
        left); twice the last size, up to `lease_cap`, when the last lease was spent before expiring."""
        last = self.entries.get(key)
        cap = lease_cap(charge, None if last is None else last.answer)
        if last is None or last.expired():
            return min(charge.lease_points, cap)
        return min(max(last.size * 2, charge.lease_points), cap)

    def keep(self, key: bytes, size: int, answer: Admission) -> None:
        left = self.entries.get(key)
        # Points a live lease still holds (fewer than one request's cost) are kept, not dropped.
        balance = size + (left.balance if left is not None and not left.expired() else 0)
        self.entries[key] = Lease(balance, answer, time.monotonic() + LEASE_SECONDS, size)
        self.entries.move_to_end(key)
        if len(self.entries) > LEASES_SIZE:
            self.entries.popitem(last=False)

    def refuse(self, key: bytes) -> None:
        self.refused[key] = time.monotonic() + LEASE_SECONDS
        if len(self.refused) > LEASES_SIZE:
            self.refused.pop(next(iter(self.refused)))

    def may_lease(self, key: bytes) -> bool:
        until = self.refused.get(key)
        if until is None:
            return True
        if time.monotonic() < until:
            return False
        del self.refused[key]
        return True


LEASES = Leases()


async def take_tokens(pool: asyncpg.Pool, actor: Actor, charge: Charge) -> None:
    """Charges the request from its lease, or in one statement of its own (see the module's docstring);
    a request the buckets already answered is not charged again. Raises LimitRefusal when refused."""
    if charge.answer is not None:
        return
    key = charge.lease_key
    if key is not None and charge.lease_points > 0:
        while (spent := LEASES.spend(key, charge.cost)) is None:
            renewal = LEASES.renewals.get(key)
            if renewal is None:
                break
            await asyncio.shield(renewal)  # another request is renewing this lease: spend from it
        if spent is not None:
            charge.settle(spent)
            return
        if LEASES.may_lease(key) and await renew_lease(pool, actor, charge, key):
            return
    record = await pool.fetchrow(f"select * from {TAKE_TOKENS}", *charge.arguments(*actor_ids(actor)))
    charge.settle(Admission.from_record(record))


async def renew_lease(pool: asyncpg.Pool, actor: Actor, charge: Charge, key: bytes) -> bool:
    """Takes the request's cost and a new lease in one statement; False (nothing taken) when the
    buckets cannot give the lease: the cost alone decides then, and the key is not leased to for a
    lease's time (exact accounting near the limit, without two statements per request)."""
    size = LEASES.next_size(key, charge)
    if size <= 0:
        return False
    renewal = asyncio.get_running_loop().create_future()
    LEASES.renewals[key] = renewal
    try:
        record = await pool.fetchrow(
            f"select * from {TAKE_TOKENS}", *charge.arguments(*actor_ids(actor), size)
        )
        answer = Admission.from_record(record)
        if answer.refusal is not None:
            LEASES.refuse(key)
            return False
        LEASES.keep(key, size, answer)
        charge.settle(leased_answer(answer, LEASES.entries[key].balance))
        return True
    finally:
        del LEASES.renewals[key]
        renewal.set_result(None)


def actor_ids(actor: Actor) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]:
    return actor.tenant_id, actor.user_id, actor.api_key_id


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
