"""Inputs and payloads of the projects area, and the translation of inputs into service values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core.errors import UserError
from graph.core.ids import decode_id
from graph.projects.enums import (
    TaskPriority,
)
from graph.projects.types import ChecklistItem, Milestone, Project, Task, TaskComment

# input attribute -> (GraphQL type name of the global id, GraphQL field name)
ID_FIELDS = {
    "account_id": ("Account", "accountId"),
    "opportunity_id": ("Opportunity", "opportunityId"),
    "contract_id": ("Contract", "contractId"),
    "manager_id": ("User", "managerId"),
    "assignee_id": ("User", "assigneeId"),
    "owner_id": ("User", "ownerId"),
    "user_id": ("User", "userId"),
    "milestone_id": ("Milestone", "milestoneId"),
    "parent_id": ("Task", "parentId"),
    "task_id": ("Task", "taskId"),
    "project_id": ("Project", "projectId"),
}


def given_values(data: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields the caller sent (UNSET ones left out), global ids decoded, enums as their values."""
    values: dict[str, Any] = {}
    for definition in data.__strawberry_definition__.fields:
        key = definition.python_name
        value = getattr(data, key)
        if value is UNSET or key in skip:
            continue
        if key in ID_FIELDS and value is not None:
            type_name, field = ID_FIELDS[key]
            value = decode_id(value, type_name, field)
        elif isinstance(value, Enum):
            value = value.value
        values[key] = value
    return values


def described(description: str) -> Any:
    return strawberry.field(default=UNSET, description=description)


@strawberry.input(description="A new project; it starts PLANNED with a code from the tenant's numbering.")
class CreateProjectInput:
    name: str = strawberry.field(description="Name (1-200 characters).")
    description: str | None = described("Free text (max 20,000 characters).")
    account_id: relay.GlobalID | None = described("The client Account.")
    opportunity_id: relay.GlobalID | None = described("The won Opportunity this project delivers.")
    contract_id: relay.GlobalID | None = described("The Contract it delivers.")
    manager_id: relay.GlobalID | None = described("The managing member (User); defaults to you.")
    planned_start: date | None = described("Planned start date.")
    planned_end: date | None = described("Planned end date (not before the start).")
    budget: Decimal | None = described("Budget in `currency` (not negative).")
    currency: str | None = described("ISO 4217 code; defaults to the tenant's base currency.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a project; fields you leave out stay as they are.")
class UpdateProjectInput:
    name: str | None = described("Name (1-200 characters).")
    description: str | None = described("Free text; null clears it.")
    account_id: relay.GlobalID | None = described("The client Account; null unlinks it.")
    opportunity_id: relay.GlobalID | None = described("The won Opportunity; null unlinks it.")
    contract_id: relay.GlobalID | None = described("The Contract; null unlinks it.")
    manager_id: relay.GlobalID | None = described("The new manager (becomes a LEAD member).")
    planned_start: date | None = described("Planned start date.")
    planned_end: date | None = described("Planned end date.")
    budget: Decimal | None = described("Budget in `currency`.")
    currency: str | None = described("ISO 4217 code.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="A new milestone of a project you manage.")
class CreateMilestoneInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project.")
    name: str = strawberry.field(description="Name (1-200 characters).")
    due_date: date = strawberry.field(description="When it is due.")


@strawberry.input(description="Changes to a milestone; set `completedOn` to complete it, null to reopen.")
class UpdateMilestoneInput:
    name: str | None = described("Name.")
    due_date: date | None = described("Due date.")
    completed_on: date | None = described("Completion date; null reopens it.")


@strawberry.input(description="A new task in a project you may work in; it starts TODO.")
class CreateTaskInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project.")
    title: str = strawberry.field(description="One-line summary (1-300 characters).")
    description: str | None = described("Details (max 20,000 characters).")
    priority: TaskPriority | None = described("Default MEDIUM.")
    assignee_id: relay.GlobalID | None = described("A member of the project (User).")
    milestone_id: relay.GlobalID | None = described("A Milestone of the same project.")
    parent_id: relay.GlobalID | None = described("Parent Task (same project) for a subtask.")
    estimate_hours: Decimal | None = described("Estimated hours (0-100,000).")
    start_date: date | None = described("Planned start.")
    due_date: date | None = described("Due date (not before the start).")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a task (status has its own mutation); left-out fields stay.")
class UpdateTaskInput:
    title: str | None = described("One-line summary.")
    description: str | None = described("Details; null clears them.")
    priority: TaskPriority | None = described("How urgent.")
    assignee_id: relay.GlobalID | None = described("A project member; null unassigns.")
    milestone_id: relay.GlobalID | None = described("A Milestone of the project; null detaches.")
    parent_id: relay.GlobalID | None = described("Parent Task; null makes it top-level.")
    estimate_hours: Decimal | None = described("Estimated hours.")
    start_date: date | None = described("Planned start.")
    due_date: date | None = described("Due date.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a checklist item.")
class UpdateChecklistItemInput:
    text: str | None = described("Text (1-500 characters).")
    done: bool | None = described("Ticked or not.")


@strawberry.input(description="A comment on a task.")
class AddTaskCommentInput:
    task_id: relay.GlobalID = strawberry.field(description="The Task.")
    body: str = strawberry.field(description="Text (1-10,000 characters).")
    mentions: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Users mentioned (active members of the tenant, at most 20)."
    )


@strawberry.type(description="Result of a project mutation: the project, or errors.")
class ProjectPayload:
    project: Project | None = strawberry.field(default=None, description="The project after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a milestone mutation.")
class MilestonePayload:
    milestone: Milestone | None = strawberry.field(
        default=None, description="The milestone after the change."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a task mutation.")
class TaskPayload:
    task: Task | None = strawberry.field(default=None, description="The task after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a checklist mutation.")
class ChecklistItemPayload:
    item: ChecklistItem | None = strawberry.field(default=None, description="The item after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of adding a comment.")
class TaskCommentPayload:
    comment: TaskComment | None = strawberry.field(default=None, description="The new comment.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
