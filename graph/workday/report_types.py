"""GraphQL types and inputs of work reports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError
from graph.core.nodes import resolve_by_ids
from graph.crm.types import Activity
from graph.identity.types import User, owner
from graph.workday import reports
from graph.workday.calendar_types import CalendarItem
from graph.workday.loaders import work_reports_by_id
from graph.workday.models import REPORT_PERIODS
from graph.workday.models import WorkReport as WorkReportRow
from graph.workday.models import WorkReportComment as CommentRow


@strawberry.enum(description="What a report covers: one day, or a week from Monday.")
class WorkReportPeriod(Enum):
    DAILY = "daily"
    WEEKLY = "weekly"


@strawberry.enum(description="DRAFT while the author writes it; SUBMITTED is final (comments still welcome).")
class WorkReportStatus(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


assert {period.value for period in WorkReportPeriod} == set(REPORT_PERIODS)


@strawberry.type(description="A comment on a work report.")
class WorkReportComment:
    body: str = strawberry.field(description="The comment.")
    created_at: datetime = strawberry.field(description="When it was written.")
    author_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info) -> User | None:
        return await owner(info, self.author_id)

    @classmethod
    def from_model(cls, row: CommentRow) -> WorkReportComment:
        return cls(body=row.body, created_at=row.created_at, author_id=row.author_id)


@strawberry.type(
    description="A member's daily or weekly work report; the period's work is assembled for you."
)
class WorkReport(relay.Node):
    id: relay.NodeID[str]
    period: WorkReportPeriod = strawberry.field(description="Daily or weekly.")
    starts_on: date = strawberry.field(description="First day covered.")
    ends_on: date = strawberry.field(description="Last day covered.")
    summary: str = strawberry.field(description="The author's summary.")
    plans: str | None = strawberry.field(description="What comes next.")
    status: WorkReportStatus = strawberry.field(description="Draft or submitted.")
    submitted_at: datetime | None = strawberry.field(description="When it was submitted.")
    version: int = strawberry.field(description="Pass to updates.")
    row: strawberry.Private[WorkReportRow]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WorkReport | None]:
        """Reports in your scope (your own; your team's with team scope; all with all)."""
        return await resolve_by_ids(info, "work_reports_by_id", work_reports_by_id, node_ids, cls.from_model)

    @classmethod
    def from_model(cls, row: WorkReportRow) -> WorkReport:
        return cls(
            id=str(row.id),
            period=WorkReportPeriod(row.period),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            summary=row.summary,
            plans=row.plans,
            status=WorkReportStatus(row.status),
            submitted_at=row.submitted_at,
            version=row.version,
            row=row,
        )

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info) -> User | None:
        return await owner(info, self.row.author_id)

    @strawberry.field(description="The author's done activities in the period that you may see (max 200).")
    async def activities(self, info: Info) -> list[Activity]:
        rows = await reports.activities_of(await info.context.session(), info.context.actor, self.row)
        return [Activity.from_model(row) for row in rows]

    @strawberry.field(description="The author's visits in the period that you may see (max 200).")
    async def visits(self, info: Info) -> list[CalendarItem]:
        rows = await reports.visits_of(await info.context.session(), info.context.actor, self.row)
        return [CalendarItem.from_model(row) for row in rows]

    @strawberry.field(
        description="Tasks assigned to the author completed in the period, in projects you see."
    )
    async def completed_task_count(self, info: Info) -> int:
        return await reports.completed_tasks_of(await info.context.session(), info.context.actor, self.row)

    @strawberry.field(description="Comments, oldest first.")
    async def comments(self, info: Info) -> list[WorkReportComment]:
        rows = await reports.comments_of(await info.context.session(), self.row.id)
        return [WorkReportComment.from_model(row) for row in rows]


@strawberry.input(description="Conditions on work reports.")
class WorkReportFilter:
    author_id: relay.GlobalID | None = strawberry.field(default=None, description="Only this member's.")
    period: WorkReportPeriod | None = strawberry.field(default=None, description="Only daily or weekly ones.")


@strawberry.input(description="A new report of yours (a draft).")
class CreateWorkReportInput:
    period: WorkReportPeriod = strawberry.field(description="Daily or weekly.")
    starts_on: date = strawberry.field(
        description="The day, or the Monday of the week; not ahead of tomorrow."
    )
    summary: str | None = strawberry.field(default=UNSET, description="At most 20,000 characters.")
    plans: str | None = strawberry.field(default=UNSET, description="At most 20,000 characters.")


@strawberry.input(description="Fields to change on your draft report.")
class UpdateWorkReportInput:
    summary: str | None = strawberry.field(default=UNSET, description="At most 20,000 characters.")
    plans: str | None = strawberry.field(default=UNSET, description="Null clears it.")


@strawberry.type(description="Result of a work report mutation.")
class WorkReportPayload:
    report: WorkReport | None = strawberry.field(default=None, description="The report after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
