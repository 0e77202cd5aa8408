"""GraphQL types of projects, members, status history, milestones and tasks.

Explicit field lists; every nested field goes through a per-request DataLoader from
`graph/projects/loaders.py` (so a page of projects with their tasks and assignees costs a fixed number
of statements).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.ids import child_nodes, encode_id
from graph.core.nodes import load_by_id, nested_connection, resolve_by_ids
from graph.core.pagination import Connection
from graph.crm.types import Account, referenced_account
from graph.identity.types import User, owner
from graph.projects import loaders
from graph.projects import models as pm
from graph.projects.changes.types import ChangeRequest, Risk, project_change_requests, project_risks
from graph.projects.costs import types as cost_types
from graph.projects.delivery import DeliveryFields
from graph.projects.enums import ProjectRole, ProjectStatus, TaskPriority, TaskStatus
from graph.sales.commerce import loaders as commerce_loaders
from graph.sales.commerce.types import Contract
from graph.sales.pipeline import loaders as sales_loaders
from graph.sales.pipeline.types import Opportunity

if TYPE_CHECKING:
    from graph.projects.costs.types import CostSummary, Expense, ProjectHealth, TimeEntry

OnDay = Annotated[date | None, strawberry.argument(description="The day to judge by (default today, UTC).")]
# The cost types refer back to Task (a time entry's task): lazy here, see graph/projects/costs/types.py.
COSTS = "graph.projects.costs.types"


def today() -> date:
    return datetime.now(UTC).date()


@strawberry.type(description="A member of a project and their role in it.")
class ProjectMember:
    role: ProjectRole = strawberry.field(description="Role in this project.")
    added_at: datetime = strawberry.field(description="When they joined the project.")
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)


@strawberry.type(description="One status change of a project: who, when, from → to, and why.")
class ProjectStatusChange:
    from_status: ProjectStatus | None = strawberry.field(description="Null for the creation entry.")
    to_status: ProjectStatus = strawberry.field(description="The new status.")
    comment: str | None = strawberry.field(description="Why, as given by whoever changed it.")
    occurred_at: datetime = strawberry.field(description="When the status changed.")
    actor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who changed it.")
    async def actor(self, info: Info) -> User | None:
        return await owner(info, self.actor_id)


@strawberry.type(description="A project milestone with its due date and completion.")
class Milestone(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Name (1-200 characters).")
    due_date: date = strawberry.field(description="When it is due.")
    completed_on: date | None = strawberry.field(description="When it was completed; null while open.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    project_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, milestone: pm.Milestone) -> Milestone:
        return cls(
            id=str(milestone.id),
            name=milestone.name,
            due_date=milestone.due_date,
            completed_on=milestone.completed_on,
            version=milestone.version,
            project_id=milestone.project_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Milestone | None]:
        return await resolve_by_ids(
            info, "milestones_by_id", loaders.milestones_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="Days past the due date while open (0 when on time or completed).")
    def days_late(self, on: OnDay = None) -> int:
        if self.completed_on is not None:
            return 0
        return max(((on or today()) - self.due_date).days, 0)


@strawberry.type(description="A delivery project, possibly for an account, an opportunity and a contract.")
class Project(HasCustomFields, DeliveryFields, relay.Node):
    CUSTOM_OBJECT_TYPE = pm.PROJECT
    id: relay.NodeID[str]
    code: str = strawberry.field(description="Human number from the tenant's pattern, e.g. PRJ-2026-001.")
    name: str = strawberry.field(description="Name (1-200 characters).")
    description: str | None = strawberry.field(description="Free text (null when hidden).")
    status: ProjectStatus = strawberry.field(description="Current status; see statusHistory for the past.")
    planned_start: date | None = strawberry.field(description="Planned start date.")
    planned_end: date | None = strawberry.field(description="Planned end date.")
    actual_start: date | None = strawberry.field(description="Set when the project first becomes ACTIVE.")
    actual_end: date | None = strawberry.field(description="Set when the project becomes DONE.")
    budget: Decimal | None = strawberry.field(description="Budget in `currency`.")
    currency: str = strawberry.field(description="ISO 4217 code of the budget and costs.")
    opportunity_id: strawberry.ID | None = strawberry.field(description="Global id of the won Opportunity.")
    contract_id: strawberry.ID | None = strawberry.field(description="Global id of the Contract.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    manager_id: strawberry.Private[uuid.UUID]
    account_id: strawberry.Private[uuid.UUID | None]
    opportunity_key: strawberry.Private[uuid.UUID | None]
    contract_key: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, project: pm.Project) -> Project:
        return cls(
            id=str(project.id),
            code=project.code,
            name=project.name,
            description=project.description,
            status=ProjectStatus(project.status),
            planned_start=project.planned_start,
            planned_end=project.planned_end,
            actual_start=project.actual_start,
            actual_end=project.actual_end,
            budget=project.budget,
            currency=project.currency,
            opportunity_id=global_id("Opportunity", project.opportunity_id),
            contract_id=global_id("Contract", project.contract_id),
            created_at=project.created_at,
            updated_at=project.updated_at,
            version=project.version,
            manager_id=project.manager_id,
            account_id=project.account_id,
            opportunity_key=project.opportunity_id,
            contract_key=project.contract_id,
            custom=project.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Project | None]:
        return await resolve_by_ids(info, "projects_by_id", loaders.projects_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The project's manager (always a member).")
    async def manager(self, info: Info) -> User | None:
        return await owner(info, self.manager_id)

    @strawberry.field(description="The client account; null when none, hidden or deleted.")
    async def account(self, info: Info) -> Account | None:
        return await referenced_account(info, self.account_id)

    @strawberry.field(description="The won opportunity this project delivers; null when none or hidden.")
    async def opportunity(self, info: Info) -> Opportunity | None:
        if self.opportunity_key is None:
            return None
        loader = info.context.loader("opportunities_by_id", sales_loaders.opportunities_by_id)
        record = await loader.load(self.opportunity_key)
        return Opportunity.from_model(record) if record else None

    @strawberry.field(description="The contract this project delivers; null when none or hidden.")
    async def contract(self, info: Info) -> Contract | None:
        if self.contract_key is None:
            return None
        loader = info.context.loader("contracts_by_id", commerce_loaders.contracts_by_id)
        record = await loader.load(self.contract_key)
        return Contract.from_model(record) if record else None

    @strawberry.field(description="Members with their project roles, in the order they joined.")
    async def members(self, info: Info) -> list[ProjectMember]:
        loader = info.context.loader("members_by_project_id", loaders.members_by_project_id)
        return [
            ProjectMember(role=ProjectRole(row.role), added_at=row.added_at, user_id=row.user_id)
            for row in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="Every status change, oldest first, starting with the creation.")
    async def status_history(self, info: Info) -> list[ProjectStatusChange]:
        loader = info.context.loader("status_history_by_project_id", loaders.status_history_by_project_id)
        return [
            ProjectStatusChange(
                from_status=ProjectStatus(row.from_status) if row.from_status else None,
                to_status=ProjectStatus(row.to_status),
                comment=row.comment,
                occurred_at=row.changed_at,
                actor_id=row.changed_by_id,
            )
            for row in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="Milestones by due date.")
    async def milestones(self, info: Info) -> list[Milestone]:
        loader = info.context.loader("milestones_by_project_id", loaders.milestones_by_project_id)
        return [Milestone.from_model(row) for row in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Tasks of the project, oldest first (first ≤ 100).")
    async def tasks(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Task]:
        return await nested_connection(
            info,
            "task_pages_by_project_id",
            loaders.task_pages_by_project_id,
            loaders.project_tasks_statement,
            pm.Task.project_id,
            loaders.TASKS_ORDER,
            Task.from_model,
            uuid.UUID(self.id),
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Computed health with its reasons, as of `on` (default today, UTC).")
    async def health(self, info: Info, on: OnDay = None) -> Annotated[ProjectHealth, strawberry.lazy(COSTS)]:
        return await cost_types.project_health(info, uuid.UUID(self.id), on or today())

    @strawberry.field(
        description="Budget against actual cost (time times cost rates + expenses + received materials +"
        " approved expense claims)."
    )
    async def cost(self, info: Info) -> Annotated[CostSummary, strawberry.lazy(COSTS)]:
        return await cost_types.cost_summary(info, uuid.UUID(self.id))

    @strawberry.field(description="Risks, highest score first.")
    async def risks(self, info: Info) -> list[Risk]:
        return await project_risks(info, uuid.UUID(self.id))

    @strawberry.field(description="Change requests, newest first.")
    async def change_requests(self, info: Info) -> list[ChangeRequest]:
        return await project_change_requests(info, uuid.UUID(self.id))

    @strawberry.field(description="Time entries, newest work date first (first ≤ 100).")
    async def time_entries(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Annotated[TimeEntry, strawberry.lazy(COSTS)]]:
        return await cost_types.project_time_entries(info, uuid.UUID(self.id), first, after, last, before)

    @strawberry.field(description="Recorded expenses, newest first.")
    async def expenses(self, info: Info) -> list[Annotated[Expense, strawberry.lazy(COSTS)]]:
        return await cost_types.project_expenses(info, uuid.UUID(self.id))


def global_id(type_name: str, value: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(encode_id(type_name, value))) if value else None


@strawberry.type(description="One item of a task's checklist.")
class ChecklistItem(relay.Node):
    id: relay.NodeID[str]
    text: str = strawberry.field(description="What to do (1-500 characters).")
    done: bool = strawberry.field(description="Ticked.")
    position: int = strawberry.field(description="1-based order within the task.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """An item of a task you may see."""
        tasks = ("tasks_by_id", loaders.tasks_by_id)
        return await child_nodes(
            info, node_ids, pm.ChecklistItem, "task_id", tasks, lambda row, _task: cls.from_model(row)
        )

    @classmethod
    def from_model(cls, item: pm.ChecklistItem) -> ChecklistItem:
        return cls(
            id=str(item.id),
            text=item.text,
            done=item.done,
            position=item.position,
            version=item.version,
        )


@strawberry.type(description="A comment on a task, with the members it mentions.")
class TaskComment(relay.Node):
    id: relay.NodeID[str]
    body: str = strawberry.field(description="The text (1-10,000 characters).")
    created_at: datetime = strawberry.field(description="When it was written (UTC).")
    author_id: strawberry.Private[uuid.UUID]
    mentioned_user_ids: strawberry.Private[list[uuid.UUID]]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A comment on a task you may see."""
        tasks = ("tasks_by_id", loaders.tasks_by_id)
        return await child_nodes(
            info, node_ids, pm.TaskComment, "task_id", tasks, lambda row, _task: cls.from_model(row)
        )

    @classmethod
    def from_model(cls, comment: pm.TaskComment) -> TaskComment:
        return cls(
            id=str(comment.id),
            body=comment.body,
            created_at=comment.created_at,
            author_id=comment.author_id,
            mentioned_user_ids=list(comment.mentioned_user_ids),
        )

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info) -> User | None:
        return await owner(info, self.author_id)

    @strawberry.field(description="Members mentioned in it (only those still in the tenant).")
    async def mentions(self, info: Info) -> list[User]:
        users = [await owner(info, user_id) for user_id in self.mentioned_user_ids]
        return [user for user in users if user is not None]


