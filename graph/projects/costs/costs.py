"""Time, expenses and cost: time entries on tasks, recorded expenses, per-user hourly cost rates, and a
project's budget against its actual cost.

Actual cost = Σ hours times the user's current cost rate + Σ expenses + Σ received materials (their actual
amounts, graph/projects/purchases/) + Σ expense claims approved for the project (daily work, through a
registered claim source), in the project's currency. A rate or
an expense or claim in another currency is converted through the tenant's exchange rates on the work date
(or the day it was spent); hours without a rate, or without a usable exchange rate, are reported as
`unpriced_hours` instead of being guessed. A cost that needs a missing exchange rate is not shown as a
partial sum: the summary's labor, expense and actual figures are then null and `missing_rates` names the
rates (health still judges the burn by the part that is known). Rates are current rates: changing one
re-prices history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.identity.members import active_member
from graph.live.events import announce
from graph.money.service import (
    MissingRate,
    missing_rates,
    parsed_needs,
    quantize,
    rate_need_sql,
    rate_to_base_sql,
    validate_currency,
)
from graph.projects.access import get_managed_project, get_project, require_project_member
from graph.projects.models import (
    EXPENSE,
    TIME_ENTRY,
    Expense,
    Project,
    Task,
    TimeEntry,
    UserCostRate,
)
from graph.projects.planning.tasks import open_project
from graph.projects.purchases.models import MaterialLine
from graph.projects.rules import money
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Tenant
from tenants.permissions import Action, Actor, Capability
from tenants.validation import optional_text, required_text

HUNDREDTH = Decimal("0.01")
MAX_HOURS_PER_DAY = Decimal(24)


async def set_user_cost_rate(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, hourly_rate: Decimal, currency: str
) -> UserCostRate:
    """Sets (or replaces) a member's hourly cost rate; needs the manage_settings capability."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    await active_member(session, actor, user_id, "userId")
    code = validate_currency(currency)
    amount = money(hourly_rate, code, "hourlyRate")
    rate = await session.get(UserCostRate, (actor.tenant_id, user_id))
    before = {"hourly_rate": rate.hourly_rate, "currency": rate.currency} if rate else {}
    if rate is None:
        rate = UserCostRate(tenant_id=actor.tenant_id, user_id=user_id, hourly_rate=amount, currency=code)
        session.add(rate)
    else:
        rate.hourly_rate, rate.currency = amount, code  # type: ignore[assignment]
    await session.flush()
    changes = audit.diff(before, {"hourly_rate": amount, "currency": code})
    await audit.record(session, actor, "cost_rate.set", "user", user_id, changes)
    return rate


async def user_cost_rates(session: AsyncSession, actor: Actor) -> list[UserCostRate]:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    return list(await session.scalars(select(UserCostRate).order_by(UserCostRate.user_id)))


