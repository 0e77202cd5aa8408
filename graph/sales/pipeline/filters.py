"""Filter and order inputs of the opportunity list, and their translation into SQL.

Every filter column has an index leading with `tenant_id` (migrations/versions/0010_sales_pipeline.py);
every ordering ends with the id so keyset cursors are unique.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, func
from strawberry import relay

from graph.admin.filters import CustomFieldCondition
from graph.admin.lists import CustomSort, sort_columns
from graph.core.filters import OrderDirection, ordered, search_text, time_range
from graph.core.ids import decode_id
from graph.sales.pipeline.models import Opportunity

# Keyset cursors need non-null sort values: no expected close date sorts as the far future.
NO_CLOSE_DATE = date(9999, 12, 31)


@strawberry.enum(description="Where an opportunity stands: in an open stage, won or lost.")
class OpportunityStatus(Enum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@strawberry.enum(description="What opportunities can be sorted by.")
class OpportunityOrderField(Enum):
    NAME = "name"
    AMOUNT = "amount"
    EXPECTED_CLOSE_ON = "expected_close_on"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One sort key; the id is always added last so pages never skip or repeat.")
class OpportunityOrder:
    field: OpportunityOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = strawberry.field(
        default=None, description="Key of a filterable custom field to sort by (missing values first ASC)."
    )
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.input(description="Opportunity filters; all given conditions must hold.")
class OpportunityFilter:
    pipeline_id: relay.GlobalID | None = strawberry.field(default=None, description="In this Pipeline.")
    stage_id: relay.GlobalID | None = strawberry.field(default=None, description="In this PipelineStage.")
    owner_id: relay.GlobalID | None = strawberry.field(default=None, description="Owned by this User.")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="For this Account.")
    status: OpportunityStatus | None = strawberry.field(default=None, description="OPEN, WON or LOST.")
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name (max 200 characters)."
    )
    expected_close_from: date | None = strawberry.field(
        default=None, description="Expected to close on or after this date."
    )
    expected_close_to: date | None = strawberry.field(
        default=None, description="Expected to close before this date (exclusive)."
    )
    min_amount: Decimal | None = strawberry.field(default=None, description="Amount at least this.")
    created_after: datetime | None = strawberry.field(default=None, description="Created at or after.")
    created_before: datetime | None = strawberry.field(default=None, description="Created before.")
    custom: list[CustomFieldCondition] | None = strawberry.field(
        default=None, description="Conditions on custom fields (at most 10), all of which must hold."
    )


def opportunity_conditions(given: OpportunityFilter | None) -> list[ColumnElement[bool]]:
    given = given or OpportunityFilter()
    clauses = time_range(Opportunity.created_at, given.created_after, given.created_before)
    ids = {
        "pipeline_id": ("Pipeline", "pipelineId", Opportunity.pipeline_id),
        "stage_id": ("PipelineStage", "stageId", Opportunity.stage_id),
        "owner_id": ("User", "ownerId", Opportunity.owner_id),
        "account_id": ("Account", "accountId", Opportunity.account_id),
    }
    for attribute, (type_name, field, column) in ids.items():
        value = getattr(given, attribute)
        if value is not None:
            clauses.append(column == decode_id(value, type_name, f"filter.{field}"))
    if given.status is not None:
        clauses.append(Opportunity.status == given.status.value)
    if given.search and given.search.strip():
        clauses.append(Opportunity.name.ilike(search_text(given.search)))
    if given.expected_close_from is not None:
        clauses.append(Opportunity.expected_close_on >= given.expected_close_from)
    if given.expected_close_to is not None:
        clauses.append(Opportunity.expected_close_on < given.expected_close_to)
    if given.min_amount is not None:
        clauses.append(Opportunity.amount >= given.min_amount)
    return clauses


def opportunity_ordering(orders: list[OpportunityOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        OpportunityOrderField.NAME: [func.lower(Opportunity.name)],
        OpportunityOrderField.AMOUNT: [Opportunity.amount],
        OpportunityOrderField.EXPECTED_CLOSE_ON: [
            func.coalesce(Opportunity.expected_close_on, NO_CLOSE_DATE)
        ],
        OpportunityOrderField.CREATED_AT: [Opportunity.created_at],
        OpportunityOrderField.UPDATED_AT: [Opportunity.updated_at],
    }
    orders = orders or [
        OpportunityOrder(field=OpportunityOrderField.CREATED_AT, direction=OrderDirection.DESC)
    ]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(Opportunity.id, orders[-1].direction)]
