"""Leave requests: a member asks for days off; the tenant's `leave_request` approval chain decides, and
the member is notified. Days are counted as weekdays (Monday to Friday; public holidays are the HR
system's business). A request may not overlap the member's own submitted or approved leave.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.chains import register_approval_subject
from graph.approvals.models import ApprovalRequest
from graph.approvals.requests import start_approval
from graph.core.rules import flush_versioned
from graph.notifications.notify import notify
from graph.projects.resources.capacity import register_leave_source
from graph.workday.models import LEAVE_KINDS, LEAVE_REQUEST, LeaveRequest
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import optional_text

APPROVAL_SUBJECT = "leave_request"
MAX_DAYS = 366


def weekdays(start: date, end: date) -> int:
    """Monday-to-Friday days from `start` to `end`, both included."""
    if end < start:
        return 0
    full_weeks, rest = divmod((end - start).days + 1, 7)
    count = full_weeks * 5
    for offset in range(rest):
        if (start + timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def leave_scope(actor: Actor) -> ColumnElement[bool]:
    return (LeaveRequest.tenant_id == actor.tenant_id) & record_scope_clause(
        actor, LEAVE_REQUEST, LeaveRequest.user_id
    )


async def request_leave(
    session: AsyncSession, actor: Actor, kind: str, starts_on: date, ends_on: date, reason: str | None
) -> LeaveRequest:
    actor.require(LEAVE_REQUEST, Action.CREATE)
    if kind not in LEAVE_KINDS:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(LEAVE_KINDS)}.", "kind")
    if ends_on < starts_on:
        raise DomainError(ErrorCode.INVALID, "Leave cannot end before it starts.", "endsOn")
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise DomainError(ErrorCode.INVALID, f"One request covers at most {MAX_DAYS} days.", "endsOn")
    days = weekdays(starts_on, ends_on)
    if days == 0:
        raise DomainError(ErrorCode.INVALID, "This leave covers no weekday.", "startsOn")
    text = optional_text(reason, "reason", 2_000)
    overlapping = await session.scalar(
        select(LeaveRequest.id).where(
            LeaveRequest.tenant_id == actor.tenant_id,
            LeaveRequest.user_id == actor.user_id,
            LeaveRequest.status.in_(("submitted", "approved")),
            LeaveRequest.starts_on <= ends_on,
            LeaveRequest.ends_on >= starts_on,
        )
    )
    if overlapping is not None:
        raise DomainError(
            ErrorCode.DUPLICATE, "You already asked for leave on some of these days.", "startsOn"
        )
    leave = LeaveRequest(
        tenant_id=actor.tenant_id,
        user_id=actor.user_id,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        days=days,
        reason=text,
        status="submitted",
    )
    session.add(leave)
    await session.flush()
    title = f"Leave ({kind}): {starts_on} to {ends_on}, {days} day{'s' if days != 1 else ''}"
    request = await start_approval(session, actor, APPROVAL_SUBJECT, leave.id, title)
    leave.approval_request_id = request.id
    await flush_versioned(session, "leave request")
    changes = {"kind": kind, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "days": days}
    await audit.record(session, actor, "leave_request.create", LEAVE_REQUEST, leave.id, changes)
    return leave


async def on_approval_decision(
    session: AsyncSession, actor: Actor, request: ApprovalRequest, comment: str | None
) -> None:
    if request.status not in ("approved", "rejected"):
        return
    leave = await session.scalar(
        select(LeaveRequest).where(LeaveRequest.id == request.subject_id).with_for_update()
    )
    assert leave is not None
    leave.status, leave.decided_at = request.status, datetime.now(UTC)
    await flush_versioned(session, "leave request")
    await audit.record(
        session,
        actor,
        f"leave_request.{request.status}",
        LEAVE_REQUEST,
        leave.id,
        {"status": ["submitted", request.status]},
    )
    await notify(
        session,
        leave.tenant_id,
        [leave.user_id],
        f"leave_request.{request.status}",
        f"Your leave from {leave.starts_on} to {leave.ends_on} was {request.status}",
        comment or "",
        f"/leave/{leave.id}",
        key=f"leave_request.{request.status}:{leave.id}",
    )


register_approval_subject(APPROVAL_SUBJECT, "Leave requests", "LeaveRequest", on_approval_decision)


def leave_statement(
    actor: Actor, user_id: uuid.UUID | None, status: str | None
) -> Select[tuple[LeaveRequest]]:
    actor.require(LEAVE_REQUEST, Action.READ)
    statement = select(LeaveRequest).where(leave_scope(actor))
    if user_id is not None:
        statement = statement.where(LeaveRequest.user_id == user_id)
    if status is not None:
        statement = statement.where(LeaveRequest.status == status)
    return statement.order_by(LeaveRequest.starts_on.desc(), LeaveRequest.id.desc())


async def approved_leave(
    session: AsyncSession, user_ids: list[uuid.UUID], start: date, end: date
) -> list[tuple[uuid.UUID, date, date]]:
    """Approved leave overlapping [start, end), as (member, first day, last day): project capacity
    (graph/projects/resources/capacity.py) takes a fifth of a week off per working day of it."""
    rows = await session.execute(
        select(LeaveRequest.user_id, LeaveRequest.starts_on, LeaveRequest.ends_on).where(
            LeaveRequest.status == "approved",
            LeaveRequest.user_id.in_(user_ids),
            LeaveRequest.starts_on < end,
            LeaveRequest.ends_on >= start,
        )
    )
    return [(user_id, first, last) for user_id, first, last in rows]


register_leave_source(approved_leave)
