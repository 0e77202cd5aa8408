"""The portfolio: the projects you may see, each with its computed health, budget burn and this week's
load, and the sums a portfolio board shows (projects per health, budget and cost per currency, the
load of the people working on them).

Everything is read under the reader's project scope; the people's load counts their whole week (as in
graph/projects/resources/capacity.py). At most MAX_PROJECTS projects (the open ones by default), read
in a fixed number of grouped statements whatever their count.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.projects.access import project_scope
from graph.projects.costs import health
from graph.projects.costs.costs import Cost, costs_by_project
from graph.projects.models import PROJECT, Project
from graph.projects.resources.capacity import PersonLoad, loads, week_of
from graph.projects.resources.models import Allocation
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor

MAX_PROJECTS = 500
OPEN_STATUSES = ("planned", "active", "on_hold")


@dataclass
class Entry:
    project: Project
    health: health.Health
    cost: Cost
    allocated_hours: Decimal  # on this project in the week of `on`


@dataclass
class CurrencyTotal:
    currency: str
    budget: Decimal = Decimal(0)
    actual: Decimal | None = Decimal(0)  # None when a project's cost needs a missing exchange rate


@dataclass
class Portfolio:
    on: date
    entries: list[Entry]
    people: list[PersonLoad]
    currencies: list[CurrencyTotal] = field(default_factory=list)

    def health_count(self, status: str) -> int:
        return sum(1 for entry in self.entries if entry.health.status == status)


async def portfolio(
    session: AsyncSession, actor: Actor, on: date, statuses: list[str] | None = None
) -> Portfolio:
    actor.require(PROJECT, Action.READ)
    wanted = statuses or list(OPEN_STATUSES)
    projects = list(
        await session.scalars(
            select(Project)
            .where(project_scope(actor), Project.status.in_(wanted))
            .order_by(Project.name, Project.id)
            .limit(MAX_PROJECTS + 1)
        )
    )
    if len(projects) > MAX_PROJECTS:
        raise DomainError(
            ErrorCode.LIMIT_REACHED,
            f"The portfolio shows at most {MAX_PROJECTS} projects; choose fewer statuses.",
            "statuses",
        )
    ids = [project.id for project in projects]
    costs = await costs_by_project(session, ids)
    facts = await health.health_facts(session, ids, on)
    week = week_of(on)
    rows = await session.execute(
        select(Allocation.project_id, Allocation.user_id, func.sum(Allocation.hours))
        .where(Allocation.project_id.in_(ids), Allocation.week_start == week)
        .group_by(Allocation.project_id, Allocation.user_id)
    )
    allocated: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    people: set[uuid.UUID] = set()
    for project_id, user_id, hours in rows.all():
        allocated[project_id] += Decimal(hours)
        people.add(user_id)
    entries = [
        Entry(
            project,
            health.assess(project, facts[project.id], costs[project.id], on),
            costs[project.id],
            allocated[project.id],
        )
        for project in projects
    ]
    by_user = await loads(session, sorted(people), week, 1)
    return Portfolio(
        on=on,
        entries=entries,
        people=[by_user[user_id] for user_id in sorted(people)],
        currencies=currency_totals(entries),
    )


def currency_totals(entries: list[Entry]) -> list[CurrencyTotal]:
    totals: dict[str, CurrencyTotal] = {}
    for entry in entries:
        total = totals.setdefault(entry.cost.currency, CurrencyTotal(entry.cost.currency))
        total.budget += entry.cost.budget or 0
        if total.actual is not None:
            total.actual = total.actual + entry.cost.actual if entry.cost.complete else None
    return [totals[currency] for currency in sorted(totals)]
