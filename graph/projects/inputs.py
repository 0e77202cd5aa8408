"""What the projects area's inputs and mutations share: argument annotations and the translation of
inputs into service values."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import UNSET, relay

from graph.core import inputs as core_inputs
from graph.projects.enums import ProjectRole, ProjectStatus, TaskStatus
from tenants.errors import not_found

T = TypeVar("T")
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]
Comment = Annotated[str | None, strawberry.argument(description="Why (max 2,000 characters).")]
NewProjectStatus = Annotated[ProjectStatus, strawberry.argument(description="The new status.")]
NewTaskStatus = Annotated[TaskStatus, strawberry.argument(description="The new status.")]
RoleArgument = Annotated[
    ProjectRole, strawberry.argument(description="Role in the project (default CONTRIBUTOR).")
]
ProjectId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Project.")]
TaskId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Task.")]
UserId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a User.")]
ChangeRequestId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a ChangeRequest.")]

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
    "template_id": ("ProjectTemplate", "templateId"),
    "checklist_id": ("QualityChecklist", "checklistId"),
    "inspection_id": ("Inspection", "inspectionId"),
    "contact_id": ("Contact", "contactId"),
}


def given_values(data: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields the caller sent (see graph/core/inputs.py)."""
    return core_inputs.given_values(data, ID_FIELDS, skip=skip)


def described(description: str) -> Any:
    return strawberry.field(default=UNSET, description=description)


def parse_uuid(value: str, what: str, field: str = "id") -> uuid.UUID:
    """A raw (not global) id; a malformed one is simply not found."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise not_found(what, field) from None
