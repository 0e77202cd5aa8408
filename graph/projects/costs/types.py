"""GraphQL types of project health, cost, time entries, expenses and cost rates, and the resolvers the
Project and Task types delegate to (all through DataLoaders).

`TimeEntry.task` returns the area's Task type, whose project's fields return these types: the two modules
refer to each other as modules (`project_types.Task`, `cost_types.cost_summary`), never by name at import.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import Info
from graph.core.ids import nodes_in_order
from graph.core.nodes import nested_connection
from graph.core.pagination import Connection
from graph.identity.types import User, owner
from graph.money.types import MissingRate, missing_rate_list
from graph.projects import models as pm
from graph.projects import types as project_types
from graph.projects.access import in_visible_projects
from graph.projects.costs import costs, health, loaders
from graph.projects.enums import HealthStatus
from graph.projects.loaders import projects_by_id, tasks_by_id
from graph.projects.models import EXPENSE, TIME_ENTRY
from tenants.permissions import Action

if TYPE_CHECKING:
    from graph.projects.types import Task


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
    project = await info.context.loader("projects_by_id", projects_by_id).load(project_id)
    facts = await info.context.loader("health_facts_by_project_id", loaders.health_facts_by_project_id).load(
        (project_id, on)
    )
    cost = await info.context.loader("costs_by_project_id", loaders.costs_by_project_id).load(project_id)
    return health_view(health.assess(project, facts, cost, on))


def health_view(result: health.Health) -> ProjectHealth:
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
    material_cost: Decimal = strawberry.field(
        description="Actual amounts of received material lines (always in the project's currency)."
    )
    expense_claim_cost: Decimal | None = strawberry.field(
        description="Expense claims approved for this project (daily work; drafts, submitted and rejected"
        " ones do not count), converted on the day spent; null when one needs a missing exchange rate."
    )
    actual_cost: Decimal | None = strawberry.field(
        description="Labor plus expenses plus materials plus approved expense claims; null when labor,"
        " expenses or claims are."
    )
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
    unconverted_expense_claims: int = strawberry.field(
        description="Approved expense claims left out: no exchange rate."
    )
    missing_rates: list[MissingRate] = strawberry.field(
        description="Exchange rates the costs need and the tenant lacks (the figures needing them are null)."
    )


async def cost_summary(info: Info, project_id: uuid.UUID) -> CostSummary:
    cost: costs.Cost = await info.context.loader("costs_by_project_id", loaders.costs_by_project_id).load(
        project_id
    )
    return cost_view(cost)


def cost_view(cost: costs.Cost) -> CostSummary:
    known = cost.complete
    return CostSummary(
        currency=cost.currency,
        budget=cost.budget,
        labor_cost=cost.labor if cost.labor_complete else None,
        expense_cost=cost.expenses if not cost.unconverted_expenses else None,
        material_cost=cost.materials,
        expense_claim_cost=cost.claims if not cost.unconverted_claims else None,
        actual_cost=cost.actual if known else None,
        remaining=cost.budget - cost.actual if known and cost.budget is not None else None,
        burn_percent=cost.burn_percent if known else None,
        hours=cost.hours,
        billable_hours=cost.billable_hours,
        unpriced_hours=cost.unpriced_hours,
        unconverted_expenses=cost.unconverted_expenses,
        unconverted_expense_claims=cost.unconverted_claims,
        missing_rates=missing_rate_list(cost.missing_rates),
    )


async def hours_by_task(info: Info, task_id: uuid.UUID) -> Decimal:
    return await info.context.loader("hours_by_task_id", loaders.hours_by_task_id).load(task_id)


@strawberry.type(description="Hours a member spent on a task on one day.")
class TimeEntry(relay.Node):
    id: relay.NodeID[str]
    work_date: date = strawberry.field(description="The day worked.")
    hours: Decimal = strawberry.field(description="0.01-24.")
    billable: bool = strawberry.field(description="Billable to the client.")
    note: str | None = strawberry.field(description="What was done.")
    created_at: datetime = strawberry.field(description="When it was logged (UTC).")
    user_id: strawberry.Private[uuid.UUID]
    task_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A time entry of a project you may see (as `Project.timeEntries`)."""
        return await project_parts(info, node_ids, pm.TimeEntry, TIME_ENTRY, cls.from_model)

    @classmethod
    def from_model(cls, entry: pm.TimeEntry) -> TimeEntry:
        return cls(
            id=str(entry.id),
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
    async def task(self, info: Info) -> Annotated[Task, strawberry.lazy("graph.projects.types")] | None:
        record = await info.context.loader("tasks_by_id", tasks_by_id).load(self.task_id)
        return project_types.Task.from_model(record) if record else None


async def project_parts(
    info: Info, node_ids: Iterable[str], model: Any, object_type: str, to_node: Callable[[Any], Any]
) -> list[Any]:
    """Time entries or expenses by id, as the project lists show them: readable type, visible project."""
    actor = info.context.actor

    async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
        if not actor.permissions.can(object_type, Action.READ):
            return {}
        rows = await (await info.context.session()).scalars(
            select(model).where(model.id.in_(ids), in_visible_projects(actor, object_type, model.project_id))
        )
        return {row.id: to_node(row) for row in rows}

    return await nodes_in_order(node_ids, load)


async def project_time_entries(
    info: Info,
    project_id: uuid.UUID,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
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
        last,
        before,
    )


@strawberry.type(description="A cost recorded against a project.")
class Expense(relay.Node):
    id: relay.NodeID[str]
    description: str = strawberry.field(description="What it was for.")
    amount: Decimal = strawberry.field(description="In `currency`.")
    currency: str = strawberry.field(description="ISO 4217 code.")
    incurred_on: date = strawberry.field(description="When it was incurred.")
    recorded_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """An expense of a project you may see (as `Project.expenses`)."""
        return await project_parts(info, node_ids, pm.Expense, EXPENSE, cls.from_model)

    @classmethod
    def from_model(cls, expense: pm.Expense) -> Expense:
        return cls(
            id=str(expense.id),
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
