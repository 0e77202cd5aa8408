"""Filter and order inputs of the ticket list, the queues, and their translation into SQL.

Every filterable column has an index leading with `tenant_id` (migration 0220_tickets); every ordering
ends with the id so keyset cursors are unique.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, any_, false, select
from sqlalchemy.dialects.postgresql import array
from strawberry import relay

from graph.admin.filters import CustomFieldCondition, custom_conditions_field, custom_order_field
from graph.admin.lists import CustomSort, sort_columns
from graph.core.filters import OrderDirection, ordered, search_text, time_range
from graph.core.ids import decode_id
from graph.service import sla
from graph.service.models import Ticket
from graph.service.types import TicketKind, TicketPriority, TicketStatus
from tenants.models import Membership
from tenants.permissions import Actor


@strawberry.enum(description="Work queues: the caller's, their team's, unassigned, at risk, breached.")
class TicketQueue(Enum):
    MINE = "mine"
    MY_TEAM = "my_team"
    UNASSIGNED = "unassigned"
    AT_RISK = "at_risk"
    BREACHED = "breached"


@strawberry.enum(description="What tickets can be sorted by.")
class TicketOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NUMBER = "number"


@strawberry.input(description="One sort key; the id is always added last so pages never skip or repeat.")
class TicketOrder:
    field: TicketOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="ASC or DESC (default DESC)."
    )


@strawberry.input(description="Ticket filters; all given conditions must hold.")
class TicketFilter:
    queue: TicketQueue | None = strawberry.field(
        default=None,
        description="MINE: assigned to you, unfinished; MY_TEAM: assigned to your team, unfinished; "
        "UNASSIGNED: nobody's, unfinished; AT_RISK / BREACHED: by their SLA flags.",
    )
    status: list[TicketStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    priority: TicketPriority | None = strawberry.field(default=None, description="Only this priority.")
    kind: TicketKind | None = strawberry.field(default=None, description="Only this kind.")
    channel: str | None = strawberry.field(default=None, description="Only this channel key.")
    assignee_id: relay.GlobalID | None = strawberry.field(default=None, description="Assigned to this User.")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="About this Account.")
    contact_id: relay.GlobalID | None = strawberry.field(default=None, description="From this Contact.")
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive substring of the subject or the number (max 200 characters).",
    )
    created_after: datetime | None = strawberry.field(default=None, description="Received at or after.")
    created_before: datetime | None = strawberry.field(default=None, description="Received before.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


# GraphQL filter name -> the built-in fields it reads (for field rules: hidden fields cannot be filtered).
TICKET_FILTER_FIELDS: dict[str, list[str]] = {"search": ["subject"]}
UNFINISHED = ("new", "open", "pending_customer")
# `= ANY(ARRAY[...])` of constants, not `IN (...)`: the compiled path renders statements without
# SQLAlchemy's post-compile expansion of IN lists.
IS_UNFINISHED = Ticket.status == any_(array(UNFINISHED))


def ticket_conditions(
    given: TicketFilter | None, actor: Actor, now: datetime | ColumnElement[Any]
) -> list[ColumnElement[bool]]:
    given = given or TicketFilter()
    clauses = time_range(Ticket.created_at, given.created_after, given.created_before)
    if given.queue is TicketQueue.MINE:
        clauses += [Ticket.assignee_id == actor.user_id, IS_UNFINISHED]
    elif given.queue is TicketQueue.MY_TEAM:
        if actor.team_id is None:  # no team: an empty queue (not the tickets of every member without one)
            clauses.append(false())
        else:
            team = select(Membership.user_id).where(
                Membership.tenant_id == actor.tenant_id, Membership.team_id == actor.team_id
            )
            clauses += [Ticket.assignee_id.in_(team), IS_UNFINISHED]
    elif given.queue is TicketQueue.UNASSIGNED:
        clauses += [Ticket.assignee_id.is_(None), IS_UNFINISHED]
    elif given.queue is TicketQueue.AT_RISK:
        clauses.append(sla.at_risk_condition(now))
    elif given.queue is TicketQueue.BREACHED:
        clauses.append(sla.breached_condition(now))
    if given.status:
        clauses.append(Ticket.status.in_([status.value for status in given.status]))
    if given.priority is not None:
        clauses.append(Ticket.priority == given.priority.value)
    if given.kind is not None:
        clauses.append(Ticket.kind == given.kind.value)
    if given.channel is not None:
        clauses.append(Ticket.channel == given.channel)
    if given.assignee_id is not None:
        clauses.append(Ticket.assignee_id == decode_id(given.assignee_id, "User", "assigneeId"))
    if given.account_id is not None:
        clauses.append(Ticket.account_id == decode_id(given.account_id, "Account", "accountId"))
    if given.contact_id is not None:
        clauses.append(Ticket.contact_id == decode_id(given.contact_id, "Contact", "contactId"))
    if given.search and given.search.strip():
        pattern = search_text(given.search)
        clauses.append(Ticket.subject.ilike(pattern) | Ticket.number.ilike(pattern))
    return clauses


def ticket_ordering(orders: list[TicketOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        TicketOrderField.CREATED_AT: [Ticket.created_at],
        TicketOrderField.UPDATED_AT: [Ticket.updated_at],
        TicketOrderField.NUMBER: [Ticket.number],
    }
    orders = orders or [TicketOrder(field=TicketOrderField.CREATED_AT)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(Ticket.id, orders[-1].direction)]
