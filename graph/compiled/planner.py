"""Compiles a read operation into one SQL statement that returns the whole `data` JSON.

The way PostGraphile plans an operation: every selected field becomes a column of a
`json_build_object`, every nested object a correlated subquery, every connection a keyset page in a
CTE. Record scope is a predicate (the area's own `record_scope_clause`, built for a symbolic actor whose
ids are bind parameters), field rules decide the column list (a hidden field is a SQL null), and RLS
applies because the statement runs in the request's tenant transaction like any other.

Plans are cached per (operation text, operation name, role permissions, team or not, structural
arguments); per request only the bind values change: the actor's ids, ids asked for, page size and
cursor keys. Whatever the compiler does not handle raises `CannotCompile`, and the operation goes to
the executor, which stays the reference: a differential mode (tests) runs both and compares.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.error import GraphQLError
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy import (
    Boolean,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    inspect,
    literal,
    literal_column,
    null,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.util import ClauseAdapter
from strawberry import relay

from graph.compiled import registry
from graph.compiled.arguments import ArgumentConverter
from graph.compiled.errors import CannotCompile
from graph.compiled.sql import cursor, text_literal
from graph.core.extensions import nul_path
from graph.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_cursor
from tenants.errors import DomainError
from tenants.permissions import Action, Actor, Permissions

logger = logging.getLogger("crm.compiled")

# Root arguments whose values should shape the plan (a text search may need its trigram index, which a
# generic plan, blind to the pattern, would pass over for a scan of the tenant in sort order).
GENERIC_PLAN_UNSAFE = frozenset({"filter", "search"})
# json_build_object takes at most 100 arguments: 50 keys with their values.
MAX_OBJECT_FIELDS = 50
CACHE_SIZE = 1024
UNSUPPORTED = object()


@dataclass(frozen=True)
class Selection:
    """The fields selected on one object: (response key, field name, field node) in document order."""

    fields: tuple[tuple[str, str, FieldNode], ...]
    type_name: str


@dataclass
class SymbolicActor:
    """Stands in for `Actor` while a plan is built: ids are bind parameters, permissions are real."""

    permissions: Permissions
    tenant_id: Any
    user_id: Any
    team_id: Any

    def require(self, object_type: str, action: Action) -> None:
        Actor.require(self, object_type, action)  # type: ignore[arg-type]


@dataclass
class Build:
    """The state of one compilation: the schema, the role, the variables, the binds it creates."""

    planner: Planner
    actor: SymbolicActor
    hidden: dict[str, frozenset[str]]
    fragments: dict[str, FragmentDefinitionNode]
    binds: dict[str, Any] = field(default_factory=dict)  # bind name -> value for this request
    guards: list[ColumnElement[bool]] = field(default_factory=list)  # all true, or the executor answers
    key_types: dict[str, list[Any]] = field(default_factory=dict)  # sort key SQL types per root key
    counter: int = 0
    values_only: bool = False

    def can_read(self, object_type: str) -> bool:
        return self.actor.permissions.can(object_type, Action.READ)

    def guard(self, condition: ColumnElement[bool]) -> None:
        """A condition the answer depends on: when false, the statement returns NULL and the executor
        serves the request (it has the error to report)."""
        self.guards.append(condition)

    def bind(self, prefix: str, value: Any, type_: Any) -> Any:
        self.counter += 1
        name = f"{prefix}_{self.counter}"
        self.binds[name] = value
        # Only values are wanted when the plan is cached (`bind_only`): no SQL element to build.
        return None if self.values_only else bindparam(name, type_=type_)

    def selection(self, type_name: str, node: FieldNode) -> Selection:
        if node.selection_set is None:
            raise CannotCompile("object field without selection")
        return self.planner.collect(type_name, node.selection_set, self.fragments)

    def object(self, type_name: str, source: Any, selection: Selection) -> ColumnElement[Any]:
        """`json_build_object` of the selected fields of `type_name` read from `source`."""
        compiled = registry.TYPES.get(type_name)
        if compiled is None:
            raise CannotCompile(f"type {type_name} is not compiled")
        if len(selection.fields) > MAX_OBJECT_FIELDS:
            raise CannotCompile("too many fields for one json_build_object")
        hidden = self.hidden_fields(type_name, compiled.object_type)
        arguments: list[Any] = []
        for response_key, field_name, node in selection.fields:
            arguments.append(text_literal(response_key))
            if field_name == "__typename":
                arguments.append(text_literal(type_name))
            elif field_name in hidden:
                arguments.append(literal(None))
            else:
                builder = compiled.fields.get(field_name)
                if builder is None or node.arguments:
                    raise CannotCompile(f"{type_name}.{field_name} is not compiled")
                sub = (
                    self.selection(self.planner.field_type(type_name, field_name), node)
                    if (node.selection_set is not None)
                    else Selection((), type_name)
                )
                arguments.append(builder(self, source, sub))
        return func.json_build_object(*arguments)

    def composite(
        self, type_name: str, node: FieldNode, value_of: Callable[[str, FieldNode], Any]
    ) -> ColumnElement[Any]:
        """`json_build_object` of an object the planner assembles itself (an edge, page info, a
        mutation payload): `value_of(field name, field node)` gives each selected field's value (or
        raises CannotCompile); `__typename` is answered here."""
        entries: list[Any] = []
        for response_key, field_name, field_node in self.selection(type_name, node).fields:
            entries.append(text_literal(response_key))
            if field_name == "__typename":
                entries.append(text_literal(type_name))
            else:
                entries.append(value_of(field_name, field_node))
        return func.json_build_object(*entries)

    def hidden_fields(self, type_name: str, object_type: str | None) -> frozenset[str]:
        if object_type is None:
            return frozenset()
        if type_name not in self.hidden:
            from graph.admin.rules import HIDEABLE

            entry = HIDEABLE.get(type_name)
            hideable = entry[1] if entry else frozenset()
            self.hidden[type_name] = hideable & self.actor.permissions.hidden_fields(object_type)
        return self.hidden[type_name]


@dataclass(frozen=True)
class Candidate:
    compilable: bool  # might be served by the fast path
    generic_plans: bool  # its statement may use PostgreSQL's generic plans
    writes: bool  # a compiled create (graph/compiled/writes.py)


@dataclass(frozen=True)
class Plan:
    sql: str
    parameter_names: tuple[str, ...]
    constants: dict[str, Any]
    key_types: dict[str, list[Any]]
    permissions: Permissions  # held so the id in the cache key cannot be reused by another object
    # Bind parameters declared with `callable_` (e.g. the service desk's clock): called for each request,
    # never cached as constants (graph/service/compiled.py `request_clock`).
    per_request: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BoundPlan:
    """A plan with this request's bind values: `sql` and `arguments` for asyncpg."""

    sql: str
    arguments: list[Any]


