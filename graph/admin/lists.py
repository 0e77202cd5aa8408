"""Custom fields in a list resolver: one call gives the extra WHERE clauses and the sort-key factory.

    clauses, custom_sort = await custom_list(info, "contact", Contact, filter, order_by)

The definitions are read only when the request uses a custom condition or sort key.
"""

from __future__ import annotations

from typing import Any

from graph.admin.filters import custom_conditions
from graph.core.context import RequestContext
from tenants.fields.query import CustomQuery


async def custom_list(
    context: RequestContext, object_type: str, model: Any, filter: Any, order_by: list[Any] | None
) -> tuple[list[Any], Any]:
    conditions = custom_conditions(getattr(filter, "custom", None) if filter is not None else None)
    sorted_by_custom = any(getattr(order, "custom_field", None) for order in order_by or [])
    if not conditions and not sorted_by_custom:
        return [], None
    session = await context.session()
    query = await CustomQuery.load(session, context.actor, object_type, model)
    return query.conditions(conditions), query.sort_key
