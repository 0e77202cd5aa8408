"""Inputs and payloads of milestone, task, checklist, comment and template mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core.errors import UserError
from graph.projects.enums import TaskPriority
from graph.projects.inputs import described
from graph.projects.planning.types import ProjectTemplate
from graph.projects.types import ChecklistItem, Milestone, Task, TaskComment


@strawberry.input(description="A new project from a template, every date shifted to `plannedStart`.")
class CreateProjectFromTemplateInput:
    template_id: relay.GlobalID = strawberry.field(description="A ProjectTemplate's `id`.")
    name: str = strawberry.field(description="1-200 characters.")
    planned_start: date = strawberry.field(description="The new start; the template's dates shift to it.")
    account_id: relay.GlobalID | None = described("The client Account.")
    opportunity_id: relay.GlobalID | None = described("The won Opportunity.")
    contract_id: relay.GlobalID | None = described("The Contract.")
    manager_id: relay.GlobalID | None = described("The manager; default you.")
    budget: Decimal | None = described("Budget.")
    currency: str | None = described("ISO 4217; default the tenant's base currency.")


@strawberry.type(description="Result of saving a template.")
class ProjectTemplatePayload:
    template: ProjectTemplate | None = strawberry.field(default=None, description="The template.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


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
