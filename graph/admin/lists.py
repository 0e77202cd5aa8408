"""Custom fields and field rules in a list resolver.

    refuse_hidden_filters(actor, "contact", used_filters(filter, {"search": ["emails"]}))
    clauses, custom_sort = await custom_list(info.context, "contact", Contact, filter, order_by)
    statement = visible(...).where(*own_conditions(filter), *clauses)
    order = [... for order in order_by for column in sort_columns(order, COLUMNS, custom_sort)]

The definitions are read only when the request uses a custom condition or sort key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.admin.filters import custom_conditions
from graph.core.context import RequestContext
from tenants.errors import DomainError, ErrorCode
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


CustomSort = Callable[[str], Any] | None


def sort_columns(order: Any, columns: dict[Any, list[Any]], custom_sort: CustomSort) -> list[Any]:
    """The expressions of one sort key: a built-in column or a custom field's sort key."""
    if (order.field is None) == (order.custom_field is None):
        raise DomainError(ErrorCode.INVALID, "Give either field or customField in each sort key.", "orderBy")
    if order.custom_field is not None:
        if custom_sort is None:
            raise DomainError(ErrorCode.INVALID, "This list cannot be sorted by custom fields.", "orderBy")
        return [custom_sort(order.custom_field)]
    return columns[order.field]


def used_filters(given: Any, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The entries of `fields` whose filter input the caller actually set."""
    if given is None:
        return {}
    used = {}
    for name, read in fields.items():
        attribute = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
        if getattr(given, attribute, None) not in (None, "", False):
            used[name] = read
    return used


def used_orders(orders: list[Any] | None, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The entries of `fields` (by sort field name) that the caller sorts by."""
    return {o.field.name: fields[o.field.name] for o in orders or [] if o.field and o.field.name in fields}
