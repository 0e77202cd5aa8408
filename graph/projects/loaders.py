"""Per-request DataLoaders of the projects area: one query per level of nesting, never one per row.

Created through `info.context.loader(name, factory)` so they live for one request on the request's own
session (RLS applies). Every query carries the actor's role and project scope; what the actor may not
see resolves to None or is left out of lists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from graph.core.context import RequestContext
from graph.core.loaders import by_id, first_page_loader, grouped
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
from tenants.permissions import Actor

TASKS_ORDER = ((Task.id, False),)


def visible_tasks(actor: Actor) -> Any:
    return in_visible_projects(actor, TASK, Task.project_id)


projects_by_id = by_id(Project, PROJECT, project_scope)
tasks_by_id = by_id(Task, TASK, visible_tasks)
milestones_by_id = by_id(
    Milestone, MILESTONE, lambda actor: in_visible_projects(actor, MILESTONE, Milestone.project_id)
)


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
        select(Task).where(Task.parent_id.in_(ids), visible_tasks(context.actor)).order_by(Task.id)
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
    return select(Task).where(visible_tasks(context.actor))


task_pages_by_project_id = first_page_loader(
    Task, TASK, project_tasks_statement, Task.project_id, TASKS_ORDER
)
