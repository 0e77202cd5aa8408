"""DataLoaders of the daily-work area (per request, on the request's session, inside record scope)."""

from __future__ import annotations

from graph.core.loaders import by_id
from graph.workday.attendance import attendance_scope
from graph.workday.calendar import readable_scope
from graph.workday.expenses import expense_scope
from graph.workday.leave import leave_scope
from graph.workday.models import (
    ATTENDANCE,
    CALENDAR_ITEM,
    EXPENSE_CLAIM,
    LEAVE_REQUEST,
    WORK_REPORT,
    AttendanceRecord,
    CalendarItem,
    ExpenseClaim,
    LeaveRequest,
    WorkReport,
)
from graph.workday.reports import report_scope
from tenants.models import Team

calendar_items_by_id = by_id(CalendarItem, CALENDAR_ITEM, readable_scope)
expense_claims_by_id = by_id(ExpenseClaim, EXPENSE_CLAIM, expense_scope)
work_reports_by_id = by_id(WorkReport, WORK_REPORT, report_scope)
attendance_records_by_id = by_id(AttendanceRecord, ATTENDANCE, attendance_scope)
leave_requests_by_id = by_id(LeaveRequest, LEAVE_REQUEST, leave_scope)
# Every member sees the team structure (as the `teams` query does): a shared item names its team.
teams_by_id = by_id(Team, None)
