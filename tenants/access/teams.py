"""Teams: a hierarchy (parent teams), used by the `team` and `team_and_subteams` record scopes.

Writes need the manage_users capability and are audited; a move that would put a team under itself
or one of its subteams is a CYCLE, and hierarchies are bounded (MAX_TEAM_DEPTH) so the recursive
scope query stays finite and cheap.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Membership, Team
from tenants.permissions import MAX_TEAM_DEPTH, Actor, Capability
from tenants.validation import required_text

TEAM = "team"


async def list_teams(session: AsyncSession, actor: Actor) -> list[Team]:
    del actor  # every member may see the team structure of their tenant
    return list(await session.scalars(select(Team).order_by(func.lower(Team.name), Team.id)))


async def get_team(session: AsyncSession, team_id: uuid.UUID, field: str = "id") -> Team:
    team = await session.scalar(select(Team).where(Team.id == team_id))
    if team is None:
        raise not_found("team", field)
    return team


async def lineage(session: AsyncSession, team_id: uuid.UUID) -> list[uuid.UUID]:
    """The team and its ancestors, nearest first (one recursive query)."""
    chain = (
        select(Team.id, Team.parent_id, literal(0).label("depth"))
        .where(Team.id == team_id)
        .cte("lineage", recursive=True)
    )
    chain = chain.union_all(
        select(Team.id, Team.parent_id, chain.c.depth + 1)
        .join(chain, Team.id == chain.c.parent_id)
        .where(chain.c.depth < MAX_TEAM_DEPTH + 1)
    )
    return list(await session.scalars(select(chain.c.id).order_by(chain.c.depth)))


async def clean_parent(
    session: AsyncSession, parent_id: uuid.UUID | None, team_id: uuid.UUID | None
) -> uuid.UUID | None:
    if parent_id is None:
        return None
    parent = await get_team(session, parent_id, "parentId")
    ancestors = await lineage(session, parent.id)
    if team_id is not None and team_id in ancestors:
        raise DomainError(
            ErrorCode.CYCLE, "A team cannot sit under itself or one of its subteams.", "parentId"
        )
    if len(ancestors) >= MAX_TEAM_DEPTH:
        raise DomainError(ErrorCode.INVALID, f"Teams nest at most {MAX_TEAM_DEPTH} levels.", "parentId")
    return parent.id


async def unique_name(session: AsyncSession, name: str, team_id: uuid.UUID | None) -> str:
    taken = await session.scalar(
        select(Team.id).where(func.lower(Team.name) == name.lower(), Team.id != team_id if team_id else True)
    )
    if taken is not None:
        raise DomainError(ErrorCode.DUPLICATE, "There is a team with this name already.", "name")
    return name


def snapshot(team: Team) -> dict[str, Any]:
    return {"name": team.name, "parent_id": team.parent_id}


async def create_team(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Team:
    actor.require_capability(Capability.MANAGE_USERS)
    name = await unique_name(session, required_text(values.get("name"), "name", 100), None)
    team = Team(
        tenant_id=actor.tenant_id,
        name=name,
        parent_id=await clean_parent(session, values.get("parent_id"), None),
    )
    session.add(team)
    await session.flush()
    await audit.record(session, actor, "team.create", TEAM, team.id, audit.diff({}, snapshot(team)))
    return team


async def update_team(
    session: AsyncSession, actor: Actor, team_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Team:
    actor.require_capability(Capability.MANAGE_USERS)
    team = await get_team(session, team_id)
    if team.version != version:
        raise DomainError(ErrorCode.CONFLICT, "This team was changed since you read it; reload.", "version")
    before = snapshot(team)
    if values.get("name") is not None:
        team.name = await unique_name(session, required_text(values["name"], "name", 100), team.id)
    if "parent_id" in values:
        team.parent_id = await clean_parent(session, values["parent_id"], team.id)
    await session.flush()
    await audit.record(session, actor, "team.update", TEAM, team.id, audit.diff(before, snapshot(team)))
    return team


async def delete_team(session: AsyncSession, actor: Actor, team_id: uuid.UUID) -> Team:
    actor.require_capability(Capability.MANAGE_USERS)
    team = await get_team(session, team_id)
    members = await session.scalar(
        select(func.count()).select_from(Membership).where(Membership.team_id == team.id)
    )
    children = await session.scalar(select(func.count()).select_from(Team).where(Team.parent_id == team.id))
    if members or children:
        raise DomainError(
            ErrorCode.INVALID,
            f"The team still has {members} member(s) and {children} subteam(s); move them first.",
            "id",
        )
    before = snapshot(team)
    await session.delete(team)
    try:
        await session.flush()
    except IntegrityError:  # a member moved in concurrently
        raise DomainError(ErrorCode.CONFLICT, "The team changed meanwhile; reload and retry.", "id") from None
    await audit.record(
        session, actor, "team.delete", TEAM, team.id, audit.diff(before, dict.fromkeys(before))
    )
    return team
