"""Per-request DataLoaders of the projects area: one query per level of nesting, never one per row.

Created through `info.context.loader(name, factory)` so they live for one request on the request's own
session (RLS applies). Every query carries the actor's role and project scope; what the actor may not
see resolves to None or is left out of lists.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.crm.pages import first_pages
from graph.projects.access import in_visible_projects, project_scope
from graph.projects.models import (
    MILESTONE,
    PROJECT,
    TASK,
    ChecklistItem,
    Milestone,
    Project,
    ProjectMember,
    ProjectStatusChange,
    Task,
    TaskComment,
    TaskDependency,
)
from tenants.permissions import Action

TASKS_ORDER = ((Task.id, False),)


def can_read(context: RequestContext, object_type: str) -> bool:
    return context.actor.permissions.can(object_type, Action.READ)


def by_id(model: Any, object_type: str, visible: Callable[[RequestContext], Any]) -> Any:
    """Factory of a loader of visible records by id."""

    def factory(context: RequestContext) -> DataLoader[uuid.UUID, Any]:
        async def load(ids: Sequence[uuid.UUID]) -> list[Any]:
            if not can_read(context, object_type):
                return [None] * len(ids)
            session = await context.session()
            rows = await session.scalars(select(model).where(visible(context), model.id.in_(ids)))
            found = {row.id: row for row in rows}
            return [found.get(record_id) for record_id in ids]

        return DataLoader(load_fn=load)

    return factory


def visible_tasks(context: RequestContext) -> Any:
    return in_visible_projects(context.actor, TASK, Task.project_id)


projects_by_id = by_id(Project, PROJECT, lambda context: project_scope(context.actor))
tasks_by_id = by_id(Task, TASK, visible_tasks)
milestones_by_id = by_id(
    Milestone, MILESTONE, lambda context: in_visible_projects(context.actor, MILESTONE, Milestone.project_id)
)


def grouped(
    object_type: str,
    statement: Callable[[RequestContext, Sequence[uuid.UUID]], Select[Any]],
    key: Callable[[Any], uuid.UUID],
) -> Any:
    """Factory of a loader of lists per parent id, one query for the whole batch."""

    def factory(context: RequestContext) -> DataLoader[uuid.UUID, list[Any]]:
        async def load(ids: Sequence[uuid.UUID]) -> list[list[Any]]:
            if not can_read(context, object_type):
                return [[] for _ in ids]
            session = await context.session()
            lists: dict[uuid.UUID, list[Any]] = defaultdict(list)
            for row in await session.scalars(statement(context, ids)):
                lists[key(row)].append(row)
            return [lists.get(parent_id, []) for parent_id in ids]

        return DataLoader(load_fn=load)

    return factory


members_by_project_id = grouped(
    PROJECT,
    lambda context, ids: (
        select(ProjectMember)
        .where(ProjectMember.project_id.in_(ids))
        .order_by(ProjectMember.added_at, ProjectMember.user_id)
    ),
    lambda row: row.project_id,
)
status_history_by_project_id = grouped(
    PROJECT,
    lambda context, ids: (
        select(ProjectStatusChange)
        .where(ProjectStatusChange.project_id.in_(ids))
        .order_by(ProjectStatusChange.changed_at, ProjectStatusChange.id)
    ),
    lambda row: row.project_id,
)
milestones_by_project_id = grouped(
    MILESTONE,
    lambda context, ids: (
        select(Milestone)
        .where(
            Milestone.project_id.in_(ids), in_visible_projects(context.actor, MILESTONE, Milestone.project_id)
        )
        .order_by(Milestone.due_date, Milestone.id)
    ),
    lambda row: row.project_id,
)
subtasks_by_task_id = grouped(
    TASK,
    lambda context, ids: (
        select(Task).where(Task.parent_id.in_(ids), visible_tasks(context)).order_by(Task.id)
    ),
    lambda row: row.parent_id,
)
checklist_by_task_id = grouped(
    TASK,
    lambda context, ids: (
        select(ChecklistItem)
        .where(ChecklistItem.task_id.in_(ids))
        .order_by(ChecklistItem.position, ChecklistItem.id)
    ),
    lambda row: row.task_id,
)
comments_by_task_id = grouped(
    TASK,
    lambda context, ids: (
        select(TaskComment)
        .where(TaskComment.task_id.in_(ids))
        .order_by(TaskComment.created_at, TaskComment.id)
    ),
    lambda row: row.task_id,
)
dependencies_by_task_id = grouped(
    TASK,
    lambda context, ids: (
        select(TaskDependency).where(TaskDependency.task_id.in_(ids)).order_by(TaskDependency.depends_on_id)
    ),
    lambda row: row.task_id,
)


def project_tasks_statement(context: RequestContext) -> Select[Any]:
    return select(Task).where(visible_tasks(context))


def task_pages_by_project_id(context: RequestContext) -> DataLoader[tuple[uuid.UUID, int], list[Any]]:
    """First pages of each project's tasks (oldest first), one window query for the whole batch."""

    async def load(keys: Sequence[tuple[uuid.UUID, int]]) -> list[list[Any]]:
        if not can_read(context, TASK):
            return [[] for _ in keys]
        session = await context.session()
        by_size: dict[int, list[uuid.UUID]] = defaultdict(list)
        for project_id, size in keys:
            by_size[size].append(project_id)
        pages = {
            size: await first_pages(
                session, Task, project_tasks_statement(context), Task.project_id, TASKS_ORDER, ids, size
            )
            for size, ids in by_size.items()
        }
        return [pages[size].get(project_id, []) for project_id, size in keys]

    return DataLoader(load_fn=load)
