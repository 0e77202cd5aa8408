"""Project rules: create, update, status changes with history, members, milestones.

Plain async functions taking the request session and the actor; they raise `DomainError` and never
commit. See `graph/projects/access.py` for who may see and change which project.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.crm.accounts import get_account
from graph.identity.members import active_member
from graph.live.events import announce
from graph.projects.access import get_managed_project, get_project, project_member_ids
from graph.projects.models import (
    MILESTONE,
    PROJECT,
    Milestone,
    Project,
    ProjectMember,
    ProjectStatusChange,
    Task,
)
from graph.projects.rules import (
    check_version,
    collect,
    currency_code,
    date_order,
    flush_versioned,
    money,
    require_transition,
    snapshot,
    tenant_currency,
)
from graph.sales.commerce.contracts import get_contract
from graph.sales.pipeline.opportunities import get_opportunity
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import check_builtin_writes
from tenants.ids import new_id
from tenants.numbering import next_number, register_sequence
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

register_sequence("project", "Projects", "PRJ-{YYYY}-{SEQ:3}")

PROJECT_STATUSES = ("planned", "active", "on_hold", "done", "cancelled")
PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"active", "on_hold", "cancelled"}),
    "active": frozenset({"on_hold", "done", "cancelled"}),
    "on_hold": frozenset({"active", "cancelled"}),
    "done": frozenset({"active"}),  # reopened when more work turns up
    "cancelled": frozenset(),
}
PROJECT_ROLES = ("lead", "contributor", "observer")
AUDITED_FIELDS = (
    "code",
    "name",
    "description",
    "account_id",
    "opportunity_id",
    "contract_id",
    "manager_id",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget",
    "currency",
    "status",
)
MILESTONE_FIELDS = ("name", "due_date", "completed_on")


async def clean_project(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], project: Project | None
) -> dict[str, Any]:
    """Validated values for the given keys (model attribute names), all field errors together."""
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key == "description":
            checks[key] = lambda v=value: optional_text(v, "description", 20_000)
        elif key == "currency":
            checks[key] = lambda v=value: currency_code(v)
        elif key in ("planned_start", "planned_end"):
            checks[key] = lambda v=value: v
    cleaned = collect(checks)
    if "budget" in values:
        currency = cleaned.get("currency") or (project.currency if project else None)
        currency = currency or await tenant_currency(session, actor.tenant_id)
        cleaned["budget"] = money(values["budget"], currency, "budget")
    start = cleaned.get("planned_start", project.planned_start if project else None)
    end = cleaned.get("planned_end", project.planned_end if project else None)
    date_order(start, end, "plannedEnd")
    if "manager_id" in values:
        if values["manager_id"] is None:
            raise DomainError(ErrorCode.REQUIRED, "Every project has a manager.", "managerId")
        cleaned["manager_id"] = await active_member(session, actor, values["manager_id"], "managerId")
    if values.get("account_id") is not None:
        cleaned["account_id"] = (await get_account(session, actor, values["account_id"], "accountId")).id
    elif "account_id" in values:
        cleaned["account_id"] = None
    if values.get("opportunity_id") is not None:
        opportunity = await get_opportunity(session, actor, values["opportunity_id"], "opportunityId")
        cleaned["opportunity_id"] = opportunity.id
        for_same_account(cleaned, project, opportunity.account_id, "opportunity", "opportunityId")
    elif "opportunity_id" in values:
        cleaned["opportunity_id"] = None
    if values.get("contract_id") is not None:
        contract = await get_contract(session, actor, values["contract_id"], "contractId")
        cleaned["contract_id"] = contract.id
        for_same_account(cleaned, project, contract.account_id, "contract", "contractId")
    elif "contract_id" in values:
        cleaned["contract_id"] = None
    return cleaned


def for_same_account(
    cleaned: dict[str, Any], project: Project | None, account_id: uuid.UUID, what: str, field: str
) -> None:
    """The project delivers the deal (or contract) of its account: taken from it when none is set."""
    current = cleaned.get("account_id", project.account_id if project else None)
    if current is None:
        cleaned["account_id"] = account_id
    elif current != account_id:
        raise DomainError(
            ErrorCode.INVALID, f"The {what} belongs to another account than the project.", field
        )


async def add_status_change(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    from_status: str | None,
    comment: str | None,
) -> None:
    session.add(
        ProjectStatusChange(
            tenant_id=actor.tenant_id,
            project_id=project.id,
            from_status=from_status,
            to_status=project.status,
            comment=comment,
            changed_by_id=actor.user_id,
        )
    )


async def ensure_member(
    session: AsyncSession, actor: Actor, project: Project, user_id: uuid.UUID, role: str
) -> None:
    if user_id not in await project_member_ids(session, project.id):
        session.add(
            ProjectMember(tenant_id=actor.tenant_id, project_id=project.id, user_id=user_id, role=role)
        )
        await session.flush()


async def create_project(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], *, at: datetime | None = None
) -> Project:
    """A planned project with a code from the tenant's numbering; its manager is its first member."""
    actor.require(PROJECT, Action.CREATE)
    cleaned = await clean_project(session, actor, {"name": None, **values}, None)
    cleaned["manager_id"] = cleaned.get("manager_id") or actor.user_id
    cleaned["currency"] = cleaned.get("currency") or await tenant_currency(session, actor.tenant_id)
    code = await next_number(session, actor.tenant_id, "project", at or datetime.now(UTC))
    project = Project(
        tenant_id=actor.tenant_id, id=new_id(), code=code, created_by_id=actor.user_id, **cleaned
    )
    custom = await apply_custom_values(session, actor, PROJECT, project, values, creating=True)
    session.add(project)
    await session.flush()
    await ensure_member(session, actor, project, project.manager_id, "lead")
    await add_status_change(session, actor, project, None, "Created")
    await audit.record(
        session,
        actor,
        "project.create",
        PROJECT,
        project.id,
        audit.diff({}, snapshot(project, AUDITED_FIELDS)) | custom,
    )
    await announce(session, actor.tenant_id, "project.created", project.version, project=project.id)
    return project


