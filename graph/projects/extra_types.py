"""GraphQL types of project health, cost, time, expenses, risks, change requests, templates and cost
rates, and the resolvers the Project and Task types delegate to (all through DataLoaders)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.approvals.types import ApprovalRequest, requests_by_id
from graph.core.context import RequestContext
from graph.core.pagination import Connection
from graph.crm.types import nested_connection, owner, resolve_by_ids
from graph.identity.types import User
from graph.money.types import MissingRate, missing_rate_list
from graph.projects import costs, health, loaders
from graph.projects import models as pm
from graph.projects.enums import ChangeKind, ChangeStatus, HealthStatus, RiskResponse, RiskStatus
from graph.projects.types import Task

Info = strawberry.Info[RequestContext, None]


@strawberry.type(description="One reason behind a project's health.")
class HealthReason:
    code: str = strawberry.field(
        description="OVERDUE_TASKS, MILESTONE_SLIPPAGE, BUDGET_BURN, HIGH_RISKS or PAST_END_DATE."
    )
    status: HealthStatus = strawberry.field(description="The health this reason implies on its own.")
    message: str = strawberry.field(description="The facts behind it, e.g. '2 of 8 open tasks are overdue.'")


@strawberry.type(description="Computed health: the worst status among the reasons (ON_TRACK without any).")
class ProjectHealth:
    status: HealthStatus = strawberry.field(description="ON_TRACK, AT_RISK or OFF_TRACK.")
    reasons: list[HealthReason] = strawberry.field(description="Why; empty when on track.")


async def project_health(info: Info, project_id: uuid.UUID, on: date) -> ProjectHealth:
    project = await info.context.loader("projects_by_id", loaders.projects_by_id).load(project_id)
    facts = await info.context.loader("health_facts_by_project_id", loaders.health_facts_by_project_id).load(
        (project_id, on)
    )
    cost = await info.context.loader("costs_by_project_id", loaders.costs_by_project_id).load(project_id)
    result = health.assess(project, facts, cost, on)
    return ProjectHealth(
        status=HealthStatus(result.status),
        reasons=[
            HealthReason(code=reason.code, status=HealthStatus(reason.status), message=reason.message)
            for reason in result.reasons
        ],
    )


@strawberry.type(description="Budget against actual cost, in the project's currency.")
class CostSummary:
    currency: str = strawberry.field(description="The project's currency.")
    budget: Decimal | None = strawberry.field(description="The project's budget, if set.")
    labor_cost: Decimal | None = strawberry.field(
        description="Hours times each member's cost rate; null (never a partial sum) when some hours need a"
        " missing exchange rate (see `missingRates`)."
    )
    expense_cost: Decimal | None = strawberry.field(
        description="Recorded expenses; null when one needs a missing exchange rate."
    )
    actual_cost: Decimal | None = strawberry.field(description="Labor plus expenses; null when either is.")
    remaining: Decimal | None = strawberry.field(
        description="Budget minus actual (negative when over); null without a budget or an actual cost."
    )
    burn_percent: Decimal | None = strawberry.field(
        description="Actual cost as a percentage of the budget, one decimal; null without both."
    )
    hours: Decimal = strawberry.field(description="All hours logged.")
    billable_hours: Decimal = strawberry.field(description="Hours marked billable.")
    unpriced_hours: Decimal = strawberry.field(
        description="Hours left out of the labor cost: no cost rate, or no exchange rate for its currency."
    )
    unconverted_expenses: int = strawberry.field(description="Expenses left out: no exchange rate.")
    missing_rates: list[MissingRate] = strawberry.field(
        description="Exchange rates the costs need and the tenant lacks (the figures needing them are null)."
    )


async def cost_summary(info: Info, project_id: uuid.UUID) -> CostSummary:
    cost: costs.Cost = await info.context.loader("costs_by_project_id", loaders.costs_by_project_id).load(
        project_id
    )
    known = cost.complete
    return CostSummary(
        currency=cost.currency,
        budget=cost.budget,
        labor_cost=cost.labor if cost.labor_complete else None,
        expense_cost=cost.expenses if not cost.unconverted_expenses else None,
        actual_cost=cost.actual if known else None,
        remaining=cost.budget - cost.actual if known and cost.budget is not None else None,
        burn_percent=cost.burn_percent if known else None,
        hours=cost.hours,
        billable_hours=cost.billable_hours,
        unpriced_hours=cost.unpriced_hours,
        unconverted_expenses=cost.unconverted_expenses,
        missing_rates=missing_rate_list(cost.missing_rates),
    )


async def hours_by_task(info: Info, task_id: uuid.UUID) -> Decimal:
    return await info.context.loader("hours_by_task_id", loaders.hours_by_task_id).load(task_id)


@strawberry.type(description="Hours a member spent on a task on one day.")
class TimeEntry:
    id: strawberry.ID = strawberry.field(description="Pass to deleteTimeEntry.")
    work_date: date = strawberry.field(description="The day worked.")
    hours: Decimal = strawberry.field(description="0.01-24.")
    billable: bool = strawberry.field(description="Billable to the client.")
    note: str | None = strawberry.field(description="What was done.")
    created_at: datetime = strawberry.field(description="When it was logged (UTC).")
    user_id: strawberry.Private[uuid.UUID]
    task_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, entry: pm.TimeEntry) -> TimeEntry:
        return cls(
            id=strawberry.ID(str(entry.id)),
            work_date=entry.work_date,
            hours=entry.hours,
            billable=entry.billable,
            note=entry.note,
            created_at=entry.created_at,
            user_id=entry.user_id,
            task_id=entry.task_id,
        )

    @strawberry.field(description="Who worked.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)

    @strawberry.field(description="On which task.")
    async def task(self, info: Info) -> Task | None:
        record = await info.context.loader("tasks_by_id", loaders.tasks_by_id).load(self.task_id)
        return Task.from_model(record) if record else None


async def project_time_entries(
    info: Info, project_id: uuid.UUID, first: int | None, after: str | None
) -> Connection[TimeEntry]:
    return await nested_connection(
        info,
        "time_entry_pages_by_project_id",
        loaders.time_entry_pages_by_project_id,
        loaders.time_entries_statement,
        pm.TimeEntry.project_id,
        loaders.TIME_ENTRIES_ORDER,
        TimeEntry.from_model,
        project_id,
        first,
        after,
    )


@strawberry.type(description="A cost recorded against a project.")
class Expense:
    id: strawberry.ID
    description: str = strawberry.field(description="What it was for.")
    amount: Decimal = strawberry.field(description="In `currency`.")
    currency: str = strawberry.field(description="ISO 4217 code.")
    incurred_on: date = strawberry.field(description="When it was incurred.")
    recorded_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, expense: pm.Expense) -> Expense:
        return cls(
            id=strawberry.ID(str(expense.id)),
            description=expense.description,
            amount=expense.amount,
            currency=expense.currency,
            incurred_on=expense.incurred_on,
            recorded_by_id=expense.recorded_by_id,
        )

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: Info) -> User | None:
        return await owner(info, self.recorded_by_id)


async def project_expenses(info: Info, project_id: uuid.UUID) -> list[Expense]:
    rows = await info.context.loader("expenses_by_project_id", loaders.expenses_by_project_id).load(
        project_id
    )
    return [Expense.from_model(row) for row in rows]


@strawberry.type(description="A project risk; its score is probability times impact (1-25).")
class Risk(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = pm.RISK
    id: relay.NodeID[str]
    title: str = strawberry.field(description="One-line summary.")
    description: str | None = strawberry.field(description="Details (null when hidden).")
    category: str | None = strawberry.field(description="A key of the tenant's risk_categories option list.")
    probability: int = strawberry.field(description="1-5.")
    impact: int = strawberry.field(description="1-5.")
    score: int = strawberry.field(description="Probability times impact.")
    response: RiskResponse = strawberry.field(description="AVOID, MITIGATE, TRANSFER or ACCEPT.")
    mitigation_plan: str | None = strawberry.field(description="How it is handled (null when hidden).")
    status: RiskStatus = strawberry.field(
        description="OPEN, MONITORING or CLOSED (closed risks leave the matrix and health)."
    )
    review_date: date | None = strawberry.field(description="When to look at it again.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    owner_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, risk: pm.Risk) -> Risk:
        return cls(
            id=str(risk.id),
            title=risk.title,
            description=risk.description,
            category=risk.category,
            probability=risk.probability,
            impact=risk.impact,
            score=risk.score,
            response=RiskResponse(risk.response),
            mitigation_plan=risk.mitigation_plan,
            status=RiskStatus(risk.status),
            review_date=risk.review_date,
            version=risk.version,
            owner_id=risk.owner_id,
            custom=risk.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Risk | None]:
        return await resolve_by_ids(info, "risks_by_id", loaders.risks_by_id, node_ids, cls.from_model)

    @strawberry.field(description="Who owns the risk (a project member).")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)


async def project_risks(info: Info, project_id: uuid.UUID) -> list[Risk]:
    rows = await info.context.loader("risks_by_project_id", loaders.risks_by_project_id).load(project_id)
    return [Risk.from_model(row) for row in rows]


@strawberry.type(description="One cell of a risk matrix with the risks (not closed) that fall in it.")
class RiskMatrixCell:
    probability: int = strawberry.field(description="1-5.")
    impact: int = strawberry.field(description="1-5.")
    score: int = strawberry.field(description="Probability times impact.")
    risks: list[Risk] = strawberry.field(description="Risks not closed in this cell, highest score first.")


@strawberry.type(description="One status change of a change request (never changed or deleted).")
class ChangeRequestStatusChange:
    from_status: ChangeStatus | None = strawberry.field(description="Null for the creation entry.")
    to_status: ChangeStatus = strawberry.field(description="The new status.")
    comment: str | None = strawberry.field(description="The submitter's or deciding approver's comment.")
    changed_at: datetime = strawberry.field(description="When (UTC).")
    changed_by_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who (or whose decision) changed it.")
    async def changed_by(self, info: Info) -> User | None:
        return await owner(info, self.changed_by_id)


@strawberry.type(description="A requested change to a project's scope, schedule or budget.")
class ChangeRequest(relay.Node):
    id: relay.NodeID[str]
    title: str = strawberry.field(description="One-line summary.")
    kind: ChangeKind = strawberry.field(description="SCOPE, SCHEDULE or BUDGET.")
    reason: str = strawberry.field(description="Why it is needed.")
    description: str | None = strawberry.field(description="What exactly changes.")
    cost_impact: Decimal | None = strawberry.field(description="Budget change in the project's currency.")
    new_planned_end: date | None = strawberry.field(description="The project's new planned end.")
    apply_on_approval: bool = strawberry.field(description="Applied to the project when finally approved.")
    status: ChangeStatus = strawberry.field(description="See the ChangeStatus flow.")
    created_at: datetime = strawberry.field(description="When it was drafted (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    project_id: strawberry.Private[uuid.UUID]
    requested_by_id: strawberry.Private[uuid.UUID]
    approval_request_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, change: pm.ChangeRequest) -> ChangeRequest:
        return cls(
            id=str(change.id),
            title=change.title,
            kind=ChangeKind(change.kind),
            reason=change.reason,
            description=change.description,
            cost_impact=change.cost_impact,
            new_planned_end=change.new_planned_end,
            apply_on_approval=change.apply_on_approval,
            status=ChangeStatus(change.status),
            created_at=change.created_at,
            version=change.version,
            project_id=change.project_id,
            requested_by_id=change.requested_by_id,
            approval_request_id=change.approval_request_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ChangeRequest | None]:
        return await resolve_by_ids(
            info, "change_requests_by_id", loaders.change_requests_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="Who asked for it.")
    async def requested_by(self, info: Info) -> User | None:
        return await owner(info, self.requested_by_id)

    @strawberry.field(description="Every status change, oldest first.")
    async def history(self, info: Info) -> list[ChangeRequestStatusChange]:
        loader = info.context.loader("change_history_by_change_id", loaders.change_history_by_change_id)
        return [
            ChangeRequestStatusChange(
                from_status=ChangeStatus(row.from_status) if row.from_status else None,
                to_status=ChangeStatus(row.to_status),
                comment=row.comment,
                changed_at=row.changed_at,
                changed_by_id=row.changed_by_id,
            )
            for row in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="Its approval request (with every decision), once submitted.")
    async def approval(self, info: Info) -> ApprovalRequest | None:
        if self.approval_request_id is None:
            return None
        row = await info.context.loader("approval_requests_by_id", requests_by_id).load(
            self.approval_request_id
        )
        return ApprovalRequest.from_model(row) if row else None


async def project_change_requests(info: Info, project_id: uuid.UUID) -> list[ChangeRequest]:
    loader = info.context.loader("change_requests_by_project_id", loaders.change_requests_by_project_id)
    return [ChangeRequest.from_model(row) for row in await loader.load(project_id)]


@strawberry.type(description="A reusable project outline: milestones and tasks with relative dates.")
class ProjectTemplate:
    id: strawberry.ID = strawberry.field(description="Pass to createProjectFromTemplate.")
    name: str = strawberry.field(description="Unique per tenant.")
    description: str | None = strawberry.field(description="Free text.")
    created_at: datetime = strawberry.field(description="When it was saved (UTC).")
    milestone_count: int = strawberry.field(description="Milestones it creates.")
    task_count: int = strawberry.field(description="Tasks (with subtasks) it creates.")
    duration_days: int | None = strawberry.field(description="Planned start to planned end, in days.")

    @classmethod
    def from_model(cls, template: pm.ProjectTemplate) -> ProjectTemplate:
        content = template.content
        return cls(
            id=strawberry.ID(str(template.id)),
            name=template.name,
            description=template.description,
            created_at=template.created_at,
            milestone_count=len(content["milestones"]),
            task_count=len(content["tasks"]),
            duration_days=content.get("duration_days"),
        )


@strawberry.type(description="A member's hourly cost rate, used for project labor cost.")
class UserCostRate:
    hourly_rate: Decimal = strawberry.field(description="Cost of one hour of this member's time.")
    currency: str = strawberry.field(description="ISO 4217 code of the rate.")
    version: int = strawberry.field(description="Increases with every change.")
    user_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, rate: pm.UserCostRate) -> UserCostRate:
        return cls(
            hourly_rate=rate.hourly_rate, currency=rate.currency, version=rate.version, user_id=rate.user_id
        )

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)
