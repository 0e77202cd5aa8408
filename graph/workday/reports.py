"""Work reports: a member's daily or weekly report, with the period's work assembled when it is read.

A report is its author's record (record scope on `work_report` by author: a manager with team scope
sees the team's reports). The author writes the summary and plans and submits it; anyone who may read
it may comment, and the author is notified of each comment by someone else. What the period held
(activities done, visits, tasks completed) is not copied into the report: it is read for the reader,
through the reader's own scopes, so a report never shows a record its reader may not see.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.crm.activities import activity_scope
from graph.crm.models import ACTIVITY, Activity
from graph.notifications.notify import notify
from graph.projects.access import in_visible_projects
from graph.projects.models import TASK, Task
from graph.workday.calendar import calendar_scope
from graph.workday.models import (
    CALENDAR_ITEM,
    REPORT_PERIODS,
    WORK_REPORT,
    CalendarItem,
    WorkReport,
    WorkReportComment,
)
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import bounded_text, optional_text, required_text

MAX_ASSEMBLED = 200


def report_scope(actor: Actor) -> ColumnElement[bool]:
    return (WorkReport.tenant_id == actor.tenant_id) & record_scope_clause(
        actor, WORK_REPORT, WorkReport.author_id
    )


async def get_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, field: str = "id"
) -> WorkReport:
    actor.require(WORK_REPORT, Action.READ)
    report = await session.scalar(select(WorkReport).where(report_scope(actor), WorkReport.id == report_id))
    if report is None:
        raise not_found("work report", field)
    return report


def period_bounds(period: str, starts_on: date) -> tuple[date, date]:
    if period not in REPORT_PERIODS:
        raise DomainError(ErrorCode.INVALID, "Use DAILY or WEEKLY.", "period")
    if period == "daily":
        return starts_on, starts_on
    if starts_on.weekday() != 0:
        raise DomainError(ErrorCode.INVALID, "A weekly report starts on a Monday.", "startsOn")
    return starts_on, starts_on + timedelta(days=6)


async def create_report(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> WorkReport:
    actor.require(WORK_REPORT, Action.CREATE)
    starts_on, ends_on = period_bounds(values["period"], values["starts_on"])
    if starts_on > datetime.now(UTC).date() + timedelta(days=1):
        raise DomainError(ErrorCode.INVALID, "A report covers work done, not days ahead.", "startsOn")
    existing = await session.scalar(
        select(WorkReport.id).where(
            WorkReport.tenant_id == actor.tenant_id,
            WorkReport.author_id == actor.user_id,
            WorkReport.period == values["period"],
            WorkReport.starts_on == starts_on,
        )
    )
    if existing is not None:
        raise DomainError(
            ErrorCode.DUPLICATE, "You already have a report for this period; update it.", "startsOn"
        )
    report = WorkReport(
        tenant_id=actor.tenant_id,
        author_id=actor.user_id,
        period=values["period"],
        starts_on=starts_on,
        ends_on=ends_on,
        summary=bounded_text((values.get("summary") or "").strip(), "summary", 20_000),
        plans=optional_text(values.get("plans"), "plans", 20_000),
        status="draft",
    )
    session.add(report)
    await session.flush()
    changes = {"period": report.period, "starts_on": report.starts_on.isoformat()}
    await audit.record(session, actor, "work_report.create", WORK_REPORT, report.id, changes)
    return report


async def own_draft(session: AsyncSession, actor: Actor, report_id: uuid.UUID, version: int) -> WorkReport:
    actor.require(WORK_REPORT, Action.UPDATE)
    report = await get_report(session, actor, report_id)
    check_version(report, version, "work report")
    if report.author_id != actor.user_id:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "Only its author changes a work report.")
    if report.status != "draft":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "A submitted report is final; comment on it instead.", "id"
        )
    return report


async def update_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> WorkReport:
    report = await own_draft(session, actor, report_id, version)
    if "summary" in values:
        report.summary = bounded_text((values["summary"] or "").strip(), "summary", 20_000)
    if "plans" in values:
        report.plans = optional_text(values["plans"], "plans", 20_000)
    await flush_versioned(session, "work report")
    await audit.record(session, actor, "work_report.update", WORK_REPORT, report.id, {})
    return report


async def submit_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, version: int
) -> WorkReport:
    report = await own_draft(session, actor, report_id, version)
    if not report.summary:
        raise DomainError(ErrorCode.REQUIRED, "Write a summary before submitting.", "summary")
    report.status, report.submitted_at = "submitted", datetime.now(UTC)
    await flush_versioned(session, "work report")
    await audit.record(
        session, actor, "work_report.submit", WORK_REPORT, report.id, {"status": ["draft", "submitted"]}
    )
    return report


async def comment(session: AsyncSession, actor: Actor, report_id: uuid.UUID, body: str) -> WorkReportComment:
    """Anyone who may read the report may comment on a submitted one; its author hears of it."""
    report = await get_report(session, actor, report_id, "reportId")
    if report.status != "submitted":
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Comment once the report is submitted.", "reportId")
    text = required_text(body, "body", 5_000)
    entry = WorkReportComment(
        tenant_id=actor.tenant_id, report_id=report.id, author_id=actor.user_id, body=text
    )
    session.add(entry)
    await session.flush()
    await audit.record(
        session, actor, "work_report.comment", WORK_REPORT, report.id, {"comment_id": str(entry.id)}
    )
    if report.author_id != actor.user_id:
        await notify(
            session,
            actor.tenant_id,
            [report.author_id],
            "work_report.comment",
            f"New comment on your {report.period} report of {report.starts_on}",
            text[:1000],
            f"/work-reports/{report.id}",
        )
    return entry


def reports_statement(
    actor: Actor, author_id: uuid.UUID | None = None, period: str | None = None
) -> Select[tuple[WorkReport]]:
    actor.require(WORK_REPORT, Action.READ)
    statement = select(WorkReport).where(report_scope(actor))
    if author_id is not None:
        statement = statement.where(WorkReport.author_id == author_id)
    if period is not None:
        statement = statement.where(WorkReport.period == period)
    return statement.order_by(WorkReport.starts_on.desc(), WorkReport.id.desc())


def period_times(report: WorkReport) -> tuple[datetime, datetime]:
    start = datetime.combine(report.starts_on, time.min, tzinfo=UTC)
    return start, datetime.combine(report.ends_on + timedelta(days=1), time.min, tzinfo=UTC)


async def activities_of(session: AsyncSession, reader: Actor, report: WorkReport) -> list[Activity]:
    """The author's done activities of the period that the reader may see."""
    if not reader.permissions.can(ACTIVITY, Action.READ):
        return []
    start, end = period_times(report)
    rows = await session.scalars(
        select(Activity)
        .where(
            activity_scope(reader),
            Activity.author_id == report.author_id,
            Activity.done.is_(True),
            Activity.occurred_at >= start,
            Activity.occurred_at < end,
        )
        .order_by(Activity.occurred_at, Activity.id)
        .limit(MAX_ASSEMBLED)
    )
    return list(rows)


