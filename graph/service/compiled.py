"""How the service desk's Ticket reads from SQL on the compiled path (graph/compiled; docs/request-path.md).

Each entry mirrors the resolver in graph/service/types.py and the loader it uses. Not declared (so served
by the executor): the SLA flags (judged in Python against the service desk clock), product, contract, SLA
policy, merged-into, messages and history, custom fields; and a status list (an IN list: compiled
statements are rendered without SQLAlchemy's post-compile expansion). Every queue is compiled: AT_RISK
and BREACHED compare with the clock through a bind parameter whose value the planner takes from
`clock.now()` for each request (`callable_`: a plan is cached per query text, its clock must not be).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, bindparam, func

from graph.admin.lists import used_filters
from graph.compiled.errors import CannotCompile
from graph.compiled.planner import Build, rescoped
from graph.compiled.registry import (
    CompiledType,
    ConnectionRoot,
    NodeRoot,
    column,
    node_id,
    reference,
    register_root,
    register_type,
    timestamp,
)
from graph.crm import contacts
from graph.crm.models import ACCOUNT, CONTACT
from graph.identity.compiled import member_user
from graph.service import clock, tickets
from graph.service.filters import TICKET_FILTER_FIELDS, ticket_conditions, ticket_ordering
from graph.service.models import TICKET, Ticket
from tenants.fields.query import refuse_hidden_filters


def upper(attribute: str) -> Any:
    """An enum column: GraphQL spells the stored value in capitals."""
    return lambda _build, source, _selection: func.upper(getattr(source, attribute))


def referenced_account(build: Build, target: Any) -> Any:
    """crm loaders.referenced_accounts_by_id + live_node: the tenant's live account, whoever owns it."""
    return (target.tenant_id == build.actor.tenant_id) & target.deleted_at.is_(None)


def live_contact(build: Build, target: Any) -> Any:
    """crm loaders.contacts_by_id + live_node: a contact in the caller's scope, not soft-deleted."""
    return rescoped(contacts.contact_scope(build.actor), target) & target.deleted_at.is_(None)


register_type(
    CompiledType(
        name="Ticket",
        model=Ticket,
        object_type=TICKET,
        fields={
            "id": node_id("Ticket"),
            "number": column("number"),
            "subject": column("subject"),
            "description": column("description"),
            "kind": upper("kind"),
            "channel": column("channel"),
            "status": upper("status"),
            "priority": upper("priority"),
            "category": column("category"),
            "customerTier": column("customer_tier"),
            "firstRespondedAt": timestamp("first_responded_at"),
            "responseDueAt": timestamp("response_due_at"),
            "resolutionDueAt": timestamp("resolution_due_at"),
            "slaPaused": lambda _build, source, _selection: source.sla_paused_at.is_not(None),
            "escalationLevel": column("escalation_level"),
            "resolvedAt": timestamp("resolved_at"),
            "closedAt": timestamp("closed_at"),
            "reopenCount": column("reopen_count"),
            "createdAt": timestamp("created_at"),
            "updatedAt": timestamp("updated_at"),
            "version": column("version"),
            "assignee": reference("User", lambda source: source.assignee_id, visible=member_user),
            "account": reference(
                "Account", lambda source: source.account_id, visible=referenced_account, readable_as=ACCOUNT
            ),
            "contact": reference(
                "Contact", lambda source: source.contact_id, visible=live_contact, readable_as=CONTACT
            ),
        },
    )
)


def request_clock() -> Any:
    """The clock-judged queues' `now`: evaluated per request by the planner (`Plan.per_request`),
    through the module attribute so a test's clock applies."""
    return bindparam("service_now", type_=DateTime(timezone=True), callable_=lambda: clock.now())


def ticket_list(actor: Any, arguments: dict[str, Any]) -> Any:
    """The `tickets` resolver's statement, for what needs no read before it and no clock."""
    given, orders = arguments.get("filter"), arguments.get("order_by")
    if given is not None and (given.custom or given.status):
        # A status list would be an IN list, which compiled statements cannot expand.
        raise CannotCompile("custom-field conditions or a status list")
    if any(order.custom_field for order in orders or []):
        raise CannotCompile("custom-field sort keys")
    refuse_hidden_filters(actor, TICKET, used_filters(given, TICKET_FILTER_FIELDS))
    statement = tickets.visible_tickets(actor).where(*ticket_conditions(given, actor, request_clock()))
    return statement.order_by(*ticket_ordering(orders))


register_root("ticket", NodeRoot(type_name="Ticket", object_type=TICKET, scope=tickets.ticket_scope))
register_root("tickets", ConnectionRoot(type_name="Ticket", statement=ticket_list))
