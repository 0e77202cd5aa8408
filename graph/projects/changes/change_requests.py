"""Change requests: what changes (scope, schedule, budget), why, and the estimated impact on cost and
dates, walked through the tenant's approval chain for `change_request`.

Flow: draft → submitted (an approval request opens) → under_review (first decision) → approved or
rejected (the chain's outcome) → implemented. With `apply_on_approval` (the default), the final
approval applies the change to the project (budget += cost impact, planned end = the new date) and
marks it implemented in the same transaction; otherwise the project's manager implements it later.
Every status change is kept in an append-only history.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.chains import register_approval_subject
from graph.approvals.models import ApprovalRequest
from graph.approvals.requests import start_approval
from graph.projects.access import get_managed_project, get_project
from graph.projects.models import CHANGE_REQUEST, PROJECT, ChangeRequest, ChangeRequestStatusChange, Project
from graph.projects.projects.projects import AUDITED_FIELDS as PROJECT_FIELDS
from graph.projects.rules import check_version, collect, date_order, flush_versioned, money, snapshot
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

KINDS = ("scope", "schedule", "budget")
AUDITED_FIELDS = (
    "title",
    "kind",
    "reason",
    "description",
    "cost_impact",
    "new_planned_end",
    "apply_on_approval",
    "status",
)
APPROVAL_SUBJECT = "change_request"


async def clean_change(
    project: Project, values: Mapping[str, Any], change: ChangeRequest | None
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "title":
            checks[key] = lambda v=value: required_text(v, "title", 300)
        elif key == "reason":
            checks[key] = lambda v=value: required_text(v, "reason", 10_000)
        elif key == "description":
            checks[key] = lambda v=value: optional_text(v, "description", 20_000)
        elif key == "kind":
            checks[key] = lambda v=value: v if v in KINDS else required_text(None, "kind", 1)
        elif key == "cost_impact":
            checks[key] = lambda v=value: money(v, project.currency, "costImpact", signed=True)
        elif key in ("new_planned_end", "apply_on_approval"):
            checks[key] = lambda v=value: v
    cleaned = collect(checks)
    merged = {**(snapshot(change, AUDITED_FIELDS) if change else {}), **cleaned}
    if merged.get("kind") == "budget" and merged.get("cost_impact") is None:
        raise DomainError(ErrorCode.REQUIRED, "A budget change states its cost impact.", "costImpact")
    if merged.get("kind") == "schedule" and merged.get("new_planned_end") is None:
        raise DomainError(
            ErrorCode.REQUIRED, "A schedule change states the new planned end.", "newPlannedEnd"
        )
    date_order(project.planned_start, merged.get("new_planned_end"), "newPlannedEnd")
    if merged.get("apply_on_approval") is None:
        cleaned["apply_on_approval"] = True
    return cleaned


def add_history(
    session: AsyncSession, actor: Actor, change: ChangeRequest, from_status: str | None, comment: str | None
) -> None:
    session.add(
        ChangeRequestStatusChange(
            tenant_id=actor.tenant_id,
            change_request_id=change.id,
            from_status=from_status,
            to_status=change.status,
            comment=comment,
            changed_by_id=actor.user_id,
        )
    )


async def get_change(
    session: AsyncSession, actor: Actor, change_id: uuid.UUID, *, lock: bool = False
) -> ChangeRequest:
    actor.require(CHANGE_REQUEST, Action.READ)
    statement = select(ChangeRequest).where(ChangeRequest.id == change_id)
    change = await session.scalar(statement.with_for_update() if lock else statement)
    if change is None:
        raise not_found("change request")
    await get_project(session, actor, change.project_id, object_type=CHANGE_REQUEST)
    return change


async def create_change_request(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, values: Mapping[str, Any]
) -> ChangeRequest:
    actor.require(CHANGE_REQUEST, Action.CREATE)
    project = await get_project(session, actor, project_id, "projectId", object_type=CHANGE_REQUEST)
    cleaned = await clean_change(project, {"title": None, "kind": None, "reason": None, **values}, None)
    change = ChangeRequest(
        tenant_id=actor.tenant_id,
        project_id=project.id,
        requested_by_id=actor.user_id,
        status="draft",
        **cleaned,
    )
    session.add(change)
    await session.flush()
    add_history(session, actor, change, None, None)
    after = snapshot(change, AUDITED_FIELDS)
    await audit.record(
        session, actor, "change_request.create", CHANGE_REQUEST, change.id, audit.diff({}, after)
    )
    return change


def require_draft(change: ChangeRequest) -> None:
    if change.status != "draft":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"Only drafts change; this request is {change.status}.", "id"
        )


async def update_change_request(
    session: AsyncSession, actor: Actor, change_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> ChangeRequest:
    actor.require(CHANGE_REQUEST, Action.UPDATE)
    change = await get_change(session, actor, change_id)
    check_version(change, version, "change request")
    require_draft(change)
    project = await get_project(session, actor, change.project_id, object_type=CHANGE_REQUEST)
    cleaned = await clean_change(project, values, change)
    before = snapshot(change, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(change, key, value)
    await flush_versioned(session, "change request")
    changes = audit.diff(before, snapshot(change, AUDITED_FIELDS))
    await audit.record(session, actor, "change_request.update", CHANGE_REQUEST, change.id, changes)
    return change


async def submit_change_request(
    session: AsyncSession, actor: Actor, change_id: uuid.UUID, version: int, comment: str | None
) -> ChangeRequest:
    """draft → submitted, opening an approval request on the tenant's change request chain."""
    actor.require(CHANGE_REQUEST, Action.UPDATE)
    change = await get_change(session, actor, change_id)
    check_version(change, version, "change request")
    require_draft(change)
    comment = optional_text(comment, "comment", 2_000)
    request = await start_approval(session, actor, APPROVAL_SUBJECT, change.id, change.title)
    change.status, change.approval_request_id = "submitted", request.id
    await flush_versioned(session, "change request")
    add_history(session, actor, change, "draft", comment)
    await audit.record(
        session, actor, "change_request.submit", CHANGE_REQUEST, change.id, {"status": ["draft", "submitted"]}
    )
    return change


