"""Compiles a create mutation into one statement: INSERT, audit row, change notification and payload.

A create the executor serves costs an ORM flush, the effects statement before COMMIT and a read of the
payload, plus graphql-core's execution around them (most of its CPU). A create an area declares
(`registry.CreateRoot`) is checked in Python by the area's own functions (`prepare`), and then one
statement does the rest:

    WITH inserted AS (INSERT INTO accounts (...) SELECT $1, $2, ... WHERE <guards> RETURNING *),
         audited AS (INSERT INTO audit_log (...) SELECT ... FROM inserted RETURNING id)
         delivered AS (INSERT INTO webhook_deliveries ... FROM inserted, LATERAL <subscribed endpoints>)
    SELECT json_build_object('createAccount', json_build_object('account', <the compiled read of the
           inserted row>, 'errors', '[]'))::text,
           (SELECT pg_notify('crm_events', $n) WHERE <a server process watches the tenant>)
    FROM inserted

A guard that fails inserts nothing, so the statement returns no row; the transaction is rolled back and
the executor serves the request with its error. The payload is read from the inserted row: compiled
fields that read other rows (the owner) see the database as it was before the statement, which is what
they would see afterwards too, since the new row is nobody's owner, parent or contact yet.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
)
from graphql.execution.values import get_variable_values
from sqlalchemy import (
    Boolean,
    DateTime,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    cast,
    column,
    exists,
    func,
    insert,
    literal_column,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import aliased
from sqlalchemy.types import JSON

from graph.compiled import registry
from graph.compiled.errors import CannotCompile
from graph.compiled.planner import UNSUPPORTED, BoundPlan, Build, Plan, Planner, bind, remember
from graph.compiled.sql import text_literal
from graph.core.extensions import nul_path
from graph.live.events import CHANNEL
from tenants.admissions import Admission
from tenants.errors import DomainError
from tenants.models import AuditEntry
from tenants.permissions import Actor

logger = logging.getLogger("crm.compiled")

AUDIT_COLUMNS = (
    "tenant_id",
    "id",
    "action",
    "object_type",
    "object_id",
    "actor_user_id",
    "actor_api_key_id",
    "changes",
    "request_id",
)
# `crm_emit_event` (migrations 0302, 0310) inlined into the create statement: its two steps without a
# PL/pgSQL call per create (the call, its JSON parse and its two SPI statements were about a tenth of
# the statement's PostgreSQL CPU). Table clauses, not the models: the compiled layer names the two
# tables, it does not import their areas. `tests/compiled/test_event_side_effects.py` checks both steps.
LIVE_LISTENERS = table("live_listeners", column("tenant_id", Uuid()), column("expires_at", DateTime()))
WEBHOOK_ENDPOINTS = table(
    "webhook_endpoints",
    column("tenant_id", Uuid()),
    column("id", Uuid()),
    column("enabled", Boolean()),
    column("event_types", ARRAY(Text())),
)
DELIVERY_COLUMNS = ("tenant_id", "id", "endpoint_id", "event_id", "event_type", "event", "next_attempt_at")
WEBHOOK_DELIVERIES = table("webhook_deliveries", *(column(name) for name in DELIVERY_COLUMNS))
EVENT = bindparam("w_event", type_=Text)
EVENT_TYPE = bindparam("w_event_type", type_=Text)
EVENT_ID = bindparam("w_event_id", type_=Uuid)
# A column the area's row leaves out (it takes the column's default).
UNSET = object()
# The tenant's live custom-field definitions of an object type, by key; None when not known here.
Definitions = Callable[[str], Mapping[str, Any] | None]


class CreatePlan:
    """A compiled create for this request: the statement and the id of the record it inserts."""

    def __init__(self, bound: BoundPlan, record_id: uuid.UUID, type_name: str) -> None:
        self.sql = bound.sql
        self.arguments = bound.arguments
        self.record_id = record_id
        self.type_name = type_name


@dataclass(frozen=True)
class CreateCall:
    """A create mutation as received: which root, its converted arguments, the document's parts."""

    query: str
    operation_name: str | None
    root: registry.CreateRoot
    response_key: str
    field_name: str
    node: FieldNode
    arguments: dict[str, Any]
    fragments: dict[str, FragmentDefinitionNode]


