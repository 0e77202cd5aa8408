"""What the projects area's inputs and mutations share: argument annotations and the translation of
inputs into service values."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import UNSET, relay

from graph.core.ids import decode_id
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


def parse_uuid(value: str, what: str, field: str = "id") -> uuid.UUID:
    """A raw (not global) id; a malformed one is simply not found."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise not_found(what, field) from None
