"""From a mutation's input object to the values a service takes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from enum import Enum
from typing import Any

from strawberry import UNSET

from graph.core.ids import decode_id

# input attribute -> (GraphQL type name of the global id, GraphQL field name of the error path)
IdFields = Mapping[str, tuple[str, str]]


def given_values(
    data: Any,
    id_fields: IdFields,
    *,
    skip: Collection[str] = (),
    prefix: str = "",
    convert: Mapping[str, Callable[[Any], Any]] | None = None,
    renamed: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The fields the caller sent (UNSET ones left out, and those in `skip`), by attribute name.

    Global ids in `id_fields` are decoded (a wrong one is an error on `prefix.field`, e.g.
    "lines.2.productId"), enums become their values, and a field named in `convert` goes through its
    function; null stays null (it clears the field). `renamed` maps an attribute to the service's name.
    """
    values: dict[str, Any] = {}
    for definition in data.__strawberry_definition__.fields:
        key = definition.python_name
        value = getattr(data, key)
        if value is UNSET or key in skip:
            continue
        if value is not None:
            if key in id_fields:
                type_name, field = id_fields[key]
                value = decode_id(value, type_name, f"{prefix}.{field}" if prefix else field)
            elif convert is not None and key in convert:
                value = convert[key](value)
            elif isinstance(value, Enum):
                value = value.value
        values[renamed.get(key, key) if renamed else key] = value
    return values
