"""Computed project health: on track, at risk or off track, with the reasons listed.

Rules, as of a given day (each reason carries the status it implies; the worst one wins):
- overdue tasks (open, due before the day): AT_RISK; OFF_TRACK when they are a quarter or more of the
  open tasks;
- milestone slippage (open milestones past their due date): AT_RISK; OFF_TRACK past 14 days;
- budget burn (actual cost / budget): AT_RISK from 90 %; OFF_TRACK above 100 %;
- high-score open risks (score ≥ 15, not closed): AT_RISK; OFF_TRACK from 20;
- the planned end has passed while the project is not done: OFF_TRACK.
Done and cancelled projects are not tracked: ON_TRACK with no reasons.

The counts come from three grouped statements for a whole batch of projects (see `health_facts`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.projects.changes.risks import HIGH_SCORE
from graph.projects.costs.costs import Cost
from graph.projects.models import Milestone, Project, Risk, Task

ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
SEVERITY = {ON_TRACK: 0, AT_RISK: 1, OFF_TRACK: 2}
OVERDUE_SHARE_OFF_TRACK = Decimal("0.25")
SLIPPAGE_DAYS_OFF_TRACK = 14
BURN_AT_RISK = Decimal(90)
BURN_OFF_TRACK = Decimal(100)
RISK_SCORE_OFF_TRACK = 20


@dataclass
class Facts:
    open_tasks: int = 0
    overdue_tasks: int = 0
    slipped_milestones: int = 0
    max_days_late: int = 0
    high_risks: int = 0
    max_risk_score: int = 0


@dataclass(frozen=True)
class Reason:
    code: str
    status: str
    message: str


@dataclass
class Health:
    status: str
    reasons: list[Reason] = field(default_factory=list)


async def health_facts(
    session: AsyncSession, project_ids: list[uuid.UUID], on: date
) -> dict[uuid.UUID, Facts]:
    facts = {project_id: Facts() for project_id in project_ids}
    open_task = Task.status != "done"
    for project_id, open_count, overdue in await session.execute(
        select(
            Task.project_id,
            func.count().filter(open_task),
            func.count().filter(open_task, Task.due_date < on),
        )
        .where(Task.project_id.in_(project_ids))
        .group_by(Task.project_id)
    ):
        facts[project_id].open_tasks, facts[project_id].overdue_tasks = open_count, overdue
    late = Milestone.completed_on.is_(None) & (Milestone.due_date < on)
    for project_id, slipped, max_late in await session.execute(
        select(Milestone.project_id, func.count(), func.max(on - Milestone.due_date))
        .where(Milestone.project_id.in_(project_ids), late)
        .group_by(Milestone.project_id)
    ):
        facts[project_id].slipped_milestones, facts[project_id].max_days_late = slipped, max_late or 0
    for project_id, high, max_score in await session.execute(
        select(Risk.project_id, func.count(), func.max(Risk.score))
        .where(Risk.project_id.in_(project_ids), Risk.status != "closed", Risk.score >= HIGH_SCORE)
        .group_by(Risk.project_id)
    ):
        facts[project_id].high_risks, facts[project_id].max_risk_score = high, max_score
    return facts


def assess(project: Project, facts: Facts, cost: Cost, on: date) -> Health:
    if project.status in ("done", "cancelled"):
        return Health(ON_TRACK)
    reasons: list[Reason] = []
    if facts.overdue_tasks:
        share = Decimal(facts.overdue_tasks) / max(facts.open_tasks, 1)
        reasons.append(
            Reason(
                "OVERDUE_TASKS",
                OFF_TRACK if share >= OVERDUE_SHARE_OFF_TRACK else AT_RISK,
                f"{facts.overdue_tasks} of {facts.open_tasks} open tasks are overdue.",
            )
        )
    if facts.slipped_milestones:
        reasons.append(
            Reason(
                "MILESTONE_SLIPPAGE",
                OFF_TRACK if facts.max_days_late > SLIPPAGE_DAYS_OFF_TRACK else AT_RISK,
                f"{facts.slipped_milestones} milestone(s) past due, up to {facts.max_days_late} days late.",
            )
        )
    burn = cost.burn_percent
    if burn is not None and burn >= BURN_AT_RISK:
        reasons.append(
            Reason(
                "BUDGET_BURN",
                OFF_TRACK if burn > BURN_OFF_TRACK else AT_RISK,
                f"{burn}% of the budget is spent ({cost.actual} of {cost.budget} {cost.currency}).",
            )
        )
    if facts.high_risks:
        reasons.append(
            Reason(
                "HIGH_RISKS",
                OFF_TRACK if facts.max_risk_score >= RISK_SCORE_OFF_TRACK else AT_RISK,
                f"{facts.high_risks} open risk(s) scored {HIGH_SCORE} or more"
                f" (highest {facts.max_risk_score}).",
            )
        )
    if project.planned_end is not None and project.planned_end < on:
        reasons.append(
            Reason(
                "PAST_END_DATE", OFF_TRACK, f"The planned end ({project.planned_end.isoformat()}) has passed."
            )
        )
    worst = max((reason.status for reason in reasons), key=SEVERITY.__getitem__, default=ON_TRACK)
    return Health(worst, reasons)
