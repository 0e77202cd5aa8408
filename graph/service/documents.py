"""Documents (attachments) can be linked to tickets the caller may see (graph/documents/targets.py)."""

from graph.documents.targets import register_link_target
from graph.service.models import TICKET, Ticket
from graph.service.tickets import ticket_scope

register_link_target(TICKET, "Ticket", Ticket, ticket_scope)
