"""Checks on the members of the actor's tenant that other areas' services use (owners, assignees)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.identity.loaders import known_members
from tenants.errors import not_found
from tenants.models import Membership, User
from tenants.permissions import Actor


async def active_member(session: AsyncSession, actor: Actor, user_id: uuid.UUID, field: str) -> uuid.UUID:
    """`user_id` if they are an active member of the actor's tenant; otherwise NOT_FOUND on `field`."""
    member = await session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(is_active_member(actor.tenant_id, user_id))
    )
    if member is None:
        raise not_found("active member", field)
    known_members(session)[member.id] = member
    return member.id


async def active_members(session: AsyncSession, actor: Actor, user_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `user_ids` who are active members of the actor's tenant (`active_member` for many)."""
    found = await session.scalars(
        select(Membership.user_id).where(
            Membership.tenant_id == actor.tenant_id,
            Membership.user_id.in_(list(user_ids)),
            Membership.is_active.is_(True),
        )
    )
    return set(found)


def is_active_member(tenant_id: Any, user_id: Any) -> ColumnElement[bool]:
    """The membership conditions of `active_member` (values or bind parameters)."""
    return (
        (Membership.tenant_id == tenant_id) & (Membership.user_id == user_id) & Membership.is_active.is_(True)
    )


def active_member_exists(tenant_id: Any, user_id: Any) -> ColumnElement[bool]:
    """`active_member` as a SQL condition, for a statement that checks it itself (compiled writes)."""
    return exists(select(Membership.user_id).where(is_active_member(tenant_id, user_id)))
