"""Shared lookups for list filters and orderings, so every area reads and sorts the same way.

Areas build their `<Noun>Filter` and `<Noun>Order` inputs from these pieces and turn them into SQL
predicates with the helpers below. Every ordering ends with the primary key, so keyset cursors are
unique.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import ColumnElement


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = "asc"
    DESC = "desc"


def ordered(column: Any, direction: OrderDirection | None) -> Any:
    """`column ASC` or `column DESC` (ascending when no direction is given)."""
    return column.desc() if direction is OrderDirection.DESC else column.asc()


def time_range(column: Any, after: datetime | None, before: datetime | None) -> list[ColumnElement[bool]]:
    """`after <= column < before`, each bound only when given."""
    clauses: list[ColumnElement[bool]] = []
    if after is not None:
        clauses.append(column >= after)
    if before is not None:
        clauses.append(column < before)
    return clauses


def like_pattern(text: str) -> str:
    """A `%text%` ILIKE pattern with the caller's own `%`, `_` and `\\` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


SEARCH_MAX_LENGTH = 200


def search_text(value: str) -> str:
    """The pattern of a `search` argument: trimmed, lower-cased, at most 200 characters, literal."""
    return like_pattern(value.strip().lower()[:SEARCH_MAX_LENGTH])


def soft_deleted(column: Any, deleted: bool | None) -> ColumnElement[bool]:
    """Live records by default; only the soft-deleted ones when `deleted` is true."""
    return column.is_not(None) if deleted else column.is_(None)


# Pagination arguments with their descriptions, shared by every list and nested connection.
First = Annotated[
    int | None, strawberry.argument(description="Page size: 0 to 100 (default 20); more is refused.")
]
After = Annotated[
    str | None, strawberry.argument(description="Cursor of the edge to continue after (from `endCursor`).")
]
Last = Annotated[
    int | None, strawberry.argument(description="Page size when paging backwards with `before` (max 100).")
]
Before = Annotated[str | None, strawberry.argument(description="Cursor of the edge to page backwards from.")]
