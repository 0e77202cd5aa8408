"""Attendance: check in and out once a day, on the server's clock, with an optional location; a monthly
summary per person (days present, hours, open days, approved leave days) and its CSV export for the HR
system, which stays the master (no pay is computed here).

"Today" and the month are UTC dates. Records are the member's own; the role's record scope on
`attendance` decides whose a member sees (a manager with team scope: the team's).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import flush_versioned
from graph.workday.leave import weekdays
from graph.workday.models import ATTENDANCE, LEAVE_REQUEST, AttendanceRecord, LeaveRequest
from graph.workday.visits import location_errors
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.models import Membership, User
from tenants.permissions import Action, Actor, record_scope_clause

MICRO = Decimal("0.000001")


def attendance_scope(actor: Actor) -> ColumnElement[bool]:
    return (AttendanceRecord.tenant_id == actor.tenant_id) & record_scope_clause(
        actor, ATTENDANCE, AttendanceRecord.user_id
    )


def location(latitude: Decimal | None, longitude: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    if latitude is None and longitude is None:
        return None, None
    if latitude is None or longitude is None:
        raise DomainError(ErrorCode.REQUIRED, "Give both latitude and longitude, or neither.", "longitude")
    errors = location_errors(latitude, longitude)
    if errors:
        raise ValidationErrors(errors)
    return latitude.quantize(MICRO), longitude.quantize(MICRO)


async def today_record(session: AsyncSession, actor: Actor, today: date) -> AttendanceRecord | None:
    return await session.scalar(
        select(AttendanceRecord).where(
            AttendanceRecord.tenant_id == actor.tenant_id,
            AttendanceRecord.user_id == actor.user_id,
            AttendanceRecord.work_day == today,
        )
    )


async def check_in(
    session: AsyncSession, actor: Actor, latitude: Decimal | None = None, longitude: Decimal | None = None
) -> AttendanceRecord:
    actor.require(ATTENDANCE, Action.CREATE)
    now = datetime.now(UTC)
    where = location(latitude, longitude)
    if await today_record(session, actor, now.date()) is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "You already checked in today.")
    record = AttendanceRecord(
        tenant_id=actor.tenant_id,
        user_id=actor.user_id,
        work_day=now.date(),
        checked_in_at=now,
        in_latitude=where[0],
        in_longitude=where[1],
    )
    session.add(record)
    await session.flush()
    await audit.record(session, actor, "attendance.check_in", ATTENDANCE, record.id, {"at": now.isoformat()})
    return record


async def check_out(
    session: AsyncSession, actor: Actor, latitude: Decimal | None = None, longitude: Decimal | None = None
) -> AttendanceRecord:
    actor.require(ATTENDANCE, Action.UPDATE)
    now = datetime.now(UTC)
    where = location(latitude, longitude)
    record = await today_record(session, actor, now.date())
    if record is None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Check in first.")
    if record.checked_out_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "You already checked out today.")
    record.checked_out_at, record.out_latitude, record.out_longitude = now, where[0], where[1]
    await flush_versioned(session, "attendance record")
    await audit.record(session, actor, "attendance.check_out", ATTENDANCE, record.id, {"at": now.isoformat()})
    return record


def month_bounds(month: str) -> tuple[date, date]:
    """`2030-01` → (1 January, 1 February)."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "A month as YYYY-MM, e.g. 2030-01.", "month") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following


def records_statement(
    actor: Actor, user_id: uuid.UUID | None, month: str | None
) -> Select[tuple[AttendanceRecord]]:
    actor.require(ATTENDANCE, Action.READ)
    statement = select(AttendanceRecord).where(attendance_scope(actor))
    if user_id is not None:
        statement = statement.where(AttendanceRecord.user_id == user_id)
    if month is not None:
        first, following = month_bounds(month)
        statement = statement.where(AttendanceRecord.work_day >= first, AttendanceRecord.work_day < following)
    return statement.order_by(AttendanceRecord.work_day.desc(), AttendanceRecord.id.desc())


@dataclass(frozen=True)
class MonthSummary:
    user_id: uuid.UUID
    email: str
    name: str
    days_present: int
    hours: Decimal
    open_days: int  # checked in, never out: no hours counted
    leave_days: int  # approved leave on weekdays of the month


async def month_summary(session: AsyncSession, actor: Actor, month: str) -> list[MonthSummary]:
    """One row per member in scope who was present or on approved leave in the month."""
    first, following = month_bounds(month)
    records = await session.scalars(
        records_statement(actor, None, month).order_by(None).order_by(AttendanceRecord.user_id)
    )
    present: dict[uuid.UUID, list[AttendanceRecord]] = {}
    for record in records:
        present.setdefault(record.user_id, []).append(record)
    leave_days: dict[uuid.UUID, int] = {}
    if actor.permissions.can(LEAVE_REQUEST, Action.READ):
        leaves = await session.scalars(
            select(LeaveRequest).where(
                LeaveRequest.tenant_id == actor.tenant_id,
                record_scope_clause(actor, LEAVE_REQUEST, LeaveRequest.user_id),
                record_scope_clause(actor, ATTENDANCE, LeaveRequest.user_id),
                LeaveRequest.status == "approved",
                LeaveRequest.starts_on < following,
                LeaveRequest.ends_on >= first,
            )
        )
        for leave in leaves:
            start, end = max(leave.starts_on, first), min(leave.ends_on, following - timedelta(days=1))
            leave_days[leave.user_id] = leave_days.get(leave.user_id, 0) + weekdays(start, end)
    people = set(present) | set(leave_days)
    names = {
        user_id: (email, name)
        for user_id, email, name in await session.execute(
            select(User.id, User.email, User.full_name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == actor.tenant_id, User.id.in_(people))
        )
    }
    summaries = []
    for user_id in people:
        days = present.get(user_id, [])
        seconds = sum(
            (record.checked_out_at - record.checked_in_at).total_seconds()
            for record in days
            if record.checked_out_at is not None
        )
        email, name = names.get(user_id, ("", ""))
        summaries.append(
            MonthSummary(
                user_id=user_id,
                email=email,
                name=name,
                days_present=len(days),
                hours=(Decimal(seconds) / 3600).quantize(Decimal("0.01")),
                open_days=sum(1 for record in days if record.checked_out_at is None),
                leave_days=leave_days.get(user_id, 0),
            )
        )
    return sorted(summaries, key=lambda row: (row.name.lower(), row.email))


def summary_csv(month: str, rows: list[MonthSummary]) -> str:
    """The month's summary as CSV for the HR system (header row first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["month", "email", "name", "days_present", "hours", "open_days", "leave_days"])
    for row in rows:
        # A name starting with = + - @ would be a formula in a spreadsheet: quote it as text.
        name = f"'{row.name}" if row.name[:1] in ("=", "+", "-", "@") else row.name
        writer.writerow([month, row.email, name, row.days_present, row.hours, row.open_days, row.leave_days])
    return buffer.getvalue()
