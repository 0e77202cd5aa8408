"""Filter and order inputs of the project list, and their translation into SQL.

Every filterable column has an index leading with `tenant_id` (see the migration); every ordering ends
with the id so keyset cursors are unique.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func
from strawberry import relay

from graph.admin.filters import CustomFieldCondition, custom_conditions_field, custom_order_field
from graph.admin.lists import CustomSort, sort_columns
from graph.core.filters import OrderDirection, like_pattern, ordered
from graph.core.ids import decode_id
from graph.projects.enums import ProjectStatus, RiskStatus, TaskStatus
from graph.projects.models import Project as ProjectRow
from graph.projects.models import Risk as RiskRow
from graph.projects.models import Task as TaskRow


@strawberry.enum(description="What projects can be sorted by.")
class ProjectOrderField(Enum):
    NAME = "name"
    CODE = "code"
    CREATED_AT = "created_at"


@strawberry.input(description="One sort key; the id is always added last so pages never skip or repeat.")
class ProjectOrder:
    field: ProjectOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.input(description="Project filters; all given conditions must hold.")
class ProjectFilter:
    status: list[ProjectStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    search: str | None = strawberry.field(
        default=None, description="Part of the name or code (case-insensitive)."
    )
    account_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Projects of this Account."
    )
    manager_id: relay.GlobalID | None = strawberry.field(default=None, description="Managed by this User.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


def project_conditions(filter: ProjectFilter | None) -> list[object]:
    if filter is None:
        return []
    conditions: list[object] = []
    if filter.status:
        conditions.append(ProjectRow.status.in_([status.value for status in filter.status]))
    if filter.search:
        pattern = like_pattern(filter.search.strip()[:200])
        conditions.append(ProjectRow.name.ilike(pattern) | ProjectRow.code.ilike(pattern))
    if filter.account_id is not None:
        conditions.append(
            ProjectRow.account_id == decode_id(filter.account_id, "Account", "filter.accountId")
        )
    if filter.manager_id is not None:
        conditions.append(ProjectRow.manager_id == decode_id(filter.manager_id, "User", "filter.managerId"))
    return conditions


def project_ordering(orders: list[ProjectOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        ProjectOrderField.NAME: [func.lower(ProjectRow.name)],
        ProjectOrderField.CODE: [ProjectRow.code],
        ProjectOrderField.CREATED_AT: [ProjectRow.created_at],
    }
    orders = orders or [ProjectOrder(field=ProjectOrderField.NAME)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(ProjectRow.id, orders[-1].direction)]


@strawberry.enum(description="What tasks can be sorted by.")
class TaskOrderField(Enum):
    TITLE = "title"
    CREATED_AT = "created_at"


@strawberry.input(description="One sort key; the id is always added last so pages never skip or repeat.")
class TaskOrder:
    field: TaskOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.input(description="Task filters; all given conditions must hold.")
class TaskFilter:
    project_id: relay.GlobalID | None = strawberry.field(default=None, description="Tasks of this Project.")
    status: list[TaskStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    assignee_id: relay.GlobalID | None = strawberry.field(default=None, description="Assigned to this User.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


def task_conditions(filter: TaskFilter | None) -> list[object]:
    if filter is None:
        return []
    conditions: list[object] = []
    if filter.project_id is not None:
        conditions.append(TaskRow.project_id == decode_id(filter.project_id, "Project", "filter.projectId"))
    if filter.status:
        conditions.append(TaskRow.status.in_([status.value for status in filter.status]))
    if filter.assignee_id is not None:
        conditions.append(TaskRow.assignee_id == decode_id(filter.assignee_id, "User", "filter.assigneeId"))
    return conditions


def task_ordering(orders: list[TaskOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        TaskOrderField.TITLE: [func.lower(TaskRow.title)],
        TaskOrderField.CREATED_AT: [TaskRow.created_at],
    }
    orders = orders or [TaskOrder(field=TaskOrderField.CREATED_AT)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(TaskRow.id, orders[-1].direction)]


@strawberry.enum(description="What risks can be sorted by.")
class RiskOrderField(Enum):
    SCORE = "score"
    CREATED_AT = "created_at"


@strawberry.input(description="One sort key; the id is always added last so pages never skip or repeat.")
class RiskOrder:
    field: RiskOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.input(description="Risk filters; all given conditions must hold.")
class RiskFilter:
    project_id: relay.GlobalID | None = strawberry.field(default=None, description="Risks of this Project.")
    status: list[RiskStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


def risk_conditions(filter: RiskFilter | None) -> list[object]:
    if filter is None:
        return []
    conditions: list[object] = []
    if filter.project_id is not None:
        conditions.append(RiskRow.project_id == decode_id(filter.project_id, "Project", "filter.projectId"))
    if filter.status:
        conditions.append(RiskRow.status.in_([status.value for status in filter.status]))
    return conditions


def risk_ordering(orders: list[RiskOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {RiskOrderField.SCORE: [RiskRow.score], RiskOrderField.CREATED_AT: [RiskRow.created_at]}
    orders = orders or [RiskOrder(field=RiskOrderField.CREATED_AT)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(RiskRow.id, orders[-1].direction)]
