"""A list's filter input as JSON and back, so a segment stores the very filter a list query takes.

Stored with GraphQL names and GraphQL spellings (enum names, global ids, ISO times), the JSON is what a
client would send as the list's `filter` variable; read back, it is the same Strawberry input object
the list resolver receives, and goes through the same translation into SQL. No SQL is ever stored.
UNSET fields and nulls that are the default are left out; other explicit nulls are kept (a custom-field
condition tells `equals: null` from no `equals`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from strawberry import UNSET, relay
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.utils.str_converters import to_camel_case


def graphql_name(field: Any) -> str:
    return field.graphql_name or to_camel_case(field.python_name)


def left_out(field: Any, value: Any) -> bool:
    """UNSET, or a null that is the field's own default (only an explicit null with another default,
    such as a custom-field condition's `equals: null`, means something)."""
    return value is UNSET or (value is None and field.default is None)


def to_json(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Enum):
        return value.name
    definition = getattr(value, "__strawberry_definition__", None)
    if definition is not None:
        return {
            graphql_name(field): to_json(getattr(value, field.python_name))
            for field in definition.fields
            if not left_out(field, getattr(value, field.python_name))
        }
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, relay.GlobalID):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def from_json(annotation: Any, value: Any) -> Any:
    """The input object of type `annotation` (a Strawberry input class or a field type) from `to_json`."""
    if value is None:
        return None
    if isinstance(annotation, StrawberryOptional):
        return from_json(annotation.of_type, value)
    if isinstance(annotation, StrawberryList):
        return [from_json(annotation.of_type, item) for item in value]
    if isinstance(annotation, StrawberryEnumDefinition):
        return annotation.wrapped_cls[value]
    definition = getattr(annotation, "__strawberry_definition__", None)
    if definition is not None:
        given = {
            field.python_name: from_json(field.type, value[graphql_name(field)])
            for field in definition.fields
            if graphql_name(field) in value
        }
        return annotation(**given)
    if annotation is relay.GlobalID:
        return relay.GlobalID.from_id(value)
    if annotation is datetime:
        return datetime.fromisoformat(value)
    if annotation is date:
        return date.fromisoformat(value)
    return value
