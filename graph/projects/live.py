"""Live project screens: `projectChanged(projectId)` and `tasksChanged(projectId, assigneeId)` (and the
portfolio board's `portfolioChanged`, graph/projects/portfolio/api.py).

Events come from `graph/projects/projects/projects.py` (project.updated, project.status_changed; milestones),
`planning/tasks.py` (task.created, task.updated, task.status_changed, task.assigned), `changes/risks.py` and
`costs/costs.py`. Each is re-read through the area's own scoped loaders (project scope).

Health is computed on read (graph/projects/costs/health.py), so no write announces it: `projectChanged`
recomputes it, under the subscriber's permissions, when something that feeds it changes in the project
(tasks, milestones, risks, time and expenses) and sends `project.health_changed` only when the status moved.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.ids import decode_id, encode_id
from graph.live.context import Info, LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream, not_found
from graph.projects import loaders
from graph.projects.costs import health
from graph.projects.costs.loaders import costs_by_project_id, health_facts_by_project_id
from graph.projects.models import PROJECT, TASK
from graph.projects.portfolio.api import PortfolioSubscription
from graph.projects.types import Project, Task
from tenants.errors import DomainError, ErrorCode

PROJECT_EVENTS = ("project.updated", "project.status_changed")
HEALTH_INPUTS = ("task.", "milestone.", "risk.", "cost.")
HEALTH_CHANGED = "project.health_changed"
TASK_EVENTS = ("task.created", "task.updated", "task.status_changed", "task.assigned")
ProjectId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the Project to watch.")]


def decoded(global_id: relay.GlobalID | None, type_name: str) -> uuid.UUID | None:
    if global_id is None:
        return None
    try:
        return decode_id(global_id, type_name)
    except DomainError:
        return uuid.UUID(int=0)  # matches nothing: reported as NOT_FOUND at subscribe time


@strawberry.type(
    description=(
        "One change to a project, re-read for you when delivered. `type` is `subscribed` first, then "
        "`project.updated`, `project.status_changed`, or `project.health_changed` (its computed health "
        "status moved, e.g. tasks became overdue or a high risk was raised); `dropped` when events were "
        "lost: refetch."
    )
)
class ProjectChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    project_id: relay.GlobalID | None = strawberry.field(description="The project; null for `dropped`.")
    version: int | None = strawberry.field(description="The project version the change produced.")
    project: Project | None = strawberry.field(description="The project as you may see it now.")
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


@strawberry.type(
    description=(
        "One change to a task, re-read for you when delivered. `type` is `subscribed` first, then "
        "`task.created`, `task.updated`, `task.status_changed` or `task.assigned` (also sent to a "
        "`tasksChanged(assigneeId)` of the previous assignee, so the task can leave their list); `dropped` "
        "when events were lost: refetch."
    )
)
class TaskChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    task_id: relay.GlobalID | None = strawberry.field(
        description="The task; null for `subscribed`/`dropped`."
    )
    version: int | None = strawberry.field(description="The task version the change produced.")
    task: Task | None = strawberry.field(description="The task as you may see it now.")
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


async def visible_project(context: LiveContext, project_id: uuid.UUID) -> Project | None:
    record = await context.loader("projects_by_id", loaders.projects_by_id).load(project_id)
    return Project.from_model(record) if record is not None else None


async def visible_task(context: LiveContext, task_id: uuid.UUID) -> Task | None:
    record = await context.loader("tasks_by_id", loaders.tasks_by_id).load(task_id)
    return Task.from_model(record) if record is not None else None


@strawberry.type
class ProjectSubscription(PortfolioSubscription):
    @strawberry.subscription(
        description=(
            "Changes to one project you may see (NOT_FOUND otherwise): its fields, status and computed "
            "health. First item: `subscribed` with the project."
        )
    )
    async def project_changed(self, info: Info, project_id: ProjectId) -> AsyncGenerator[ProjectChange, None]:
        watched = decoded(project_id, "Project")
        last_health: list[str | None] = [None]  # the health status the subscriber last saw

        def item(type_: str, version: int | None, project: Project | None) -> ProjectChange:
            return ProjectChange(
                type=type_,
                project_id=encode_id("Project", watched) if watched else None,
                version=version,
                project=project,
                dropped=False,
            )

        async def subscribed(context: LiveContext) -> ProjectChange:
            project = await visible_project(context, watched) if watched else None
            if project is None or watched is None:
                raise not_found("project")
            last_health[0] = await health_status(context, watched)
            return item(SUBSCRIBED, project.version, project)

        def accepts(event: Event) -> bool:
            if event.id("project") != watched:
                return False
            return event.type in PROJECT_EVENTS or event.type.startswith(HEALTH_INPUTS)

        async def deliver(context: LiveContext, event: Event) -> Delivery[ProjectChange]:
            project = await visible_project(context, watched) if watched else None
            if project is None or watched is None:
                return Delivery(None)
            if event.type in PROJECT_EVENTS:
                return Delivery(item(event.type, event.version, project))
            # Compared with the health last *announced*, not the one a project event's re-read happened
            # to show: deliveries lag behind commits, so a field change delivered after a task became
            # overdue would otherwise swallow the health change it carried along.
            status = await health_status(context, watched)
            moved, last_health[0] = status != last_health[0], status
            return Delivery(item(HEALTH_CHANGED, project.version, project) if moved else None)

        def dropped() -> ProjectChange:
            return ProjectChange(type=DROPPED_TYPE, project_id=None, version=None, project=None, dropped=True)

        async for change in live_stream(info, (PROJECT,), accepts, deliver, subscribed, dropped):
            yield change

    @strawberry.subscription(
        description=(
            "Changes to tasks you may see, in one project and/or of one assignee (give at least one). "
            "First item: `subscribed`."
        )
    )
    async def tasks_changed(
        self,
        info: Info,
        project_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only tasks of this Project.")
        ] = None,
        assignee_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only tasks assigned (or just unassigned from) this User."),
        ] = None,
    ) -> AsyncGenerator[TaskChange, None]:
        project = decoded(project_id, "Project")
        assignee = decoded(assignee_id, "User")

        async def subscribed(context: LiveContext) -> TaskChange:
            if project is None and assignee is None:
                raise DomainError(ErrorCode.REQUIRED, "Give a projectId, an assigneeId or both.", "projectId")
            if project is not None and await visible_project(context, project) is None:
                raise not_found("project")
            return TaskChange(type=SUBSCRIBED, task_id=None, version=None, task=None, dropped=False)

        def accepts(event: Event) -> bool:
            if event.type not in TASK_EVENTS:
                return False
            if project is not None and event.id("project") != project:
                return False
            return assignee is None or assignee in (event.id("assignee"), event.id("previous_assignee"))

        async def deliver(context: LiveContext, event: Event) -> Delivery[TaskChange]:
            task_id = event.id("task")
            task = await visible_task(context, task_id) if task_id else None
            if task is None or task_id is None:
                return Delivery(None)
            return Delivery(
                TaskChange(
                    type=event.type,
                    task_id=encode_id("Task", task_id),
                    version=event.version,
                    task=task,
                    dropped=False,
                )
            )

        def dropped() -> TaskChange:
            return TaskChange(type=DROPPED_TYPE, task_id=None, version=None, task=None, dropped=True)

        async for change in live_stream(info, (TASK,), accepts, deliver, subscribed, dropped):
            yield change


async def health_status(context: LiveContext, project_id: uuid.UUID) -> str | None:
    """The project's computed health status today, as the subscriber may read it (None if invisible)."""
    record = await context.loader("projects_by_id", loaders.projects_by_id).load(project_id)
    if record is None:
        return None
    today = datetime.now(UTC).date()
    facts = await context.loader("health_facts_by_project_id", health_facts_by_project_id).load(
        (project_id, today)
    )
    cost = await context.loader("costs_by_project_id", costs_by_project_id).load(project_id)
    return health.assess(record, facts, cost, today).status