def clean_hours(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0 or value > MAX_HOURS_PER_DAY:
        raise DomainError(ErrorCode.INVALID, "Log between 0.01 and 24 hours.", "hours")
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


async def log_time(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> TimeEntry:
    """Time on a task by a project member (yourself, or anyone when you manage the project)."""
    actor.require(TIME_ENTRY, Action.CREATE)
    task = await session.scalar(select(Task).where(Task.id == values["task_id"]))
    if task is None:
        raise not_found("task", "taskId")
    project = await get_project(session, actor, task.project_id, "taskId", object_type=TIME_ENTRY)
    open_project(project)
    user_id = values.get("user_id") or actor.user_id
    if user_id != actor.user_id:
        await get_managed_project(session, actor, project.id, "taskId")
    await require_project_member(session, project.id, user_id, "userId")
    hours = clean_hours(values["hours"])
    work_date: date = values["work_date"]
    if work_date > datetime.now(UTC).date() + timedelta(days=1):
        raise DomainError(ErrorCode.INVALID, "Time cannot be logged for future days.", "workDate")
    logged = await session.scalar(
        select(func.coalesce(func.sum(TimeEntry.hours), 0)).where(
            TimeEntry.user_id == user_id, TimeEntry.work_date == work_date
        )
    )
    if Decimal(logged) + hours > MAX_HOURS_PER_DAY:
        raise DomainError(
            ErrorCode.INVALID, f"That would make more than 24 hours on {work_date.isoformat()}.", "hours"
        )
    entry = TimeEntry(
        tenant_id=actor.tenant_id,
        project_id=project.id,
        task_id=task.id,
        user_id=user_id,
        work_date=work_date,
        hours=hours,
        billable=values.get("billable", True) is not False,
        note=optional_text(values.get("note"), "note", 1_000),
        created_by_id=actor.user_id,
    )
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        actor,
        "time_entry.create",
        TIME_ENTRY,
        entry.id,
        audit.diff({}, {"task_id": task.id, "user_id": user_id, "work_date": work_date, "hours": hours}),
    )
    await announce(session, actor.tenant_id, "cost.time_logged", project=project.id, task=task.id)
    return entry


async def delete_time_entry(session: AsyncSession, actor: Actor, entry_id: uuid.UUID) -> TimeEntry:
    """Your own entries, or any entry of a project you manage."""
    actor.require(TIME_ENTRY, Action.DELETE)
    entry = await session.scalar(select(TimeEntry).where(TimeEntry.id == entry_id))
    if entry is None:
        raise not_found("time entry")
    await get_project(session, actor, entry.project_id, object_type=TIME_ENTRY)
    if entry.user_id != actor.user_id:
        await get_managed_project(session, actor, entry.project_id)
    await session.delete(entry)
    await session.flush()
    await audit.record(
        session,
        actor,
        "time_entry.delete",
        TIME_ENTRY,
        entry.id,
        audit.diff(
            {
                "task_id": entry.task_id,
                "user_id": entry.user_id,
                "work_date": entry.work_date,
                "hours": entry.hours,
            },
            {"task_id": None, "user_id": None, "work_date": None, "hours": None},
        ),
    )
    await announce(
        session, actor.tenant_id, "cost.time_deleted", project=entry.project_id, task=entry.task_id
    )
    return entry


async def record_expense(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Expense:
    actor.require(EXPENSE, Action.CREATE)
    project = await get_project(session, actor, values["project_id"], "projectId", object_type=EXPENSE)
    open_project(project)
    description = required_text(values.get("description"), "description", 500)
    currency = validate_currency(values.get("currency") or project.currency)
    amount = money(values["amount"], currency, "amount", positive=True)
    expense = Expense(
        tenant_id=actor.tenant_id,
        project_id=project.id,
        description=description,
        amount=amount,
        currency=currency,
        incurred_on=values["incurred_on"],
        recorded_by_id=actor.user_id,
    )
    session.add(expense)
    await session.flush()
    await audit.record(
        session,
        actor,
        "expense.create",
        EXPENSE,
        expense.id,
        audit.diff({}, {"description": description, "amount": amount, "currency": currency}),
    )
    await announce(session, actor.tenant_id, "cost.expense_recorded", project=project.id)
    return expense


@dataclass
class Cost:
    budget: Decimal | None
    currency: str
    labor: Decimal
    expenses: Decimal
    hours: Decimal
    billable_hours: Decimal
    unpriced_hours: Decimal
    unconverted_expenses: int
    materials: Decimal = Decimal(0)  # received material lines, always in the project's currency
    claims: Decimal = Decimal(0)  # approved expense claims from the registered claim sources
    unconverted_claims: int = 0
    labor_complete: bool = True  # no hour with a cost rate lacked an exchange rate
    missing_rates: list[MissingRate] = field(default_factory=list)

    @property
    def actual(self) -> Decimal:
        """Labor, expenses, materials and claims, of what could be priced (a lower bound when a rate is
        missing)."""
        return self.labor + self.expenses + self.materials + self.claims

    @property
    def complete(self) -> bool:
        return self.labor_complete and not self.unconverted_expenses and not self.unconverted_claims

    @property
    def burn_percent(self) -> Decimal | None:
        if not self.budget:
            return None
        return (self.actual * 100 / self.budget).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def converted(amount: Any, from_currency: Any, to_currency: Any, on: Any) -> Any:
    """`amount` in `to_currency` through the base currency on `on`; NULL without a rate."""
    through_base = (
        amount * rate_to_base_sql(from_currency, on) / func.nullif(rate_to_base_sql(to_currency, on), 0)
    )
    return case((from_currency == to_currency, amount), else_=through_base)


def rate_needs(value: Any, from_currency: Any, to_currency: Any, on: Any) -> list[Any]:
    """Aggregates naming the currencies (and dates) whose rate `converted(...)` lacked; NULL when none."""
    lacked = value.is_(None) & (from_currency != to_currency)
    return [
        func.array_agg(rate_need_sql(code, on)).filter(lacked & rate_to_base_sql(code, on).is_(None))
        for code in (from_currency, to_currency)
    ]


# Where claimed costs come from: an area that keeps expense claims registers a source with one line,
# `register_claim_source(approved_claims)` (daily work does), so project costs count them without this area
# depending on theirs. A source returns a statement selecting (project_id, amount, currency, day) rows
# for the given projects: converted here like expenses, in the same grouped statement for the batch.
ClaimSource = Callable[[list[uuid.UUID]], Select[Any]]
CLAIM_SOURCES: list[ClaimSource] = []


def register_claim_source(source: ClaimSource) -> None:
    if source not in CLAIM_SOURCES:
        CLAIM_SOURCES.append(source)


async def claims_by_project(session: AsyncSession, project_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """Per project: (claimed total in its currency, claims without a rate, *rate needs) over every source."""
    if not CLAIM_SOURCES:
        return {}
    sources = [source(project_ids) for source in CLAIM_SOURCES]
    rows = (sources[0] if len(sources) == 1 else sources[0].union_all(*sources[1:])).subquery()
    value = converted(rows.c.amount, rows.c.currency, Project.currency, rows.c.day)
    claimed = await session.execute(
        select(
            rows.c.project_id,
            func.coalesce(func.sum(value), 0),
            func.count().filter(value.is_(None)),
            *rate_needs(value, rows.c.currency, Project.currency, rows.c.day),
        )
        .join(Project, Project.id == rows.c.project_id)
        .where(Project.id.in_(project_ids))
        .group_by(rows.c.project_id)
    )
    return {row[0]: row[1:] for row in claimed}


async def costs_by_project(session: AsyncSession, project_ids: list[uuid.UUID]) -> dict[uuid.UUID, Cost]:
    """Budget against actual cost for each project, in one grouped statement per kind of cost (time,
    expenses, materials, claims) for the whole batch."""
    tenant_base = select(Tenant.base_currency).where(Tenant.id == Project.tenant_id).scalar_subquery()
    projects = {
        row.id: row
        for row in await session.execute(
            select(Project.id, Project.budget, Project.currency, tenant_base.label("base_currency")).where(
                Project.id.in_(project_ids)
            )
        )
    }
    labor_value = converted(
        TimeEntry.hours * UserCostRate.hourly_rate,
        UserCostRate.currency,
        Project.currency,
        TimeEntry.work_date,
    )
    time_rows = await session.execute(
        select(
            TimeEntry.project_id,
            func.sum(TimeEntry.hours),
            func.coalesce(func.sum(TimeEntry.hours).filter(TimeEntry.billable), 0),
            func.coalesce(func.sum(labor_value), 0),
            func.coalesce(func.sum(TimeEntry.hours).filter(labor_value.is_(None)), 0),
            *rate_needs(labor_value, UserCostRate.currency, Project.currency, TimeEntry.work_date),
        )
        .join(Project, and_(Project.tenant_id == TimeEntry.tenant_id, Project.id == TimeEntry.project_id))
        .outerjoin(
            UserCostRate,
            and_(UserCostRate.tenant_id == TimeEntry.tenant_id, UserCostRate.user_id == TimeEntry.user_id),
        )
        .where(TimeEntry.project_id.in_(project_ids))
        .group_by(TimeEntry.project_id)
    )
    expense_value = converted(Expense.amount, Expense.currency, Project.currency, Expense.incurred_on)
    expense_rows = await session.execute(
        select(
            Expense.project_id,
            func.coalesce(func.sum(expense_value), 0),
            func.count().filter(expense_value.is_(None)),
            *rate_needs(expense_value, Expense.currency, Project.currency, Expense.incurred_on),
        )
        .join(Project, and_(Project.tenant_id == Expense.tenant_id, Project.id == Expense.project_id))
        .where(Expense.project_id.in_(project_ids))
        .group_by(Expense.project_id)
    )
    material_rows = await session.execute(
        select(MaterialLine.project_id, func.sum(MaterialLine.actual_amount))
        .where(MaterialLine.project_id.in_(project_ids), MaterialLine.status == "received")
        .group_by(MaterialLine.project_id)
    )
    materials = dict(material_rows.all())
    times = {row[0]: row[1:] for row in time_rows}
    expenses = {row[0]: row[1:] for row in expense_rows}
    claims = await claims_by_project(session, project_ids)
    costs: dict[uuid.UUID, Cost] = {}
    for project_id, project in projects.items():
        hours, billable, labor, unpriced, *labor_needs = times.get(project_id, (0, 0, 0, 0, None, None))
        spent, unconverted, *expense_needs = expenses.get(project_id, (0, 0, None, None))
        claimed, unclaimed, *claim_needs = claims.get(project_id, (0, 0, None, None))
        needs = list(
            parsed_needs(
                need for column in (*labor_needs, *expense_needs, *claim_needs) for need in column or ()
            )
        )
        costs[project_id] = Cost(
            budget=project.budget,
            currency=project.currency,
            labor=quantize(Decimal(labor), project.currency),
            expenses=quantize(Decimal(spent), project.currency),
            hours=Decimal(hours),
            billable_hours=Decimal(billable),
            unpriced_hours=Decimal(unpriced),
            unconverted_expenses=int(unconverted),
            materials=quantize(Decimal(materials.get(project_id, 0)), project.currency),
            claims=quantize(Decimal(claimed), project.currency),
            unconverted_claims=int(unclaimed),
            labor_complete=not any(labor_needs),
            missing_rates=missing_rates(project.base_currency, needs),
        )
    return costs
