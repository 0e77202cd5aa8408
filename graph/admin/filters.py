"""Custom-field filter and order inputs every list with custom fields shares."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from tenants.fields.query import OPERATORS, Condition


@strawberry.input(description="Inclusive bounds; give min, max or both.")
class CustomFieldRange:
    min: JSON | None = strawberry.field(default=None, description="Lower bound (inclusive).")
    max: JSON | None = strawberry.field(default=None, description="Upper bound (inclusive).")


@strawberry.input(
    description="A condition on one filterable custom field; give exactly one operator. Fields that do"
    " not exist, are not filterable or are hidden from your role are refused alike."
)
class CustomFieldCondition:
    key: str = strawberry.field(description="The field key.")
    equals: JSON | None = strawberry.field(default=UNSET, description="Equal to this value.")
    in_: list[JSON] | None = strawberry.field(
        name="in", default=UNSET, description="Equal to one of these values (1-100)."
    )
    range: CustomFieldRange | None = strawberry.field(
        default=UNSET, description="Numbers, dates, datetimes, text: between the bounds."
    )
    contains: JSON | None = strawberry.field(
        default=UNSET, description="Text: case-insensitive substring. Multi select: has this option."
    )
    is_empty: bool | None = strawberry.field(default=UNSET, description="true: no value; false: any value.")


def custom_conditions(given: list[CustomFieldCondition] | None) -> list[Condition]:
    conditions: list[Condition] = []
    for condition in given or []:
        present = frozenset(name for name in OPERATORS if getattr(condition, name) is not UNSET)
        bounds: Any = None
        if condition.range not in (UNSET, None):
            bounds = (condition.range.min, condition.range.max)  # type: ignore[union-attr]
        conditions.append(
            Condition(
                key=condition.key,
                equals=None if condition.equals is UNSET else condition.equals,
                in_=None if condition.in_ is UNSET else condition.in_,
                range=bounds,
                contains=None if condition.contains is UNSET else condition.contains,
                is_empty=None if condition.is_empty is UNSET else condition.is_empty,
                given=present,
            )
        )
    return conditions


def custom_values_field() -> Any:
    """`custom: JSON` of a create or update input (UNSET: leave the values as they are)."""
    return strawberry.field(
        default=UNSET,
        description='Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.',
    )


def custom_conditions_field() -> Any:
    """`custom: [CustomFieldCondition!]` of a list filter."""
    return strawberry.field(
        default=None, description="Conditions on custom fields (at most 10), all of which must hold."
    )


def custom_order_field() -> Any:
    """`customField: String` of a list order input (its `field` then becomes optional)."""
    return strawberry.field(
        default=None, description="Key of a filterable custom field to sort by (missing values first ASC)."
    )