@dataclass(frozen=True)
class CreateShape:
    """What a create operation's text decides, whatever its variables: kept per operation text."""

    operation: OperationDefinitionNode
    root: registry.CreateRoot
    response_key: str
    field_name: str
    node: FieldNode
    fragments: dict[str, FragmentDefinitionNode]


def create_call(
    planner: Planner, query: str, operation_name: str | None, variables: dict[str, Any] | None
) -> CreateCall | None:
    """The operation as a compiled create, or None for the executor; no database work, so the fast
    path knows before it opens a transaction (what the actor may do is `plan_create`'s part)."""
    shape = create_shape(planner, query, operation_name)
    if shape is None:
        return None
    if variables and nul_path(variables, "") is not None:
        return None  # the executor refuses it with the variable's name
    coerced = get_variable_values(
        planner.graphql_schema, shape.operation.variable_definitions or (), variables or {}
    )
    if isinstance(coerced, list):
        return None
    mutation_type = planner.graphql_schema.mutation_type
    assert mutation_type is not None
    try:
        arguments = planner.arguments(mutation_type, shape.field_name, shape.node, coerced)
    except Exception as reason:  # an argument the executor refuses (a malformed id): its error to give
        logger.debug("create not compiled (%s): %s", reason, operation_name or query[:80])
        return None
    if not shape.root.accepts(arguments):
        return None
    return CreateCall(
        query,
        operation_name,
        shape.root,
        shape.response_key,
        shape.field_name,
        shape.node,
        arguments,
        shape.fragments,
    )


def create_shape(planner: Planner, query: str, operation_name: str | None) -> CreateShape | None:
    """The operation's single create root field and its document parts (None: not a compiled create);
    worked out once per operation text (the document is validated and cached by the planner)."""
    key = ("create shape", query, operation_name)
    shape = planner.plans.get(key)
    if shape is None:
        shape = find_create_shape(planner, query, operation_name) or UNSUPPORTED
        remember(planner.plans, key, shape)
    return None if shape is UNSUPPORTED else shape


def find_create_shape(planner: Planner, query: str, operation_name: str | None) -> CreateShape | None:
    document = planner.document(query)
    operation = get_operation_ast(document, operation_name) if document is not None else None
    if document is None or operation is None or operation.operation is not OperationType.MUTATION:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    mutation_type = planner.graphql_schema.mutation_type
    assert mutation_type is not None
    try:
        selection = planner.collect(mutation_type.name, operation.selection_set, fragments)
        [(response_key, field_name, node)] = selection.fields
        root = registry.CREATES[field_name]
    except Exception as reason:  # several root fields, directives, a root no area compiles
        logger.debug("create not compiled (%s): %s", reason, operation_name or query[:80])
        return None
    return CreateShape(operation, root, response_key, field_name, node, fragments)


@dataclass(frozen=True)
class OneTrip:
    """A create planned for an earlier admission of the request's credential, to run with the credential
    check in one statement (`Admission`); `binds`: the check's and the admission's values."""

    admission: Admission
    binds: dict[str, Any]


