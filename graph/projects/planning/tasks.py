"""Task rules: create and update, the status flow, finish-to-start dependencies with cycle detection,
subtasks, checklist items and comments with mentions.

A task's assignee must be a member of its project. A task may start (or finish) only once every task
it depends on is done.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.live.events import announce
from graph.projects.access import get_project, require_project_member
from graph.projects.models import TASK, ChecklistItem, Milestone, Project, Task, TaskComment, TaskDependency
from graph.projects.rules import (
    check_version,
    collect,
    date_order,
    flush_versioned,
    require_transition,
    snapshot,
)
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import check_builtin_writes
from tenants.ids import new_id
from tenants.models import Membership
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

TASK_STATUSES = ("todo", "in_progress", "blocked", "done")
TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    "todo": frozenset({"in_progress", "blocked"}),
    "in_progress": frozenset({"todo", "blocked", "done"}),
    "blocked": frozenset({"todo", "in_progress"}),
    "done": frozenset({"in_progress"}),  # reopened
}
# Moving into these needs every predecessor done (finish-to-start).
NEEDS_PREDECESSORS_DONE = frozenset({"in_progress", "done"})
PRIORITIES = ("low", "medium", "high", "urgent")
CLOSED_PROJECT_STATUSES = frozenset({"done", "cancelled"})
MAX_SUBTASK_DEPTH = 10
MAX_CHECKLIST_ITEMS = 100
MAX_MENTIONS = 20
MAX_HOURS = Decimal("100000")
HUNDREDTH = Decimal("0.01")
AUDITED_FIELDS = (
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "milestone_id",
    "parent_id",
    "estimate_hours",
    "start_date",
    "due_date",
)


async def get_task(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> Task:
    """A task in a project whose tasks the actor may reach; else NOT_FOUND on `field`."""
    actor.require(TASK, Action.READ)
    statement = select(Task).where(Task.id == task_id)
    task = await session.scalar(statement.with_for_update() if lock else statement)
    if task is None:
        raise not_found("task", field)
    await get_project(session, actor, task.project_id, field, object_type=TASK)
    return task


async def writable_task(session: AsyncSession, actor: Actor, task_id: uuid.UUID, field: str = "id") -> Task:
    actor.require(TASK, Action.UPDATE)
    return await get_task(session, actor, task_id, field)


def open_project(project: Project) -> None:
    if project.status in CLOSED_PROJECT_STATUSES:
        raise DomainError(
            ErrorCode.INVALID, f"The project is {project.status}; reopen it to change its tasks.", "projectId"
        )


def estimate(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value > MAX_HOURS:
        raise DomainError(ErrorCode.INVALID, "Estimate between 0 and 100,000 hours.", "estimateHours")
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def choice(value: str | None, options: tuple[str, ...], field: str) -> str:
    if value not in options:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(options)}.", field)
    return value


async def clean_parent(
    session: AsyncSession, project_id: uuid.UUID, parent_id: uuid.UUID | None, task_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The parent must be in the same project and not the task itself or one of its subtasks."""
    if parent_id is None:
        return None
    lineage: list[uuid.UUID] = []
    current: uuid.UUID | None = parent_id
    while current is not None and len(lineage) <= MAX_SUBTASK_DEPTH:
        row = (
            await session.execute(
                select(Task.id, Task.parent_id).where(Task.id == current, Task.project_id == project_id)
            )
        ).first()
        if row is None:
            raise not_found("task in this project", "parentId")
        lineage.append(row.id)
        current = row.parent_id
    if task_id is not None and task_id in lineage:
        raise DomainError(
            ErrorCode.CYCLE, "A task cannot be placed under itself or one of its subtasks.", "parentId"
        )
    if len(lineage) >= MAX_SUBTASK_DEPTH:
        raise DomainError(ErrorCode.INVALID, f"Subtasks nest at most {MAX_SUBTASK_DEPTH} levels.", "parentId")
    return parent_id


