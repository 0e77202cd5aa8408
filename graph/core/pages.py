"""First pages of nested connections for many parents in one query (no N+1).

`account.contacts(first: 5)` on a page of 50 accounts would otherwise run 50 keyset queries. Here one
window query ranks each parent's children and keeps `first + 1` of them per parent; the cursors are
sqlakeyset bookmarks of the same sort keys, so `after:` on one parent's connection continues with the
ordinary `paginate` exactly where this page ended.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlakeyset import serialize_bookmark
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from graph.core.pagination import Connection, Edge, PageInfo, encode_cursor

NodeT = TypeVar("NodeT")


async def first_pages(
    session: AsyncSession,
    model: Any,
    statement: Select[Any],
    parent_column: Any,
    order_keys: Sequence[tuple[Any, bool]],
    parent_ids: Sequence[Any],
    size: int,
) -> dict[Any, list[tuple[Any, tuple[Any, ...]]]]:
    """{parent_id: [(record, sort-key values), ...]} with up to `size + 1` records per parent.

    `statement` selects `model` with its filters; `order_keys` are (expression, descending) pairs
    ending with the primary key.
    """
    order_by = [
        expression.desc() if descending else expression.asc() for expression, descending in order_keys
    ]
    keys = [expression.label(f"sort_key_{index}") for index, (expression, _) in enumerate(order_keys)]
    ranked = (
        statement.add_columns(
            parent_column.label("parent_key"),
            *keys,
            func.row_number().over(partition_by=parent_column, order_by=order_by).label("page_rank"),
        )
        .where(parent_column.in_(parent_ids))
        .subquery()
    )
    record = aliased(model, ranked)
    sort_columns = [ranked.c[f"sort_key_{index}"] for index in range(len(order_keys))]
    rows = await session.execute(
        select(record, ranked.c.parent_key, *sort_columns)
        .where(ranked.c.page_rank <= size + 1)
        .order_by(ranked.c.parent_key, ranked.c.page_rank)
    )
    pages: dict[Any, list[tuple[Any, tuple[Any, ...]]]] = defaultdict(list)
    for row in rows:
        pages[row[1]].append((row[0], tuple(row[2:])))
    return pages


def connection_from_page(
    rows: list[tuple[Any, tuple[Any, ...]]],
    size: int,
    to_node: Callable[[Any], NodeT],
    session: AsyncSession,
    count_statement: Select[Any],
) -> Connection[NodeT]:
    """A first page (no `after`) as a Connection whose cursors `paginate` understands."""
    edges = [
        Edge(node=to_node(record), cursor=encode_cursor(serialize_bookmark((place, False))))
        for record, place in rows[:size]
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=False,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count_statement=count_statement,
        _session=session,
    )
