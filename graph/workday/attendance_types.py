"""GraphQL types and inputs of attendance and leave."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import relay

from graph.approvals.types import ApprovalRequest, requests_by_id
from graph.core.context import Info
from graph.core.errors import UserError
from graph.core.ids import encode_id
from graph.core.nodes import load_by_id, resolve_by_ids
from graph.identity.types import User, owner
from graph.workday.attendance import MonthSummary
from graph.workday.loaders import attendance_records_by_id, leave_requests_by_id
from graph.workday.models import LEAVE_KINDS, LEAVE_STATUSES
from graph.workday.models import AttendanceRecord as AttendanceRow
from graph.workday.models import LeaveRequest as LeaveRow


@strawberry.enum(description="Why a member is away.")
class LeaveKind(Enum):
    ANNUAL = "annual"
    SICK = "sick"
    UNPAID = "unpaid"
    OTHER = "other"


@strawberry.enum(description="SUBMITTED (approval chain) → APPROVED or REJECTED.")
class LeaveStatus(Enum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


assert {k.value for k in LeaveKind} == set(LEAVE_KINDS)
assert {s.value for s in LeaveStatus} == set(LEAVE_STATUSES)


@strawberry.type(description="One member's day: check-in and check-out on the server's clock.")
class AttendanceRecord(relay.Node):
    id: relay.NodeID[str]
    work_day: date = strawberry.field(description="The (UTC) day.")
    checked_in_at: datetime = strawberry.field(description="When the member checked in.")
    checked_out_at: datetime | None = strawberry.field(description="When they checked out; null while in.")
    in_latitude: Decimal | None = strawberry.field(description="Check-in latitude, when given.")
    in_longitude: Decimal | None = strawberry.field(description="Check-in longitude, when given.")
    out_latitude: Decimal | None = strawberry.field(description="Check-out latitude, when given.")
    out_longitude: Decimal | None = strawberry.field(description="Check-out longitude, when given.")
    user_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AttendanceRecord | None]:
        """Records in your attendance scope."""
        loader = attendance_records_by_id
        return await resolve_by_ids(info, "attendance_records_by_id", loader, node_ids, cls.from_model)

    @classmethod
    def from_model(cls, row: AttendanceRow) -> AttendanceRecord:
        return cls(
            id=str(row.id),
            work_day=row.work_day,
            checked_in_at=row.checked_in_at,
            checked_out_at=row.checked_out_at,
            in_latitude=row.in_latitude,
            in_longitude=row.in_longitude,
            out_latitude=row.out_latitude,
            out_longitude=row.out_longitude,
            user_id=row.user_id,
        )

    @strawberry.field(description="Whose day it is.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)


@strawberry.type(description="A request for days off, decided by the tenant's leave approval chain.")
class LeaveRequest(relay.Node):
    id: relay.NodeID[str]
    kind: LeaveKind = strawberry.field(description="Annual, sick, unpaid or other.")
    starts_on: date = strawberry.field(description="First day off.")
    ends_on: date = strawberry.field(description="Last day off.")
    days: int = strawberry.field(description="Weekdays covered (Monday to Friday).")
    reason: str | None = strawberry.field(description="Why, when given.")
    status: LeaveStatus = strawberry.field(description="Where the request stands.")
    decided_at: datetime | None = strawberry.field(description="When the chain decided.")
    user_id: strawberry.Private[uuid.UUID]
    approval_request_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LeaveRequest | None]:
        """Requests in your leave scope."""
        return await resolve_by_ids(
            info, "leave_requests_by_id", leave_requests_by_id, node_ids, cls.from_model
        )

    @classmethod
    def from_model(cls, row: LeaveRow) -> LeaveRequest:
        return cls(
            id=str(row.id),
            kind=LeaveKind(row.kind),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            days=row.days,
            reason=row.reason,
            status=LeaveStatus(row.status),
            decided_at=row.decided_at,
            user_id=row.user_id,
            approval_request_id=row.approval_request_id,
        )

    @strawberry.field(description="Who asked.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)

    @strawberry.field(description="The approval request deciding it; null when not yours to see.")
    async def approval_request(self, info: Info) -> ApprovalRequest | None:
        record = await load_by_id(info, "requests_by_id", requests_by_id, self.approval_request_id)
        return ApprovalRequest.from_model(record) if record else None


@strawberry.type(description="One person's month: presence, hours and approved leave.")
class AttendanceSummary:
    user_id: relay.GlobalID = strawberry.field(description="The member (a User).")
    email: str = strawberry.field(description="The member's email, as the HR system knows them.")
    name: str = strawberry.field(description="The member's full name.")
    days_present: int = strawberry.field(description="Days checked in.")
    hours: Decimal = strawberry.field(description="Hours between check-in and check-out, summed.")
    open_days: int = strawberry.field(description="Days checked in but never out (no hours counted).")
    leave_days: int = strawberry.field(description="Approved leave on weekdays of the month.")

    @classmethod
    def from_row(cls, row: MonthSummary) -> AttendanceSummary:
        return cls(
            user_id=encode_id("User", row.user_id),
            email=row.email,
            name=row.name,
            days_present=row.days_present,
            hours=row.hours,
            open_days=row.open_days,
            leave_days=row.leave_days,
        )


@strawberry.input(description="Conditions on attendance records.")
class AttendanceFilter:
    user_id: relay.GlobalID | None = strawberry.field(default=None, description="Only this member's.")
    month: str | None = strawberry.field(default=None, description="Only this month, as YYYY-MM.")


@strawberry.input(description="Conditions on leave requests.")
class LeaveRequestFilter:
    user_id: relay.GlobalID | None = strawberry.field(default=None, description="Only this member's.")
    status: LeaveStatus | None = strawberry.field(default=None, description="Only in this state.")


@strawberry.type(description="Result of a check-in or check-out.")
class AttendancePayload:
    record: AttendanceRecord | None = strawberry.field(default=None, description="Today's record after it.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of asking for leave.")
class LeaveRequestPayload:
    leave: LeaveRequest | None = strawberry.field(default=None, description="The request, submitted.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
