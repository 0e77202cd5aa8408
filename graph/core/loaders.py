"""DataLoader factories every area builds its per-request loaders from.

A factory is created once at import (`accounts_by_id = by_id(Account, ACCOUNT, account_scope)`) and
instantiated per request through `info.context.loader(name, factory)`, so the loader lives for one request
on the request's own session (RLS applies). Each checks the actor's READ permission on the object type and
carries the record scope, so what the actor may not see resolves to None or is left out of a page.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.core.pages import first_pages
from tenants.permissions import Action, Actor

Scope = Callable[[Actor], Any]


def can_read(context: RequestContext, object_type: str) -> bool:
    return context.actor.permissions.can(object_type, Action.READ)


def by_id(model: Any, object_type: str | None, scope: Scope | None = None) -> Any:
    """Factory of a loader of the actor's tenant's records by id, inside `scope(actor)` when given.

    None for ids not found, outside the scope, or of an `object_type` the actor may not read (no check
    when `object_type` is None: rows every member may see). Soft-deleted rows are included: callers decide.
    """

    def factory(context: RequestContext) -> DataLoader[uuid.UUID, Any]:
        async def load(ids: Sequence[uuid.UUID]) -> list[Any]:
            if object_type is not None and not can_read(context, object_type):
                return [None] * len(ids)
            session = await context.session()
            statement = select(model).where(model.tenant_id == context.actor.tenant_id, model.id.in_(ids))
            if scope is not None:
                statement = statement.where(scope(context.actor))
            found = {row.id: row for row in await session.scalars(statement)}
            return [found.get(record_id) for record_id in ids]

        return DataLoader(load_fn=load)

    return factory


def first_page_loader(
    model: Any, object_type: str, statement: Any, parent_column: Any, order_keys: Any
) -> Any:
    """Factory of a loader keyed by (parent id, page size) returning [(record, sort keys)]."""

    def factory(context: RequestContext) -> DataLoader[tuple[uuid.UUID, int], list[Any]]:
        async def load(keys: Sequence[tuple[uuid.UUID, int]]) -> list[list[Any]]:
            if not can_read(context, object_type):
                return [[] for _ in keys]
            session = await context.session()
            by_size: dict[int, list[uuid.UUID]] = defaultdict(list)
            for parent_id, size in keys:
                by_size[size].append(parent_id)
            pages = {
                size: await first_pages(
                    session, model, statement(context), parent_column, order_keys, parent_ids, size
                )
                for size, parent_ids in by_size.items()
            }
            return [pages[size].get(parent_id, []) for parent_id, size in keys]

        return DataLoader(load_fn=load)

    return factory


def grouped(
    object_type: str,
    statement: Callable[[RequestContext, Sequence[uuid.UUID]], Select[Any]],
    key: Callable[[Any], uuid.UUID],
) -> Any:
    """Factory of a loader of lists per parent id, one query for the whole batch, in the statement's order."""

    def factory(context: RequestContext) -> DataLoader[uuid.UUID, list[Any]]:
        async def load(ids: Sequence[uuid.UUID]) -> list[list[Any]]:
            if not can_read(context, object_type):
                return [[] for _ in ids]
            session = await context.session()
            lists: dict[uuid.UUID, list[Any]] = defaultdict(list)
            for row in await session.scalars(statement(context, ids)):
                lists[key(row)].append(row)
            return [lists.get(parent_id, []) for parent_id in ids]

        return DataLoader(load_fn=load)

    return factory


def children(model: Any, parent_column: Any, object_type: str, *order_by: Any) -> Any:
    """`grouped` for the plain case: the rows of `model` whose `parent_column` is one of the ids."""
    return grouped(
        object_type,
        lambda _context, ids: select(model).where(parent_column.in_(ids)).order_by(*order_by),
        lambda row: getattr(row, parent_column.key),
    )