async def update_project(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Project:
    project = await get_managed_project(session, actor, project_id)
    check_version(project, version, "project")
    cleaned = await clean_project(session, actor, values, project)
    before = snapshot(project, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(project, key, value)
    custom = await apply_custom_values(session, actor, PROJECT, project, values, creating=False)
    await flush_versioned(session, "project")
    await ensure_member(session, actor, project, project.manager_id, "lead")
    changes = audit.diff(before, snapshot(project, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "project.update", PROJECT, project.id, changes)
    await announce(session, actor.tenant_id, "project.updated", project.version, project=project.id)
    return project


async def change_project_status(
    session: AsyncSession,
    actor: Actor,
    project_id: uuid.UUID,
    version: int,
    status: str,
    comment: str | None,
    *,
    today: date | None = None,
) -> Project:
    """Moves along PROJECT_TRANSITIONS, stamping actual start/end, and appends to the status history."""
    check_builtin_writes(actor, PROJECT, {"status": status})
    project = await get_managed_project(session, actor, project_id)
    check_version(project, version, "project")
    require_transition(PROJECT_TRANSITIONS, project.status, status, "project")
    comment = optional_text(comment, "comment", 2_000)
    day = today or datetime.now(UTC).date()
    before = snapshot(project, AUDITED_FIELDS)
    previous = project.status
    project.status = status
    if status == "active" and project.actual_start is None:
        project.actual_start = day
    if status == "done":
        project.actual_end = day
    elif previous == "done":
        project.actual_end = None
    await flush_versioned(session, "project")
    await add_status_change(session, actor, project, previous, comment)
    changes = audit.diff(before, snapshot(project, AUDITED_FIELDS))
    await audit.record(session, actor, "project.status", PROJECT, project.id, {**changes, "comment": comment})
    await announce(session, actor.tenant_id, "project.status_changed", project.version, project=project.id)
    return project


async def add_project_member(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> Project:
    """Adds a tenant member to the project, or changes their project role."""
    project = await get_managed_project(session, actor, project_id, "projectId")
    if role not in PROJECT_ROLES:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(PROJECT_ROLES)}.", "role")
    await active_member(session, actor, user_id, "userId")
    member = await session.get(ProjectMember, (actor.tenant_id, project.id, user_id))
    old_role = member.role if member else None
    if member is None:
        session.add(
            ProjectMember(tenant_id=actor.tenant_id, project_id=project.id, user_id=user_id, role=role)
        )
    else:
        member.role = role
    await session.flush()
    await audit.record(
        session,
        actor,
        "project.member_add",
        PROJECT,
        project.id,
        {"user_id": str(user_id), "role": [old_role, role]},
    )
    return project


async def remove_project_member(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, user_id: uuid.UUID
) -> Project:
    """Removes a member; the manager stays, and so does anyone with open tasks (reassign them first)."""
    project = await get_managed_project(session, actor, project_id, "projectId")
    if user_id == project.manager_id:
        raise DomainError(
            ErrorCode.INVALID, "The project's manager stays a member; change the manager first.", "userId"
        )
    open_tasks = await session.scalar(
        select(func.count()).where(
            Task.project_id == project.id, Task.assignee_id == user_id, Task.status != "done"
        )
    )
    if open_tasks:
        raise DomainError(
            ErrorCode.INVALID, f"This member has {open_tasks} open task(s); reassign them first.", "userId"
        )
    removed = await session.execute(
        delete(ProjectMember).where(ProjectMember.project_id == project.id, ProjectMember.user_id == user_id)
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise not_found("project member", "userId")
    await audit.record(
        session, actor, "project.member_remove", PROJECT, project.id, {"user_id": str(user_id)}
    )
    return project


def clean_milestone(values: Mapping[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key == "due_date":
            checks[key] = lambda v=value: v if v is not None else required_text(None, "dueDate", 1)
        elif key == "completed_on":
            checks[key] = lambda v=value: v
    return collect(checks)


async def get_milestone(
    session: AsyncSession, actor: Actor, milestone_id: uuid.UUID, field: str = "id"
) -> Milestone:
    milestone = await session.scalar(select(Milestone).where(Milestone.id == milestone_id))
    if milestone is None:
        raise not_found("milestone", field)
    await get_project(session, actor, milestone.project_id, field, object_type=MILESTONE)
    return milestone


async def create_milestone(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, values: Mapping[str, Any]
) -> Milestone:
    actor.require(MILESTONE, Action.CREATE)
    project = await get_managed_project(session, actor, project_id, "projectId")
    cleaned = clean_milestone({"name": None, "due_date": None, **values})
    milestone = Milestone(tenant_id=actor.tenant_id, project_id=project.id, **cleaned)
    session.add(milestone)
    await session.flush()
    after = snapshot(milestone, MILESTONE_FIELDS)
    await audit.record(session, actor, "milestone.create", MILESTONE, milestone.id, audit.diff({}, after))
    await announce(session, actor.tenant_id, "milestone.created", milestone.version, project=project.id)
    return milestone


async def update_milestone(
    session: AsyncSession, actor: Actor, milestone_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Milestone:
    """Changes a milestone; `completed_on` marks it complete (null reopens it)."""
    actor.require(MILESTONE, Action.UPDATE)
    milestone = await get_milestone(session, actor, milestone_id)
    await get_managed_project(session, actor, milestone.project_id)
    check_version(milestone, version, "milestone")
    cleaned = clean_milestone(values)
    before = snapshot(milestone, MILESTONE_FIELDS)
    for key, value in cleaned.items():
        setattr(milestone, key, value)
    await flush_versioned(session, "milestone")
    changes = audit.diff(before, snapshot(milestone, MILESTONE_FIELDS))
    await audit.record(session, actor, "milestone.update", MILESTONE, milestone.id, changes)
    await announce(
        session, actor.tenant_id, "milestone.updated", milestone.version, project=milestone.project_id
    )
    return milestone
