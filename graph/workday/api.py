"""Daily-work queries and mutations: calendars, visits, iCalendar export."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id
from graph.core.inputs import given_values
from graph.core.pagination import Connection, connection_of, paginate
from graph.workday import calendar, expenses, ical, reports, visits
from graph.workday import documents as documents  # registers expense claims as document link targets
from graph.workday.calendar_types import (
    ITEM_IDS,
    CalendarItem,
    CalendarItemFilter,
    CalendarItemPayload,
    CalendarOccurrence,
    CreateCalendarItemInput,
    UpdateCalendarItemInput,
)
from graph.workday.expense_types import (
    CLAIM_IDS,
    CreateExpenseClaimInput,
    ExpenseClaim,
    ExpenseClaimFilter,
    ExpenseClaimPayload,
    ExpenseTotal,
    ExpenseTotals,
    UpdateExpenseClaimInput,
)
from graph.workday.report_types import (
    CreateWorkReportInput,
    UpdateWorkReportInput,
    WorkReport,
    WorkReportFilter,
    WorkReportPayload,
)

ReportId = Annotated[relay.GlobalID, strawberry.argument(description="A WorkReport.")]
ClaimId = Annotated[relay.GlobalID, strawberry.argument(description="An ExpenseClaim.")]
ItemId = Annotated[relay.GlobalID, strawberry.argument(description="A CalendarItem.")]
Version = Annotated[int, strawberry.argument(description="The version you read (CONFLICT when stale).")]
UserId = Annotated[
    relay.GlobalID | None, strawberry.argument(description="A member (User); left out: yourself.")
]


@strawberry.type
class WorkdayQuery:
    @strawberry.field(description="Calendar items in your scope, by start (recurring ones once).")
    async def calendar_items(
        self,
        info: Info,
        filter: Annotated[
            CalendarItemFilter | None, strawberry.argument(description="Conditions; left out: all in scope.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CalendarItem]:
        conditions = filter or CalendarItemFilter()
        statement = calendar.items_statement(
            info.context.actor,
            decode_optional_id(conditions.owner_id, "User", "filter.ownerId"),
            decode_optional_id(conditions.account_id, "Account", "filter.accountId"),
            conditions.kind.value if conditions.kind else None,
            decode_optional_id(conditions.team_id, "Team", "filter.teamId"),
        )
        session = await info.context.session()
        return await paginate(session, statement, CalendarItem.from_model, first, after, before, last)

    @strawberry.field(
        description=(
            "A member's calendar, or a team's shared items (`teamId`), between `from` and `to` (at most 366 "
            "days, 1,000 occurrences per item): every occurrence, recurring items expanded in their time "
            "zone, cancelled ones left out; in start order."
        )
    )
    async def calendar(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from", description="Window start.")],
        to: Annotated[datetime, strawberry.argument(description="Window end (exclusive).")],
        user_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="A member (User); left out: yourself, or anyone with `teamId`."),
        ] = None,
        team_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="A Team: the items shared with it (you see them as its member)."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CalendarOccurrence]:
        actor = info.context.actor
        team = decode_optional_id(team_id, "Team", "teamId")
        owner_id = decode_optional_id(user_id, "User", "userId") or (None if team else actor.user_id)
        session = await info.context.session()
        found = await calendar.window(session, actor, from_, to, owner_id, team_id=team)
        occurrences = [
            CalendarOccurrence(item=CalendarItem.from_model(item), starts_at=start, ends_at=end)
            for item, start, end in found
        ]
        return connection_of(
            occurrences,
            lambda occurrence: f"{occurrence.item.id}@{occurrence.starts_at.isoformat()}",
            first,
            after,
            last,
            before,
        )

    @strawberry.field(
        description=(
            "A member's calendar items you may see as an iCalendar (RFC 5545) file, for calendar clients; "
            "stable UIDs, so importing again updates the events."
        )
    )
    async def calendar_export(self, info: Info, user_id: UserId = None) -> str:
        actor = info.context.actor
        owner_id = decode_optional_id(user_id, "User", "userId") or actor.user_id
        return await ical.export_calendar(await info.context.session(), actor, owner_id)

    @strawberry.field(description="Expense claims in your scope, newest day first.")
    async def expense_claims(
        self,
        info: Info,
        filter: Annotated[
            ExpenseClaimFilter | None, strawberry.argument(description="Conditions; left out: all in scope.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ExpenseClaim]:
        conditions = filter or ExpenseClaimFilter()
        statement = expenses.claims_statement(
            info.context.actor,
            conditions.status.value if conditions.status else None,
            decode_optional_id(conditions.project_id, "Project", "filter.projectId"),
            decode_optional_id(conditions.campaign_id, "Campaign", "filter.campaignId"),
        )
        session = await info.context.session()
        return await paginate(session, statement, ExpenseClaim.from_model, first, after, before, last)

    @strawberry.field(
        description=(
            "Approved expense claims you may see for a project and/or account, summed per currency (what "
            "they add to the project's or customer's costs)."
        )
    )
    async def expense_totals(
        self,
        info: Info,
        project_id: Annotated[relay.GlobalID | None, strawberry.argument(description="A Project.")] = None,
        account_id: Annotated[relay.GlobalID | None, strawberry.argument(description="An Account.")] = None,
        campaign_id: Annotated[relay.GlobalID | None, strawberry.argument(description="A Campaign.")] = None,
    ) -> ExpenseTotals:
        rows = await expenses.expense_totals(
            await info.context.session(),
            info.context.actor,
            decode_optional_id(project_id, "Project", "projectId"),
            decode_optional_id(account_id, "Account", "accountId"),
            decode_optional_id(campaign_id, "Campaign", "campaignId"),
        )
        totals = [
            ExpenseTotal(currency=currency, amount=total, claims=count) for currency, total, count in rows
        ]
        return ExpenseTotals(totals=totals)

    @strawberry.field(description="Work reports in your scope, newest period first.")
    async def work_reports(
        self,
        info: Info,
        filter: Annotated[
            WorkReportFilter | None, strawberry.argument(description="Conditions; left out: all in scope.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WorkReport]:
        conditions = filter or WorkReportFilter()
        statement = reports.reports_statement(
            info.context.actor,
            decode_optional_id(conditions.author_id, "User", "filter.authorId"),
            conditions.period.value if conditions.period else None,
        )
        session = await info.context.session()
        return await paginate(session, statement, WorkReport.from_model, first, after, before, last)


@strawberry.type
class WorkdayMutation:
    @strawberry.mutation(description="Plan an item in your calendar (visits need an account or contact).")
    @mutation_payload(CalendarItemPayload)
    async def create_calendar_item(
        self,
        info: Info,
        input: Annotated[CreateCalendarItemInput, strawberry.argument(description="The new item.")],
    ) -> CalendarItemPayload:
        values = given_values(input, ITEM_IDS)
        item = await calendar.create_item(await info.context.session(), info.context.actor, values)
        return CalendarItemPayload(item=CalendarItem.from_model(item))

    @strawberry.mutation(description="Change a planned calendar item.")
    @mutation_payload(CalendarItemPayload)
    async def update_calendar_item(
        self,
        info: Info,
        id: ItemId,
        version: Version,
        input: Annotated[UpdateCalendarItemInput, strawberry.argument(description="The fields to change.")],
    ) -> CalendarItemPayload:
        values = given_values(input, ITEM_IDS)
        session, actor = await info.context.session(), info.context.actor
        item = await calendar.update_item(session, actor, decode_id(id, "CalendarItem"), version, values)
        return CalendarItemPayload(item=CalendarItem.from_model(item))

    @strawberry.mutation(description="Cancel a planned calendar item (it stays, marked cancelled).")
    @mutation_payload(CalendarItemPayload)
    async def cancel_calendar_item(self, info: Info, id: ItemId, version: Version) -> CalendarItemPayload:
        session, actor = await info.context.session(), info.context.actor
        item = await calendar.cancel_item(session, actor, decode_id(id, "CalendarItem"), version)
        return CalendarItemPayload(item=CalendarItem.from_model(item))

    @strawberry.mutation(description="Check in on a visit of yours, now, where you are.")
    @mutation_payload(CalendarItemPayload)
    async def check_in_visit(
        self,
        info: Info,
        id: ItemId,
        version: Version,
        latitude: Annotated[Decimal, strawberry.argument(description="-90 to 90 (WGS 84).")],
        longitude: Annotated[Decimal, strawberry.argument(description="-180 to 180 (WGS 84).")],
    ) -> CalendarItemPayload:
        session, actor = await info.context.session(), info.context.actor
        item_id = decode_id(id, "CalendarItem")
        item = await visits.check_in(session, actor, item_id, version, latitude, longitude)
        return CalendarItemPayload(item=CalendarItem.from_model(item))

    @strawberry.mutation(
        description=(
            "Close a checked-in visit of yours with its outcome: written to the customer's timeline, with "
            "an optional follow-up task."
        )
    )
    @mutation_payload(CalendarItemPayload)
    async def record_visit_outcome(
        self,
        info: Info,
        id: ItemId,
        version: Version,
        outcome: Annotated[str, strawberry.argument(description="What came of it (1-20,000 characters).")],
        follow_up: Annotated[
            str | None, strawberry.argument(description="A follow-up task's subject (with followUpDueAt).")
        ] = None,
        follow_up_due_at: Annotated[
            datetime | None, strawberry.argument(description="When the follow-up is due.")
        ] = None,
    ) -> CalendarItemPayload:
        session, actor = await info.context.session(), info.context.actor
        item = await visits.record_outcome(
            session, actor, decode_id(id, "CalendarItem"), version, outcome, follow_up, follow_up_due_at
        )
        return CalendarItemPayload(item=CalendarItem.from_model(item))

    @strawberry.mutation(description="Record an expense of yours as a draft claim.")
    @mutation_payload(ExpenseClaimPayload)
    async def create_expense_claim(
        self,
        info: Info,
        input: Annotated[CreateExpenseClaimInput, strawberry.argument(description="The claim.")],
    ) -> ExpenseClaimPayload:
        values = given_values(input, CLAIM_IDS)
        claim = await expenses.create_claim(await info.context.session(), info.context.actor, values)
        return ExpenseClaimPayload(claim=ExpenseClaim.from_model(claim))

    @strawberry.mutation(description="Change your draft claim.")
    @mutation_payload(ExpenseClaimPayload)
    async def update_expense_claim(
        self,
        info: Info,
        id: ClaimId,
        version: Version,
        input: Annotated[UpdateExpenseClaimInput, strawberry.argument(description="The fields to change.")],
    ) -> ExpenseClaimPayload:
        values = given_values(input, CLAIM_IDS)
        session, actor = await info.context.session(), info.context.actor
        claim = await expenses.update_claim(session, actor, decode_id(id, "ExpenseClaim"), version, values)
        return ExpenseClaimPayload(claim=ExpenseClaim.from_model(claim))

    @strawberry.mutation(
        description="Submit your draft claim to the tenant's expense claim approval chain (INVALID if none)."
    )
    @mutation_payload(ExpenseClaimPayload)
    async def submit_expense_claim(self, info: Info, id: ClaimId, version: Version) -> ExpenseClaimPayload:
        session, actor = await info.context.session(), info.context.actor
        claim = await expenses.submit_claim(session, actor, decode_id(id, "ExpenseClaim"), version)
        return ExpenseClaimPayload(claim=ExpenseClaim.from_model(claim))

    @strawberry.mutation(description="Start your report for a day or a week (one per period).")
    @mutation_payload(WorkReportPayload)
    async def create_work_report(
        self,
        info: Info,
        input: Annotated[CreateWorkReportInput, strawberry.argument(description="The report.")],
    ) -> WorkReportPayload:
        values = given_values(input, {})
        report = await reports.create_report(await info.context.session(), info.context.actor, values)
        return WorkReportPayload(report=WorkReport.from_model(report))

    @strawberry.mutation(description="Change your draft report.")
    @mutation_payload(WorkReportPayload)
    async def update_work_report(
        self,
        info: Info,
        id: ReportId,
        version: Version,
        input: Annotated[UpdateWorkReportInput, strawberry.argument(description="The fields to change.")],
    ) -> WorkReportPayload:
        values = given_values(input, {})
        session, actor = await info.context.session(), info.context.actor
        report = await reports.update_report(session, actor, decode_id(id, "WorkReport"), version, values)
        return WorkReportPayload(report=WorkReport.from_model(report))

    @strawberry.mutation(description="Submit your report (final; it needs a summary).")
    @mutation_payload(WorkReportPayload)
    async def submit_work_report(self, info: Info, id: ReportId, version: Version) -> WorkReportPayload:
        session, actor = await info.context.session(), info.context.actor
        report = await reports.submit_report(session, actor, decode_id(id, "WorkReport"), version)
        return WorkReportPayload(report=WorkReport.from_model(report))

    @strawberry.mutation(description="Comment on a submitted report you may read; its author is notified.")
    @mutation_payload(WorkReportPayload)
    async def comment_on_work_report(
        self,
        info: Info,
        report_id: ReportId,
        body: Annotated[str, strawberry.argument(description="1-5,000 characters.")],
    ) -> WorkReportPayload:
        session, actor = await info.context.session(), info.context.actor
        report_uuid = decode_id(report_id, "WorkReport", "reportId")
        await reports.comment(session, actor, report_uuid, body)
        report = await reports.get_report(session, actor, report_uuid, "reportId")
        return WorkReportPayload(report=WorkReport.from_model(report))
