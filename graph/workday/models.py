"""Daily-work tables (DDL in migrations/versions/0231_calendar_items.py and after)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKeyConstraint, Integer, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

CALENDAR_ITEM = register_object_type("calendar_item")

CALENDAR_KINDS = ("meeting", "call", "visit", "task", "other")
CALENDAR_STATUSES = ("planned", "done", "cancelled")


class CalendarItem(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "calendar_items"
    __table_args__ = (
        member_fk("owner_id"),
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "visit_activity_id"], ["activities.tenant_id", "activities.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "follow_up_activity_id"], ["activities.tenant_id", "activities.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "team_id"], ["teams.tenant_id", "teams.id"]),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    recurrence: Mapped[str | None] = mapped_column(String(500))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="planned")
    purpose: Mapped[str | None] = mapped_column(Text)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_in_latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    check_in_longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    outcome: Mapped[str | None] = mapped_column(Text)
    visit_activity_id: Mapped[uuid.UUID | None] = mapped_column()
    follow_up_activity_id: Mapped[uuid.UUID | None] = mapped_column()


EXPENSE_CLAIM = register_object_type("expense_claim")

EXPENSE_CATEGORIES = ("travel", "lodging", "meals", "entertainment", "supplies", "other")
EXPENSE_STATUSES = ("draft", "submitted", "approved", "rejected")


class ExpenseClaim(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "expense_claims"
    __table_args__ = (
        member_fk("claimant_id"),
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
        ForeignKeyConstraint(["tenant_id", "project_id"], ["projects.tenant_id", "projects.id"]),
        ForeignKeyConstraint(["tenant_id", "campaign_id"], ["campaigns.tenant_id", "campaigns.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "approval_request_id"], ["approval_requests.tenant_id", "approval_requests.id"]
        ),
    )

    claimant_id: Mapped[uuid.UUID] = mapped_column()
    category: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    incurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    project_id: Mapped[uuid.UUID | None] = mapped_column()
    campaign_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="draft")
    approval_request_id: Mapped[uuid.UUID | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


WORK_REPORT = register_object_type("work_report")
REPORT_PERIODS = ("daily", "weekly")


class WorkReport(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "work_reports"
    __table_args__ = (member_fk("author_id"),)

    author_id: Mapped[uuid.UUID] = mapped_column()
    period: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    plans: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WorkReportComment(TenantMixin, Base):
    __tablename__ = "work_report_comments"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "report_id"], ["work_reports.tenant_id", "work_reports.id"]),
        member_fk("author_id"),
    )

    report_id: Mapped[uuid.UUID] = mapped_column()
    author_id: Mapped[uuid.UUID] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


ATTENDANCE = register_object_type("attendance")
LEAVE_REQUEST = register_object_type("leave_request")
LEAVE_KINDS = ("annual", "sick", "unpaid", "other")
LEAVE_STATUSES = ("submitted", "approved", "rejected")


class AttendanceRecord(TenantMixin, Versioned, Base):
    __tablename__ = "attendance_records"
    __table_args__ = (member_fk("user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column()
    work_day: Mapped[date] = mapped_column(Date)
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    in_latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    in_longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    out_latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    out_longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))


class LeaveRequest(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "leave_requests"
    __table_args__ = (
        member_fk("user_id"),
        ForeignKeyConstraint(
            ["tenant_id", "approval_request_id"], ["approval_requests.tenant_id", "approval_requests.id"]
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    approval_request_id: Mapped[uuid.UUID | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
