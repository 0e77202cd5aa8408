"""GraphQL shapes of the task read models: the Gantt chart and the board."""

from __future__ import annotations

import strawberry

from graph.core.ids import encode_id
from graph.projects import views
from graph.projects.enums import TaskStatus
from graph.projects.types import Milestone, Task


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
