"""Inputs and payloads of the service desk mutations, and their translation into service values.

Update inputs leave every field UNSET by default: only the fields a caller sends change, and an explicit
null clears an optional field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core import inputs as core_inputs
from graph.core.errors import UserError, payload_errors
from graph.service.types import (
    MessageVisibility,
    ServiceSettings,
    SlaPolicy,
    SurveySetting,
    Ticket,
    TicketKind,
    TicketMessage,
    TicketPriority,
)

T = TypeVar("T")
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]
TicketId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Ticket.")]

ID_FIELDS = {
    "account_id": ("Account", "accountId"),
    "contact_id": ("Contact", "contactId"),
    "product_id": ("Product", "productId"),
    "contract_id": ("Contract", "contractId"),
    "assignee_id": ("User", "assigneeId"),
    "escalate_to_id": ("User", "escalateToId"),
    "ticket_id": ("Ticket", "ticketId"),
    "owner_id": ("User", "ownerId"),
}


def given_values(data: Any) -> dict[str, Any]:
    return core_inputs.given_values(data, ID_FIELDS)


@strawberry.input(description="A ticket received from a customer; it starts NEW with its SLA targets.")
class OpenTicketInput:
    subject: str = strawberry.field(description="One line, 1-300 characters.")
    channel: str = strawberry.field(
        description="A key of the tenant's ticket_channels option list (phone, email, web, wechat...)."
    )
    description: str | None = strawberry.field(
        default=UNSET, description="What the customer reported (max 50,000)."
    )
    kind: TicketKind | None = strawberry.field(default=UNSET, description="Default REQUEST.")
    priority: TicketPriority | None = strawberry.field(default=UNSET, description="Default NORMAL.")
    category: str | None = strawberry.field(
        default=UNSET, description="A key of the ticket_categories option list."
    )
    customer_tier: str | None = strawberry.field(
        default=UNSET, description="The customer's tier for SLA matching (max 100)."
    )
    account_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Account, one you may see."
    )
    contact_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Contact, one you may see."
    )
    product_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="The Product concerned.")
    contract_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Contract concerned, one you may see."
    )
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="An active member; left out: unassigned."
    )
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a ticket; fields you leave out stay as they are.")
class UpdateTicketInput:
    subject: str | None = strawberry.field(default=UNSET, description="1-300 characters.")
    description: str | None = strawberry.field(default=UNSET, description="Null clears it.")
    kind: TicketKind | None = strawberry.field(default=UNSET, description="QUESTION, COMPLAINT or REQUEST.")
    channel: str | None = strawberry.field(default=UNSET, description="A ticket_channels key.")
    priority: TicketPriority | None = strawberry.field(
        default=UNSET, description="A change re-matches the SLA policy, counted from creation."
    )
    category: str | None = strawberry.field(
        default=UNSET, description="A ticket_categories key; null clears it."
    )
    customer_tier: str | None = strawberry.field(
        default=UNSET, description="A change re-matches the SLA policy."
    )
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null unlinks.")
    contact_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null unlinks.")
    product_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null unlinks.")
    contract_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null unlinks.")
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="An active member; null: back to the unassigned queue."
    )
    custom: JSON | None = custom_values_field()


@strawberry.input(description="An internal note or a customer-visible reply.")
class AddTicketMessageInput:
    ticket_id: relay.GlobalID = strawberry.field(description="The Ticket.")
    visibility: MessageVisibility = strawberry.field(
        description="INTERNAL or PUBLIC; the first PUBLIC reply is the first response."
    )
    body: str = strawberry.field(description="1-50,000 characters.")


@strawberry.input(description="A new SLA policy; one active policy per priority and customer tier.")
class CreateSlaPolicyInput:
    name: str = strawberry.field(description="1-200 characters.")
    priority: TicketPriority = strawberry.field(description="The priority it covers.")
    customer_tier: str | None = strawberry.field(
        default=UNSET, description="The tier it covers; left out or null: any tier."
    )
    first_response_minutes: int = strawberry.field(description="Working minutes, 1-525,600.")
    resolution_minutes: int = strawberry.field(description="Working minutes, 1-525,600.")
    at_risk_percent: int | None = strawberry.field(default=UNSET, description="1-99 (default 80).")
    escalate_to_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Who at-risk and breached tickets go to."
    )


@strawberry.input(
    description="Changes to an SLA policy; they apply to tickets opened or re-prioritised afterwards."
)
class UpdateSlaPolicyInput:
    name: str | None = strawberry.field(default=UNSET, description="1-200 characters.")
    customer_tier: str | None = strawberry.field(default=UNSET, description="Null: any tier.")
    first_response_minutes: int | None = strawberry.field(
        default=UNSET, description="Working minutes, 1-525,600."
    )
    resolution_minutes: int | None = strawberry.field(
        default=UNSET, description="Working minutes, 1-525,600."
    )
    at_risk_percent: int | None = strawberry.field(default=UNSET, description="1-99.")
    escalate_to_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Null: no reassignment."
    )
    active: bool | None = strawberry.field(default=UNSET, description="Inactive policies are not applied.")


@strawberry.input(description="One working day of the service week.")
class WorkingDayInput:
    weekday: int = strawberry.field(description="ISO weekday: 1 Monday ... 7 Sunday; each at most once.")
    start_minute: int = strawberry.field(description="Start, minutes after local midnight (0-1439).")
    end_minute: int = strawberry.field(description="End, after the start, at most 1440.")


@strawberry.input(description="Service settings; left-out fields stay.")
class UpdateServiceSettingsInput:
    week: list[WorkingDayInput] | None = strawberry.field(
        default=None, description="The whole working week (replaces it)."
    )
    utc_offset_minutes: int | None = strawberry.field(
        default=None, description="Local time = UTC + offset (-720 to 840)."
    )
    reopen_window_days: int | None = strawberry.field(
        default=None, description="0-365 days after resolution."
    )
    survey_kind: SurveySetting | None = strawberry.field(
        default=None, description="The survey closing a ticket sends: NONE, CSAT or NPS (default CSAT)."
    )
    survey_valid_days: int | None = strawberry.field(
        default=None, description="Days a survey link stays valid (1-365)."
    )


@strawberry.input(description="A holiday of the service calendar.")
class SetServiceHolidayInput:
    day: date = strawberry.field(description="The local date.")
    name: str | None = strawberry.field(
        default=None, description="1-100 characters; null removes the holiday."
    )


@strawberry.type(description="Result of a ticket mutation.")
class TicketPayload:
    ticket: Ticket | None = strawberry.field(default=None, description="The ticket after the change.")
    survey_token: str | None = strawberry.field(
        default=None,
        description="When this change closed the ticket and the tenant sends surveys: the token of the "
        "customer's survey link, shown only here (answered with answerSurvey, no login).",
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of addTicketMessage.")
class TicketMessagePayload:
    message: TicketMessage | None = strawberry.field(default=None, description="The new message.")
    ticket: Ticket | None = strawberry.field(default=None, description="The ticket after the message.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of an SLA policy mutation.")
class SlaPolicyPayload:
    sla_policy: SlaPolicy | None = strawberry.field(default=None, description="The policy after the change.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of a service settings mutation.")
class ServiceSettingsPayload:
    settings: ServiceSettings | None = strawberry.field(
        default=None, description="The settings after the change."
    )
    errors: list[UserError] = payload_errors()
