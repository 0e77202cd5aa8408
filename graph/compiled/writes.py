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
from decimal import Decimal
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
    case,
    cast,
    column,
    exists,
    false,
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
# The rows a create statement writes: a JSON array of `row_json` objects (`given_rows`).
ROWS = bindparam("w_rows", type_=JSON)
EVENT_COLUMNS = (("event_id", Uuid()), ("event_type", Text()), ("event_body", Text()))
# A column the area's row leaves out (it takes the column's default).
UNSET = object()
# The tenant's live custom-field definitions of an object type, by key; None when not known here.
Definitions = Callable[[str], Mapping[str, Any] | None]


class CreatePlan:
    """A compiled create for this request: the statement with its arguments, the id of the record it
    inserts. `arguments[rows_at]` is `[row]`, the JSON array of the one row; concurrent creates whose
    other arguments are equal can share one statement (gateway/create_batches.py)."""

    def __init__(
        self,
        bound: BoundPlan,
        rows_at: int,
        row: str,
        record: registry.NewRecord,
        root: registry.CreateRoot,
    ) -> None:
        self.sql = bound.sql
        self.arguments = bound.arguments
        self.rows_at = rows_at
        self.row = row
        self.record_id: uuid.UUID = record.row["id"]
        self.type_name = root.type_name


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
    try:
        one_row = row_json(root, record)
    except CannotCompile as reason:
        logger.debug("create not compiled (%s): %s", reason, call.operation_name or call.query[:80])
        return None
    build.binds["w_rows"] = f"[{one_row}]"
    if one_trip is not None:
        build.binds.update(one_trip.binds)
    return CreatePlan(bind(plan, build, actor), plan.parameter_names.index("w_rows"), one_row, record, root)


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
    given = given_rows(root)
    row = {name: given.c[name] for name in root.columns}
    chosen = select(*(row[name].label(name) for name in root.columns)).select_from(given)
    if admission is None:
        chosen = chosen.where(*root.guards(build, row))
    else:
        chosen = admitted_rows(chosen, admission, root.guards(build, row))
    inserted = insert(table).from_select(list(root.columns), chosen).returning(*table.c).cte("inserted")
    with_given = inserted.join(given, given.c.id == inserted.c.id)
    audit_table = AuditEntry.__table__
    audit_row = select(*(given.c[f"audit_{name}"] for name in AUDIT_COLUMNS)).select_from(with_given)
    audited = (
        insert(audit_table)
        .from_select(list(AUDIT_COLUMNS), audit_row)
        .returning(audit_table.c.id)
        .cte("audited")
    )
    source = aliased(model, inserted)
    payload = payload_object(build, root, field_name, node, source)
    if build.guards:  # the row is written before the payload is read: a NULL answer would write it twice
        raise CannotCompile("a payload with guards")
    data = planner.data(build, func.json_build_object(text_literal(response_key), payload))
    # What the executor's effects statement does through crm_emit_event: the NOTIFY, the outbox rows.
    # `data` first: the transactional path reads one row's first column; a batch maps rows by id.
    statement = select(data, inserted.c.id, event_notice(inserted, given)).select_from(inserted)
    deliveries = event_deliveries(inserted, with_given, given)
    return planner.to_plan(build, statement.add_cte(audited).add_cte(deliveries))


def given_rows(root: registry.CreateRoot) -> Any:
    """The rows to create, from the statement's one JSON parameter (`w_rows`, an array of `row_json`
    objects): one row per request, or several when concurrent creates share the statement
    (gateway/create_batches.py). Each object holds the row's columns, its audit entry's (`audit_`)
    and its event's (`event_`), typed by the column definition list. A CTE read by the INSERT, the
    audit rows, the outbox rows and the NOTIFY: the JSON is parsed once."""
    table, audit_table = registry.TYPES[root.type_name].model.__table__, AuditEntry.__table__
    columns = [column(name, table.c[name].type) for name in root.columns]
    columns += [column(f"audit_{name}", audit_table.c[name].type) for name in AUDIT_COLUMNS]
    columns += [column(name, type_) for name, type_ in EVENT_COLUMNS]
    names = [each.name for each in columns]
    if len(set(names)) != len(names):
        raise CannotCompile("a column name clashes with an audit or event one")
    rows = func.json_to_recordset(ROWS).table_valued(*columns)
    return select(rows.render_derived(name="given_row", with_types=True)).cte("given")


