"""Sorting and status filters shared by the commerce lists (quotes, contracts, sales orders)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from graph.admin.filters import custom_order_field
from graph.admin.lists import CustomSort, sort_columns
from graph.core.filters import OrderDirection, ordered


@strawberry.enum(description="What quotes and contracts can be sorted by.")
class CommerceOrderField(Enum):
    CREATED_AT = "created_at"
    NUMBER = "number"


@strawberry.input(description="One sort key; the id is always added last so pages never skip or repeat.")
class CommerceOrder:
    field: CommerceOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


def commerce_ordering(model: Any, orders: list[CommerceOrder] | None, custom_sort: CustomSort) -> list[Any]:
    """Default newest first, as before orderBy existed."""
    columns = {CommerceOrderField.CREATED_AT: [model.created_at], CommerceOrderField.NUMBER: [model.number]}
    orders = orders or [CommerceOrder(field=CommerceOrderField.CREATED_AT, direction=OrderDirection.DESC)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(model.id, orders[-1].direction)]


OrderBy = Annotated[
    list[CommerceOrder] | None, strawberry.argument(description="Sort keys; default CREATED_AT DESC.")
]


def status_value(status: Enum | None) -> Any:
    return status.value if status is not None else None
