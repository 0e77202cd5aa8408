"""Strawberry input objects to JSON and back, so a list's filter and sort keys can wait in a table for
the export job and be rebuilt exactly (UNSET stays distinct from null: custom-field conditions tell
an absent operator from one given as null)."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from strawberry import UNSET, relay


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: encode(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not UNSET
        }
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, relay.GlobalID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode(kind: Any, data: Any) -> Any:
    """`data` (from `encode`) as an instance of the annotated type `kind`."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return decode(options[0], data) if len(options) == 1 else data
    if origin is list:
        (item,) = typing.get_args(kind)
        return [decode(item, entry) for entry in data]
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{name: decode(hints[name], entry) for name, entry in data.items()})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if kind is relay.GlobalID:
        return relay.GlobalID.from_id(data)
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is date:
        return date.fromisoformat(data)
    if kind is Decimal:
        return Decimal(data)
    return data
