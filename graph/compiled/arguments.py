"""A root field's arguments as its resolver receives them, converted by functions built once per field.

Strawberry's `convert_arguments` works the types out again on every call (type resolution, name
conversion, leaf checks): 8 % of a compiled create's server CPU went there. `ArgumentConverter` walks
the same types once and keeps a function per type, with the same rules: optional and list wrappers,
`GlobalID` from its string, enums and scalars as graphql-core coerced them, input objects with the
fields the caller sent (and None for those without a default). A type it does not know (`Maybe`, an
input with its own `from_input`) makes the whole field use Strawberry's function, so the answer is the
same either way; the compiled paths' differential test (verify mode) compares them on every request of
the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID, GlobalIDValueError, InvalidGlobalIDError
from strawberry.scalars import is_scalar
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional, has_object_definition
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Convert = Callable[[Any], Any]


class Unsupported(Exception):
    """A type the converter leaves to Strawberry."""


class ArgumentConverter:
    """`convert(values)`: a field's graphql-core argument values as Strawberry's `convert_arguments`
    returns them."""

    def __init__(self, arguments: list[StrawberryArgument], scalar_registry: Mapping[Any, Any], config: Any):
        self.arguments = arguments
        self.scalar_registry = scalar_registry
        self.config = config
        self.built: dict[int, Convert] = {}
        try:
            self.fields: list[tuple[str, str, Convert]] | None = [
                (config.name_converter.from_argument(argument), argument.python_name, self.of(argument.type))
                for argument in arguments
            ]
        except Unsupported:
            self.fields = None

    def convert(self, values: dict[str, Any]) -> dict[str, Any]:
        if self.fields is None:
            return convert_arguments(values, self.arguments, self.scalar_registry, self.config)
        return {python: convert(values[name]) for name, python, convert in self.fields if name in values}

    def of(self, type_: Any) -> Convert:
        """The conversion of a value of `type_` (None and UNSET stay as they are)."""
        if isinstance(type_, StrawberryMaybe):
            raise Unsupported("Maybe")
        if isinstance(type_, StrawberryOptional):
            return self.of(type_.of_type)
        if isinstance(type_, LazyType):
            return self.of(type_.resolve_type())
        if isinstance(type_, StrawberryList):
            return self.list_of(type_.of_type)
        if type_ is GlobalID:
            return nullable(global_id)
        if self.is_leaf(type_):
            return same
        if has_enum_definition(type_):
            return same  # graphql-core gives the enum member already (the enum definition is a leaf)
        if has_object_definition(type_):
            return self.input_object(type_)
        raise Unsupported(f"type {type_!r}")

    def is_leaf(self, type_: Any) -> bool:
        if isinstance(type_, LazyType):
            return self.is_leaf(type_.resolve_type())
        return is_scalar(type_, self.scalar_registry) or isinstance(type_, StrawberryEnumDefinition)

    def list_of(self, item_type: Any) -> Convert:
        inner = item_type.of_type if isinstance(item_type, StrawberryOptional) else item_type
        if item_type is not GlobalID and inner is not GlobalID and self.is_leaf(inner):
            # Copied as Strawberry does: graphql-core gives every request that omits the value the same
            # default list, so a change to it would leak into the next requests.
            return nullable(list)
        convert_item = self.of(item_type)
        return nullable(lambda values: [convert_item(value) for value in values])

    def input_object(self, type_: Any) -> Convert:
        key = id(type_)
        known = self.built.get(key)
        if known is not None:
            return known
        definition = type_.__strawberry_definition__
        if definition.from_input is not None:
            raise Unsupported(f"{definition.name} builds its own value")
        fields: list[tuple[str, str, Convert]] = []

        def build(value: Mapping[str, Any]) -> Any:
            kwargs = dict(defaults) if definition.is_input else {}
            for name, python, convert in fields:
                if name in value:
                    kwargs[python] = convert(value[name])
            return type_(**kwargs)

        converter = nullable(build)
        self.built[key] = converter  # before the fields: an input may contain itself (filters)
        defaults = {
            field.python_name: None
            for field in definition.fields
            if field.default_value is MISSING and field.default_factory is MISSING
        }
        for field in definition.fields:
            name = self.config.name_converter.from_field(field)
            fields.append((name, field.python_name, self.of(field.resolve_type(type_definition=definition))))
        return converter


def same(value: Any) -> Any:
    return value


def nullable(convert: Convert) -> Convert:
    def converted(value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        return convert(value)

    return converted


def global_id(value: Any) -> GlobalID:
    try:
        return GlobalID.from_id(value)
    except GlobalIDValueError as error:
        # like the built-in scalars, instead of the decoding error (as Strawberry's conversion does)
        raise InvalidGlobalIDError(f'Value cannot represent a GlobalID: "{value}".') from error
