"""Per-request DataLoaders of the identity area, run on the request's own session (so RLS applies)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from tenants import models


def users_by_id(context: RequestContext) -> DataLoader[uuid.UUID, object]:
    """Users who are members of the current tenant; anyone else resolves to None."""
    from graph.identity.types import User

    async def load(ids: Sequence[uuid.UUID]) -> list[User | None]:
        session = await context.session()
        rows = await session.scalars(
            select(models.User)
            .join(models.Membership, models.Membership.user_id == models.User.id)
            .where(models.Membership.tenant_id == context.tenant_id, models.User.id.in_(ids))
        )
        found = {user.id: User.from_model(user) for user in rows}
        return [found.get(user_id) for user_id in ids]

    return DataLoader(load_fn=load)
