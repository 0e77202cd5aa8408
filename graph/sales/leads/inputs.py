"""Inputs, filters and payloads of the leads area.

Update inputs leave every field UNSET by default: only the fields a caller sends change, and an
explicit null clears an optional field.
"""

from __future__ import annotations

from datetime import date, datetime
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
from graph.core.filters import OrderDirection, ordered, time_range
from graph.core.ids import decode_id
from graph.crm.types import Account, Contact
from graph.sales.leads.models import Lead as LeadRow
from graph.sales.leads.types import Lead, LeadAssignmentRule, LeadDuplicate, LeadSettings, LeadStatus
from graph.sales.pipeline.types import BuyingRole, Opportunity


@strawberry.input(
    description="A new lead. Without an owner it goes through the assignment rules, else to the pool."
)
class CreateLeadInput:
    source: str = strawberry.field(description="Key of the tenant's `lead_sources` list, e.g. web, phone.")
    first_name: str | None = strawberry.field(default=UNSET, description="Given name (max 100).")
    last_name: str | None = strawberry.field(default=UNSET, description="Family name (max 100).")
    email: str | None = strawberry.field(default=UNSET, description="Email address.")
    phone: str | None = strawberry.field(default=UNSET, description="Phone number (max 40, with digits).")
    title: str | None = strawberry.field(default=UNSET, description="Job title (max 200).")
    company_name: str | None = strawberry.field(default=UNSET, description="Company (max 200).")
    region: str | None = strawberry.field(default=UNSET, description="Region or state (max 100).")
    country: str | None = strawberry.field(default=UNSET, description="Country (max 100).")
    notes: str | None = strawberry.field(default=UNSET, description="Notes (max 10,000 characters).")
    owner_id: relay.GlobalID | None = strawberry.field(
        default=UNSET,
        description="Owning User: yourself, or anyone for managers. Counts against the open-lead cap.",
    )
    custom: JSON | None = custom_values_field()
    reject_duplicates: bool = strawberry.field(
        default=False,
        description="If duplicates exist, create nothing (DUPLICATE error plus `duplicates`).",
    )


@strawberry.input(description="Changes to a lead; fields you leave out stay as they are.")
class UpdateLeadInput:
    source: str | None = strawberry.field(default=UNSET, description="Source key.")
    first_name: str | None = strawberry.field(default=UNSET, description="Given name; null clears it.")
    last_name: str | None = strawberry.field(default=UNSET, description="Family name; null clears it.")
    email: str | None = strawberry.field(default=UNSET, description="Email; null clears it.")
    phone: str | None = strawberry.field(default=UNSET, description="Phone; null clears it.")
    sms_opt_out: bool | None = strawberry.field(
        default=UNSET,
        description="True: no marketing SMS (campaign SMS skip this lead and, while true, anyone with the "
        "same number); false: accepts them again. Null is refused.",
    )
    title: str | None = strawberry.field(default=UNSET, description="Job title; null clears it.")
    company_name: str | None = strawberry.field(default=UNSET, description="Company; null clears it.")
    region: str | None = strawberry.field(default=UNSET, description="Region; null clears it.")
    country: str | None = strawberry.field(default=UNSET, description="Country; null clears it.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes; null clears them.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="The tenant's lead pool rules; fields you leave out stay as they are.")
class UpdateLeadSettingsInput:
    max_open_leads_per_rep: int | None = strawberry.field(
        default=UNSET, description="Cap on open leads per member (0-100000); null: no cap."
    )


@strawberry.input(description="A new assignment rule.")
class CreateLeadAssignmentRuleInput:
    name: str = strawberry.field(description="Label, 1-100 characters.")
    user_ids: list[relay.GlobalID] = strawberry.field(description="Users dealt to in turn (1-200).")
    source: str | None = strawberry.field(default=UNSET, description="Only this source; omit for any.")
    region: str | None = strawberry.field(default=UNSET, description="Only this region or country.")
    position: int | None = strawberry.field(default=UNSET, description="Order (0-10000); default: last.")


@strawberry.input(description="Changes to an assignment rule; fields you leave out stay as they are.")
class UpdateLeadAssignmentRuleInput:
    name: str | None = strawberry.field(default=UNSET, description="Label.")
    user_ids: list[relay.GlobalID] | None = strawberry.field(default=UNSET, description="Replaces the users.")
    source: str | None = strawberry.field(default=UNSET, description="Source; null: any.")
    region: str | None = strawberry.field(default=UNSET, description="Region; null: anywhere.")
    position: int | None = strawberry.field(default=UNSET, description="Order.")


@strawberry.input(
    description="The opportunity a conversion opens on the account, with the contact as primary."
)
class ConvertLeadOpportunityInput:
    name: str | None = strawberry.field(
        default=UNSET, description="What is being sold (1-200); default: the account's name."
    )
    pipeline_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Pipeline; default: the tenant's default pipeline."
    )
    stage_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="An OPEN stage of that pipeline; default: its first open stage."
    )
    amount: Decimal | None = strawberry.field(default=UNSET, description="Deal value, 0 or more (default 0).")
    currency: str | None = strawberry.field(
        default=UNSET, description="ISO 4217 code; default: base currency."
    )
    expected_close_on: date | None = strawberry.field(default=UNSET, description="Expected close date.")
    next_step: str | None = strawberry.field(default=UNSET, description="Next step (max 500).")
    contact_role: BuyingRole = strawberry.field(
        default=BuyingRole.DECISION_MAKER, description="The contact's buying role on the opportunity."
    )


