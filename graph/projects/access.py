"""Who may see and change what inside projects: the project-level record scope.

Roles grant actions per object type (project, task, risk, ...) with a scope. Inside this area the scope
is read through the project a record belongs to:

- `own`: projects you manage or are a member of, and every task, milestone, time entry, expense, risk
  and change request in them. Changing the project itself (its fields, status, members, milestones) at
  `own` scope is for its manager; members work on its tasks, time, risks and change requests.
- `team`: additionally projects managed by someone in your team.
- `all`: every project of the tenant.

Records outside your scope, or in another tenant, are reported exactly like missing ones.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, exists, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from graph.projects.models import PROJECT, Project, ProjectMember
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Membership
from tenants.permissions import Action, Actor, Scope, record_scope_clause


def is_member_clause(actor: Actor) -> ColumnElement[bool]:
    return exists().where(
        ProjectMember.tenant_id == Project.tenant_id,
        ProjectMember.project_id == Project.id,
        ProjectMember.user_id == actor.user_id,
    )


def project_scope(actor: Actor, object_type: str = PROJECT) -> ColumnElement[bool]:
    """Projects whose records of `object_type` the actor's scope reaches (a predicate on Project)."""
    if actor.permissions.scope(object_type) is Scope.ALL:
        return Project.tenant_id == actor.tenant_id
    managed = record_scope_clause(actor, object_type, Project.manager_id)
    return (Project.tenant_id == actor.tenant_id) & (managed | is_member_clause(actor))


def project_management_scope(actor: Actor) -> ColumnElement[bool]:
    """Projects the actor may change: at `own` scope only the ones they manage."""
    return (Project.tenant_id == actor.tenant_id) & record_scope_clause(actor, PROJECT, Project.manager_id)


def in_visible_projects(actor: Actor, object_type: str, project_column: object) -> ColumnElement[bool]:
    """A predicate on a child table: its project is within the actor's scope for `object_type`."""
    if actor.permissions.scope(object_type) is Scope.ALL:
        return true()
    return project_column.in_(select(Project.id).where(project_scope(actor, object_type)))  # type: ignore[attr-defined,no-any-return]


async def get_project(
    session: AsyncSession,
    actor: Actor,
    project_id: uuid.UUID,
    field: str = "id",
    *,
    object_type: str = PROJECT,
    lock: bool = False,
) -> Project:
    """A project whose `object_type` records the actor may reach; else NOT_FOUND on `field`."""
    statement = select(Project).where(project_scope(actor, object_type), Project.id == project_id)
    project = await session.scalar(statement.with_for_update() if lock else statement)
    if project is None:
        raise not_found("project", field)
    return project


async def get_managed_project(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> Project:
    """A project the actor may change (project update permission, and manager at `own` scope)."""
    actor.require(PROJECT, Action.UPDATE)
    project = await get_project(session, actor, project_id, field, lock=lock)
    managed = await session.scalar(
        select(Project.id).where(project_management_scope(actor), Project.id == project.id)
    )
    if managed is None:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "Only the project's manager (or a wider role) may change it."
        )
    return project


async def project_member_ids(session: AsyncSession, project_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        await session.scalars(select(ProjectMember.user_id).where(ProjectMember.project_id == project_id))
    )


async def require_project_member(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, field: str
) -> uuid.UUID:
    """`user_id` when they are a member of the project (and still active in the tenant); else INVALID."""
    found = await session.scalar(
        select(ProjectMember.user_id)
        .join(
            Membership,
            (Membership.tenant_id == ProjectMember.tenant_id) & (Membership.user_id == ProjectMember.user_id),
        )
        .where(
            ProjectMember.project_id == project_id,
            ProjectMember.user_id == user_id,
            Membership.is_active.is_(True),
        )
    )
    if found is None:
        raise DomainError(ErrorCode.INVALID, "Add this user to the project's members first.", field)
    return found
