"""What the SQL compiler knows: object types and root fields that areas declare as compilable.

An area declares, beside its Strawberry types, how each field it wants served by the fast path reads
from its table (`CompiledType`), and which root fields start a compiled read (`NodeRoot`,
`ConnectionRoot`). The declarations reuse the area's own rules (record scope, filters, orderings):
they are the same SQLAlchemy expressions the executor runs, built for a symbolic actor whose ids are
bind parameters, so one compiled plan serves every member with the same role.

Creates are declared the same way (`CreateRoot`): the area checks the input with its own functions, and
one statement inserts the row, writes the audit entry, sends the change notification and reads the
payload. A field that is not declared makes the whole operation go to the executor; so does anything a
declaration refuses with `CannotCompile`. Nothing here changes what the executor does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Select, func, inspect, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from graph.compiled.sql import global_id, iso_datetime

if TYPE_CHECKING:
    from graph.compiled.planner import Build, Selection


class FieldBuilder(Protocol):
    def __call__(self, build: Build, source: Any, selection: Selection) -> ColumnElement[Any]: ...


@dataclass(frozen=True)
class CompiledType:
    """A GraphQL object type whose declared fields read from one table (`model`, via `source`)."""

    name: str
    model: Any
    fields: Mapping[str, FieldBuilder]
    # The role object type whose field rules (hidden fields) apply to this GraphQL type, if any.
    object_type: str | None = None


@dataclass(frozen=True)
class NodeRoot:
    """`field(id: ID!)`: one record by global id, null when missing, not visible or of another type."""

    type_name: str
    object_type: str
    scope: Callable[[Any], ColumnElement[bool]]  # (actor) -> predicate on the model


@dataclass(frozen=True)
class ConnectionRoot:
    """`field(filter, orderBy, first, after)`: a keyset-paginated connection of `type_name`.

    `statement(actor, arguments)` is the executor's own statement (scope, filters, ordering ending with
    the id) for the converted Python arguments; it raises `CannotCompile` for what needs more than SQL
    (custom-field conditions read definitions first) and DomainError for what the executor reports.
    """

    type_name: str
    statement: Callable[[Any, dict[str, Any]], Select[Any]]


@dataclass(frozen=True)
class ValueRoot:
    """A root field the area computes in SQL itself (a report such as the pipeline board).

    `binds(build, arguments)` creates this request's bind parameters (always the same ones, in the same
    order, for one shape of arguments) and returns them by name; `value(build, binds, selection)`
    returns the field's JSON. What the executor would answer with an error (no such record, a
    malformed id) goes in `build.guard(...)`: when a guard is false the statement returns NULL and the
    executor serves the request. `shape(arguments)` is what changes the SQL text (default: which
    arguments were given).
    """

    type_name: str
    binds: Callable[[Build, dict[str, Any]], dict[str, Any]]
    value: Callable[[Build, dict[str, Any], Selection], ColumnElement[Any]]


@dataclass(frozen=True)
class NewRecord:
    """One create, checked in Python by the area (`CreateRoot.prepare`): the row and its effects.

    `row` holds a value for every column in `CreateRoot.columns` (a missing one is NULL); `audit` is
    `tenants.audit.entry(...)`; `event` the change notification (graph/live/events.py).
    """

    row: Mapping[str, Any]
    audit: Mapping[str, Any]
    event: Any


@dataclass(frozen=True)
class CreateRoot:
    """`createX(input)` served by one statement: INSERT, audit row, change notification, payload.

    `prepare(actor, arguments, definitions)` does what the service does before its writes, with the same
    functions: permission, validation, defaults, custom values (`definitions`: the tenant's live
    custom-field definitions of `object_type`, by key). It raises DomainError or CannotCompile for
    anything it does not finish itself (the executor then serves the request, error included).
    `guards(build, row)` are the checks that need the database (an owner who is an active member), as
    SQL over the given row's columns (`row`: column name -> SQL; concurrent creates share a statement,
    gateway/create_batches.py, so a guard must read its own row's values, never a constant of this
    request): when one is false that row is not inserted and the executor answers its request.
    The payload's `payload_field` is read from the inserted row like any compiled read of `type_name`.
    """

    type_name: str
    object_type: str
    payload_field: str
    columns: tuple[str, ...]  # written by the INSERT; other columns take their server defaults
    prepare: Callable[[Any, dict[str, Any], Mapping[str, Any]], NewRecord]
    guards: Callable[[Build, Mapping[str, Any]], list[ColumnElement[bool]]]
    # Input `prepare` would always leave to the executor, recognised before a transaction is opened.
    accepts: Callable[[dict[str, Any]], bool] = lambda _arguments: True


Root = NodeRoot | ConnectionRoot | ValueRoot
TYPES: dict[str, CompiledType] = {}
ROOTS: dict[str, Root] = {}
CREATES: dict[str, CreateRoot] = {}


def register_type(compiled: CompiledType) -> CompiledType:
    TYPES[compiled.name] = compiled
    return compiled


def register_root(field_name: str, root: Root) -> None:
    ROOTS[field_name] = root


def register_create(field_name: str, root: CreateRoot) -> None:
    """A mutation root field served by a compiled create (graph/compiled/writes.py)."""
    CREATES[field_name] = root


# --- field builders ------------------------------------------------------------------------------


def column(attribute: str) -> FieldBuilder:
    """A column whose JSON form is PostgreSQL's own: text, numbers, booleans, dates, arrays."""
    return lambda _build, source, _selection: getattr(source, attribute)


def timestamp(attribute: str) -> FieldBuilder:
    return lambda _build, source, _selection: iso_datetime(getattr(source, attribute))


def node_id(type_name: str) -> FieldBuilder:
    return lambda _build, source, _selection: global_id(type_name, source.id)


def embedded(type_name: str) -> FieldBuilder:
    """An object made of columns of the same row (an address on an account)."""
    return lambda build, source, selection: build.object(type_name, source, selection)


def reference(
    type_name: str,
    key: Callable[[Any], Any],
    *,
    visible: Callable[[Build, Any], ColumnElement[bool]] | None = None,
    readable_as: str | None = None,
) -> FieldBuilder:
    """A single related record (`owner`, `parent`): null when absent, not visible, or not readable.

    `key(source)` is the referencing column; `visible(build, target)` the conditions the executor's
    loader applies; `readable_as` the role object type the caller must be allowed to read.
    """

    def build_reference(build: Build, source: Any, selection: Selection) -> ColumnElement[Any]:
        if readable_as is not None and not build.can_read(readable_as):
            return literal(None)
        target_type = TYPES[type_name]
        target = aliased(target_type.model)
        conditions = [target.id == key(source)]
        if visible is not None:
            conditions.append(visible(build, target))
        return (
            select(build.object(type_name, target, selection))
            .where(*conditions)
            .limit(1)
            .correlate(inspect(source).selectable)
            .scalar_subquery()
        )

    return build_reference


def count_of(counted: Callable[[Build, Any], Select[Any]], *, readable_as: str | None = None) -> FieldBuilder:
    """A number of related records: `counted(build, source)` selects them (correlated to `source`)."""

    def build_count(build: Build, source: Any, _selection: Selection) -> ColumnElement[Any]:
        if readable_as is not None and not build.can_read(readable_as):
            return literal(0)
        return (
            counted(build, source)
            .with_only_columns(func.count())
            .order_by(None)
            .correlate(inspect(source).selectable)
            .scalar_subquery()
        )

    return build_count
