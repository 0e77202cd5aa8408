"""The schema's conventions, checked over the whole Strawberry schema (no server, no database).

- every type, field, input field and argument has a description (enum values: where a name is not enough);
- every object type with an `id` is a Relay node that `node(id:)` can fetch (its own `resolve_nodes`);
- every root list is a connection, and every connection pages both ways (`first/after`, `last/before`);
- lists filter with `filter: <X>Filter` and sort with `orderBy: [<X>Order!]`.

A violation names the type or field, so the fix is obvious.
"""

from __future__ import annotations

import functools

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)
from strawberry import relay

from config.settings import Settings
from graph.schema import build_schema

PAGING = {"first", "after", "last", "before"}


@functools.cache
def schema() -> tuple[object, GraphQLSchema]:
    built = build_schema(Settings())
    return built, built._schema


def own_types(graphql_schema: GraphQLSchema | None = None) -> list[GraphQLNamedType]:
    return [
        named
        for name, named in sorted((graphql_schema or schema()[1]).type_map.items())
        if not name.startswith("__") and name not in {"String", "Int", "Float", "Boolean", "ID"}
    ]


def undocumented(schema_types: list[GraphQLNamedType]) -> list[str]:
    missing = []
    for named in schema_types:
        if not named.description:
            missing.append(named.name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                if not field.description:
                    missing.append(f"{named.name}.{field_name}")
                for argument_name, argument in getattr(field, "args", {}).items():
                    if not argument.description:
                        missing.append(f"{named.name}.{field_name}({argument_name})")
    return missing


def unfetchable(schema_types: list[GraphQLNamedType]) -> list[str]:
    """Object types with an `id` that are not nodes, or nodes without their own `resolve_nodes`."""
    built = schema()[0]
    problems = []
    for named in schema_types:
        if not isinstance(named, GraphQLObjectType) or "id" not in named.fields:
            continue
        if "Node" not in {interface.name for interface in named.interfaces}:
            problems.append(f"{named.name} (not a Node)")
            continue
        origin = built.get_type_by_name(named.name).origin  # type: ignore[attr-defined]
        if getattr(origin.resolve_nodes, "__func__", None) is relay.Node.resolve_nodes.__func__:
            problems.append(f"{named.name} (no resolve_nodes)")
    return problems


def unwrap(graphql_type: object) -> object:
    while isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return graphql_type


def is_connection(named: GraphQLNamedType) -> bool:
    return isinstance(named, GraphQLObjectType) and {"edges", "pageInfo"} <= set(named.fields)


def list_problems(graphql_schema: GraphQLSchema) -> list[str]:
    problems = [
        f"Query.{name} is a plain list"
        for name, field in graphql_schema.query_type.fields.items()  # type: ignore[union-attr]
        if isinstance(unwrap(field.type), GraphQLList)
    ]
    for named in own_types(graphql_schema):
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for name, field in named.fields.items():
            if not is_connection(get_named_type(field.type)):
                continue
            if not set(field.args) >= PAGING:
                problems.append(f"{named.name}.{name} lacks {sorted(PAGING - set(field.args))}")
            if "filter" in field.args and not get_named_type(field.args["filter"].type).name.endswith(
                "Filter"
            ):
                problems.append(f"{named.name}.{name}(filter) is not a <X>Filter")
            order = field.args.get("orderBy")
            if order is not None and not (
                isinstance(unwrap(order.type), GraphQLList)
                and get_named_type(order.type).name.endswith("Order")
            ):
                problems.append(f"{named.name}.{name}(orderBy) is not a list of <X>Order")
            misspelt = {"order", "sort", "sortBy", "where", "filters"} & set(field.args)
            if misspelt:
                problems.append(f"{named.name}.{name} spells filter/orderBy as {sorted(misspelt)}")
    return problems


def test_every_type_field_and_argument_has_a_description():
    assert undocumented(own_types()) == []


def test_every_object_with_an_id_is_fetchable_by_node():
    assert unfetchable(own_types()) == []


def test_every_root_list_is_a_connection_that_pages_both_ways():
    assert list_problems(schema()[1]) == []


@pytest.mark.parametrize(
    ("sdl", "expected"),
    [
        ('"A." type T { a: Int }', ["T.a"]),
        ('"A." type T { "a" a("x" x: Int, y: Int): Int }', ["T.a(y)"]),
        ("enum E { A }", ["E"]),
        ('"A." input I { a: Int }', ["I.a"]),
        ('type T { "a" a: Int }', ["T"]),
        ('"A." union U = T "T." type T { "a" a: Int }', []),
    ],
)
def test_the_description_check_finds_what_is_missing(sdl, expected):
    from graphql import build_schema as build_sdl

    built = build_sdl(sdl + ' "Q." type Query { "q" q: Int }')
    named = [t for n, t in sorted(built.type_map.items()) if n in {"E", "I", "T", "U"}]
    assert undocumented(named) == expected


def test_the_list_check_finds_plain_lists_and_one_way_connections():
    from graphql import build_schema as build_sdl

    built = build_sdl(
        """
        type PageInfo { hasNextPage: Boolean }
        type T { id: ID }
        type TConnection { edges: [T] pageInfo: PageInfo }
        input TFilter { a: Int }
        input TOrder { a: Int }
        type Query {
          plain: [T!]!
          forwards(first: Int, after: String): TConnection
          both(first: Int, after: String, last: Int, before: String, filter: TFilter, orderBy: [TOrder!]): TConnection
          misspelt(first: Int, after: String, last: Int, before: String, filter: Int, sort: Int): TConnection
        }
        """
    )
    assert list_problems(built) == [
        "Query.plain is a plain list",
        "Query.forwards lacks ['before', 'last']",
        "Query.misspelt(filter) is not a <X>Filter",
        "Query.misspelt spells filter/orderBy as ['sort']",
    ]
