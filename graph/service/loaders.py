"""Per-request DataLoaders of the service desk (graph/core/loaders.py factories; RLS and scope apply)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from graph.core.context import RequestContext
from graph.core.loaders import by_id, first_page_loader
from graph.service.models import TICKET, SlaPolicy, Ticket, TicketEvent, TicketMessage
from graph.service.tickets import ticket_scope

# Sort keys of the nested connections: (expression, descending), ending with the id.
MESSAGES_ORDER = ((TicketMessage.created_at, False), (TicketMessage.id, False))
HISTORY_ORDER = ((TicketEvent.occurred_at, False), (TicketEvent.id, False))

tickets_by_id = by_id(Ticket, TICKET, ticket_scope)
sla_policies_by_id = by_id(SlaPolicy, TICKET)  # policies are read by whoever may read tickets


def visible_ticket_ids(context: RequestContext) -> Select[Any]:
    return select(Ticket.id).where(ticket_scope(context.actor))


def messages_statement(context: RequestContext) -> Select[Any]:
    """Messages of tickets the actor may see (a message is visible exactly when its ticket is)."""
    return select(TicketMessage).where(
        TicketMessage.tenant_id == context.actor.tenant_id,
        TicketMessage.ticket_id.in_(visible_ticket_ids(context)),
    )


def history_statement(context: RequestContext) -> Select[Any]:
    return select(TicketEvent).where(
        TicketEvent.tenant_id == context.actor.tenant_id,
        TicketEvent.ticket_id.in_(visible_ticket_ids(context)),
    )


def message_scope(actor: Any) -> Any:
    return TicketMessage.ticket_id.in_(select(Ticket.id).where(ticket_scope(actor)))


ticket_messages_by_id = by_id(TicketMessage, TICKET, message_scope)
message_pages_by_ticket_id = first_page_loader(
    TicketMessage, TICKET, messages_statement, TicketMessage.ticket_id, MESSAGES_ORDER
)
history_pages_by_ticket_id = first_page_loader(
    TicketEvent, TICKET, history_statement, TicketEvent.ticket_id, HISTORY_ORDER
)
