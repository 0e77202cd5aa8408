"""Member administration: role and team assignment, deactivation, bulk reassignment of records.

Every change is audited. Deactivating a member ends their access at once: the membership is marked
inactive (the edge refuses it), their sessions in this tenant and the API keys they created here are
revoked. Their records keep their owner until `reassign_records` hands them to someone else, one
UPDATE per object type with an owner.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.access.roles import get_role
from tenants.access.teams import get_team
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields.registry import TARGETS
from tenants.models import ApiKey, Membership, Role, UserSession
from tenants.permissions import Actor, Capability

USER = "user"


async def list_members(session: AsyncSession, actor: Actor) -> list[tuple[Membership, Role]]:
    actor.require_capability(Capability.MANAGE_USERS)
    rows = await session.execute(
        select(Membership, Role)
        .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
        .order_by(Membership.created_at, Membership.id)
    )
    return [(row.Membership, row.Role) for row in rows]


async def get_membership(session: AsyncSession, user_id: uuid.UUID, field: str = "userId") -> Membership:
    membership = await session.scalar(select(Membership).where(Membership.user_id == user_id))
    if membership is None:
        raise not_found("member", field)
    return membership


async def active_admins(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Membership)
            .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
            .where(Role.key == "admin", Role.is_builtin.is_(True), Membership.is_active.is_(True))
        )
        or 0
    )


async def keeps_an_admin(session: AsyncSession, membership: Membership) -> None:
    role = await get_role(session, membership.role_id)
    if role.key == "admin" and role.is_builtin and membership.is_active and await active_admins(session) <= 1:
        raise DomainError(ErrorCode.LAST_ADMIN, "The tenant needs at least one active admin.", "userId")


async def assign_role(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, role_id: uuid.UUID
) -> Membership:
    """Needs manage_users and manage_roles; the role may not carry capabilities the actor lacks."""
    actor.require_capability(Capability.MANAGE_USERS)
    actor.require_capability(Capability.MANAGE_ROLES)
    membership = await get_membership(session, user_id)
    role = await get_role(session, role_id, "roleId")
    from tenants.identity import role_permissions

    beyond = sorted(c.value for c in role_permissions(role).capabilities if not actor.permissions.has(c))
    if beyond:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            f"This role grants capabilities you lack: {', '.join(beyond)}.",
            "roleId",
        )
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
    return membership


async def set_member_team(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, team_id: uuid.UUID | None
) -> Membership:
    actor.require_capability(Capability.MANAGE_USERS)
    membership = await get_membership(session, user_id)
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
    membership = await get_membership(session, user_id)
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
    membership = await get_membership(session, user_id)
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
    await get_membership(session, from_user_id, "fromUserId")
    target = await get_membership(session, to_user_id, "toUserId")
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