def plan_create(
    planner: Planner,
    call: CreateCall,
    actor: Actor,
    definitions: Definitions,
    one_trip: OneTrip | None = None,
) -> CreatePlan | None:
    """This request's create statement, or None when the executor must serve the operation."""
    root = call.root
    admission = one_trip.admission if one_trip is not None else None
    key = ("create", call.query, call.operation_name, id(actor.permissions), actor.team_id is not None)
    key += (id(admission),)
    plan = planner.plans.get(key)
    if plan is UNSUPPORTED:
        return None
    try:
        known = definitions(root.object_type)
        if known is None:
            raise CannotCompile("the tenant's custom-field definitions are not cached yet")
        record = root.prepare(actor, call.arguments, known)
    except (CannotCompile, DomainError) as reason:
        logger.debug("create not compiled (%s): %s", reason, call.operation_name or call.query[:80])
        return None
    build = planner.new_build(actor, call.fragments, symbolic=plan is None)
    if plan is None:
        try:
            plan = compile_create(build, root, call.response_key, call.field_name, call.node, admission)
        except CannotCompile as reason:
            logger.debug("create not compiled (%s): %s", reason, call.operation_name or call.query[:80])
            remember(planner.plans, key, UNSUPPORTED)
            return None
        remember(planner.plans, key, plan)
    build.binds.update(record_binds(root, record))
    if one_trip is not None:
        build.binds.update(one_trip.binds)
    return CreatePlan(bind(plan, build, actor), record.row["id"], root.type_name)


def compile_create(
    build: Build,
    root: registry.CreateRoot,
    response_key: str,
    field_name: str,
    node: FieldNode,
    admission: Admission | None = None,
) -> Plan:
    planner = build.planner
    model = registry.TYPES[root.type_name].model
    table = model.__table__
    row = {name: bindparam(f"w_{name}", type_=table.c[name].type) for name in root.columns}
    chosen = select(*(row[name].label(name) for name in root.columns))
    if admission is None:
        chosen = chosen.where(*root.guards(build, row))
    else:
        chosen = admitted_rows(chosen, admission, root.guards(build, row))
    inserted = insert(table).from_select(list(root.columns), chosen).returning(*table.c).cte("inserted")
    audit_table = AuditEntry.__table__
    audit_row = select(*(bindparam(f"a_{name}", type_=audit_table.c[name].type) for name in AUDIT_COLUMNS))
    audited = (
        insert(audit_table)
        .from_select(list(AUDIT_COLUMNS), audit_row.select_from(inserted))
        .returning(audit_table.c.id)
        .cte("audited")
    )
    source = aliased(model, inserted)
    payload = payload_object(build, root, field_name, node, source)
    data = planner.data(build, func.json_build_object(text_literal(response_key), payload))
    # What the executor's effects statement does through crm_emit_event: the NOTIFY, the outbox rows.
    statement = select(data, event_notice(inserted)).select_from(inserted)
    return planner.to_plan(build, statement.add_cte(audited).add_cte(event_deliveries(inserted)))


def event_notice(inserted: Any) -> Any:
    """pg_notify of the event, only when a server process has subscribers of the tenant (a database-wide
    lock at commit otherwise paid for nobody): a subquery on the inserted row, so it runs after the
    credential check entered the tenant (live_listeners is behind row-level security)."""
    listeners = LIVE_LISTENERS.c
    watched = exists().where(listeners.tenant_id == inserted.c.tenant_id, listeners.expires_at > func.now())
    return select(func.pg_notify(text_literal(CHANNEL), EVENT)).where(watched).scalar_subquery()


def event_deliveries(inserted: Any) -> Any:
    """One outbox row per enabled endpoint of the tenant subscribed to the event's type, all with the
    same event id. LATERAL: the endpoints are read for the inserted row, after the check entered the
    tenant; a join PostgreSQL could start from the endpoints would read them before (and see none)."""
    endpoints = WEBHOOK_ENDPOINTS.c
    subscribed = (
        select(endpoints.tenant_id, endpoints.id)
        .where(endpoints.tenant_id == inserted.c.tenant_id, endpoints.enabled)
        .where(EVENT_TYPE == any_(endpoints.event_types))  # noqa: SIM300 (the SQL reads as written)
        .lateral("endpoint")
    )
    rows = select(
        subscribed.c.tenant_id,
        func.gen_random_uuid(),
        subscribed.c.id,
        EVENT_ID,
        EVENT_TYPE,
        cast(EVENT, JSONB),
        func.now(),
    ).select_from(inserted.join(subscribed, true()))
    return (
        insert(WEBHOOK_DELIVERIES)
        .from_select(list(DELIVERY_COLUMNS), rows)
        .returning(WEBHOOK_DELIVERIES.c.id)
        .cte("delivered")
    )


