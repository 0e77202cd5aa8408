"""Field-level role rules on output: a field the caller's role hides resolves to null, everywhere.

One schema extension covers every path a type is reached by (lists, `node`, nested fields, mutation
payloads), because it sits on field resolution itself rather than on each query. Only the fields an
area declared hideable (nullable in the schema) are looked at; the check is two dict lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension

from tenants.fields.registry import TARGETS


def hideable_by_type() -> dict[str, tuple[str, frozenset[str]]]:
    return {entry.graphql_type: (entry.object_type, entry.hideable) for entry in TARGETS.values()}


class FieldRulesExtension(SchemaExtension):
    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any
    ) -> Any:
        entry = HIDEABLE.get(info.parent_type.name) if HIDEABLE else None
        if entry is not None and info.field_name in entry[1]:
            actor = info.context.actor_or_none
            if actor is not None and info.field_name in actor.permissions.hidden_fields(entry[0]):
                return None
        return _next(root, info, *args, **kwargs)


# Filled when the schema is built (areas register their types at import time, before that).
HIDEABLE: dict[str, tuple[str, frozenset[str]]] = {}


def field_rules_extension() -> type[FieldRulesExtension]:
    HIDEABLE.clear()
    HIDEABLE.update(hideable_by_type())
    return FieldRulesExtension
