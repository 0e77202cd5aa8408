"""Relay cursor connections over keyset pagination (sqlakeyset): no OFFSET, stable under inserts.

A cursor is sqlakeyset's bookmark of the row's sort-key values, base64url-wrapped so clients treat it
as opaque. Every ordering ends with the primary key, so keys are unique and pages never skip or repeat.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from sqlakeyset import BadBookmark, unserialize_bookmark
from sqlakeyset.asyncio import select_page
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.errors import DomainError, ErrorCode

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

NodeT = TypeVar("NodeT")


@strawberry.type(description="Where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow the last edge (paging forwards); true when paging back from `before`."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before the first edge (paging back); true when paging forwards from `after`."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge (pass as `before` for the page before); null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge (pass as `after` for the next page); null on an empty page."
    )


@strawberry.type(description="One item of a page with its cursor.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    cursor: str = strawberry.field(
        description="Opaque; pass as `after` to continue after this edge, or as `before` to page back."
    )


@strawberry.type(description="A page of results. `first` is capped at 100.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page, in the list's order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist either way.")
    _count_statement: strawberry.Private[Select[Any] | None] = None
    _session: strawberry.Private[AsyncSession | None] = None
    _total: strawberry.Private[int | None] = None  # a list read whole knows its size

    @strawberry.field(description="Number of matching records in the whole list (one extra COUNT query).")
    async def total_count(self) -> int:
        if self._total is not None:
            return self._total
        if self._count_statement is None or self._session is None:
            return len(self.edges)
        subquery = self._count_statement.order_by(None).subquery()
        return int(await self._session.scalar(select(func.count()).select_from(subquery)) or 0)

    @strawberry.field(description="The nodes of this page, without cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def encode_cursor(bookmark: str) -> str:
    return base64.urlsafe_b64encode(bookmark.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str) -> Any:
    try:
        bookmark = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return unserialize_bookmark(bookmark)
    except (binascii.Error, UnicodeDecodeError, BadBookmark, ValueError):
        raise DomainError(
            ErrorCode.INVALID, "Malformed cursor; use one returned by this list.", field
        ) from None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise DomainError(ErrorCode.INVALID, f"`first` must be between 0 and {MAX_PAGE_SIZE}.", "first")
    return first


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    to_node: Callable[[Any], NodeT],
    first: int | None,
    after: str | None,
    before: str | None = None,
    last: int | None = None,
) -> Connection[NodeT]:
    """Runs an ordered `select(Model)` one page at a time and wraps the rows as a Connection."""
    if last is not None or before is not None:
        marker = decode_cursor(before, "before") if before else None
        size = page_size(last)
        # `last` alone is the end of the list: sqlakeyset's backwards page from no place.
        place = marker.place if marker else None
        page = await select_page(session, statement, per_page=size, page=(place, True))
    else:
        marker = decode_cursor(after, "after") if after else None
        size = page_size(first)
        page = await select_page(session, statement, per_page=size, after=marker.place if marker else None)
    rows: Sequence[Any] = list(page)
    edges = [
        Edge(node=to_node(row[0]), cursor=encode_cursor(page.paging.get_bookmark_at(index)))
        for index, row in enumerate(rows)
    ]
    backwards = last is not None or before is not None
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.paging.has_next if not backwards else before is not None,
            has_previous_page=page.paging.has_previous if backwards else after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count_statement=statement,
        _session=session,
    )


LIST_CURSOR_PREFIX = "key:"


def connection_of(
    items: Sequence[NodeT],
    key: Callable[[NodeT], object],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[NodeT]:
    """A page of a short list already read whole (roles, teams, sessions, settings lists), as a Connection.

    For lists a tenant keeps small, read in one statement: the cursor names the item's key (not its
    position), so a page continues after the same item when others were added meanwhile; a cursor
    whose item is gone is refused as malformed. Long lists page in SQL with `paginate`.
    """
    cursors = [encode_cursor(LIST_CURSOR_PREFIX + str(key(item))) for item in items]
    start, end = 0, len(items)
    if after is not None:
        start = list_position(cursors, after, "after") + 1
    if before is not None:
        end = list_position(cursors, before, "before")
    backwards = last is not None or before is not None
    if backwards:
        start = max(start, end - page_size(last))
    else:
        end = min(end, start + page_size(first))
    edges = [Edge(node=items[index], cursor=cursors[index]) for index in range(start, end)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=end < len(items),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _total=len(items),
    )


def list_position(cursors: list[str], cursor: str, field: str) -> int:
    try:
        return cursors.index(cursor)
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID, "Unknown cursor (its item is gone?); use one returned by this list.", field
        ) from None
