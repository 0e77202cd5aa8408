"""Who among some members may be told about a record: their role reads its object type and shows the
fields the notice quotes. Reminders ask this before `notify`, so a notice never reveals what the
recipient's role hides (a birthday hidden by a field rule, a task type the role cannot read)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.identity import role_permissions
from tenants.models import Membership, Role
from tenants.permissions import Action


async def readers(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    user_ids: Iterable[uuid.UUID],
    object_type: str,
    fields: Collection[str] = (),
) -> set[uuid.UUID]:
    """The active members among `user_ids` whose role may read `object_type` with `fields` visible."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    rows = await session.execute(
        select(Membership.user_id, Role)
        .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
        .where(
            Membership.tenant_id == tenant_id,
            Membership.user_id.in_(wanted),
            Membership.is_active.is_(True),
        )
    )
    allowed = set()
    for user_id, role in rows:
        permissions = role_permissions(role)
        if permissions.can(object_type, Action.READ) and not permissions.hidden_fields(object_type) & set(
            fields
        ):
            allowed.add(user_id)
    return allowed
