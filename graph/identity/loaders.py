"""Per-request DataLoaders of the identity area, run on the request's own session (so RLS applies)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from tenants import models

KNOWN_MEMBERS = "crm_known_members"


def known_members(session: AsyncSession) -> dict[uuid.UUID, models.User]:
    """Members of the current tenant this transaction already read (a write checking an owner reads
    the user it will show in its payload: one query instead of two)."""
    return session.info.setdefault(KNOWN_MEMBERS, {})


def users_by_id(context: RequestContext) -> DataLoader[uuid.UUID, object]:
    """Users who are members of the current tenant; anyone else resolves to None."""
    from graph.identity.types import User

    async def load(ids: Sequence[uuid.UUID]) -> list[User | None]:
        session = await context.session()
        found = {
            user_id: User.from_model(user)
            for user_id, user in known_members(session).items()
            if user_id in ids
        }
        missing = [user_id for user_id in ids if user_id not in found]
        if missing:
            rows = await session.scalars(
                select(models.User)
                .join(models.Membership, models.Membership.user_id == models.User.id)
                .where(models.Membership.tenant_id == context.tenant_id, models.User.id.in_(missing))
            )
            found.update({user.id: User.from_model(user) for user in rows})
        return [found.get(user_id) for user_id in ids]

    return DataLoader(load_fn=load)
