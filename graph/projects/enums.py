"""GraphQL enums of the projects area; their values are the strings stored in the database."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Where a project stands; see changeProjectStatus for the allowed moves.")
class ProjectStatus(Enum):
    PLANNED = "planned"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    DONE = "done"
    CANCELLED = "cancelled"


@strawberry.enum(description="A member's role in one project.")
class ProjectRole(Enum):
    LEAD = "lead"
    CONTRIBUTOR = "contributor"
    OBSERVER = "observer"


@strawberry.enum(description="Task flow: TODO → IN_PROGRESS → (BLOCKED) → DONE; DONE can be reopened.")
class TaskStatus(Enum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"


@strawberry.enum(description="How urgent a task is.")
class TaskPriority(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


@strawberry.enum(description="Computed project health.")
class HealthStatus(Enum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


@strawberry.enum(description="How a risk is handled.")
class RiskResponse(Enum):
    AVOID = "avoid"
    MITIGATE = "mitigate"
    TRANSFER = "transfer"
    ACCEPT = "accept"


@strawberry.enum(description="Where a risk stands.")
class RiskStatus(Enum):
    OPEN = "open"
    MONITORING = "monitoring"
    CLOSED = "closed"


@strawberry.enum(description="What a change request changes.")
class ChangeKind(Enum):
    SCOPE = "scope"
    SCHEDULE = "schedule"
    BUDGET = "budget"


@strawberry.enum(
    description="Change request flow: DRAFT → SUBMITTED → UNDER_REVIEW → APPROVED / REJECTED → IMPLEMENTED."
)
class ChangeStatus(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"
