"""The projects area's root fields. Each concept is a sub-package with its services, types, inputs and
mutations (like graph/sales/):

- `projects/`: projects, members, status history, milestones (`projects.py`)
- `planning/`: tasks, dependencies, checklists, comments, the Gantt chart and board, templates
- `costs/`: time entries, expenses, cost rates, cost against budget and computed health
- `changes/`: the risk register and change requests (with their approval)
- `closeout/`: closing projects out (evaluation against plan, satisfaction) and lessons learned
- `portfolio/`: the portfolio board (health, budget burn, resource load) and `portfolioChanged`
- `purchases/`: material lines bought through the approval chains against the budget
- `quality/`: checklists, inspections, defects and customer acceptance (signed with a document)
- `resources/`: skills, capacity and allocations of people, load and assignment suggestions

What they share sits here: the tables (`models.py`), enums, record scope (`access.py`), service checks
(`rules.py`), list filters, the project and task loaders and types (`types.py`: every concept hangs off a
project or a task), and the input helpers (`inputs.py`). The read root fields stay in one class below so the
schema lists them in one place; the mutations are each concept's own class.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

import graph.projects.documents  # noqa: F401 - registers the area's document link targets
from graph.admin.lists import custom_page
from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id
from graph.core.pagination import Connection, connection_of, paginate
from graph.projects import loaders
from graph.projects import reminders as reminders  # registers the `projects.reminders` job
from graph.projects.access import in_visible_projects, project_scope
from graph.projects.changes import risks
from graph.projects.changes.mutations import ChangeMutation
from graph.projects.changes.types import Risk, RiskMatrix, RiskMatrixCell
from graph.projects.closeout.mutations import CloseoutMutation, LessonQuery
from graph.projects.costs import costs
from graph.projects.costs.mutations import CostMutation
from graph.projects.costs.types import UserCostRate
from graph.projects.enums import TaskStatus
from graph.projects.filters import (
    ProjectFilter,
    ProjectOrder,
    RiskFilter,
    RiskOrder,
    TaskFilter,
    TaskOrder,
    project_conditions,
    project_ordering,
    risk_conditions,
    risk_ordering,
    task_conditions,
    task_ordering,
)
from graph.projects.models import PROJECT, RISK, TASK
from graph.projects.models import Project as ProjectRow
from graph.projects.models import Risk as RiskRow
from graph.projects.models import Task as TaskRow
from graph.projects.planning import templates, views
from graph.projects.planning.mutations import PlanningMutation, TemplateMutation
from graph.projects.planning.types import BoardColumn, GanttChart, ProjectTemplate, TaskBoard
from graph.projects.portfolio.api import PortfolioQuery
from graph.projects.projects.mutations import ProjectMutation
from graph.projects.purchases.mutations import PurchaseMutation
from graph.projects.quality.mutations import QualityMutation
from graph.projects.resources.mutations import ResourceMutation
from graph.projects.resources.queries import ResourceQuery
from graph.projects.types import Project, Task
from tenants.errors import DomainError
from tenants.permissions import Action

__all__ = ["ProjectsMutation", "ProjectsQuery"]

ProjectId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Project.")]


def today() -> date:
    return datetime.now(UTC).date()


@strawberry.input(description="Conditions on your tasks.")
class MyTasksFilter:
    status: list[TaskStatus] | None = strawberry.field(
        default=None, description="Only these statuses; default all but DONE."
    )


@strawberry.input(description="Conditions on overdue tasks.")
class OverdueTasksFilter:
    project_id: relay.GlobalID | None = strawberry.field(default=None, description="Only this Project.")
    on: date | None = strawberry.field(default=None, description="The day to judge by (default today, UTC).")


@strawberry.type
class ProjectsQuery(ResourceQuery, LessonQuery, PortfolioQuery):
    @strawberry.field(description="Projects you may see (managed, member of, or by role scope), by name.")
    async def projects(
        self,
        info: Info,
        filter: Annotated[ProjectFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[ProjectOrder] | None, strawberry.argument(description="Sort keys; default NAME ASC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Project]:
        actor = info.context.actor
        actor.require(PROJECT, Action.READ)
        statement = select(ProjectRow).where(project_scope(actor), *project_conditions(filter))
        return await custom_page(
            info,
            PROJECT,
            ProjectRow,
            statement,
            filter,
            order_by,
            project_ordering,
            Project.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One project; null if missing or not yours to see.")
    async def project(self, info: Info, id: ProjectId) -> Project | None:
        try:
            project_id = decode_id(id, "Project")
        except DomainError:
            return None
        record = await info.context.loader("projects_by_id", loaders.projects_by_id).load(project_id)
        return Project.from_model(record) if record else None

    @strawberry.field(description="Tasks of the projects you may see; default oldest first.")
    async def tasks(
        self,
        info: Info,
        filter: Annotated[TaskFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[TaskOrder] | None, strawberry.argument(description="Sort keys; default CREATED_AT ASC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Task]:
        statement = views.visible_tasks(info.context.actor).where(*task_conditions(filter))
        return await custom_page(
            info,
            TASK,
            TaskRow,
            statement,
            filter,
            order_by,
            task_ordering,
            Task.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="Risks of the projects you may see; default oldest first.")
    async def risks(
        self,
        info: Info,
        filter: Annotated[RiskFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[RiskOrder] | None, strawberry.argument(description="Sort keys; default CREATED_AT ASC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Risk]:
        actor = info.context.actor
        actor.require(RISK, Action.READ)
        statement = select(RiskRow).where(
            RiskRow.tenant_id == actor.tenant_id,
            in_visible_projects(actor, RISK, RiskRow.project_id),
            *risk_conditions(filter),
        )
        return await custom_page(
            info,
            RISK,
            RiskRow,
            statement,
            filter,
            order_by,
            risk_ordering,
            Risk.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="Tasks assigned to you across projects, soonest due first (undated last).")
    async def my_tasks(
        self,
        info: Info,
        filter: Annotated[MyTasksFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Task]:
        status = filter.status if filter is not None else None
        statement = views.my_tasks(info.context.actor, [s.value for s in status] if status else None)
        return await paginate(
            await info.context.session(), statement, Task.from_model, first, after, before, last
        )

    @strawberry.field(description="Open tasks due before `on` (default today, UTC), most overdue first.")
    async def overdue_tasks(
        self,
        info: Info,
        filter: Annotated[OverdueTasksFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Task]:
        session, actor = await info.context.session(), info.context.actor
        filter = filter or OverdueTasksFilter()
        project_id = decode_optional_id(filter.project_id, "Project", "filter.projectId")
        statement = await views.overdue_tasks(session, actor, filter.on or today(), project_id)
        return await paginate(session, statement, Task.from_model, first, after, before, last)

    @strawberry.field(description="Tasks with dates and dependencies, and milestones, for a Gantt chart.")
    async def project_gantt(self, info: Info, project_id: ProjectId) -> GanttChart:
        session, actor = await info.context.session(), info.context.actor
        return GanttChart.from_view(
            await views.gantt(session, actor, decode_id(project_id, "Project", "projectId"))
        )

    @strawberry.field(description="The project's tasks by status, one column per status.")
    async def task_board(
        self,
        info: Info,
        project_id: ProjectId,
        per_column: Annotated[int, strawberry.argument(description="Tasks per column, 0-100.")] = 50,
    ) -> TaskBoard:
        session, actor = await info.context.session(), info.context.actor
        columns = await views.board(session, actor, decode_id(project_id, "Project", "projectId"), per_column)
        return TaskBoard(columns=[BoardColumn.from_view(column) for column in columns])

    @strawberry.field(
        description="The five-by-five risk matrix of a project: each cell with its risks not closed."
    )
    async def project_risk_matrix(self, info: Info, project_id: ProjectId) -> RiskMatrix:
        session, actor = await info.context.session(), info.context.actor
        cells = await risks.risk_matrix(session, actor, decode_id(project_id, "Project", "projectId"))
        return RiskMatrix(
            cells=[
                RiskMatrixCell(
                    probability=cell.probability,
                    impact=cell.impact,
                    score=cell.probability * cell.impact,
                    risks=[Risk.from_model(risk) for risk in cell.risks],
                )
                for cell in cells
            ]
        )

    @strawberry.field(description="Project templates, by name.")
    async def project_templates(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[ProjectTemplate]:
        session, actor = await info.context.session(), info.context.actor
        found = [ProjectTemplate.from_model(row) for row in await templates.list_templates(session, actor)]
        return connection_of(found, lambda template: template.id, first, after, last, before)

    @strawberry.field(description="Members' hourly cost rates (manage_settings).")
    async def user_cost_rates(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[UserCostRate]:
        session, actor = await info.context.session(), info.context.actor
        found = [UserCostRate.from_model(row) for row in await costs.user_cost_rates(session, actor)]
        return connection_of(found, lambda rate: rate.user_id, first, after, last, before)


@strawberry.type
class ProjectsMutation(
    ProjectMutation,
    PlanningMutation,
    CostMutation,
    ChangeMutation,
    TemplateMutation,
    ResourceMutation,
    PurchaseMutation,
    QualityMutation,
    CloseoutMutation,
):
    """Every project mutation, concept by concept (the order is the schema's)."""
