"""Project tables: projects with members and status history, milestones, tasks (dependencies, checklist
items, comments), time entries, expenses, per-user cost rates, risks, change requests with their history,
and templates.

The DDL, indexes and RLS policies live in `migrations/versions/0040_projects.py`; these mappings must
agree with it. Tasks, milestones and dependencies carry composite keys that include `project_id`, so a
parent task, a milestone or a dependency can never point into another project.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.ids import new_id
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

PROJECT = register_object_type("project")
MILESTONE = register_object_type("milestone")
TASK = register_object_type("task")
TIME_ENTRY = register_object_type("time_entry")
EXPENSE = register_object_type("expense")
RISK = register_object_type("risk")
CHANGE_REQUEST = register_object_type("change_request")
PROJECT_TEMPLATE = register_object_type("project_template")


def utc_now() -> datetime:
    return datetime.now(UTC)


def project_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "project_id"], ["projects.tenant_id", "projects.id"])


class Project(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "projects"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "opportunity_id"], ["opportunities.tenant_id", "opportunities.id"]
        ),
        member_fk("manager_id"),
    )

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column()
    contract_id: Mapped[uuid.UUID | None] = mapped_column()
    manager_id: Mapped[uuid.UUID] = mapped_column()
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[Decimal | None] = mapped_column(Numeric)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


# Custom fields and field-level role rules (tenants/fields/registry.py): built-in GraphQL fields -> the
# attributes a write sets. Only the description is hideable (the budget shows through health and costs).
# Reassigning a leaver's records makes the heir the manager of the leaver's projects.
register_custom_fields(
    PROJECT,
    Project,
    graphql_type="Project",
    fields={
        "name": ["name"],
        "description": ["description"],
        "account": ["account_id"],
        "opportunityId": ["opportunity_id"],
        "contractId": ["contract_id"],
        "manager": ["manager_id"],
        "plannedStart": ["planned_start"],
        "plannedEnd": ["planned_end"],
        "budget": ["budget"],
        "currency": ["currency"],
        "status": ["status"],
    },
    hideable=["description"],
    owner_column="manager_id",
)


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (project_fk(), member_fk("user_id"))

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ProjectStatusChange(Base):
    __tablename__ = "project_status_history"
    __table_args__ = (project_fk(), member_fk("changed_by_id"))

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column()
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[uuid.UUID] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Milestone(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "milestones"
    __table_args__ = (project_fk(),)

    project_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)


class Task(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        project_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "project_id", "milestone_id"],
            ["milestones.tenant_id", "milestones.project_id", "milestones.id"],
        ),
        ForeignKeyConstraint(
            ["tenant_id", "project_id", "parent_id"], ["tasks.tenant_id", "tasks.project_id", "tasks.id"]
        ),
        member_fk("assignee_id"),
        member_fk("reporter_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column()
    milestone_id: Mapped[uuid.UUID | None] = mapped_column()
    parent_id: Mapped[uuid.UUID | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="todo")
    priority: Mapped[str] = mapped_column(String(8), default="medium")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column()
    reporter_id: Mapped[uuid.UUID] = mapped_column()
    estimate_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Tasks have an assignee, not an owner: no reassignment (the heir may not be a member of the project).
register_custom_fields(
    TASK,
    Task,
    graphql_type="Task",
    fields={
        "title": ["title"],
        "description": ["description"],
        "status": ["status"],
        "priority": ["priority"],
        "assignee": ["assignee_id"],
        "milestone": ["milestone_id"],
        "parent": ["parent_id"],
        "estimateHours": ["estimate_hours"],
        "startDate": ["start_date"],
        "dueDate": ["due_date"],
    },
    hideable=["description"],
    owner_column=None,
)


class TaskDependency(Base):
    """`task_id` may start only once `depends_on_id` is finished (finish-to-start)."""

    __tablename__ = "task_dependencies"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "project_id", "task_id"], ["tasks.tenant_id", "tasks.project_id", "tasks.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "project_id", "depends_on_id"], ["tasks.tenant_id", "tasks.project_id", "tasks.id"]
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    depends_on_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ChecklistItem(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "task_checklist_items"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "task_id"], ["tasks.tenant_id", "tasks.id"]),)

    task_id: Mapped[uuid.UUID] = mapped_column()
    text: Mapped[str] = mapped_column(String(500))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)


class TaskComment(TenantMixin, Base):
    __tablename__ = "task_comments"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "task_id"], ["tasks.tenant_id", "tasks.id"]),
        member_fk("author_id"),
    )

    task_id: Mapped[uuid.UUID] = mapped_column()
    author_id: Mapped[uuid.UUID] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    mentioned_user_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class UserCostRate(TimestampMixin, Versioned, Base):
    __tablename__ = "user_cost_rates"
    __table_args__ = (member_fk("user_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric)
    currency: Mapped[str] = mapped_column(String(3))


class TimeEntry(TenantMixin, Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "project_id", "task_id"], ["tasks.tenant_id", "tasks.project_id", "tasks.id"]
        ),
        member_fk("user_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column()
    task_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column()
    work_date: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Expense(TenantMixin, Base):
    __tablename__ = "expenses"
    __table_args__ = (project_fk(), member_fk("recorded_by_id"))

    project_id: Mapped[uuid.UUID] = mapped_column()
    description: Mapped[str] = mapped_column(String(500))
    amount: Mapped[Decimal] = mapped_column(Numeric)
    currency: Mapped[str] = mapped_column(String(3))
    incurred_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Risk(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "risks"
    __table_args__ = (project_fk(), member_fk("owner_id"))

    project_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    probability: Mapped[int] = mapped_column(SmallInteger)
    impact: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[int] = mapped_column(SmallInteger, Computed("probability * impact", persisted=True))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    response: Mapped[str] = mapped_column(String(16))
    mitigation_plan: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    review_date: Mapped[date | None] = mapped_column(Date)


# The owner must be a project member, so reassigning a leaver's records leaves risk owners alone.
register_custom_fields(
    RISK,
    Risk,
    graphql_type="Risk",
    fields={
        "title": ["title"],
        "description": ["description"],
        "category": ["category"],
        "probability": ["probability"],
        "impact": ["impact"],
        "owner": ["owner_id"],
        "response": ["response"],
        "mitigationPlan": ["mitigation_plan"],
        "status": ["status"],
        "reviewDate": ["review_date"],
    },
    hideable=["description", "mitigationPlan"],
    owner_column=None,
)


class ChangeRequest(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "change_requests"
    __table_args__ = (
        project_fk(),
        member_fk("requested_by_id"),
        ForeignKeyConstraint(
            ["tenant_id", "approval_request_id"], ["approval_requests.tenant_id", "approval_requests.id"]
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    cost_impact: Mapped[Decimal | None] = mapped_column(Numeric)
    new_planned_end: Mapped[date | None] = mapped_column(Date)
    apply_on_approval: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    requested_by_id: Mapped[uuid.UUID] = mapped_column()
    approval_request_id: Mapped[uuid.UUID | None] = mapped_column()


class ChangeRequestStatusChange(Base):
    __tablename__ = "change_request_history"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "change_request_id"], ["change_requests.tenant_id", "change_requests.id"]
        ),
        member_fk("changed_by_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    change_request_id: Mapped[uuid.UUID] = mapped_column()
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[uuid.UUID] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ProjectTemplate(TenantMixin, Base):
    __tablename__ = "project_templates"
    __table_args__ = (member_fk("created_by_id"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # {"duration_days", "milestones": [{key, name, offset_days}], "tasks": [{key, title, ..., offsets}],
    #  "dependencies": [[task key, depends-on key]]}: positions relative to the project's start.
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
