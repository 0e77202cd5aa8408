"""Custom fields in list queries: filter conditions and sort keys, written to hit the indexes.

- equals / in on numbers, dates, datetimes, booleans, single selects: the sort key (below) equals the
  value's sort key, served by the per-field btree index;
- equals / in on text kinds, amounts, references, and contains-an-option: `custom @> '{"key": value}'`,
  served by the GIN index `(tenant_id, custom jsonb_path_ops)` every opted-in table has;
- range and ordering: `CASE WHEN custom_sort ->> 'key' IS NULL THEN '' ELSE custom_sort ->> 'key' END`
  with COLLATE "C", the exact expression of the
  per-field btree index `(tenant_id, <expression>, id)` (tenants/fields/indexes.py). The key is
  rendered as a SQL literal (keys are `[a-z][a-z0-9_]*`, checked when defined) because a bound
  parameter would not match the index expression. Missing values sort as '' (first ascending);
- text contains: ILIKE on `custom ->> 'key'` (no index: a filter over the tenant's rows);
- is empty: `custom ? 'key'` negated or not.

Only fields that exist, are filterable and are visible to the actor can be used: a hidden field is
reported exactly like a missing one, so filtering can never reveal a hidden value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, case, collate, literal_column, not_, or_, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.errors import DomainError, ErrorCode
from tenants.fields import kinds
from tenants.fields.kinds import FieldType, bound_sort_key, clean_value, sort_key
from tenants.fields.models import FieldDefinition
from tenants.fields.values import active_definitions, visible_definitions
from tenants.permissions import Actor

MAX_CONDITIONS = 10
# Kinds whose sort key is a one-to-one image of the stored value (text kinds are lowercased, amounts
# lose their currency): equality on them can use the sort-key index.
EXACT_SORT_KINDS = {
    FieldType.INTEGER,
    FieldType.DECIMAL,
    FieldType.DATE,
    FieldType.DATETIME,
    FieldType.BOOLEAN,
    FieldType.SINGLE_SELECT,
}
MAX_IN_VALUES = 100
OPERATORS = ("equals", "in_", "range", "contains", "is_empty")


def sql_key(key: str) -> Any:
    if not KEY_CHARS.issuperset(key) or not key:
        raise DomainError(ErrorCode.INVALID, "Malformed custom field key.", "key")
    return literal_column(f"'{key}'")


KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def sort_expression(model: Any, key: str) -> Any:
    """The per-field sort key expression; identical to the index expression in indexes.py."""
    text_value = type_coerce(model.custom_sort.op("->>")(sql_key(key)), Text)
    # CASE rather than coalesce(): under RLS a qual is an index condition only if the planner can
    # prove it leak-proof, and it treats COALESCE as possibly leaky while CASE/IS NULL are not.
    return collate(case((text_value.is_(None), literal_column("''")), else_=text_value), "C")


def text_expression(model: Any, key: str) -> Any:
    return type_coerce(model.custom.op("->>")(sql_key(key)), Text)


@dataclass(frozen=True)
class Condition:
    """One custom-field condition as the API received it (`in_` is `in`); exactly one operator set."""

    key: str
    equals: Any = None
    in_: Sequence[Any] | None = None
    range: tuple[Any, Any] | None = None
    contains: Any = None
    is_empty: bool | None = None
    given: frozenset[str] = frozenset()


class CustomQuery:
    """The actor's usable custom fields of one object type, turned into conditions and sort keys."""

    def __init__(self, model: Any, object_type: str, definitions: Sequence[FieldDefinition]) -> None:
        self.model = model
        self.object_type = object_type
        self.definitions: Mapping[str, FieldDefinition] = {d.key: d for d in definitions}

    @classmethod
    async def load(cls, session: AsyncSession, actor: Actor, object_type: str, model: Any) -> CustomQuery:
        definitions = visible_definitions(actor, object_type, await active_definitions(session, object_type))
        return cls(model, object_type, definitions)

    def field(self, key: str, path: str) -> FieldDefinition:
        definition = self.definitions.get(key)
        if definition is None or not definition.filterable:
            raise DomainError(
                ErrorCode.INVALID,
                f"There is no filterable custom field '{key}' on {self.object_type} records.",
                path,
            )
        return definition

    def sort_key(self, key: str, path: str = "orderBy.customField") -> Any:
        definition = self.field(key, path)
        if FieldType(definition.field_type) not in kinds.SORTABLE_KINDS:
            raise DomainError(ErrorCode.INVALID, f"{definition.field_type} fields cannot be sorted.", path)
        return sort_expression(self.model, key)

    def conditions(
        self, given: Sequence[Condition] | None, path: str = "filter.custom"
    ) -> list[ColumnElement[bool]]:
        if not given:
            return []
        if len(given) > MAX_CONDITIONS:
            raise DomainError(ErrorCode.INVALID, f"At most {MAX_CONDITIONS} custom conditions.", path)
        return [self.condition(condition, f"{path}.{condition.key}") for condition in given]

    def condition(self, condition: Condition, path: str) -> ColumnElement[bool]:
        definition = self.field(condition.key, path)
        if len(condition.given) != 1:
            raise DomainError(
                ErrorCode.INVALID, "Give exactly one of equals, in, range, contains, isEmpty.", path
            )
        operator = next(iter(condition.given))
        model, key = self.model, definition.key
        if operator == "is_empty":
            present = model.custom.has_key(key)
            return not_(present) if condition.is_empty else present
        if operator in ("equals", "in_"):
            values = [condition.equals] if operator == "equals" else list(condition.in_ or [])
            if not values or len(values) > MAX_IN_VALUES:
                raise DomainError(ErrorCode.INVALID, f"Give 1-{MAX_IN_VALUES} values.", path)
            stored = [self.value(definition, value, path) for value in values]
            if FieldType(definition.field_type) in EXACT_SORT_KINDS:
                # The sort key identifies these values exactly: the per-field btree index serves the
                # test, and its expression statistics give the planner real selectivities (a GIN
                # containment is always estimated at 0.1%, which picks bad plans for common values).
                keys = [sort_key(FieldType(definition.field_type), value) for value in stored]
                expression = sort_expression(model, key)
                return expression == keys[0] if len(keys) == 1 else expression.in_(keys)
            return or_(*(model.custom.contains({key: value}) for value in stored))
        if operator == "range":
            return self.range(definition, condition.range or (None, None), path)
        return self.contains(definition, condition.contains, path)

    def value(self, definition: FieldDefinition, raw: Any, path: str) -> Any:
        """A filter value in stored form. Limits (min/max, lengths, pattern) do not apply to filters:
        a value outside them simply matches nothing."""
        rules = {
            name: value
            for name, value in definition.validation.items()
            if name in ("options", "option_list", "currency", "target_type")
        }
        value = clean_value(FieldType(definition.field_type), rules, raw, path)
        if value is None:
            raise DomainError(ErrorCode.INVALID, "Use isEmpty to find records without a value.", path)
        return value

    def range(self, definition: FieldDefinition, bounds: tuple[Any, Any], path: str) -> ColumnElement[bool]:
        field_type = FieldType(definition.field_type)
        if field_type not in kinds.RANGE_KINDS:
            raise DomainError(ErrorCode.INVALID, f"{field_type.value} fields have no ranges.", path)
        low, high = bounds
        if low is None and high is None:
            raise DomainError(ErrorCode.INVALID, "Give min, max or both.", path)
        expression = sort_expression(self.model, definition.key)
        clauses = [expression > literal_column("''")]
        if low is not None:
            clauses.append(expression >= bound_sort_key(field_type, low, f"{path}.min"))
        if high is not None:
            clauses.append(expression <= bound_sort_key(field_type, high, f"{path}.max"))
        return clauses[0] & clauses[1] if len(clauses) == 2 else clauses[0] & clauses[1] & clauses[2]

    def contains(self, definition: FieldDefinition, raw: Any, path: str) -> ColumnElement[bool]:
        field_type = FieldType(definition.field_type)
        if field_type is FieldType.MULTI_SELECT:
            option = kinds.clean_option(definition.validation, raw, path)
            return self.model.custom.contains({definition.key: [option]})
        if field_type not in kinds.TEXT_KINDS:
            raise DomainError(ErrorCode.INVALID, "contains applies to text and multi select fields.", path)
        text = kinds.expect(raw, str, "text", path).strip().lower()[:200]
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return text_expression(self.model, definition.key).ilike(f"%{escaped}%")


def refuse_hidden_filters(
    actor: Actor, object_type: str, used: Mapping[str, Sequence[str]], path: str = "filter"
) -> None:
    """`used`: {filter or order input name: built-in fields it reads}. Filtering or sorting by a field
    the actor's role hides would reveal it (a match is an answer), so it is refused instead."""
    hidden = actor.permissions.hidden_fields(object_type)
    if not hidden:
        return
    for name, fields in used.items():
        if hidden.intersection(fields):
            raise DomainError(
                ErrorCode.PERMISSION_DENIED,
                f"Your role hides a field `{name}` reads; filter or sort by something else.",
                f"{path}.{name}",
            )


async def refuse_hidden_search(session: AsyncSession, actor: Actor, object_type: str) -> None:
    """A search over searchable custom fields would match hidden values: refused when the actor's role
    hides any searchable field of the type."""
    hidden = actor.permissions.hidden_fields(object_type)
    if not any(field.startswith("custom.") for field in hidden):
        return
    for definition in await active_definitions(session, object_type):
        if definition.searchable and f"custom.{definition.key}" in hidden:
            raise DomainError(
                ErrorCode.PERMISSION_DENIED,
                "Your role hides a field the search reads; filter by something else.",
                "filter.search",
            )