async def visits_of(session: AsyncSession, reader: Actor, report: WorkReport) -> list[CalendarItem]:
    """The author's visits in the period (planned, done or cancelled) that the reader may see."""
    if not reader.permissions.can(CALENDAR_ITEM, Action.READ):
        return []
    start, end = period_times(report)
    rows = await session.scalars(
        select(CalendarItem)
        .where(
            calendar_scope(reader),
            CalendarItem.owner_id == report.author_id,
            CalendarItem.kind == "visit",
            CalendarItem.starts_at >= start,
            CalendarItem.starts_at < end,
        )
        .order_by(CalendarItem.starts_at, CalendarItem.id)
        .limit(MAX_ASSEMBLED)
    )
    return list(rows)


async def completed_tasks_of(session: AsyncSession, reader: Actor, report: WorkReport) -> int:
    """How many tasks assigned to the author were completed in the period, in projects the reader sees."""
    if not reader.permissions.can(TASK, Action.READ):
        return 0
    start, end = period_times(report)
    count = await session.scalar(
        select(func.count()).where(
            Task.tenant_id == reader.tenant_id,
            in_visible_projects(reader, TASK, Task.project_id),
            Task.assignee_id == report.author_id,
            Task.completed_at >= start,
            Task.completed_at < end,
        )
    )
    return int(count or 0)


async def comments_of(session: AsyncSession, report_id: uuid.UUID) -> list[WorkReportComment]:
    rows = await session.scalars(
        select(WorkReportComment)
        .where(WorkReportComment.report_id == report_id)
        .order_by(WorkReportComment.created_at, WorkReportComment.id)
    )
    return list(rows)
