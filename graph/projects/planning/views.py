"""Read models over tasks: my tasks, overdue tasks, the Gantt chart and the board of one project.

Each is one or two SQL statements shaped for an index that leads with `tenant_id` (see the migration):
my tasks by (assignee, due date), overdue by due date over open tasks, board by (project, status),
Gantt by (project, start date).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from graph.projects.access import get_project, in_visible_projects
from graph.projects.models import TASK, Milestone, Task, TaskDependency
from graph.projects.planning.tasks import TASK_STATUSES
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor


# Same expression as the tasks_assignee_idx and tasks_overdue_idx indexes (never NULL, so keyset
# pagination is safe), inlined so the planner can match it.
def due_or_never() -> Any:
    return func.coalesce(Task.due_date, literal_column("'9999-12-31'::date"))


GANTT_LIMIT = 5_000
MAX_BOARD_COLUMN = 100


def visible_tasks(actor: Actor) -> Select[tuple[Task]]:
    actor.require(TASK, Action.READ)
    return select(Task).where(
        Task.tenant_id == actor.tenant_id, in_visible_projects(actor, TASK, Task.project_id)
    )


def my_tasks(actor: Actor, statuses: list[str] | None) -> Select[tuple[Task]]:
    """Tasks assigned to the actor, soonest due first (undated last); open ones unless `statuses`."""
    statement = visible_tasks(actor).where(Task.assignee_id == actor.user_id)
    if statuses:
        statement = statement.where(Task.status.in_(statuses))
    else:
        statement = statement.where(Task.status != "done")
    return statement.order_by(due_or_never(), Task.id)


async def overdue_tasks(
    session: AsyncSession, actor: Actor, on: date, project_id: uuid.UUID | None
) -> Select[tuple[Task]]:
    """Open tasks due before `on`, most overdue first; in one project when `project_id` is given."""
    statement = visible_tasks(actor).where(Task.status != "done", due_or_never() < on)
    if project_id is not None:
        project = await get_project(session, actor, project_id, "projectId", object_type=TASK)
        statement = statement.where(Task.project_id == project.id)
    return statement.order_by(due_or_never(), Task.id)


@dataclass
class Gantt:
    tasks: list[Task]
    dependencies: list[TaskDependency]
    milestones: list[Milestone]
    truncated: bool


async def gantt(session: AsyncSession, actor: Actor, project_id: uuid.UUID) -> Gantt:
    """Every task with its dates (by start date, undated last), the dependency edges and milestones."""
    actor.require(TASK, Action.READ)
    project = await get_project(session, actor, project_id, "projectId", object_type=TASK)
    tasks = list(
        await session.scalars(
            select(Task)
            .where(Task.project_id == project.id)
            .order_by(Task.start_date.asc().nulls_last(), Task.id)
            .limit(GANTT_LIMIT + 1)
        )
    )
    dependencies = list(
        await session.scalars(
            select(TaskDependency)
            .where(TaskDependency.project_id == project.id)
            .order_by(TaskDependency.task_id, TaskDependency.depends_on_id)
        )
    )
    milestones = list(
        await session.scalars(
            select(Milestone)
            .where(Milestone.project_id == project.id)
            .order_by(Milestone.due_date, Milestone.id)
        )
    )
    shown = {task.id for task in tasks[:GANTT_LIMIT]}
    edges = [edge for edge in dependencies if edge.task_id in shown and edge.depends_on_id in shown]
    return Gantt(tasks[:GANTT_LIMIT], edges, milestones, len(tasks) > GANTT_LIMIT)


@dataclass
class BoardColumn:
    status: str
    count: int
    tasks: list[Task]


async def board(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, per_column: int
) -> list[BoardColumn]:
    """One column per status with its task count and the first `per_column` tasks (by priority, age)."""
    actor.require(TASK, Action.READ)
    if per_column < 0 or per_column > MAX_BOARD_COLUMN:
        raise DomainError(
            ErrorCode.INVALID, f"`perColumn` must be between 0 and {MAX_BOARD_COLUMN}.", "perColumn"
        )
    project = await get_project(session, actor, project_id, "projectId", object_type=TASK)
    counts: dict[str, int] = dict(
        (
            await session.execute(
                select(Task.status, func.count()).where(Task.project_id == project.id).group_by(Task.status)
            )
        ).all()
    )
    ranked = (
        select(
            Task,
            func.row_number()
            .over(partition_by=Task.status, order_by=(priority_rank(), Task.id))
            .label("column_rank"),
        )
        .where(Task.project_id == project.id)
        .subquery()
    )
    task_alias = aliased(Task, ranked)
    rows = await session.scalars(
        select(task_alias)
        .where(ranked.c.column_rank <= per_column)
        .order_by(ranked.c.status, ranked.c.column_rank)
    )
    columns: dict[str, list[Task]] = {status: [] for status in TASK_STATUSES}
    for task in rows:
        columns[task.status].append(task)
    return [BoardColumn(status, counts.get(status, 0), columns[status]) for status in TASK_STATUSES]


def priority_rank() -> Any:
    """Urgent first, then high, medium, low."""
    return func.array_position(
        literal_column("array['urgent','high','medium','low']::varchar[]"), Task.priority
    )
