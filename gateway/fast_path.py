"""The fast path: a read, or a create, in one transaction on a raw connection, PostgreSQL's JSON out.

An operation the planner (graph/compiled) can compile costs BEGIN + the credential check + one
statement + COMMIT on the pooled connection's asyncpg driver, with no SQLAlchemy session, no executor
and no JSON decoding: PostgreSQL's JSON text becomes the response body. Reads are compiled by
`graph/compiled/planner.py`, creates (INSERT, audit row, notification and payload in one statement) by
`graph/compiled/writes.py`. The path answers or does nothing: a credential it does not admit, an
operation it cannot compile for this role, input the area's checks refuse, or a failed guard rolls back
and the regular path serves the request (with its own errors, login log and so on).

In `verify` mode (the test suite) the executor runs the same operation too and any difference is
reported as an error, so the whole suite doubles as a differential test of the two paths. A create is
rehearsed there: its statement runs and is rolled back, then the executor makes the real write, and the
two payloads must agree but for the new record's id and timestamps.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from strawberry import relay

from gateway.create_batches import FAILED, CreateBatches
from gateway.idempotency import IdempotentRequest
from gateway.observability.context import note_tenant
from graph.compiled.planner import BoundPlan, Planner
from graph.compiled.writes import CreateCall, CreatePlan, OneTrip, create_call, plan_create
from tenants.admissions import ADMISSIONS, NOT_ADMITTED, admits_address, admitted_read
from tenants.credentials import (
    AuthenticationFailed,
    Checked,
    Credential,
    authenticate_and_read,
    authenticate_raw,
)
from tenants.db import Database, connection_lost
from tenants.fields.values import cached_definitions
from tenants.permissions import Actor
from tenants.rate_limits import Charge, take_tokens
from tenants.tokens import digest

logger = logging.getLogger("crm.compiled")
# Fields of a created record that differ between two creates of the same input.
VOLATILE_FIELDS = frozenset({"createdAt", "updatedAt"})
KNOWN_ACTORS_SIZE = 10_000
# create_in_one_trip wrote nothing and the transactional fast path should try.
RETRY = object()


@dataclass
class VerifyReport:
    """What verify mode saw (the test suite asserts on it)."""

    compiled: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class FastRequest:
    """What the fast path needs of an HTTP request: the operation and who sends it from where."""

    db: Database
    credential: Credential
    client_address: str | None
    request_id: str
    params: dict[str, Any]
    # the request's rate-limit charge (tenants/rate_limits.py): taken once, folded into a one-trip read
    charge: Charge | None = None
    # An Idempotency-Key of a mutation (gateway/idempotency.py): claimed after the credential check and
    # its response stored before COMMIT, in the create's own transaction.
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class Answer:
    """The `data` JSON of an operation served by the fast path; `created`: the global id of the record a
    create inserted (verify mode rehearses creates, see `compare`)."""

    data: bytes
    created: str | None = None


class FastPath:
    def __init__(self, planner: Planner, mode: str) -> None:
        self.planner = planner
        self.mode = mode
        self.report = VerifyReport()
        # credential digest -> its last admission (one-trip reads and creates are planned for it)
        self.known_actors: OrderedDict[bytes, Checked] = OrderedDict()
        self.batches = CreateBatches()

    def wanted(self, params: dict[str, Any], method: str) -> bool:
        """Whether to try the fast path for this operation at all (no database work)."""
        if self.mode == "off":
            return False
        candidate = self.planner.candidate(params["query"], params["operationName"])
        return candidate.compilable and (method == "POST" or not candidate.writes)

    async def serve(self, request: FastRequest, *, rehearse: bool = False) -> Answer | None:
        """The operation's answer, or None (nothing done) when the regular path must serve it.
        `rehearse`: a create is rolled back (verify mode: the executor then makes the real write)."""
        db, credential, params = request.db, request.credential, request.params
        query, operation_name = params["query"], params["operationName"]
        candidate = self.planner.candidate(query, operation_name)
        known = self.known_actors.get(digest(credential.value))
        if known is not None and known.touch_due():
            known = None  # checked in a transaction, which commits the touch only if it admits
        planned = None
        call = None
        if candidate.writes:
            call = create_call(self.planner, query, operation_name, params["variables"])
            if call is None:
                return None
            if known is not None and request.idempotency is None:  # a key is claimed in a transaction
                answer = await self.create_in_one_trip(request, known, call, rehearse)
                if answer is not RETRY:
                    return answer
        elif known is not None:
            # Planned before any round trip: what the planner cannot compile (a nested field no area
            # declares) goes to the executor without a wasted BEGIN, check and ROLLBACK.
            planned = self.planner.plan(query, operation_name, params["variables"], known.actor)
            if planned is None:
                return None
            if candidate.generic_plans:
                return await self.read_in_one_trip(request, known, planned)
        transaction = await db.begin_raw()
        answered = False
        try:
            try:
                checked = await authenticate_raw(
                    transaction.connection,
                    credential,
                    request.request_id,
                    db.statement_timeout,
                    request.client_address,
                    candidate.generic_plans,
                )
            except AuthenticationFailed:
                return None
            self.remember(credential, checked)
            actor = checked.actor
            note_tenant(actor.tenant_id)
            if request.charge is not None:  # its own statement: the buckets are not locked until COMMIT
                await take_tokens(await db.single_statements(), actor, request.charge)
            idempotency = request.idempotency
            if idempotency is not None:
                claim = await idempotency.claim_raw(transaction.connection, actor)
                if not claim.claimed:
                    return None  # a retry or a conflict: the executor's path answers both
            created = None
            if call is not None:
                plan: Any = self.plan_create(call, checked)
                if plan is not None:
                    created = relay.to_base64(plan.type_name, plan.record_id)
            elif planned is not None and known is not None and same_actor(actor, known.actor):
                plan = planned  # already bound for this very actor above
            else:
                plan = self.planner.plan(query, operation_name, params["variables"], actor)
            if plan is None:
                return None
            try:
                data: str | None = await transaction.connection.fetchval(plan.sql, *plan.arguments)
            except asyncpg.PostgresError as error:
                if connection_lost(error):
                    raise
                # The executor answers it with its own error shape (and is the reference anyway).
                logger.warning("compiled statement failed, served by the executor: %s", error)
                return None
            if data is None:  # a guard failed (graph/compiled/registry.py: ValueRoot, CreateRoot)
                return None
            if idempotency is not None:
                await idempotency.store_raw(transaction.connection, actor, '{"data":' + data + "}")
            answered = True
        finally:
            await transaction.finish(commit=answered and not (candidate.writes and rehearse))
        return Answer(data.encode(), created)

    def plan_create(self, call: CreateCall, checked: Checked, one_trip: OneTrip | None = None) -> Any:
        actor, fields_version = checked.actor, checked.fields_version
        return plan_create(
            self.planner,
            call,
            actor,
            lambda object_type: cached_definitions(actor.tenant_id, fields_version, object_type),
            one_trip,
        )

    async def create_in_one_trip(
        self, request: FastRequest, known: Checked, call: CreateCall, rehearse: bool
    ) -> Answer | object | None:
        """A create in one statement with the credential check (no BEGIN/COMMIT), planned for the
        credential's last admission and writing only if the check shows that same admission
        (tenants.admissions); shared with concurrent creates of the same credential
        (gateway/create_batches.py). RETRY: nothing was written, and the transactional fast path
        (which checks the credential afresh and remembers it) tries; None: the executor serves it
        (input the area's checks leave to it, such as an invalid name: its error to give)."""
        if not admits_address(known, request.client_address):
            return RETRY
        if request.charge is not None:
            # The buckets of the remembered actor, in a statement of their own before the create (a
            # charge that refuses raises LimitRefusal: 429; one that admits is not taken again if the
            # create goes on to the transactional path).
            await take_tokens(await request.db.single_statements(), known.actor, request.charge)
        admission = ADMISSIONS[request.credential.kind]
        binds = admission.binds(known, request.credential, request.db.statement_timeout)
        # The audit entry names this request, not the one the admission was made in.
        checked = Checked(replace(known.actor, request_id=request.request_id), known.row)
        plan: CreatePlan | None = self.plan_create(call, checked, OneTrip(admission, binds))
        if plan is None:
            return None
        pool = await request.db.single_statements()
        data = await self.batches.create(pool, plan, rehearse)
        if data is None or data is FAILED:  # another admission, a failed guard or statement
            return RETRY
        note_tenant(known.actor.tenant_id)
        return Answer(data.encode(), relay.to_base64(plan.type_name, plan.record_id))

    async def read_in_one_trip(self, request: FastRequest, known: Checked, plan: BoundPlan) -> Answer | None:
        """A read in one statement with the credential check (no BEGIN/COMMIT: a third of a point read's
        CPU went to them), planned for the actor this credential was last time. The answer counts only
        if the check shows that same admission (tenants/admissions.py); otherwise, or when the check
        refuses, nothing is sent and the regular path serves the request."""
        credential, charge = request.credential, request.charge
        if not admits_address(known, request.client_address):
            return None
        if charge is not None and charge.lease_points > 0:
            # From the credential's lease, or a new one in a statement of its own (tenants/rate_limits.py)
            await take_tokens(await request.db.single_statements(), known.actor, charge)
        try:
            if credential.kind == "session":
                data = await admitted_read(
                    await request.db.single_statements(),
                    known,
                    credential,
                    request.db.statement_timeout,
                    plan.sql,
                    plan.arguments,
                    charge,
                )
            else:
                data = await self.read_with_key_check(request, known.actor, plan)
        except AuthenticationFailed:
            data = NOT_ADMITTED
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            # A lost connection (the pool drops it) or a statement PostgreSQL refused: the regular
            # path serves the request and reports its own error.
            logger.warning("one-trip read failed, served by the executor: %s", error)
            return None
        if data is NOT_ADMITTED:
            # Not remembered: this check did not touch; the next request's transactional check does.
            self.forget(credential)
            return None
        note_tenant(known.actor.tenant_id)
        return None if data is None else Answer(data.encode())

    async def read_with_key_check(self, request: FastRequest, known: Actor, plan: BoundPlan) -> Any:
        """An API key's one-trip read: the key's full check in the statement, its actor compared here."""
        checked, data = await authenticate_and_read(
            await request.db.single_statements(),
            request.credential,
            request.request_id,
            request.db.statement_timeout,
            request.client_address,
            plan.sql,
            plan.arguments,
            request.charge,
        )
        return data if same_actor(checked.actor, known) else NOT_ADMITTED

    def remember(self, credential: Credential, checked: Checked) -> None:
        key = digest(credential.value)
        self.known_actors[key] = checked
        self.known_actors.move_to_end(key)
        if len(self.known_actors) > KNOWN_ACTORS_SIZE:
            self.known_actors.popitem(last=False)

    def forget(self, credential: Credential) -> None:
        self.known_actors.pop(digest(credential.value), None)

    def compare(self, params: dict[str, Any], compiled: Answer, executed: dict[str, Any]) -> str | None:
        """verify mode: the difference between the two answers, or None when they agree."""
        self.report.compiled += 1
        expected = executed.get("data")
        got = orjson.loads(compiled.data)
        if compiled.created is not None:
            got = same_creation(got, expected, compiled.created)
        if executed.get("errors") or got != expected:
            difference = {"query": params["query"], "compiled": got, "executor": executed}
            self.report.mismatches.append(difference)
            logger.error("compiled operation differs from the executor: %s", difference)
            return "The compiled operation differs from the executor's answer (see the log)."
        return None


def same_actor(actor: Actor, known: Actor) -> bool:
    """Whether a plan built for `known` is `actor`'s plan: the same ids and the same permissions object
    (one per role and role version, tenants/credentials.py `PERMISSIONS`)."""
    return (
        actor.tenant_id == known.tenant_id
        and actor.user_id == known.user_id
        and actor.team_id == known.team_id
        and actor.permissions is known.permissions
        and actor.api_key_id == known.api_key_id
        and actor.session_id == known.session_id
    )


def same_creation(compiled: Any, executed: Any, created: str, key: str | None = None) -> Any:
    """`compiled` with the values that must differ between two creates taken from `executed`: the new
    record's id (where `compiled` has it) and timestamps (where both are timestamps)."""
    if isinstance(compiled, dict) and isinstance(executed, dict):
        return {k: same_creation(v, executed.get(k), created, k) for k, v in compiled.items()}
    if isinstance(compiled, list) and isinstance(executed, list) and len(compiled) == len(executed):
        return [same_creation(c, e, created) for c, e in zip(compiled, executed, strict=True)]
    if compiled == created and isinstance(executed, str) and same_type_id(executed, created):
        return executed
    if key in VOLATILE_FIELDS and is_timestamp(compiled) and is_timestamp(executed):
        return executed
    return compiled


def same_type_id(one: str, other: str) -> bool:
    try:
        return relay.from_base64(one)[0] == relay.from_base64(other)[0]
    except Exception:
        return False


def is_timestamp(value: Any) -> bool:
    try:
        return isinstance(value, str) and datetime.fromisoformat(value) is not None
    except ValueError:
        return False


__all__ = ["Answer", "FastPath", "FastRequest"]
