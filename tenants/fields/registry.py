"""Which object types carry custom fields, and what roles may say about their built-in fields.

Registration happens at import time, next to the model (`graph/crm/models.py` registers accounts,
contacts and activities). The registry is what lets one platform service validate, filter, index,
purge and reassign records of any area without importing that area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants.errors import DomainError, ErrorCode


class CustomFieldsMixin:
    """`custom`: the values, keyed by field key. `custom_sort`: order-preserving text keys of the values
    of sortable fields, which the per-field expression indexes cover (see tenants/fields/kinds.py).
    Both are replaced (never mutated in place) so SQLAlchemy sees every change."""

    custom: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    custom_sort: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


@dataclass(frozen=True)
class CustomFieldTarget:
    object_type: str
    model: Any
    graphql_type: str
    # Built-in GraphQL field name -> model attributes a write of it sets (`address` -> street, city, ...).
    builtin_fields: Mapping[str, tuple[str, ...]]
    # Built-in fields a role may hide: nullable in the schema, so hiding one resolves to null.
    hideable: frozenset[str]
    # Column naming the record's owner (record scope, bulk reassignment); None when there is none.
    owner_column: str | None

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    def field_for_attribute(self, attribute: str) -> str:
        for name, attributes in self.builtin_fields.items():
            if attribute in attributes:
                return name
        return attribute


TARGETS: dict[str, CustomFieldTarget] = {}


def register_custom_fields(
    object_type: str,
    model: Any,
    *,
    graphql_type: str,
    fields: Mapping[str, Sequence[str]] | None = None,
    hideable: Iterable[str] = (),
    owner_column: str | None = "owner_id",
) -> CustomFieldTarget:
    """Opt an object type into custom fields and field-level role rules.

    `fields` maps each built-in GraphQL field to the model attributes it writes (default: the field
    name itself); `hideable` lists the built-in fields roles may hide (they must be nullable).
    """
    given = dict(fields or {})
    entry = CustomFieldTarget(
        object_type=object_type,
        model=model,
        graphql_type=graphql_type,
        builtin_fields={name: tuple(attributes) for name, attributes in given.items()},
        hideable=frozenset(hideable),
        owner_column=owner_column,
    )
    TARGETS[object_type] = entry
    return entry


def target(object_type: str, field: str = "objectType") -> CustomFieldTarget:
    entry = TARGETS.get(object_type)
    if entry is None:
        known = ", ".join(sorted(TARGETS)) or "none"
        raise DomainError(
            ErrorCode.INVALID, f"Unknown object type '{object_type}'; use one of: {known}.", field
        )
    return entry
