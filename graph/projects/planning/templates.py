"""Project templates: a project's milestones and tasks (with subtasks, dependencies and checklists) saved
with dates relative to the project's start, and new projects created from them with every date shifted
to a new start."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.projects.access import get_project
from graph.projects.models import (
    PROJECT,
    PROJECT_TEMPLATE,
    ChecklistItem,
    Milestone,
    Project,
    ProjectTemplate,
    Task,
    TaskDependency,
)
from graph.projects.projects.projects import create_project
from graph.projects.quality.inspections import copy_project_checklists, copy_template_checklists
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

TASK_COPIED = ("title", "description", "priority")


def offset(day: date | None, base: date) -> int | None:
    return (day - base).days if day is not None else None


def shifted(start: date, days: int | None) -> date | None:
    return start + timedelta(days=days) if days is not None else None


def base_date(project: Project, milestones: list[Milestone], tasks: list[Task]) -> date:
    """The project's planned start, else its earliest dated milestone or task, else its creation day."""
    if project.planned_start is not None:
        return project.planned_start
    days = [m.due_date for m in milestones] + [d for t in tasks for d in (t.start_date, t.due_date) if d]
    return min(days) if days else project.created_at.date()


def parents_first(tasks: list[Task]) -> list[Task]:
    by_id = {task.id: task for task in tasks}
    ordered: list[Task] = []
    placed: set[uuid.UUID] = set()

    def place(task: Task) -> None:
        if task.id in placed:
            return
        if task.parent_id in by_id:
            place(by_id[task.parent_id])
        placed.add(task.id)
        ordered.append(task)

    for task in tasks:
        place(task)
    return ordered


async def template_content(session: AsyncSession, project: Project) -> dict[str, Any]:
    milestones = list(
        await session.scalars(
            select(Milestone).where(Milestone.project_id == project.id).order_by(Milestone.due_date)
        )
    )
    tasks = parents_first(
        list(await session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))
    )
    base = base_date(project, milestones, tasks)
    task_keys = {task.id: index for index, task in enumerate(tasks)}
    milestone_keys = {milestone.id: index for index, milestone in enumerate(milestones)}
    checklists: dict[uuid.UUID, list[str]] = {}
    for item in await session.scalars(
        select(ChecklistItem).where(ChecklistItem.task_id.in_(task_keys)).order_by(ChecklistItem.position)
    ):
        checklists.setdefault(item.task_id, []).append(item.text)
    edges = await session.scalars(select(TaskDependency).where(TaskDependency.project_id == project.id))
    return {
        "duration_days": offset(project.planned_end, base),
        "milestones": [{"name": m.name, "due": offset(m.due_date, base)} for m in milestones],
        "tasks": [
            {
                **{name: getattr(task, name) for name in TASK_COPIED},
                "estimate_hours": str(task.estimate_hours) if task.estimate_hours is not None else None,
                "start": offset(task.start_date, base),
                "due": offset(task.due_date, base),
                "milestone": milestone_keys.get(task.milestone_id) if task.milestone_id else None,
                "parent": task_keys.get(task.parent_id) if task.parent_id else None,
                "checklist": checklists.get(task.id, []),
            }
            for task in tasks
        ],
        "dependencies": [[task_keys[edge.task_id], task_keys[edge.depends_on_id]] for edge in edges],
    }


async def save_project_as_template(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, name: str, description: str | None
) -> ProjectTemplate:
    actor.require(PROJECT_TEMPLATE, Action.CREATE)
    project = await get_project(session, actor, project_id, "projectId")
    cleaned = required_text(name, "name", 200)
    if await session.scalar(select(ProjectTemplate.id).where(ProjectTemplate.name == cleaned)):
        raise DomainError(ErrorCode.DUPLICATE, "A template with this name exists already.", "name")
    template = ProjectTemplate(
        tenant_id=actor.tenant_id,
        name=cleaned,
        description=optional_text(description, "description", 20_000),
        content=await template_content(session, project),
        created_by_id=actor.user_id,
    )
    session.add(template)
    await session.flush()
    await copy_project_checklists(session, actor, project.id, template.id)
    await audit.record(
        session,
        actor,
        "project_template.create",
        PROJECT_TEMPLATE,
        template.id,
        {"name": cleaned, "from_project_id": str(project.id)},
    )
    return template


async def list_templates(session: AsyncSession, actor: Actor) -> list[ProjectTemplate]:
    actor.require(PROJECT_TEMPLATE, Action.READ)
    return list(
        await session.scalars(select(ProjectTemplate).order_by(ProjectTemplate.name, ProjectTemplate.id))
    )


async def create_project_from_template(
    session: AsyncSession, actor: Actor, template_id: uuid.UUID, values: Mapping[str, Any]
) -> Project:
    """A new project (through the ordinary creation rules) with the template's milestones, tasks,
    subtasks, dependencies, checklists and quality checklists, every date shifted to `planned_start`."""
    actor.require(PROJECT_TEMPLATE, Action.READ)
    template = await session.scalar(select(ProjectTemplate).where(ProjectTemplate.id == template_id))
    if template is None:
        raise not_found("project template", "templateId")
    start: date | None = values.get("planned_start")
    if start is None:
        raise DomainError(ErrorCode.REQUIRED, "Give the new project's planned start.", "plannedStart")
    content = template.content
    end = shifted(start, content.get("duration_days"))
    project = await create_project(
        session, actor, {**values, "planned_end": values.get("planned_end") or end}
    )
    milestones = [
        Milestone(
            tenant_id=actor.tenant_id,
            project_id=project.id,
            name=m["name"],
            due_date=shifted(start, m["due"]),
        )
        for m in content["milestones"]
    ]
    session.add_all(milestones)
    await session.flush()
    tasks: list[Task] = []
    for spec in content["tasks"]:
        task = Task(
            id=new_id(),
            tenant_id=actor.tenant_id,
            project_id=project.id,
            reporter_id=actor.user_id,
            **{name: spec[name] for name in TASK_COPIED},
            estimate_hours=Decimal(spec["estimate_hours"]) if spec["estimate_hours"] is not None else None,
            start_date=shifted(start, spec["start"]),
            due_date=shifted(start, spec["due"]),
            milestone_id=milestones[spec["milestone"]].id if spec["milestone"] is not None else None,
            parent_id=tasks[spec["parent"]].id if spec["parent"] is not None else None,
        )
        session.add(task)  # in template order, so parents are inserted before their subtasks
        tasks.append(task)
    await session.flush()
    session.add_all(
        ChecklistItem(tenant_id=actor.tenant_id, task_id=task.id, text=text, position=position)
        for task, spec in zip(tasks, content["tasks"], strict=True)
        for position, text in enumerate(spec["checklist"], start=1)
    )
    session.add_all(
        TaskDependency(
            tenant_id=actor.tenant_id,
            project_id=project.id,
            task_id=tasks[successor].id,
            depends_on_id=tasks[predecessor].id,
        )
        for successor, predecessor in content["dependencies"]
    )
    await session.flush()
    await copy_template_checklists(session, actor, template.id, project.id)
    await audit.record(
        session,
        actor,
        "project.create_from_template",
        PROJECT,
        project.id,
        {"template_id": str(template.id), "milestones": len(milestones), "tasks": len(tasks)},
    )
    return project
