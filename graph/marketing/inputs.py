"""Inputs, filters and payloads of the campaigns.

Update inputs leave every field UNSET by default: only the fields a caller sends change, and an
explicit null clears an optional field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, func
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.admin.filters import (
    CustomFieldCondition,
    custom_conditions_field,
    custom_order_field,
    custom_values_field,
)
from graph.admin.lists import CustomSort, sort_columns
from graph.core.errors import UserError
from graph.core.filters import OrderDirection, ordered, search_text
from graph.core.ids import decode_id
from graph.core.inputs import given_values as core_given_values
from graph.marketing.models import Campaign as CampaignRow
from graph.marketing.types import Campaign, CampaignCost, CampaignStatus

ID_FIELDS = {
    "owner_id": ("User", "ownerId"),
    "segment_id": ("Segment", "segmentId"),
}


def given_values(data: Any) -> dict[str, Any]:
    return core_given_values(data, ID_FIELDS)


@strawberry.input(description="A new campaign; it starts PLANNED, owned by you unless ownerId is given.")
class CreateCampaignInput:
    name: str = strawberry.field(description="Name (max 200).")
    channel: str = strawberry.field(
        description="Key of the tenant's `campaign_channels` list: email, sms, event, exhibition, ..."
    )
    goal: str | None = strawberry.field(default=UNSET, description="What it should achieve (max 2,000).")
    plan: str | None = strawberry.field(default=UNSET, description="How it will be run (max 10,000).")
    starts_on: date | None = strawberry.field(default=UNSET, description="First day.")
    ends_on: date | None = strawberry.field(default=UNSET, description="Last day (not before startsOn).")
    currency: str | None = strawberry.field(
        default=UNSET, description="ISO 4217 code of budget and costs; default: the tenant's base currency."
    )
    budget: Decimal | None = strawberry.field(
        default=UNSET, description="Planned spend, 0 or more, at most the currency's minor digits."
    )
    owner_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Responsible User (an active member); default: you."
    )
    segment_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Segment it targets (its invitation list), one you may see."
    )
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a campaign; fields you leave out stay as they are.")
class UpdateCampaignInput:
    name: str | None = strawberry.field(default=UNSET, description="Name (max 200).")
    channel: str | None = strawberry.field(default=UNSET, description="Channel key.")
    goal: str | None = strawberry.field(default=UNSET, description="Goal; null clears it.")
    plan: str | None = strawberry.field(default=UNSET, description="Plan; null clears it.")
    starts_on: date | None = strawberry.field(default=UNSET, description="First day; null clears it.")
    ends_on: date | None = strawberry.field(default=UNSET, description="Last day; null clears it.")
    currency: str | None = strawberry.field(
        default=UNSET, description="Currency; refused (INVALID) while the campaign has cost lines."
    )
    budget: Decimal | None = strawberry.field(default=UNSET, description="Planned spend.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Responsible User.")
    segment_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Target Segment; null detaches it."
    )
    custom: JSON | None = custom_values_field()


@strawberry.input(description="An actual cost of a campaign, in the campaign's currency.")
class AddCampaignCostInput:
    campaign_id: relay.GlobalID = strawberry.field(description="The Campaign.")
    description: str = strawberry.field(description="What was paid for (max 200).")
    amount: Decimal = strawberry.field(description="Above zero, at most the currency's minor digits.")
    incurred_on: date | None = strawberry.field(default=None, description="The day it arose; default today.")


@strawberry.enum(description="What campaigns can be sorted by.")
class CampaignOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    STARTS_ON = "starts_on"


@strawberry.input(description="One sort key; the id is always added last so pages never skip or repeat.")
class CampaignOrder:
    field: CampaignOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.input(description="Campaign filters; all given conditions must hold.")
class CampaignFilter:
    statuses: list[CampaignStatus] | None = strawberry.field(default=None, description="Any of these.")
    channel: str | None = strawberry.field(default=None, description="This channel key.")
    owner_id: relay.GlobalID | None = strawberry.field(default=None, description="Owned by this User.")
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name (max 200 characters)."
    )
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


def campaign_conditions(given: CampaignFilter | None) -> list[ColumnElement[bool]]:
    given = given or CampaignFilter()
    clauses: list[ColumnElement[bool]] = []
    if given.statuses:
        clauses.append(CampaignRow.status.in_([status.value for status in given.statuses]))
    if given.channel:
        clauses.append(CampaignRow.channel == given.channel.strip().lower())
    if given.owner_id is not None:
        clauses.append(CampaignRow.owner_id == decode_id(given.owner_id, "User", "ownerId"))
    if given.search and given.search.strip():
        clauses.append(func.lower(CampaignRow.name).like(search_text(given.search)))
    return clauses


def campaign_ordering(orders: list[CampaignOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        CampaignOrderField.NAME: [func.lower(CampaignRow.name)],
        CampaignOrderField.CREATED_AT: [CampaignRow.created_at],
        # No start day sorts as the far future (keyset cursors need a non-null value).
        CampaignOrderField.STARTS_ON: [func.coalesce(CampaignRow.starts_on, date(9999, 12, 31))],
    }
    orders = orders or [CampaignOrder(field=CampaignOrderField.CREATED_AT)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(CampaignRow.id, orders[-1].direction)]


@strawberry.type(description="Result of a campaign mutation: the campaign, or errors.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(default=None, description="The campaign after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of addCampaignCost: the new line and its campaign, or errors.")
class CampaignCostPayload:
    cost: CampaignCost | None = strawberry.field(default=None, description="The cost line added.")
    campaign: Campaign | None = strawberry.field(default=None, description="The campaign after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


# Built-in filter and sort inputs -> the GraphQL fields they read (refused when the role hides one).
CAMPAIGN_FILTER_FIELDS: dict[str, list[str]] = {"ownerId": ["owner"], "channel": ["channel"]}
CAMPAIGN_ORDER_FIELDS: dict[str, list[str]] = {"STARTS_ON": ["startsOn"]}