class Planner:
    def __init__(
        self,
        schema: Any,
        dialect: Dialect,
        validation_rules: list[Any],
        max_tokens: int,
    ) -> None:
        self.schema = schema
        self.graphql_schema: GraphQLSchema = schema._schema
        self.dialect = dialect
        self.rules = [*specified_rules, *validation_rules]
        self.max_tokens = max_tokens
        self.documents: OrderedDict[str, Any] = OrderedDict()
        self.candidates: OrderedDict[Any, Candidate] = OrderedDict()
        self.plans: OrderedDict[Any, Any] = OrderedDict()
        self.root_fields: dict[tuple[str, str], Any] = {}

    # --- documents ---------------------------------------------------------------------------------

    def document(self, query: str) -> DocumentNode | None:
        """The parsed and validated document, cached per text; None when it has any error."""
        cached = self.documents.get(query)
        if cached is None:
            try:
                document = parse(query, max_tokens=self.max_tokens)
            except GraphQLError:
                cached = UNSUPPORTED
            else:
                try:
                    errors = validate(self.graphql_schema, document, self.rules)
                except Exception:  # a scalar's literal parser raising its own error: the executor reports it
                    errors = [GraphQLError("invalid")]
                cached = UNSUPPORTED if errors else document
            remember(self.documents, query, cached)
        return None if cached is UNSUPPORTED else cached

    def might_compile(self, query: str, operation_name: str | None) -> bool:
        """Whether the operation is a valid query whose root fields all have compiled roots, or one
        compiled create: worth opening the fast path for (what the actor may see and send decides the
        rest, after authentication)."""
        return self.candidate(query, operation_name).compilable

    def generic_plans(self, query: str, operation_name: str | None) -> bool:
        """Whether PostgreSQL may reuse one generic plan for the operation's statement (see
        `GENERIC_PLAN_UNSAFE`): with custom plans it replans every execution, which costs as much as
        running a page of accounts."""
        return self.candidate(query, operation_name).generic_plans

    def writes(self, query: str, operation_name: str | None) -> bool:
        """Whether the operation is a compiled create (POST only, like every mutation)."""
        return self.candidate(query, operation_name).writes

    def candidate(self, query: str, operation_name: str | None) -> Candidate:
        """What the fast path may do with an operation, worked out once per operation text and name."""
        key = (query, operation_name)
        known = self.candidates.get(key)
        if known is None:
            known = self.judge(query, operation_name)
            remember(self.candidates, key, known)
        return known

    def judge(self, query: str, operation_name: str | None) -> Candidate:
        document = self.document(query)
        operation = get_operation_ast(document, operation_name) if document is not None else None
        if operation is None:
            return Candidate(False, False, False)
        roots = operation.selection_set.selections
        fields = [node for node in roots if isinstance(node, FieldNode)]
        if operation.operation is OperationType.MUTATION:
            writes = len(roots) == len(fields) == 1 and fields[0].name.value in registry.CREATES
            return Candidate(writes, writes, writes)
        compilable = (
            operation.operation is OperationType.QUERY
            and len(fields) == len(roots)
            and all(node.name.value in registry.ROOTS for node in fields)
        )
        generic = compilable and not any(
            argument.name.value in GENERIC_PLAN_UNSAFE for node in fields for argument in node.arguments or ()
        )
        return Candidate(compilable, generic, False)

    def is_single_mutation(self, query: str, operation_name: str | None) -> bool:
        """One mutation field and nothing else (a valid document; fragments and directives excluded)."""
        document = self.document(query)
        operation = get_operation_ast(document, operation_name) if document is not None else None
        if operation is None or operation.operation is not OperationType.MUTATION:
            return False
        selections = operation.selection_set.selections
        return len(selections) == 1 and isinstance(selections[0], FieldNode) and not selections[0].directives

    def collect(
        self, type_name: str, selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
    ) -> Selection:
        fields: list[tuple[str, str, FieldNode]] = []
        self._collect(type_name, selection_set, fragments, fields)
        keys = [key for key, _, _ in fields]
        if len(set(keys)) != len(keys):
            raise CannotCompile("a response key selected twice")
        return Selection(tuple(fields), type_name)

    def _collect(
        self,
        type_name: str,
        selection_set: SelectionSetNode,
        fragments: dict[str, FragmentDefinitionNode],
        out: list[Any],
    ) -> None:
        for node in selection_set.selections:
            if node.directives:
                raise CannotCompile("directives")
            if isinstance(node, FieldNode):
                out.append((node.alias.value if node.alias else node.name.value, node.name.value, node))
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is not None and node.type_condition.name.value != type_name:
                    raise CannotCompile("fragment on another type")
                self._collect(type_name, node.selection_set, fragments, out)
            elif isinstance(node, FragmentSpreadNode):
                fragment = fragments.get(node.name.value)
                if fragment is None or fragment.type_condition.name.value != type_name:
                    raise CannotCompile("fragment on another type")
                self._collect(type_name, fragment.selection_set, fragments, out)

    def field_type(self, type_name: str, field_name: str) -> str:
        parent = self.graphql_schema.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType)
        return get_named_type(parent.fields[field_name].type).name

    # --- plans -------------------------------------------------------------------------------------

    def plan(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None, actor: Actor
    ) -> BoundPlan | None:
        """This request's statement, or None when the executor must serve the operation."""
        document = self.document(query)
        if document is None:
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        if variables and nul_path(variables, "") is not None:
            return None  # the executor refuses it with the variable's name
        coerced = get_variable_values(
            self.graphql_schema, operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):  # variable errors: the executor reports them
            return None
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        try:
            roots = self.root_calls(operation, coerced, fragments)
        except Exception as reason:  # an argument the executor refuses (a malformed id): its error to give
            logger.debug("not compiled (%s): %s", reason, operation_name or query[:80])
            return None
        try:
            key = (query, operation_name, id(actor.permissions), actor.team_id is not None, roots.shape)
            plan = self.plans.get(key)
            build = self.new_build(actor, fragments, symbolic=plan is None)
            if plan is None:
                plan = self.compile(build, roots)
                remember(self.plans, key, plan)
            elif plan is UNSUPPORTED:
                return None
            else:
                build.key_types = plan.key_types
                build.values_only = True
                self.bind_only(build, roots)
        except (CannotCompile, DomainError) as reason:
            logger.debug("not compiled (%s): %s", reason, operation_name or query[:80])
            if "key" in locals():
                remember(self.plans, key, UNSUPPORTED)
            return None
        return bind(plan, build, actor)

    def new_build(
        self, actor: Actor, fragments: dict[str, FragmentDefinitionNode], *, symbolic: bool = True
    ) -> Build:
        """The state of a compilation (`symbolic`: ids as bind parameters), or of a cached plan's
        binding, which needs only the permissions."""
        if not symbolic:
            return Build(self, SymbolicActor(actor.permissions, None, None, None), {}, fragments)
        stand_in = SymbolicActor(
            permissions=actor.permissions,
            tenant_id=bindparam("actor_tenant_id", type_=PG_UUID(as_uuid=True)),
            user_id=bindparam("actor_user_id", type_=PG_UUID(as_uuid=True)),
            team_id=bindparam("actor_team_id", type_=PG_UUID(as_uuid=True)) if actor.team_id else None,
        )
        return Build(planner=self, actor=stand_in, hidden={}, fragments=fragments)

    def root_calls(
        self,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        fragments: dict[str, FragmentDefinitionNode],
    ) -> RootCalls:
        query_type = self.graphql_schema.query_type
        assert query_type is not None
        selection = self.collect(query_type.name, operation.selection_set, fragments)
        calls = []
        for response_key, field_name, node in selection.fields:
            root = registry.ROOTS.get(field_name)
            if root is None:
                raise CannotCompile(f"root field {field_name} is not compiled")
            arguments = self.arguments(query_type, field_name, node, variables)
            calls.append(RootCall(response_key, field_name, node, root, arguments))
        return RootCalls(tuple(calls))

    def root_field(self, parent: GraphQLObjectType, field_name: str) -> tuple[Any, ArgumentConverter]:
        """The graphql-core definition of a root field and the conversion of its arguments (built
        once: the lookup converts names, and Strawberry's conversion resolves types, on every call)."""
        key = (parent.name, field_name)
        found = self.root_fields.get(key)
        if found is None:
            strawberry_field = self.schema.get_field_for_type(field_name, parent.name)
            converter = ArgumentConverter(
                strawberry_field.arguments, self.schema.schema_converter.scalar_registry, self.schema.config
            )
            found = (parent.fields[field_name], converter)
            self.root_fields[key] = found
        return found

    def arguments(
        self, parent: GraphQLObjectType, field_name: str, node: FieldNode, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """A root field's arguments as its resolver receives them (Strawberry inputs, global ids)."""
        definition, converter = self.root_field(parent, field_name)
        return converter.convert(get_argument_values(definition, node, variables))

    def compile(self, build: Build, roots: RootCalls) -> Plan:
        entries: list[Any] = []
        for call in roots.calls:
            entries.append(text_literal(call.response_key))
            entries.append(call.build(build))
        # As text: the pool's connections decode json into dicts, and the body needs the text anyway.
        return self.to_plan(build, select(self.data(build, func.json_build_object(*entries))))

    def data(self, build: Build, response: ColumnElement[Any]) -> ColumnElement[Any]:
        """The `data` JSON as text, NULL when a guard fails (the executor then answers)."""
        data = cast(response, Text)
        if build.guards:
            data = case((and_(*build.guards), data), else_=null())
        return data

    def to_plan(self, build: Build, statement: Any) -> Plan:
        compiled = statement.compile(dialect=self.dialect)
        names = tuple(compiled.positiontup or ())
        per_request = {
            name: bind.callable for name, bind in compiled.binds.items() if bind.callable is not None
        }
        return Plan(
            sql=str(compiled),
            parameter_names=names,
            constants={
                name: value
                for name, value in compiled.params.items()
                if name not in build.binds and name not in per_request
            },
            key_types=build.key_types,
            permissions=build.actor.permissions,
            per_request=per_request,
        )

    def bind_only(self, build: Build, roots: RootCalls) -> None:
        """Recreates this request's bind values without building SQL (the plan is cached)."""
        for call in roots.calls:
            call.bind(build)


def bind(plan: Plan, build: Build, actor: Actor) -> BoundPlan:
    values = {
        **plan.constants,
        **{name: value() for name, value in plan.per_request.items()},
        **build.binds,
        "actor_tenant_id": actor.tenant_id,
        "actor_user_id": actor.user_id,
        "actor_team_id": actor.team_id,
    }
    return BoundPlan(sql=plan.sql, arguments=[values[name] for name in plan.parameter_names])


def remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


# --- root fields -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RootCalls:
    calls: tuple[RootCall, ...]

    @property
    def shape(self) -> tuple[Any, ...]:
        return tuple(call.shape for call in self.calls)


@dataclass
class RootCall:
    response_key: str
    field_name: str
    node: FieldNode
    root: registry.Root
    arguments: dict[str, Any]
    _statement: Any = None

    @property
    def shape(self) -> Any:
        """What decides the SQL text: everything but ids, page size and cursor values."""
        if isinstance(self.root, registry.NodeRoot):
            return (self.field_name,)
        if isinstance(self.root, registry.ValueRoot):
            return (self.field_name, tuple(sorted(k for k, v in self.arguments.items() if v is not None)))
        structural = {k: v for k, v in self.arguments.items() if k not in ("first", "after")}
        return (self.field_name, repr(sorted(structural.items())), self.arguments.get("after") is None)

    def build(self, build: Build) -> ColumnElement[Any]:
        if isinstance(self.root, registry.NodeRoot):
            return self.build_node(build, self.root)
        if isinstance(self.root, registry.ValueRoot):
            binds = self.root.binds(build, self.arguments)
            return self.root.value(build, binds, build.selection(self.root.type_name, self.node))
        return self.build_connection(build, self.root)

    def bind(self, build: Build) -> None:
        """The binds `build` would create, in the same order (so their names match the plan's)."""
        if isinstance(self.root, registry.NodeRoot):
            build.bind("id", self.node_uuid(self.root), PG_UUID(as_uuid=True))
        elif isinstance(self.root, registry.ValueRoot):
            self.root.binds(build, self.arguments)
        else:
            size = self.page_size()
            build.bind("fetch", size + 1, Integer)
            build.bind("size", size, Integer)
            for value, type_ in self.after_values(build, build.key_types[self.response_key]):
                build.bind("after", value, type_)

    # node(id) ---------------------------------------------------------------------------------------

    def node_uuid(self, root: registry.NodeRoot) -> uuid.UUID | None:
        return uuid_of(self.arguments.get("id"), root.type_name)

    def build_node(self, build: Build, root: registry.NodeRoot) -> ColumnElement[Any]:
        record_id = build.bind("id", self.node_uuid(root), PG_UUID(as_uuid=True))
        if not build.can_read(root.object_type):
            return literal(None)
        model = registry.TYPES[root.type_name].model
        target = aliased(model)
        selection = build.selection(root.type_name, self.node)
        return (
            select(build.object(root.type_name, target, selection))
            .where(target.id == record_id, rescoped(root.scope(build.actor), target))
            .scalar_subquery()
        )

    # connections ------------------------------------------------------------------------------------

    def page_size(self) -> int:
        if self.arguments.get("last") is not None or self.arguments.get("before") is not None:
            raise CannotCompile("backward pages")
        first = self.arguments.get("first")
        size = DEFAULT_PAGE_SIZE if first is None else first
        if not 0 < size <= MAX_PAGE_SIZE:
            raise CannotCompile("page size the executor refuses")
        return size

    def after_values(self, build: Build, key_types: list[Any]) -> list[tuple[Any, Any]]:
        """The cursor's values, checked against the ordering's key types (SQL types)."""
        after = self.arguments.get("after")
        if after is None:
            return []
        place = decode_cursor(after, "after").place
        if place is None or len(place) != len(key_types):
            raise CannotCompile("a cursor of another list")
        values = []
        for value, type_ in zip(place, key_types, strict=True):
            if not isinstance(value, type_.python_type):
                raise CannotCompile("a cursor of another ordering")
            values.append((value, type_))
        return values

    def statement(self, build: Build) -> Any:
        assert isinstance(self.root, registry.ConnectionRoot)
        if self._statement is None:
            self._statement = self.root.statement(build.actor, self.arguments)
        return self._statement

    def build_connection(self, build: Build, root: registry.ConnectionRoot) -> ColumnElement[Any]:
        size = self.page_size()
        fetch = build.bind("fetch", size + 1, Integer)
        size_bind = build.bind("size", size, Integer)
        statement = self.statement(build)
        keys = sort_keys(statement)
        directions = {descending for _, descending in keys}
        if len(directions) != 1:
            raise CannotCompile("mixed sort directions")
        descending = directions.pop()
        for expression, _ in keys:
            python_type(expression)
        build.key_types[self.response_key] = [key_type(expression) for expression, _ in keys]
        after = [
            build.bind("after", value, type_)
            for value, type_ in self.after_values(build, build.key_types[self.response_key])
        ]
        base = statement.order_by(None)
        page_query = base.add_columns(
            *(expression.label(f"k{index}") for index, (expression, _) in enumerate(keys)),
            func.row_number().over(order_by=statement._order_by_clauses).label("rn"),
        )
        if after:
            row = tuple_(*(expression for expression, _ in keys))
            page_query = page_query.where(row < tuple_(*after) if descending else row > tuple_(*after))
        page = page_query.order_by(*statement._order_by_clauses).limit(fetch).cte(f"page_{build.counter}")
        model = registry.TYPES[root.type_name].model
        node = aliased(model, page)
        cursor_of = cursor([(page.c[f"k{index}"], python_type(expr)) for index, (expr, _) in enumerate(keys)])
        connection = build.selection(self.connection_type(build), self.node)
        in_page = page.c.rn <= size_bind
        entries: list[Any] = []
        for response_key, field_name, field_node in connection.fields:
            entries.append(text_literal(response_key))
            if field_name == "__typename":
                entries.append(text_literal(connection.type_name))
            elif field_name == "nodes":
                selected = build.selection(root.type_name, field_node)
                entries.append(aggregate(build.object(root.type_name, node, selected), page, in_page))
            elif field_name == "edges":
                entries.append(aggregate(self.edge(build, field_node, root, node, cursor_of), page, in_page))
            elif field_name == "pageInfo":
                entries.append(self.page_info(build, field_node, page, size_bind, cursor_of, bool(after)))
            elif field_name == "totalCount":
                entries.append(select(func.count()).select_from(base.subquery()).scalar_subquery())
            else:
                raise CannotCompile(f"connection field {field_name}")
        return func.json_build_object(*entries)

    def connection_type(self, build: Build) -> str:
        query_type = build.planner.graphql_schema.query_type
        assert query_type is not None
        return get_named_type(query_type.fields[self.field_name].type).name

    def edge(self, build: Build, node: FieldNode, root: Any, source: Any, cursor_of: Any) -> Any:
        def value_of(field_name: str, field_node: FieldNode) -> Any:
            if field_name == "cursor":
                return cursor_of
            if field_name == "node":
                return build.object(root.type_name, source, build.selection(root.type_name, field_node))
            raise CannotCompile(f"edge field {field_name}")

        return build.composite(build.planner.field_type(self.connection_type(build), "edges"), node, value_of)

    def page_info(
        self, build: Build, node: FieldNode, page: Any, size: Any, cursor_of: Any, after: bool
    ) -> Any:
        last_row = func.least(select(func.count()).select_from(page).scalar_subquery(), size)

        def value_of(field_name: str, _node: FieldNode) -> Any:
            if field_name == "hasNextPage":
                return select(func.count() > size).select_from(page).scalar_subquery()
            if field_name == "hasPreviousPage":
                return literal_column("true" if after else "false", Boolean)
            if field_name == "startCursor":
                return select(cursor_of).where(page.c.rn == 1).scalar_subquery()
            if field_name == "endCursor":
                return select(cursor_of).where(page.c.rn == last_row).scalar_subquery()
            raise CannotCompile(f"pageInfo field {field_name}")

        return build.composite("PageInfo", node, value_of)


def aggregate(element: Any, page: Any, in_page: Any) -> Any:
    """`json_agg` of one element per row of the page, in page order (`[]` for an empty page)."""
    ordered = func.json_agg(aggregate_order_by(element, page.c.rn)).filter(in_page)
    return select(func.coalesce(ordered, literal_column("'[]'::json"))).select_from(page).scalar_subquery()


def aggregate_order_by(element: Any, *keys: Any) -> Any:
    from sqlalchemy.dialects.postgresql import aggregate_order_by as order_by

    return order_by(element, *keys)


def json_list(element: Any, *keys: Any) -> ColumnElement[Any]:
    """`json_agg` of `element` over the rows in `keys` order; `[]` when there are none."""
    return func.coalesce(func.json_agg(aggregate_order_by(element, *keys)), literal_column("'[]'::json"))


def sort_keys(statement: Any) -> list[tuple[Any, bool]]:
    keys = []
    for clause in statement._order_by_clauses:
        if not isinstance(clause, UnaryExpression) or clause.modifier not in (
            operators.asc_op,
            operators.desc_op,
        ):
            raise CannotCompile("an ordering without direction")
        keys.append((clause.element, clause.modifier is operators.desc_op))
    return keys


def key_type(expression: Any) -> Any:
    """The SQL type of a sort key; `lower(name)` has no declared type, so it takes its argument's."""
    type_ = expression.type
    if isinstance(type_, NullType) and isinstance(expression, FunctionElement):
        arguments = list(expression.clauses)
        if len(arguments) == 1:
            type_ = arguments[0].type
    if isinstance(type_, NullType):
        raise CannotCompile("a sort key of unknown type")
    return type_


def uuid_of(value: Any, type_name: str) -> uuid.UUID | None:
    """The UUID inside a global id of `type_name`; None when malformed or of another type (a node
    lookup answers null; a root that must refuse it guards on the null, see `Build.guard`)."""
    if not isinstance(value, relay.GlobalID) or value.type_name != type_name:
        return None
    try:
        return uuid.UUID(value.node_id)
    except ValueError:
        return None


def python_type(expression: Any) -> type:
    try:
        return key_type(expression).python_type
    except NotImplementedError:
        raise CannotCompile("a sort key of unknown type") from None


def from_clause(source: Any) -> Any:
    """The FROM object behind a model or an alias (for explicit correlation)."""
    return inspect(source).selectable


def rescoped(predicate: Any, target: Any) -> Any:
    """An area's predicate, written against its model's table, applied to the alias `target`."""
    return ClauseAdapter(inspect(target).selectable).traverse(predicate)
