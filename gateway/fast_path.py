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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from strawberry import relay

from gateway.observability.context import note_tenant
from graph.compiled.planner import BoundPlan, Planner
from graph.compiled.writes import create_call, plan_create
from tenants.credentials import (
    AuthenticationFailed,
    Credential,
    authenticate_and_read,
    authenticate_raw,
)
from tenants.db import Database, connection_lost
from tenants.fields.values import cached_definitions
from tenants.permissions import Actor
from tenants.tokens import digest

logger = logging.getLogger("crm.compiled")
# Fields of a created record that differ between two creates of the same input.
VOLATILE_FIELDS = frozenset({"createdAt", "updatedAt"})
KNOWN_ACTORS_SIZE = 10_000


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
        # credential digest -> the actor it was last (the plan of a one-trip read is built for it)
        self.known_actors: OrderedDict[bytes, Actor] = OrderedDict()

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
        known = None if candidate.writes else self.known_actors.get(digest(credential.value))
        planned = None
        if known is not None:
            # Planned before any round trip: what the planner cannot compile (a nested field no area
            # declares) goes to the executor without a wasted BEGIN, check and ROLLBACK.
            planned = self.planner.plan(query, operation_name, params["variables"], known)
            if planned is None:
                return None
            if candidate.generic_plans:
                return await self.read_in_one_trip(request, known, planned)
        call = None
        if candidate.writes:
            call = create_call(self.planner, query, operation_name, params["variables"])
            if call is None:
                return None
        transaction = await db.begin_raw()
        answered = False
        try:
            try:
                actor, fields_version = await authenticate_raw(
                    transaction.connection,
                    credential,
                    request.request_id,
                    db.statement_timeout,
                    request.client_address,
                    candidate.generic_plans,
                )
            except AuthenticationFailed:
                return None
            self.remember(credential, actor)
            note_tenant(actor.tenant_id)
            created = None
            if call is not None:
                plan: Any = plan_create(
                    self.planner,
                    call,
                    actor,
                    lambda object_type: cached_definitions(actor.tenant_id, fields_version, object_type),
                )
                if plan is not None:
                    created = relay.to_base64(plan.type_name, plan.record_id)
            elif planned is not None and known is not None and same_actor(actor, known):
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
            answered = True
        finally:
            await transaction.finish(commit=answered and not (candidate.writes and rehearse))
        return Answer(data.encode(), created)

    async def read_in_one_trip(self, request: FastRequest, known: Actor, plan: BoundPlan) -> Answer | None:
        """A read in one statement with the credential check (no BEGIN/COMMIT: a third of a point read's
        CPU went to them), planned for the actor this credential was last time. The answer counts only
        if the check yields that same actor (tenant, user, team, role and its version, key or session);
        otherwise, or when the check refuses, nothing is sent and the regular path serves the request."""
        credential = request.credential
        try:
            actor, data = await authenticate_and_read(
                await request.db.single_statements(),
                credential,
                request.request_id,
                request.db.statement_timeout,
                request.client_address,
                plan.sql,
                plan.arguments,
            )
        except AuthenticationFailed:
            self.forget(credential)
            return None
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            # A lost connection (the pool drops it) or a statement PostgreSQL refused: the regular
            # path serves the request and reports its own error.
            logger.warning("one-trip read failed, served by the executor: %s", error)
            return None
        if not same_actor(actor, known):
            self.remember(credential, actor)
            return None
        note_tenant(actor.tenant_id)
        return None if data is None else Answer(data.encode())

    def remember(self, credential: Credential, actor: Actor) -> None:
        key = digest(credential.value)
        self.known_actors[key] = actor
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
