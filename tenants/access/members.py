"""Member administration: role and team assignment, deactivation, bulk reassignment of records.

Every change is audited. Deactivating a member ends their access at once: the membership is marked
inactive (the edge refuses it), their sessions in this tenant and the API keys they created here are
revoked. Their records keep their owner until `reassign_records` hands them to someone else, one
UPDATE per object type with an owner.

Nobody changes a member who holds more than they do (the tenant's owner is an admin, so only an admin
changes them), nobody gives a role they do not cover, and a member whose rights shrink loses the API
keys they created that now exceed them. Lookups name the current tenant: through RLS a user also sees
their own memberships in other tenants.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.access.roles import get_role
from tenants.access.teams import get_team
from tenants.api_keys import revoke_keys_beyond_creators
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields.registry import TARGETS
from tenants.identity import role_permissions
from tenants.models import ApiKey, Membership, Role, UserSession
from tenants.permissions import Actor, Capability

USER = "user"


async def list_members(session: AsyncSession, actor: Actor) -> list[tuple[Membership, Role]]:
    actor.require_capability(Capability.MANAGE_USERS)
    rows = await session.execute(
        select(Membership, Role)
        .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
        .where(Membership.tenant_id == actor.tenant_id)
        .order_by(Membership.created_at, Membership.id)
    )
    return [(row.Membership, row.Role) for row in rows]


async def get_membership(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, field: str = "userId"
) -> Membership:
    membership = await session.scalar(
        select(Membership).where(Membership.tenant_id == actor.tenant_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise not_found("member", field)
    return membership


async def changeable_member(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, field: str = "userId"
) -> Membership:
    """The member, if the actor holds at least as much as they do (the owner: only an admin)."""
    membership = await get_membership(session, actor, user_id, field)
    role = await get_role(session, actor.tenant_id, membership.role_id, field)
    actor.require_covers(role_permissions(role), field, "This member")
    return membership


async def active_admins(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Membership)
            .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
            .where(
                Membership.tenant_id == tenant_id,
                Role.key == "admin",
                Role.is_builtin.is_(True),
                Membership.is_active.is_(True),
            )
        )
        or 0
    )


async def keeps_an_admin(session: AsyncSession, membership: Membership) -> None:
    tenant_id = membership.tenant_id
    role = await get_role(session, tenant_id, membership.role_id)
    if (
        role.key == "admin"
        and role.is_builtin
        and membership.is_active
        and await active_admins(session, tenant_id) <= 1
    ):
        raise DomainError(ErrorCode.LAST_ADMIN, "The tenant needs at least one active admin.", "userId")


async def assign_role(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, role_id: uuid.UUID
) -> Membership:
    """Needs manage_users and manage_roles; the actor covers both the member and the new role."""
    actor.require_capability(Capability.MANAGE_USERS)
    actor.require_capability(Capability.MANAGE_ROLES)
    membership = await changeable_member(session, actor, user_id)
    role = await get_role(session, actor.tenant_id, role_id, "roleId")
    actor.require_covers(role_permissions(role), "roleId", "This role")
    if membership.role_id == role.id:
        return membership
    await keeps_an_admin(session, membership)
    before = membership.role_id
    membership.role_id = role.id
    await session.flush()
    await audit.record(
        session,
        actor,
        "member.assign_role",
        USER,
        user_id,
        audit.diff({"role_id": before}, {"role_id": role.id}),
    )
    await revoke_keys_beyond_creators(session, actor, user_id)
    return membership


async def set_member_team(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, team_id: uuid.UUID | None
) -> Membership:
    actor.require_capability(Capability.MANAGE_USERS)
    membership = await changeable_member(session, actor, user_id)
    team = await get_team(session, team_id, "teamId") if team_id is not None else None
    before = membership.team_id
    membership.team_id = team.id if team else None
    await session.flush()
    await audit.record(
        session, actor, "member.set_team", USER, user_id,
        audit.diff({"team_id": before}, {"team_id": membership.team_id}),
    )  # fmt: skip
    return membership


async def deactivate_member(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> Membership:
    actor.require_capability(Capability.MANAGE_USERS)
    if user_id == actor.user_id:
        raise DomainError(ErrorCode.INVALID, "You cannot deactivate yourself.", "userId")
    membership = await changeable_member(session, actor, user_id)
    if not membership.is_active:
        raise DomainError(ErrorCode.INVALID, "This member is already inactive.", "userId")
    await keeps_an_admin(session, membership)
    now = datetime.now(UTC)
    membership.is_active = False
    sessions = await session.execute(
        update(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.active_tenant_id == actor.tenant_id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    keys = await session.execute(
        update(ApiKey)
        .where(
            ApiKey.tenant_id == actor.tenant_id, ApiKey.created_by_id == user_id, ApiKey.revoked_at.is_(None)
        )
        .values(revoked_at=now)
    )
    await session.flush()
    changes = {
        "is_active": [True, False],
        "sessions_revoked": sessions.rowcount,
        "api_keys_revoked": keys.rowcount,
    }
    await audit.record(session, actor, "member.deactivate", USER, user_id, changes)
    return membership


async def reactivate_member(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> Membership:
    actor.require_capability(Capability.MANAGE_USERS)
    # Letting someone in again grants their role: only someone who covers it may.
    membership = await changeable_member(session, actor, user_id)
    if membership.is_active:
        raise DomainError(ErrorCode.INVALID, "This member is active.", "userId")
    membership.is_active = True
    await session.flush()
    await audit.record(session, actor, "member.reactivate", USER, user_id, {"is_active": [False, True]})
    return membership


async def reassign_records(
    session: AsyncSession, actor: Actor, from_user_id: uuid.UUID, to_user_id: uuid.UUID
) -> dict[str, int]:
    """Every record owned by `from` goes to `to` (an active member): one UPDATE per object type that
    has an owner, bumping `version` so concurrent editors get a CONFLICT instead of a lost update."""
    actor.require_capability(Capability.MANAGE_USERS)
    await changeable_member(session, actor, from_user_id, "fromUserId")
    target = await get_membership(session, actor, to_user_id, "toUserId")
    if not target.is_active:
        raise DomainError(ErrorCode.INVALID, "Records can only go to an active member.", "toUserId")
    if from_user_id == to_user_id:
        raise DomainError(ErrorCode.INVALID, "Choose a different member.", "toUserId")
    counts: dict[str, int] = {}
    for object_type, entry in sorted(TARGETS.items()):
        if entry.owner_column is None:
            continue
        model = entry.model
        owner = getattr(model, entry.owner_column)
        result = await session.execute(
            update(model)
            .where(model.tenant_id == actor.tenant_id, owner == from_user_id)
            .values({entry.owner_column: to_user_id, "version": model.version + 1, "updated_at": func.now()})
            .execution_options(synchronize_session=False)
        )
        counts[object_type] = int(result.rowcount or 0)
    await audit.record(
        session, actor, "member.reassign_records", USER, from_user_id,
        {"to_user_id": str(to_user_id), "records": counts},
    )  # fmt: skip
    return counts
