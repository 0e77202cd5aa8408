"""A finished project measured against its plan: schedule, budget, scope and quality. Computed when the
project is closed out and kept as it was then (a later change to the project does not rewrite it)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.projects.costs.costs import costs_by_project
from graph.projects.models import ChangeRequest, Project, Task
from graph.projects.quality.models import Defect, Inspection, ProjectAcceptance

SERIOUS = ("high", "critical")


@dataclass
class Schedule:
    planned_end: str | None
    actual_end: str | None
    days_late: int | None  # negative: early; null without both dates
    on_time: bool | None


@dataclass
class Budget:
    currency: str
    budget: str | None
    actual_cost: str | None  # null when part of the cost needs a missing exchange rate
    variance: str | None  # budget minus actual: negative when over
    within_budget: bool | None


@dataclass
class Scope:
    tasks: int
    tasks_done: int
    changes_implemented: int
    complete: bool


@dataclass
class Quality:
    inspections: int
    inspections_passed: int
    defects: int
    serious_defects: int
    acceptance_signed: bool


@dataclass
class Evaluation:
    schedule: Schedule
    budget: Budget
    scope: Scope
    quality: Quality

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evaluation:
        return cls(
            schedule=Schedule(**data["schedule"]),
            budget=Budget(**data["budget"]),
            scope=Scope(**data["scope"]),
            quality=Quality(**data["quality"]),
        )


def schedule_of(project: Project) -> Schedule:
    planned: date | None = project.planned_end
    actual: date | None = project.actual_end
    late = (actual - planned).days if planned and actual else None
    return Schedule(
        planned_end=planned.isoformat() if planned else None,
        actual_end=actual.isoformat() if actual else None,
        days_late=late,
        on_time=late <= 0 if late is not None else None,
    )


async def evaluate(session: AsyncSession, project: Project) -> Evaluation:
    cost = (await costs_by_project(session, [project.id]))[project.id]
    actual: Decimal | None = cost.actual if cost.complete else None
    variance = project.budget - actual if project.budget is not None and actual is not None else None
    tasks, done = (
        await session.execute(
            select(func.count(), func.count().filter(Task.status == "done")).where(
                Task.project_id == project.id
            )
        )
    ).one()
    changes = await session.scalar(
        select(func.count()).where(
            ChangeRequest.project_id == project.id, ChangeRequest.status == "implemented"
        )
    )
    inspections, passed = (
        await session.execute(
            select(func.count(), func.count().filter(Inspection.passed)).where(
                Inspection.project_id == project.id
            )
        )
    ).one()
    defects, serious = (
        await session.execute(
            select(func.count(), func.count().filter(Defect.severity.in_(SERIOUS))).where(
                Defect.project_id == project.id
            )
        )
    ).one()
    signed = await session.scalar(
        select(func.count()).where(
            ProjectAcceptance.project_id == project.id, ProjectAcceptance.status == "signed"
        )
    )
    return Evaluation(
        schedule=schedule_of(project),
        budget=Budget(
            currency=project.currency,
            budget=str(project.budget) if project.budget is not None else None,
            actual_cost=str(actual) if actual is not None else None,
            variance=str(variance) if variance is not None else None,
            within_budget=variance >= 0 if variance is not None else None,
        ),
        scope=Scope(
            tasks=tasks, tasks_done=done, changes_implemented=int(changes or 0), complete=tasks == done
        ),
        quality=Quality(
            inspections=inspections,
            inspections_passed=passed,
            defects=defects,
            serious_defects=serious,
            acceptance_signed=bool(signed),
        ),
    )


async def has_signed_acceptance(session: AsyncSession, project_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(ProjectAcceptance.id).where(
            ProjectAcceptance.project_id == project_id, ProjectAcceptance.status == "signed"
        )
    )
    return found is not None