async def clean_task(
    session: AsyncSession, project: Project, values: Mapping[str, Any], task: Task | None
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "title":
            checks[key] = lambda v=value: required_text(v, "title", 300)
        elif key == "description":
            checks[key] = lambda v=value: optional_text(v, "description", 20_000)
        elif key == "priority":
            checks[key] = lambda v=value: choice(v, PRIORITIES, "priority")
        elif key == "estimate_hours":
            checks[key] = lambda v=value: estimate(v)
        elif key in ("start_date", "due_date"):
            checks[key] = lambda v=value: v
    cleaned = collect(checks)
    errors: list[DomainError] = []
    start = cleaned.get("start_date", task.start_date if task else None)
    due = cleaned.get("due_date", task.due_date if task else None)
    try:
        date_order(start, due, "dueDate")
    except DomainError as error:
        errors.append(error)
    for key, check in (
        ("assignee_id", lambda v: require_project_member(session, project.id, v, "assigneeId")),
        ("milestone_id", lambda v: milestone_in_project(session, project.id, v)),
        ("parent_id", lambda v: clean_parent(session, project.id, v, task.id if task else None)),
    ):
        if key not in values:
            continue
        try:
            cleaned[key] = None if values[key] is None else await check(values[key])
        except DomainError as error:
            errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    return cleaned


async def milestone_in_project(
    session: AsyncSession, project_id: uuid.UUID, milestone_id: uuid.UUID
) -> uuid.UUID:
    found = await session.scalar(
        select(Milestone.id).where(Milestone.id == milestone_id, Milestone.project_id == project_id)
    )
    if found is None:
        raise not_found("milestone in this project", "milestoneId")
    return found


async def create_task(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, values: Mapping[str, Any]
) -> Task:
    actor.require(TASK, Action.CREATE)
    project = await get_project(session, actor, project_id, "projectId", object_type=TASK)
    open_project(project)
    cleaned = await clean_task(session, project, {"title": None, **values}, None)
    task = Task(
        tenant_id=actor.tenant_id, id=new_id(), project_id=project.id, reporter_id=actor.user_id, **cleaned
    )
    custom = await apply_custom_values(session, actor, TASK, task, values, creating=True)
    session.add(task)
    await session.flush()
    after = snapshot(task, AUDITED_FIELDS)
    await audit.record(session, actor, "task.create", TASK, task.id, audit.diff({}, after) | custom)
    await announce_task(session, actor, "task.created", task, None)
    return task


async def announce_task(
    session: AsyncSession, actor: Actor, change: str, task: Task, previous_assignee: uuid.UUID | None
) -> None:
    """Tell live task lists (graph/live); the previous assignee lets their list drop a reassigned task."""
    await announce(
        session,
        actor.tenant_id,
        change,
        task.version,
        task=task.id,
        project=task.project_id,
        assignee=task.assignee_id,
        previous_assignee=previous_assignee,
    )


async def update_task(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Task:
    """Changes fields other than status (see `change_task_status`)."""
    task = await writable_task(session, actor, task_id)
    check_version(task, version, "task")
    project = await get_project(session, actor, task.project_id, object_type=TASK)
    open_project(project)
    cleaned = await clean_task(session, project, values, task)
    before = snapshot(task, AUDITED_FIELDS)
    previous_assignee = task.assignee_id
    for key, value in cleaned.items():
        setattr(task, key, value)
    custom = await apply_custom_values(session, actor, TASK, task, values, creating=False)
    await flush_versioned(session, "task")
    changes = audit.diff(before, snapshot(task, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "task.update", TASK, task.id, changes)
    if task.assignee_id != previous_assignee:
        await announce_task(session, actor, "task.assigned", task, previous_assignee)
    else:
        await announce_task(session, actor, "task.updated", task, None)
    return task


async def unfinished_predecessors(session: AsyncSession, task: Task) -> list[str]:
    rows = await session.scalars(
        select(Task.title)
        .join(
            TaskDependency,
            (TaskDependency.tenant_id == Task.tenant_id) & (TaskDependency.depends_on_id == Task.id),
        )
        .where(TaskDependency.task_id == task.id, Task.status != "done")
        .order_by(Task.title)
    )
    return list(rows)


async def change_task_status(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, version: int, status: str
) -> Task:
    check_builtin_writes(actor, TASK, {"status": status})
    task = await writable_task(session, actor, task_id)
    check_version(task, version, "task")
    open_project(await get_project(session, actor, task.project_id, object_type=TASK))
    require_transition(TASK_TRANSITIONS, task.status, status, "task")
    if status in NEEDS_PREDECESSORS_DONE:
        waiting_on = await unfinished_predecessors(session, task)
        if waiting_on:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                f"This task waits for unfinished tasks it depends on: {', '.join(waiting_on)}.",
                "status",
            )
    previous = task.status
    task.status = status
    task.completed_at = datetime.now(UTC) if status == "done" else None
    await flush_versioned(session, "task")
    await audit.record(session, actor, "task.status", TASK, task.id, {"status": [previous, status]})
    await announce_task(session, actor, "task.status_changed", task, None)
    return task


def find_path(
    edges: Mapping[uuid.UUID, set[uuid.UUID]], start: uuid.UUID, goal: uuid.UUID
) -> list[uuid.UUID] | None:
    """A path start → ... → goal following `edges` (task → tasks it depends on), depth first."""
    stack: list[tuple[uuid.UUID, list[uuid.UUID]]] = [(start, [start])]
    seen: set[uuid.UUID] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((following, [*path, following]) for following in edges.get(node, ()))
    return None


async def add_task_dependency(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, depends_on_id: uuid.UUID
) -> Task:
    """`task` starts only after `depends_on` finishes. Refuses other projects, duplicates and cycles."""
    task = await writable_task(session, actor, task_id, "taskId")
    predecessor = await get_task(session, actor, depends_on_id, "dependsOnId")
    if predecessor.project_id != task.project_id:
        raise DomainError(ErrorCode.INVALID, "Dependencies link tasks of the same project.", "dependsOnId")
    if predecessor.id == task.id:
        raise DomainError(ErrorCode.CYCLE, "A task cannot depend on itself.", "dependsOnId")
    # Lock the project's dependency graph so two concurrent additions cannot close a cycle together.
    await session.execute(select(Project.id).where(Project.id == task.project_id).with_for_update())
    rows = await session.execute(
        select(TaskDependency.task_id, TaskDependency.depends_on_id).where(
            TaskDependency.project_id == task.project_id
        )
    )
    edges: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for successor, before in rows:
        edges[successor].add(before)
    if predecessor.id in edges[task.id]:
        raise DomainError(ErrorCode.DUPLICATE, "This dependency exists already.", "dependsOnId")
    path = find_path(edges, predecessor.id, task.id)
    if path is not None:
        titles = dict((await session.execute(select(Task.id, Task.title).where(Task.id.in_(path)))).all())
        names = " → ".join(titles[node] for node in [task.id, *path])
        raise DomainError(ErrorCode.CYCLE, f"This dependency would close a cycle: {names}.", "dependsOnId")
    session.add(
        TaskDependency(
            tenant_id=actor.tenant_id,
            project_id=task.project_id,
            task_id=task.id,
            depends_on_id=predecessor.id,
        )
    )
    await session.flush()
    await audit.record(
        session, actor, "task.dependency_add", TASK, task.id, {"depends_on_id": str(predecessor.id)}
    )
    return task


async def remove_task_dependency(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, depends_on_id: uuid.UUID
) -> Task:
    task = await writable_task(session, actor, task_id, "taskId")
    removed = await session.execute(
        delete(TaskDependency).where(
            TaskDependency.task_id == task.id, TaskDependency.depends_on_id == depends_on_id
        )
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise not_found("dependency", "dependsOnId")
    await audit.record(
        session, actor, "task.dependency_remove", TASK, task.id, {"depends_on_id": str(depends_on_id)}
    )
    return task


async def add_checklist_item(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, text: str
) -> ChecklistItem:
    task = await writable_task(session, actor, task_id, "taskId")
    cleaned = required_text(text, "text", 500)
    count = await session.scalar(select(func.count()).where(ChecklistItem.task_id == task.id)) or 0
    if count >= MAX_CHECKLIST_ITEMS:
        raise DomainError(
            ErrorCode.LIMIT_REACHED, f"A task holds at most {MAX_CHECKLIST_ITEMS} checklist items.", "taskId"
        )
    position = (
        await session.scalar(select(func.max(ChecklistItem.position)).where(ChecklistItem.task_id == task.id))
        or 0
    ) + 1
    item = ChecklistItem(tenant_id=actor.tenant_id, task_id=task.id, text=cleaned, position=position)
    session.add(item)
    await session.flush()
    await audit.record(
        session, actor, "task.checklist_add", TASK, task.id, {"item_id": str(item.id), "text": cleaned}
    )
    return item


async def get_checklist_item(session: AsyncSession, actor: Actor, item_id: uuid.UUID) -> ChecklistItem:
    item = await session.scalar(select(ChecklistItem).where(ChecklistItem.id == item_id))
    if item is None:
        raise not_found("checklist item")
    await writable_task(session, actor, item.task_id)
    return item


async def update_checklist_item(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> ChecklistItem:
    item = await get_checklist_item(session, actor, item_id)
    check_version(item, version, "checklist item")
    checks: dict[str, Any] = {}
    if "text" in values:
        checks["text"] = lambda: required_text(values["text"], "text", 500)
    if "done" in values:
        checks["done"] = lambda: bool(values["done"])
    cleaned = collect(checks)
    before = snapshot(item, ("text", "done"))
    for key, value in cleaned.items():
        setattr(item, key, value)
    await flush_versioned(session, "checklist item")
    changes = audit.diff(before, snapshot(item, ("text", "done")))
    await audit.record(
        session, actor, "task.checklist_update", TASK, item.task_id, {"item_id": str(item.id), **changes}
    )
    return item


async def mentioned_members(
    session: AsyncSession, actor: Actor, user_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """De-duplicated user ids, each an active member of the tenant (else NOT_FOUND on `mentions`)."""
    unique = list(dict.fromkeys(user_ids))
    if len(unique) > MAX_MENTIONS:
        raise DomainError(ErrorCode.INVALID, f"Mention at most {MAX_MENTIONS} people.", "mentions")
    if not unique:
        return []
    found = set(
        await session.scalars(
            select(Membership.user_id).where(
                Membership.tenant_id == actor.tenant_id,
                Membership.user_id.in_(unique),
                Membership.is_active.is_(True),
            )
        )
    )
    if len(found) != len(unique):
        raise not_found("active member", "mentions")
    return unique


async def add_task_comment(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, body: str, mentions: list[uuid.UUID]
) -> TaskComment:
    task = await writable_task(session, actor, task_id, "taskId")
    text = required_text(body, "body", 10_000)
    mentioned = await mentioned_members(session, actor, mentions)
    comment = TaskComment(
        tenant_id=actor.tenant_id,
        task_id=task.id,
        author_id=actor.user_id,
        body=text,
        mentioned_user_ids=mentioned,
    )
    session.add(comment)
    await session.flush()
    await audit.record(
        session,
        actor,
        "task.comment",
        TASK,
        task.id,
        {"comment_id": str(comment.id), "mentions": [str(user_id) for user_id in mentioned]},
    )
    return comment
