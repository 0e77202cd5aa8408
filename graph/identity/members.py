"""Checks on the members of the actor's tenant that other areas' services use (owners, assignees)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
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
        .where(
            Membership.tenant_id == actor.tenant_id,
            Membership.user_id == user_id,
            Membership.is_active.is_(True),
        )
    )
    if member is None:
        raise not_found("active member", field)
    known_members(session)[member.id] = member
    return member.id
