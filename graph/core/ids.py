"""Opaque global ids (Relay `GlobalID`: base64 of `TypeName:uuid`) to database UUIDs and back."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import select
from strawberry import relay

from tenants.errors import DomainError, ErrorCode

NodeT = TypeVar("NodeT")


def decode_id(global_id: relay.GlobalID, type_name: str, field: str = "id") -> uuid.UUID:
    """The UUID inside a global id of the expected type; anything else is NOT_FOUND for that field."""
    if global_id.type_name != type_name:
        raise DomainError(ErrorCode.NOT_FOUND, f"Expected the id of a {type_name}.", field)
    try:
        return uuid.UUID(global_id.node_id)
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, f"No {type_name} with this id.", field) from None


def decode_optional_id(global_id: relay.GlobalID | None, type_name: str, field: str) -> uuid.UUID | None:
    return None if global_id is None else decode_id(global_id, type_name, field)


def encode_id(type_name: str, value: uuid.UUID) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(value))


def uuid_or_none(node_id: str) -> uuid.UUID | None:
    """The UUID inside a node id; None for anything else (a node that cannot exist)."""
    try:
        return uuid.UUID(node_id)
    except ValueError:
        return None


async def nodes_in_order(
    node_ids: Iterable[str], load: Callable[[list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, NodeT]]]
) -> list[NodeT | None]:
    """`resolve_nodes` for any node type: `load` returns what the caller may see by id, the rest is null.

    `load` applies the type's own rules (capability, record scope, the parent's scope); a node of another
    tenant is invisible through RLS anyway, so it answers null exactly like a missing one.
    """
    wanted = [uuid_or_none(node_id) for node_id in node_ids]
    ids = [value for value in wanted if value is not None]
    found = await load(ids) if ids else {}
    return [found.get(value) if value is not None else None for value in wanted]


async def child_nodes(
    info: Any,
    node_ids: Iterable[str],
    model: Any,
    parent_key: str,
    parent_loader: tuple[str, Any],
    to_node: Callable[[Any, Any], NodeT],
) -> list[NodeT | None]:
    """`resolve_nodes` of a record's part (a quote line, a payment, a checklist item): visible exactly when
    its parent is, as the parent's loader (`(name, factory)`, which applies the parent's record scope) finds
    it; `to_node(row, parent)` builds the node (with the parent's currency, say)."""

    async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, NodeT]:
        rows = await (await info.context.session()).scalars(select(model).where(model.id.in_(ids)))
        parents = info.context.loader(*parent_loader)
        found = {}
        for row in rows:
            parent = await parents.load(getattr(row, parent_key))
            if parent is not None:
                found[row.id] = to_node(row, parent)
        return found

    return await nodes_in_order(node_ids, load)