@strawberry.type(description="A unit of work in a project; may have subtasks, dependencies, a checklist.")
class Task(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = pm.TASK
    id: relay.NodeID[str]
    title: str = strawberry.field(description="One-line summary (1-300 characters).")
    description: str | None = strawberry.field(description="Details (null when hidden).")
    status: TaskStatus = strawberry.field(description="See changeTaskStatus for the allowed moves.")
    priority: TaskPriority = strawberry.field(description="How urgent it is.")
    estimate_hours: Decimal | None = strawberry.field(description="Estimated effort in hours.")
    start_date: date | None = strawberry.field(description="Planned start.")
    due_date: date | None = strawberry.field(description="Due date.")
    completed_at: datetime | None = strawberry.field(description="When it was last moved to DONE.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    project_id: strawberry.Private[uuid.UUID]
    milestone_id: strawberry.Private[uuid.UUID | None]
    parent_id: strawberry.Private[uuid.UUID | None]
    assignee_id: strawberry.Private[uuid.UUID | None]
    reporter_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, task: pm.Task) -> Task:
        return cls(
            id=str(task.id),
            title=task.title,
            description=task.description,
            status=TaskStatus(task.status),
            priority=TaskPriority(task.priority),
            estimate_hours=task.estimate_hours,
            start_date=task.start_date,
            due_date=task.due_date,
            completed_at=task.completed_at,
            created_at=task.created_at,
            updated_at=task.updated_at,
            version=task.version,
            project_id=task.project_id,
            milestone_id=task.milestone_id,
            parent_id=task.parent_id,
            assignee_id=task.assignee_id,
            reporter_id=task.reporter_id,
            custom=task.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Task | None]:
        return await resolve_by_ids(info, "tasks_by_id", loaders.tasks_by_id, node_ids, cls.from_model)

    @strawberry.field(description="True when open and past its due date as of `on` (default today, UTC).")
    def is_overdue(self, on: OnDay = None) -> bool:
        return (
            self.status is not TaskStatus.DONE
            and self.due_date is not None
            and self.due_date < (on or today())
        )

    @strawberry.field(description="The project it belongs to.")
    async def project(self, info: Info) -> Project | None:
        project = await info.context.loader("projects_by_id", loaders.projects_by_id).load(self.project_id)
        return Project.from_model(project) if project else None

    @strawberry.field(description="The milestone it contributes to, if any.")
    async def milestone(self, info: Info) -> Milestone | None:
        record = await load_by_id(info, "milestones_by_id", loaders.milestones_by_id, self.milestone_id)
        return Milestone.from_model(record) if record else None

    @strawberry.field(description="The parent task of a subtask.")
    async def parent(self, info: Info) -> Task | None:
        record = await load_by_id(info, "tasks_by_id", loaders.tasks_by_id, self.parent_id)
        return Task.from_model(record) if record else None

    @strawberry.field(description="Direct subtasks, oldest first.")
    async def subtasks(self, info: Info) -> list[Task]:
        loader = info.context.loader("subtasks_by_task_id", loaders.subtasks_by_task_id)
        return [Task.from_model(row) for row in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Tasks that must be DONE before this one may start (finish-to-start).")
    async def depends_on(self, info: Info) -> list[Task]:
        edges = await info.context.loader("dependencies_by_task_id", loaders.dependencies_by_task_id).load(
            uuid.UUID(self.id)
        )
        tasks = info.context.loader("tasks_by_id", loaders.tasks_by_id)
        records = [await tasks.load(edge.depends_on_id) for edge in edges]
        return [Task.from_model(record) for record in records if record is not None]

    @strawberry.field(description="Who works on it (a project member), if assigned.")
    async def assignee(self, info: Info) -> User | None:
        return await owner(info, self.assignee_id) if self.assignee_id else None

    @strawberry.field(description="Who created it.")
    async def reporter(self, info: Info) -> User | None:
        return await owner(info, self.reporter_id)

    @strawberry.field(description="Checklist items in order.")
    async def checklist(self, info: Info) -> list[ChecklistItem]:
        loader = info.context.loader("checklist_by_task_id", loaders.checklist_by_task_id)
        return [ChecklistItem.from_model(row) for row in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Comments, oldest first.")
    async def comments(self, info: Info) -> list[TaskComment]:
        loader = info.context.loader("comments_by_task_id", loaders.comments_by_task_id)
        return [TaskComment.from_model(row) for row in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Hours logged on this task (time entries).")
    async def actual_hours(self, info: Info) -> Decimal:
        return await cost_types.hours_by_task(info, uuid.UUID(self.id))
