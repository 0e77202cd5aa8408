"""Attendance and leave queries and mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_optional_id
from graph.core.pagination import Connection, connection_of, paginate
from graph.workday import attendance, leave
from graph.workday.attendance_types import (
    AttendanceFilter,
    AttendancePayload,
    AttendanceRecord,
    AttendanceSummary,
    LeaveKind,
    LeaveRequest,
    LeaveRequestFilter,
    LeaveRequestPayload,
)

Month = Annotated[str, strawberry.argument(description="The month as YYYY-MM (UTC days).")]
Latitude = Annotated[Decimal | None, strawberry.argument(description="-90 to 90 (WGS 84), with longitude.")]
Longitude = Annotated[Decimal | None, strawberry.argument(description="-180 to 180 (WGS 84), with latitude.")]


@strawberry.type
class AttendanceQuery:
    @strawberry.field(description="Attendance records in your scope, newest day first.")
    async def attendance_records(
        self,
        info: Info,
        filter: Annotated[
            AttendanceFilter | None, strawberry.argument(description="Conditions; left out: all in scope.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AttendanceRecord]:
        conditions = filter or AttendanceFilter()
        statement = attendance.records_statement(
            info.context.actor,
            decode_optional_id(conditions.user_id, "User", "filter.userId"),
            conditions.month,
        )
        session = await info.context.session()
        return await paginate(session, statement, AttendanceRecord.from_model, first, after, before, last)

    @strawberry.field(
        description="Per person in your attendance scope: the month's presence, hours and approved leave."
    )
    async def attendance_summary(
        self,
        info: Info,
        month: Month,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AttendanceSummary]:
        rows = await attendance.month_summary(await info.context.session(), info.context.actor, month)
        found = [AttendanceSummary.from_row(row) for row in rows]
        return connection_of(found, lambda row: row.user_id.node_id, first, after, last, before)

    @strawberry.field(
        description=(
            "`attendanceSummary` as CSV (month, email, name, days_present, hours, open_days, leave_days) "
            "for the HR system, which stays the master."
        )
    )
    async def attendance_export(self, info: Info, month: Month) -> str:
        rows = await attendance.month_summary(await info.context.session(), info.context.actor, month)
        return attendance.summary_csv(month, rows)

    @strawberry.field(description="Leave requests in your scope, latest start first.")
    async def leave_requests(
        self,
        info: Info,
        filter: Annotated[
            LeaveRequestFilter | None, strawberry.argument(description="Conditions; left out: all in scope.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LeaveRequest]:
        conditions = filter or LeaveRequestFilter()
        statement = leave.leave_statement(
            info.context.actor,
            decode_optional_id(conditions.user_id, "User", "filter.userId"),
            conditions.status.value if conditions.status else None,
        )
        session = await info.context.session()
        return await paginate(session, statement, LeaveRequest.from_model, first, after, before, last)


@strawberry.type
class AttendanceMutation:
    @strawberry.mutation(description="Check in for today (once a day), now, optionally where you are.")
    @mutation_payload(AttendancePayload)
    async def check_in(
        self, info: Info, latitude: Latitude = None, longitude: Longitude = None
    ) -> AttendancePayload:
        session, actor = await info.context.session(), info.context.actor
        record = await attendance.check_in(session, actor, latitude, longitude)
        return AttendancePayload(record=AttendanceRecord.from_model(record))

    @strawberry.mutation(description="Check out for today, now, optionally where you are.")
    @mutation_payload(AttendancePayload)
    async def check_out(
        self, info: Info, latitude: Latitude = None, longitude: Longitude = None
    ) -> AttendancePayload:
        session, actor = await info.context.session(), info.context.actor
        record = await attendance.check_out(session, actor, latitude, longitude)
        return AttendancePayload(record=AttendanceRecord.from_model(record))

    @strawberry.mutation(
        description="Ask for leave; it goes to the tenant's leave approval chain (INVALID if none)."
    )
    @mutation_payload(LeaveRequestPayload)
    async def request_leave(
        self,
        info: Info,
        kind: Annotated[LeaveKind, strawberry.argument(description="Annual, sick, unpaid or other.")],
        starts_on: Annotated[date, strawberry.argument(description="First day off.")],
        ends_on: Annotated[date, strawberry.argument(description="Last day off (at most 366 days on).")],
        reason: Annotated[str | None, strawberry.argument(description="Why (max 2,000 characters).")] = None,
    ) -> LeaveRequestPayload:
        session, actor = await info.context.session(), info.context.actor
        record = await leave.request_leave(session, actor, kind.value, starts_on, ends_on, reason)
        return LeaveRequestPayload(leave=LeaveRequest.from_model(record))