def event_notice(inserted: Any, given: Any) -> Any:
    """pg_notify of the row's event, only when a server process has subscribers of the tenant (a
    database-wide lock at commit otherwise paid for nobody): a subquery on the inserted row, so it runs
    after the credential check entered the tenant (live_listeners is behind row-level security)."""
    listeners = LIVE_LISTENERS.c
    watched = exists().where(listeners.tenant_id == inserted.c.tenant_id, listeners.expires_at > func.now())
    notify = func.pg_notify(text_literal(CHANNEL), given.c.event_body)
    return select(notify).where(given.c.id == inserted.c.id, watched.correlate(inserted)).scalar_subquery()


def event_deliveries(inserted: Any, with_given: Any, given: Any) -> Any:
    """One outbox row per enabled endpoint of the tenant subscribed to the row's event type, all with
    the event's id. LATERAL: the endpoints are read for the inserted row, after the check entered the
    tenant; a join PostgreSQL could start from the endpoints would read them before (and see none)."""
    endpoints = WEBHOOK_ENDPOINTS.c
    subscribed = (
        select(endpoints.tenant_id, endpoints.id)
        .where(endpoints.tenant_id == inserted.c.tenant_id, endpoints.enabled)
        .where(given.c.event_type == any_(endpoints.event_types))
        .lateral("endpoint")
    )
    rows = select(
        subscribed.c.tenant_id,
        func.gen_random_uuid(),
        subscribed.c.id,
        given.c.event_id,
        given.c.event_type,
        cast(given.c.event_body, JSONB),
        func.now(),
    ).select_from(with_given.join(subscribed, true()))
    return (
        insert(WEBHOOK_DELIVERIES)
        .from_select(list(DELIVERY_COLUMNS), rows)
        .returning(WEBHOOK_DELIVERIES.c.id)
        .cte("delivered")
    )


def admitted_rows(chosen: Any, admission: Admission, guards: list[Any]) -> Any:
    """`chosen` (the given rows) read with the credential check's row, only while it shows the
    admitted actor.

    The check enters the tenant (transaction-local settings), so everything that reads RLS-guarded
    rows must run after it: the INSERT's own row check does (it sees rows that came from the check),
    and the guards are one CASE over the check's row and the given row for the same reason: a
    condition on both is evaluated where the two are joined, after the check. A guard on the given row
    alone could be evaluated while scanning it, before the check, outside any tenant: it would see no
    rows and insert nothing (safe, but never fast); a bare EXISTS would also become a semi-join. The
    guards' subqueries correlate with the given row, so each row is checked for itself (a batch's
    good owner does not pass another row's bad one). The check runs once."""
    source = admission.source()
    after_check = case((source.c[admission.present].is_not(None), and_(true(), *guards)), else_=false())
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


def row_json(root: registry.CreateRoot, record: registry.NewRecord) -> str:
    """One create's object in the statement's `w_rows` array (`given_rows`): its columns (a missing one
    takes the column's Python default, or NULL), its audit entry's and its event's. JSON values stay
    JSON; PostgreSQL converts the rest to the column definition list's types."""
    row, audit, event = record.row, record.audit, record.event
    values = {name: default(row.get(name, UNSET)) for name, default in column_defaults(root)}
    for name in AUDIT_COLUMNS:
        values[f"audit_{name}"] = audit.get(name)
    values["event_id"] = uuid.uuid4()  # as crm_emit_event's gen_random_uuid()
    values["event_type"] = event.type
    values["event_body"] = event.encode()
    try:
        encoded = orjson.dumps(values, default=json_default)
    except TypeError as reason:  # a lone surrogate: the executor refuses it with its own error
        raise CannotCompile(f"a value JSON cannot carry: {reason}") from reason
    if b"\\u0000" in encoded:
        # PostgreSQL's json_to_recordset keeps an escaped NUL as the six characters; a bind parameter
        # (the executor) refuses it: the executor answers. Text with a literal backslash-u0000 lands
        # here too, and is served by the executor as well.
        raise CannotCompile("a NUL character")
    return encoded.decode()


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal | uuid.UUID):  # asyncpg's UUID subclass is not orjson's uuid.UUID
        return str(value)  # a Decimal exactly as written
    raise TypeError(f"{type(value).__name__} is not JSON")


@functools.cache
def column_defaults(root: registry.CreateRoot) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """(column, default filler) of the root's columns, worked out once (a create spent 10 % of its
    planning CPU looking the columns and their types up again)."""
    table = registry.TYPES[root.type_name].model.__table__
    return tuple((name, python_default(table.c[name])) for name in root.columns)


def python_default(column: Any) -> Callable[[Any], Any]:
    """`value`, or for a column the area's row leaves out (UNSET) its Python default (or NULL)."""
    default = column.default

    def filled(value: Any) -> Any:
        if value is not UNSET:
            return value
        if default is None:
            return None
        return default.arg(None) if default.is_callable else default.arg

    return filled
