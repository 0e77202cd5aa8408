"""Per-request DataLoaders of time, expenses, cost and health (see graph/projects/loaders.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.core.loaders import first_page_loader, grouped
from graph.projects.access import in_visible_projects
from graph.projects.costs.costs import costs_by_project
from graph.projects.costs.health import health_facts
from graph.projects.models import (
    EXPENSE,
    TIME_ENTRY,
    Expense,
    TimeEntry,
)


def costs_by_project_id(context: RequestContext) -> DataLoader[uuid.UUID, Any]:
    """Budget against actual cost per project (grouped statements for the whole batch)."""

    async def load(ids: Sequence[uuid.UUID]) -> list[Any]:
        session = await context.session()
        costs = await costs_by_project(session, list(ids))
        return [costs.get(project_id) for project_id in ids]

    return DataLoader(load_fn=load)


def health_facts_by_project_id(context: RequestContext) -> DataLoader[tuple[uuid.UUID, Any], Any]:
    """Counts behind the health of each project, keyed by (project id, day)."""

    async def load(keys: Sequence[tuple[uuid.UUID, Any]]) -> list[Any]:
        session = await context.session()
        by_day: dict[Any, list[uuid.UUID]] = defaultdict(list)
        for project_id, day in keys:
            by_day[day].append(project_id)
        facts = {day: await health_facts(session, ids, day) for day, ids in by_day.items()}
        return [facts[day][project_id] for project_id, day in keys]

    return DataLoader(load_fn=load)


def hours_by_task_id(context: RequestContext) -> DataLoader[uuid.UUID, Any]:
    """Hours logged per task: one grouped SUM for the batch."""

    async def load(ids: Sequence[uuid.UUID]) -> list[Any]:
        session = await context.session()
        rows = await session.execute(
            select(TimeEntry.task_id, func.sum(TimeEntry.hours))
            .where(TimeEntry.task_id.in_(ids))
            .group_by(TimeEntry.task_id)
        )
        hours = dict(rows.all())
        return [hours.get(task_id, Decimal("0.00")) for task_id in ids]

    return DataLoader(load_fn=load)


expenses_by_project_id = grouped(
    EXPENSE,
    lambda context, ids: (
        select(Expense)
        .where(Expense.project_id.in_(ids), in_visible_projects(context.actor, EXPENSE, Expense.project_id))
        .order_by(Expense.project_id, Expense.incurred_on.desc(), Expense.id.desc())
    ),
    lambda row: row.project_id,
)


def time_entries_statement(context: RequestContext) -> Select[Any]:
    return select(TimeEntry).where(in_visible_projects(context.actor, TIME_ENTRY, TimeEntry.project_id))


TIME_ENTRIES_ORDER = ((TimeEntry.work_date, True), (TimeEntry.id, True))


time_entry_pages_by_project_id = first_page_loader(
    TimeEntry, TIME_ENTRY, time_entries_statement, TimeEntry.project_id, TIME_ENTRIES_ORDER
)