async def apply_to_project(session: AsyncSession, actor: Actor, change: ChangeRequest) -> None:
    """Raises (or lowers) the budget by the cost impact and moves the planned end, audited on the project."""
    project = await session.scalar(select(Project).where(Project.id == change.project_id).with_for_update())
    assert project is not None
    before = snapshot(project, PROJECT_FIELDS)
    if change.cost_impact is not None:
        budget = (project.budget or 0) + change.cost_impact
        if budget < 0:
            raise DomainError(
                ErrorCode.INVALID, "The cost impact would make the budget negative.", "costImpact"
            )
        project.budget = budget
    if change.new_planned_end is not None:
        project.planned_end = change.new_planned_end
    await flush_versioned(session, "project")
    changes = audit.diff(before, snapshot(project, PROJECT_FIELDS))
    await audit.record(
        session,
        actor,
        "project.change_applied",
        PROJECT,
        project.id,
        {**changes, "change_request_id": str(change.id)},
    )


async def move(
    session: AsyncSession, actor: Actor, change: ChangeRequest, status: str, comment: str | None
) -> None:
    previous = change.status
    change.status = status
    await flush_versioned(session, "change request")
    add_history(session, actor, change, previous, comment)
    await audit.record(
        session, actor, f"change_request.{status}", CHANGE_REQUEST, change.id, {"status": [previous, status]}
    )


async def on_approval_decision(
    session: AsyncSession, actor: Actor, request: ApprovalRequest, comment: str | None
) -> None:
    """Follows the approval: under review after the first decision, then approved (and applied) or
    rejected, each history entry carrying the deciding approver's comment. The chain authorises the
    change, so it applies whatever the approver's own project scope."""
    change = await session.scalar(
        select(ChangeRequest).where(ChangeRequest.id == request.subject_id).with_for_update()
    )
    assert change is not None
    if change.status == "submitted":
        await move(session, actor, change, "under_review", comment if request.status == "pending" else None)
    if request.status == "approved":
        await move(session, actor, change, "approved", comment)
        if change.apply_on_approval:
            await apply_to_project(session, actor, change)
            await move(session, actor, change, "implemented", "Applied to the project on approval")
    elif request.status == "rejected":
        await move(session, actor, change, "rejected", comment)


register_approval_subject(APPROVAL_SUBJECT, "Change requests", "ChangeRequest", on_approval_decision)


async def implement_change_request(
    session: AsyncSession, actor: Actor, change_id: uuid.UUID, version: int, comment: str | None
) -> ChangeRequest:
    """approved → implemented by the project's manager, applying the change to the project."""
    change = await get_change(session, actor, change_id)
    await get_managed_project(session, actor, change.project_id)
    check_version(change, version, "change request")
    if change.status != "approved":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Only approved requests are implemented; this one is {change.status}.",
            "id",
        )
    await apply_to_project(session, actor, change)
    await move(session, actor, change, "implemented", optional_text(comment, "comment", 2_000))
    return change