def admitted_rows(chosen: Any, admission: Admission, guards: list[Any]) -> Any:
    """`chosen` read from the credential check's row, only while it shows the admitted actor.

    The check enters the tenant (transaction-local settings), so everything that reads RLS-guarded
    rows must run after it: the INSERT's own row check does (it sees rows that came from the check),
    and the guards are wrapped in a subquery correlated with the check's row for the same reason. An
    uncorrelated guard would become a one-time filter evaluated before the FROM item, outside any
    tenant: it would see no rows and insert nothing (safe, but never fast). The check runs once."""
    source = admission.source()
    # correlate(): without it the subquery named the check as a FROM item of its own: a second call.
    after_check = select(and_(true(), *guards)).where(source.c[admission.present].is_not(None))
    after_check = after_check.correlate(source).scalar_subquery()
    return chosen.select_from(source).where(*admission.conditions(source), after_check)


def payload_object(
    build: Build, root: registry.CreateRoot, field_name: str, node: FieldNode, source: Any
) -> Any:
    """The mutation's payload: the new record (a compiled read of the inserted row), `errors: []`."""
    mutation_type = build.planner.graphql_schema.mutation_type
    assert mutation_type is not None
    if node.arguments is None:
        raise CannotCompile("a create without input")

    def value_of(name: str, field_node: FieldNode) -> Any:
        if name == root.payload_field and not field_node.arguments:
            if not build.can_read(root.object_type):
                raise CannotCompile("the caller may not read what they create")
            return build.object(root.type_name, source, build.selection(root.type_name, field_node))
        if name == "errors":
            return literal_column("'[]'::json")
        raise CannotCompile(f"payload field {name}")

    return build.composite(build.planner.field_type(mutation_type.name, field_name), node, value_of)


def record_binds(root: registry.CreateRoot, record: registry.NewRecord) -> dict[str, Any]:
    """The bind values of one create, as the raw driver takes them (JSON columns as text)."""
    row, audit = record.row, record.audit
    values = {parameter: convert(row.get(name, UNSET)) for parameter, name, convert in row_conversions(root)}
    for parameter, name, convert in AUDIT_CONVERSIONS:
        values[parameter] = convert(audit.get(name))
    values["w_event"] = record.event.encode()
    values["w_event_type"] = record.event.type
    values["w_event_id"] = uuid.uuid4()  # as crm_emit_event's gen_random_uuid()
    return values


Conversions = tuple[tuple[str, str, Callable[[Any], Any]], ...]


@functools.cache
def row_conversions(root: registry.CreateRoot) -> Conversions:
    """(bind name, column, conversion) of the root's columns, worked out once (a create spent 10 % of
    its planning CPU looking the columns and their types up again)."""
    table = registry.TYPES[root.type_name].model.__table__
    return tuple((f"w_{name}", name, driver_conversion(table.c[name])) for name in root.columns)


def driver_conversion(column: Any) -> Callable[[Any], Any]:
    """A value of `column` for asyncpg: a missing one takes the column's Python default (or NULL); JSON
    as text (the pool's jsonb codec takes text, as SQLAlchemy sends it); UUIDs given as text become
    UUIDs."""
    default = column.default
    is_json, is_uuid = isinstance(column.type, JSON), isinstance(column.type, Uuid)

    def convert(value: Any) -> Any:
        if value is UNSET:
            if default is None:
                value = None
            elif default.is_callable:
                value = default.arg(None)
            else:
                value = default.arg
        if value is None:
            return None
        if is_json:
            return orjson.dumps(value).decode()
        if is_uuid and isinstance(value, str):
            return uuid.UUID(value)
        return value

    return convert


AUDIT_CONVERSIONS: Conversions = tuple(
    (f"a_{name}", name, driver_conversion(AuditEntry.__table__.c[name])) for name in AUDIT_COLUMNS
)
