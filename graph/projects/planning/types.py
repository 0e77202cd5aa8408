"""GraphQL shapes of the planning read models (the Gantt chart and the board) and of project templates."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import RequestContext
from graph.core.ids import encode_id, nodes_in_order
from graph.projects import models as pm
from graph.projects.enums import TaskStatus
from graph.projects.models import PROJECT_TEMPLATE
from graph.projects.planning import views
from graph.projects.types import Milestone, Task
from tenants.permissions import Action

Info = strawberry.Info[RequestContext, None]


@strawberry.type(description="A finish-to-start link: `taskId` starts after `dependsOnId` is done.")
class TaskLink:
    task_id: strawberry.ID = strawberry.field(description="Global id of the dependent Task.")
    depends_on_id: strawberry.ID = strawberry.field(description="Global id of the Task it waits for.")


@strawberry.type(description="What a Gantt chart of one project needs: tasks with dates, links, milestones.")
class GanttChart:
    tasks: list[Task] = strawberry.field(description="Tasks by start date (undated last), at most 5,000.")
    dependencies: list[TaskLink] = strawberry.field(description="Finish-to-start links between those tasks.")
    milestones: list[Milestone] = strawberry.field(description="Milestones by due date.")
    truncated: bool = strawberry.field(description="True when the project has more than 5,000 tasks.")

    @classmethod
    def from_view(cls, chart: views.Gantt) -> GanttChart:
        return cls(
            tasks=[Task.from_model(task) for task in chart.tasks],
            dependencies=[
                TaskLink(
                    task_id=strawberry.ID(str(encode_id("Task", edge.task_id))),
                    depends_on_id=strawberry.ID(str(encode_id("Task", edge.depends_on_id))),
                )
                for edge in chart.dependencies
            ],
            milestones=[Milestone.from_model(milestone) for milestone in chart.milestones],
            truncated=chart.truncated,
        )


@strawberry.type(description="A project's task board: one column per task status, in flow order.")
class TaskBoard:
    columns: list[BoardColumn] = strawberry.field(description="The columns, todo to done.")


@strawberry.type(name="TaskBoardColumn", description="One column of a task board.")
class BoardColumn:
    status: TaskStatus = strawberry.field(description="The column's status.")
    count: int = strawberry.field(description="All tasks in this status.")
    tasks: list[Task] = strawberry.field(
        description="The first tasks of the column: urgent first, then oldest."
    )

    @classmethod
    def from_view(cls, column: views.BoardColumn) -> BoardColumn:
        return cls(
            status=TaskStatus(column.status),
            count=column.count,
            tasks=[Task.from_model(task) for task in column.tasks],
        )


@strawberry.type(description="A reusable project outline: milestones and tasks with relative dates.")
class ProjectTemplate(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique per tenant.")
    description: str | None = strawberry.field(description="Free text.")
    created_at: datetime = strawberry.field(description="When it was saved (UTC).")
    milestone_count: int = strawberry.field(description="Milestones it creates.")
    task_count: int = strawberry.field(description="Tasks (with subtasks) it creates.")
    duration_days: int | None = strawberry.field(description="Planned start to planned end, in days.")

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ProjectTemplate | None]:
        """Templates of the tenant, for members who may read them (as `projectTemplates`)."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, ProjectTemplate]:
            if not actor.permissions.can(PROJECT_TEMPLATE, Action.READ):
                return {}
            rows = await (await info.context.session()).scalars(
                select(pm.ProjectTemplate).where(pm.ProjectTemplate.id.in_(ids))
            )
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, template: pm.ProjectTemplate) -> ProjectTemplate:
        content = template.content
        return cls(
            id=str(template.id),
            name=template.name,
            description=template.description,
            created_at=template.created_at,
            milestone_count=len(content["milestones"]),
            task_count=len(content["tasks"]),
            duration_days=content.get("duration_days"),
        )
