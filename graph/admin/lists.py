"""Custom fields and field rules in a list resolver; `custom_page` is the shape of every filtered list.

    refuse_hidden_filters(actor, "contact", used_filters(filter, {"search": ["emails"]}))
    statement = visible_contacts(actor).where(*contact_conditions(filter))
    return await custom_page(info, CONTACT, Contact, statement, filter, order_by, contact_ordering,
                             ContactType.from_model, first, after, before, last)

where `contact_ordering(order_by, custom_sort)` builds its sort keys with `sort_columns`.

The definitions are read only when the request uses a custom condition or sort key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select

from graph.admin.filters import custom_conditions
from graph.core.context import Info, RequestContext
from graph.core.pagination import Connection, paginate
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
NodeT = TypeVar("NodeT")


async def custom_page(
    info: Info,
    object_type: str,
    model: Any,
    statement: Select[Any],
    filter: Any,
    order_by: list[Any] | None,
    ordering: Callable[[list[Any] | None, CustomSort], list[Any]],
    to_node: Callable[[Any], NodeT],
    first: int | None,
    after: str | None,
    before: str | None = None,
    last: int | None = None,
) -> Connection[NodeT]:
    """One page of `statement` (the area's record scope and its own conditions) with the custom-field
    conditions of `filter`, ordered by `ordering(order_by, custom_sort)`."""
    custom, custom_sort = await custom_list(info.context, object_type, model, filter, order_by)
    statement = statement.where(*custom).order_by(*ordering(order_by, custom_sort))
    return await paginate(await info.context.session(), statement, to_node, first, after, before, last)


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