@strawberry.input(description="How to convert a lead; without ids a new account and contact are created.")
class ConvertLeadInput:
    account_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Link this existing Account instead of creating one from the company."
    )
    contact_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Link this existing Contact instead of creating one from the person."
    )
    create_opportunity: ConvertLeadOpportunityInput | None = strawberry.field(
        default=None, description="Also open an opportunity (pipeline rules apply); omit for none."
    )


@strawberry.enum(description="What leads can be sorted by.")
class LeadOrderField(Enum):
    CREATED_AT = "created_at"
    NAME = "name"


@strawberry.input(description="One sort key; the id is always added last.")
class LeadOrder:
    field: LeadOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.input(description="Lead filters; all given conditions must hold.")
class LeadFilter:
    statuses: list[LeadStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    in_pool: bool | None = strawberry.field(
        default=None, description="true: only pool leads; false: only owned."
    )
    owner_id: relay.GlobalID | None = strawberry.field(default=None, description="Owned by this User.")
    source: str | None = strawberry.field(default=None, description="From this source key.")
    created_after: datetime | None = strawberry.field(default=None, description="Created at or after.")
    created_before: datetime | None = strawberry.field(default=None, description="Created before.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


# Built-in filter and sort inputs -> the GraphQL fields they read (refused when the role hides one).
LEAD_FILTER_FIELDS = {"ownerId": ["owner"], "inPool": ["owner"]}
LEAD_ORDER_FIELDS = {"NAME": ["firstName", "lastName"]}


def lead_conditions(given: LeadFilter | None) -> list[ColumnElement[bool]]:
    given = given or LeadFilter()
    clauses = time_range(LeadRow.created_at, given.created_after, given.created_before)
    if given.statuses:
        clauses.append(LeadRow.status.in_([status.value for status in given.statuses]))
    if given.in_pool is not None:
        clauses.append(LeadRow.owner_id.is_(None) if given.in_pool else LeadRow.owner_id.is_not(None))
    if given.owner_id is not None:
        clauses.append(LeadRow.owner_id == decode_id(given.owner_id, "User", "ownerId"))
    if given.source:
        clauses.append(LeadRow.source == given.source.strip().lower())
    return clauses


def lead_ordering(orders: list[LeadOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        LeadOrderField.CREATED_AT: [LeadRow.created_at],
        LeadOrderField.NAME: [func.lower(LeadRow.last_name), func.lower(LeadRow.first_name)],
    }
    orders = orders or [LeadOrder(field=LeadOrderField.CREATED_AT)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(LeadRow.id, orders[-1].direction)]


@strawberry.type(description="Result of a lead mutation: the lead, or errors.")
class LeadPayload:
    lead: Lead | None = strawberry.field(default=None, description="The lead after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(
    description="Result of createLead: the lead (unless rejected), its possible duplicates, errors."
)
class CreateLeadPayload:
    lead: Lead | None = strawberry.field(default=None, description="The new lead.")
    duplicates: list[LeadDuplicate] = strawberry.field(
        default_factory=list, description="Leads, contacts and accounts that look like the same party."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(
    description="Result of convertLead: the converted lead with its account and contact, or errors."
)
class ConvertLeadPayload:
    lead: Lead | None = strawberry.field(default=None, description="The lead, now CONVERTED.")
    account: Account | None = strawberry.field(default=None, description="The created or linked account.")
    contact: Contact | None = strawberry.field(default=None, description="The created or linked contact.")
    opportunity: Opportunity | None = strawberry.field(
        default=None, description="The opportunity opened, when `createOpportunity` was given."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of assignPoolLeads.")
class AssignPoolLeadsPayload:
    leads: list[Lead] = strawberry.field(default_factory=list, description="Leads that got an owner.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of updateLeadSettings.")
class LeadSettingsPayload:
    settings: LeadSettings | None = strawberry.field(
        default=None, description="The settings after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of an assignment-rule mutation.")
class LeadAssignmentRulePayload:
    rule: LeadAssignmentRule | None = strawberry.field(default=None, description="The rule after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )
