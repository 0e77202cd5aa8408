"""Resolving nodes and nested connections through the request's DataLoaders (what every area's types use)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from graph.core.context import Info
from graph.core.pages import connection_from_page
from graph.core.pagination import page_size, paginate


async def nested_connection(
    info: Info,
    name: str,
    factory: Any,
    statement: Any,
    parent_column: Any,
    order_keys: Any,
    to_node: Any,
    parent_id: uuid.UUID,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Any:
    """First pages come batched from a loader; a later page (`after`), or paging backwards (`last`,
    `before`), is one keyset query."""
    session = await info.context.session()
    per_parent = statement(info.context).where(parent_column == parent_id)
    if after is not None or last is not None or before is not None:
        ordering = [key.desc() if descending else key.asc() for key, descending in order_keys]
        return await paginate(session, per_parent.order_by(*ordering), to_node, first, after, before, last)
    size = page_size(first)
    rows = await info.context.loader(name, factory).load((parent_id, size))
    return connection_from_page(rows, size, to_node, session, per_parent)


async def load_by_id(info: Info, name: str, factory: Any, record_id: uuid.UUID | None) -> Any:
    """The record `record_id` through the loader; None without an id, or when missing or invisible."""
    if record_id is None:
        return None
    return await info.context.loader(name, factory).load(record_id)


async def live_node(info: Info, name: str, factory: Any, record_id: uuid.UUID | None) -> Any:
    """Like `load_by_id`, and None for a soft-deleted record too."""
    record = await load_by_id(info, name, factory, record_id)
    return record if record is not None and getattr(record, "deleted_at", None) is None else None


async def resolve_by_ids(
    info: Info, name: str, factory: Any, node_ids: Iterable[str], to_node: Any
) -> list[Any]:
    """`resolve_nodes` of a relay Node: each id through the loader, None when malformed or not visible."""
    loader = info.context.loader(name, factory)
    results = []
    for node_id in node_ids:
        try:
            record = await loader.load(uuid.UUID(node_id))
        except ValueError:
            record = None
        results.append(to_node(record) if record is not None else None)
    return results
