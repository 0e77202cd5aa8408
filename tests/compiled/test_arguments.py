"""The compiled paths' argument conversion gives what Strawberry's `convert_arguments` gives, for every
argument of every root field: all fields sent, only the required ones, and optional ones as null."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.relay import to_base64
from strawberry.types.arguments import convert_arguments

from config.settings import Settings
from graph.compiled.arguments import ArgumentConverter
from graph.schema import build_schema

SCALARS: dict[str, Any] = {
    "String": "名字 x",
    "Int": 3,
    "Float": 1.5,
    "Boolean": True,
    "ID": to_base64("Account", uuid.UUID("0190c0de-0000-7000-8000-00000000beef")),
    "GlobalID": to_base64("Account", uuid.UUID("0190c0de-0000-7000-8000-00000000beef")),
    "UUID": "0190c0de-0000-7000-8000-00000000beef",
    "Date": "2026-12-03",
    "DateTime": "2026-12-03T05:53:03.120000+00:00",
    "Time": "05:53:03",
    "Decimal": "12.50",
    "JSON": {"a": [1, "二"]},
    "Upload": b"%PDF-1.7 file body",
    "ByteCount": 1048576,
}


def sample(type_: GraphQLInputType, mode: str, depth: int = 0) -> Any:
    """An external (JSON) value of `type_`: `mode` "all" sends every field, "required" only the
    non-null ones, "nulls" every optional field as null."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type, mode, depth)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type, mode, depth), sample(type_.of_type, mode, depth)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLScalarType):
        if type_.name not in SCALARS:
            raise AssertionError(f"no sample for scalar {type_.name}: add one to SCALARS")
        return SCALARS[type_.name]
    assert isinstance(type_, GraphQLInputObjectType)
    value = {}
    for name, field in type_.fields.items():
        required = isinstance(field.type, GraphQLNonNull)
        if required or (mode == "all" and depth < 2):
            value[name] = sample(field.type, mode, depth + 1)
        elif mode == "nulls":
            value[name] = None
    return value


@pytest.fixture(scope="module")
def schema():  # type: ignore[no-untyped-def]
    return build_schema(Settings())


@pytest.mark.parametrize("mode", ["all", "required", "nulls"])
def test_every_root_fields_arguments_convert_as_strawberry_does(schema, mode: str) -> None:  # type: ignore[no-untyped-def]
    compared = 0
    for root in (schema._schema.query_type, schema._schema.mutation_type):
        for field_name, field in root.fields.items():
            if not field.args:
                continue
            strawberry_field = schema.get_field_for_type(field_name, root.name)
            registry, config = schema.schema_converter.scalar_registry, schema.config
            converter = ArgumentConverter(strawberry_field.arguments, registry, config)
            values = {}
            for name, argument in field.args.items():
                required = isinstance(argument.type, GraphQLNonNull)
                if required or mode == "all":
                    values[name] = coerce_input_value(sample(argument.type, mode), argument.type)
                elif mode == "nulls":
                    values[name] = None
            expected = convert_arguments(values, strawberry_field.arguments, registry, config)
            assert converter.convert(values) == expected, f"{root.name}.{field_name}"
            compared += 1
    assert compared > 200


def test_the_converter_handles_every_argument_type_itself(schema) -> None:  # type: ignore[no-untyped-def]
    """No field falls back to Strawberry's conversion today (a new kind of input would: still right,
    only slower, and this test says which)."""
    fallbacks = []
    for root in (schema._schema.query_type, schema._schema.mutation_type):
        for field_name, field in root.fields.items():
            strawberry_field = schema.get_field_for_type(field_name, root.name)
            converter = ArgumentConverter(
                strawberry_field.arguments, schema.schema_converter.scalar_registry, schema.config
            )
            if field.args and converter.fields is None:
                fallbacks.append(f"{root.name}.{field_name}")
    assert fallbacks == []


def test_a_malformed_global_id_is_refused_as_strawberry_refuses_it(schema) -> None:  # type: ignore[no-untyped-def]
    field = schema.get_field_for_type("account", "Query")
    converter = ArgumentConverter(field.arguments, schema.schema_converter.scalar_registry, schema.config)
    with pytest.raises(Exception) as ours:
        converter.convert({"id": "not-a-global-id"})
    with pytest.raises(Exception) as theirs:
        convert_arguments(
            {"id": "not-a-global-id"}, field.arguments, schema.schema_converter.scalar_registry, schema.config
        )
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
