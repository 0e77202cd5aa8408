"""Ticket rules: open, change, assign, move through the status flow, reply or note, reopen, merge.

Record scope: a ticket's owner is its assignee; unassigned tickets are the shared queue every member who
may read tickets sees (so an OWN-scope agent can pick one up). Links to accounts, contacts, products and
contracts must be records the actor may see. Status flow: NEW -> OPEN -> PENDING_CUSTOMER -> RESOLVED ->
CLOSED (RESOLVED may also be reached from NEW and OPEN, PENDING_CUSTOMER returns to OPEN); RESOLVED and
CLOSED tickets reopen within the tenant's reopen window, counted from the resolution.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.crm.accounts import get_account
from graph.crm.contacts import get_contact
from graph.identity.members import active_member
from graph.live.events import announce
from graph.sales.commerce.catalog import get_product
from graph.sales.commerce.contracts import get_contract
from graph.service import opening, sla, surveys
from graph.service.calendar import DEFAULT_REOPEN_WINDOW_DAYS, service_settings, work_week
from graph.service.models import (
    KINDS,
    PRIORITIES,
    RUNNING,
    TICKET,
    VISIBILITIES,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.fields import apply_custom_values
from tenants.ids import new_id
from tenants.numbering import register_sequence
from tenants.options import register_option_list, require_option
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import optional_text, required_text

register_sequence("ticket", "Tickets", "TCK-{YYYY}-{SEQ:5}")
CHANNELS = register_option_list(
    "ticket_channels",
    "Ticket channels",
    [("phone", "Phone"), ("email", "Email"), ("web", "Web form"), ("wechat", "WeChat")],
)
CATEGORIES = register_option_list(
    "ticket_categories",
    "Ticket categories",
    [("billing", "Billing"), ("technical", "Technical"), ("delivery", "Delivery"), ("other", "Other")],
)

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending_customer", "resolved"}),
    "open": frozenset({"pending_customer", "resolved"}),
    "pending_customer": frozenset({"open", "resolved"}),
    "resolved": frozenset({"closed"}),
    "closed": frozenset(),
    "merged": frozenset(),
}
AUDITED_FIELDS = (
    "subject",
    "description",
    "kind",
    "channel",
    "status",
    "priority",
    "category",
    "customer_tier",
    "account_id",
    "contact_id",
    "product_id",
    "contract_id",
    "assignee_id",
    "merged_into_id",
)
LINKS = {
    "account_id": ("accountId", get_account),
    "contact_id": ("contactId", get_contact),
    "product_id": ("productId", get_product),
    "contract_id": ("contractId", get_contract),
}
MAX_BODY = 50_000


def ticket_scope(actor: Actor) -> ColumnElement[bool]:
    return (record_scope_clause(actor, TICKET, Ticket.assignee_id) | Ticket.assignee_id.is_(None)) & (
        Ticket.tenant_id == actor.tenant_id
    )


def visible_tickets(actor: Actor) -> Select[tuple[Ticket]]:
    actor.require(TICKET, Action.READ)
    return select(Ticket).where(ticket_scope(actor))


async def get_ticket(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> Ticket:
    """A visible ticket; `lock` takes its row lock so concurrent replies and moves queue."""
    actor.require(TICKET, Action.READ)
    statement = select(Ticket).where(ticket_scope(actor), Ticket.id == ticket_id)
    ticket = await session.scalar(statement.with_for_update() if lock else statement)
    if ticket is None:
        raise not_found("ticket", field)
    return ticket


def one_of(value: str | None, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(allowed)}.", field)
    return value


def checked(values: Mapping[str, Any], rules: Mapping[str, Any]) -> tuple[dict[str, Any], list[DomainError]]:
    """The values that pass their rule (`rules`: attribute -> function), and every failure, for a service
    that goes on to check what needs the database before it reports all problems at once."""
    try:
        return collect(
            {key: (lambda v=value, rule=rules[key]: rule(v)) for key, value in values.items() if key in rules}
        ), []
    except ValidationErrors as error:
        return {}, list(error.errors)


async def clean_ticket(
    session: AsyncSession,
    actor: Actor,
    values: Mapping[str, Any],
    live_options: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every problem of the input at once; linked records must be visible to the actor. `live_options`
    (list key -> value): option values already known to be live (graph/service/opening.py)."""
    rules: dict[str, Any] = {
        "subject": lambda v: required_text(v, "subject", 300),
        "description": lambda v: optional_text(v, "description", MAX_BODY),
        "kind": lambda v: one_of(v, KINDS, "kind"),
        "priority": lambda v: one_of(v, PRIORITIES, "priority"),
        "customer_tier": lambda v: optional_text(v, "customerTier", 100),
    }
    cleaned, errors = checked(values, rules)
    for key, (field, list_key) in {
        "channel": ("channel", CHANNELS.key),
        "category": ("category", CATEGORIES.key),
    }.items():
        if key not in values:
            continue
        if values[key] is None:
            if key == "channel":
                errors.append(
                    DomainError(ErrorCode.REQUIRED, "Say which channel the ticket came from.", field)
                )
            else:
                cleaned[key] = None
            continue
        try:
            if (live_options or {}).get(list_key) != values[key]:
                await require_option(session, actor.tenant_id, list_key, values[key], field)
            cleaned[key] = values[key]
        except DomainError as error:
            errors.append(error)
    cleaned |= await linked_records(session, actor, values, LINKS, errors)
    if values.get("assignee_id") is not None:
        try:
            cleaned["assignee_id"] = await active_member(session, actor, values["assignee_id"], "assigneeId")
        except DomainError as error:
            errors.append(error)
    elif "assignee_id" in values:
        cleaned["assignee_id"] = None
    if errors:
        raise ValidationErrors(errors)
    return cleaned


async def linked_records(
    session: AsyncSession,
    actor: Actor,
    values: Mapping[str, Any],
    links: Mapping[str, Any],
    errors: list[DomainError],
) -> dict[str, Any]:
    """The given links (`links`: attribute -> (field, scope-checked getter)), each a record the actor may
    see or null; a record they may not see is NOT_FOUND on its field, appended to `errors`."""
    cleaned: dict[str, Any] = {}
    for key, (field, getter) in links.items():
        if key in values:
            try:
                cleaned[key] = (await getter(session, actor, values[key], field)).id if values[key] else None
            except DomainError as error:
                errors.append(error)
    return cleaned


def event(ticket: Ticket, kind: str, actor_id: uuid.UUID | None, at: datetime, **data: Any) -> TicketEvent:
    return TicketEvent(
        tenant_id=ticket.tenant_id,
        id=new_id(),
        ticket_id=ticket.id,
        kind=kind,
        actor_id=actor_id,
        data={key: str(value) if isinstance(value, uuid.UUID) else value for key, value in data.items()},
        occurred_at=at,
    )


async def changed(
    session: AsyncSession,
    actor: Actor | None,
    ticket: Ticket,
    action: str,
    before: Mapping[str, Any],
    **extra: Any,
) -> None:
    """Audit entry and live event of a change, written with the transaction."""
    changes = audit.diff(before, snapshot(ticket, AUDITED_FIELDS)) | extra
    await audit.record(
        session, actor, f"ticket.{action}", TICKET, ticket.id, changes, tenant_id=ticket.tenant_id
    )
    await announce(
        session,
        ticket.tenant_id,
        f"ticket.{action}",
        ticket.version,
        ticket=ticket.id,
        assignee=ticket.assignee_id,
    )


async def open_ticket(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], now: datetime
) -> Ticket:
    """A NEW ticket, numbered, with its SLA targets from the matching policy: one statement reads what
    the checks and the clock need, one writes the ticket, its number and its history (opening.py)."""
    actor.require(TICKET, Action.CREATE)
    given = {"subject": None, "channel": None, **values}
    options = {CHANNELS.key: given.get("channel"), CATEGORIES.key: given.get("category")}
    priority = given.get("priority") or "normal"
    tier = (given.get("customer_tier") or "").strip() or None  # as clean_ticket will store it
    found = await opening.lookup(session, actor, options, priority, tier)
    cleaned = await clean_ticket(session, actor, given, found.live_options)
    ticket = Ticket(
        tenant_id=actor.tenant_id,
        id=new_id(),
        status="new",
        kind=cleaned.pop("kind", None) or "request",
        priority=cleaned.pop("priority", None) or "normal",
        created_by_id=actor.user_id,
        escalation_level=0,
        reopen_count=0,
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    sla.start_clock(ticket, found.policy, found.week, now)
    custom = await apply_custom_values(session, actor, TICKET, ticket, values, creating=True)
    opened = event(ticket, "opened", actor.user_id, now, status="new")
    ticket = await opening.insert_ticket(session, ticket, opened, found.pattern, now)
    await changed(session, actor, ticket, "created", {}, number=[None, ticket.number], **custom)
    return ticket


async def update_ticket(
    session: AsyncSession,
    actor: Actor,
    ticket_id: uuid.UUID,
    version: int,
    values: Mapping[str, Any],
    now: datetime,
) -> Ticket:
    """Changes the given fields. A new priority or tier re-matches the SLA policy, counted from creation;
    a new assignee is recorded in the history."""
    actor.require(TICKET, Action.UPDATE)
    ticket = await get_ticket(session, actor, ticket_id, lock=True)
    check_version(ticket, version, "ticket")
    refuse_finished(ticket)
    cleaned = await clean_ticket(session, actor, values)
    before = snapshot(ticket, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(ticket, key, value)
    custom = await apply_custom_values(session, actor, TICKET, ticket, values, creating=False)
    if ticket.priority != before["priority"] or ticket.customer_tier != before["customer_tier"]:
        await restart_clock(session, ticket, now)
    if ticket.assignee_id != before["assignee_id"]:
        session.add(event(ticket, "assigned", actor.user_id, now, assignee_id=ticket.assignee_id))
    ticket.updated_at = now
    await flush_versioned(session, "ticket")
    await changed(session, actor, ticket, "updated", before, **custom)
    return ticket


async def restart_clock(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    policy = await sla.matching_policy(session, ticket.tenant_id, ticket.priority, ticket.customer_tier)
    week = await work_week(session, ticket.tenant_id)
    paused = ticket.sla_paused_at
    sla.start_clock(ticket, policy, week, ticket.created_at)
    if paused is not None:
        ticket.sla_paused_at = paused


def refuse_finished(ticket: Ticket) -> None:
    if ticket.status in ("closed", "merged"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"This ticket is {ticket.status}; reopen it (within the reopen window) to change it.",
            "id",
        )


async def change_status(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, version: int, status: str, now: datetime
) -> tuple[Ticket, str | None]:
    """The ticket, and when this closed it and the tenant sends a survey, the survey link's token."""
    actor.require(TICKET, Action.UPDATE)
    ticket = await get_ticket(session, actor, ticket_id, lock=True)
    check_version(ticket, version, "ticket")
    if status not in TRANSITIONS.get(ticket.status, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(ticket.status, ()))) or "none (reopen it)"
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A {ticket.status} ticket cannot become {status}; allowed: {allowed}.",
            "status",
        )
    before = snapshot(ticket, AUDITED_FIELDS)
    await move(session, ticket, status, now)
    session.add(event(ticket, "status_changed", actor.user_id, now, status=status, previous=before["status"]))
    await flush_versioned(session, "ticket")
    await changed(session, actor, ticket, "status_changed", before)
    token = await surveys.send_on_close(session, ticket, now) if status == "closed" else None
    return ticket, token


async def move(session: AsyncSession, ticket: Ticket, status: str, now: datetime) -> None:
    """The status and what it does to the SLA clock and the ticket's dates."""
    if status in RUNNING:
        sla.resume_clock(ticket, await work_week(session, ticket.tenant_id), now)
    else:
        sla.pause_clock(ticket, now)
    if status == "resolved":
        ticket.resolved_at = now
    if status == "closed":
        ticket.closed_at = now
    ticket.status = status
    ticket.updated_at = now


async def reopen_ticket(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, version: int, now: datetime
) -> Ticket:
    """A RESOLVED or CLOSED ticket back to OPEN within the reopen window; its SLA clock resumes."""
    actor.require(TICKET, Action.UPDATE)
    ticket = await get_ticket(session, actor, ticket_id, lock=True)
    check_version(ticket, version, "ticket")
    if ticket.status not in ("resolved", "closed") or ticket.resolved_at is None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "Only a resolved or closed ticket can be reopened.", "id"
        )
    settings = await service_settings(session, ticket.tenant_id)
    days = settings.reopen_window_days if settings else DEFAULT_REOPEN_WINDOW_DAYS
    if now > ticket.resolved_at + timedelta(days=days):
        raise DomainError(
            ErrorCode.EXPIRED,
            f"The reopen window of {days} days after resolution has passed; open a new ticket.",
            "id",
        )
    before = snapshot(ticket, AUDITED_FIELDS)
    await move(session, ticket, "open", now)
    ticket.resolved_at = ticket.closed_at = None
    ticket.reopen_count += 1
    session.add(event(ticket, "reopened", actor.user_id, now, status="open", previous=before["status"]))
    await flush_versioned(session, "ticket")
    await changed(session, actor, ticket, "reopened", before)
    return ticket


async def add_message(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, visibility: str, body: str, now: datetime
) -> tuple[Ticket, TicketMessage]:
    """An internal note (members only) or a reply the customer sees. The first reply is the first
    response the SLA measures, and moves a NEW ticket to OPEN."""
    actor.require(TICKET, Action.UPDATE)
    cleaned = collect(
        {
            "visibility": lambda: one_of(visibility, VISIBILITIES, "visibility"),
            "body": lambda: required_text(body, "body", MAX_BODY),
        }
    )
    ticket = await get_ticket(session, actor, ticket_id, "ticketId", lock=True)
    refuse_finished(ticket)
    before = snapshot(ticket, AUDITED_FIELDS)
    message = TicketMessage(
        tenant_id=ticket.tenant_id,
        id=new_id(),
        ticket_id=ticket.id,
        author_id=actor.user_id,
        created_at=now,
        **cleaned,
    )
    session.add(message)
    if message.visibility == "public" and ticket.first_responded_at is None:
        ticket.first_responded_at = now
        if ticket.status == "new":
            await move(session, ticket, "open", now)
            session.add(event(ticket, "status_changed", actor.user_id, now, status="open", previous="new"))
    ticket.updated_at = now
    await flush_versioned(session, "ticket")
    await changed(session, actor, ticket, "messaged", before, message=[None, str(message.id)])
    return ticket, message


async def merge_ticket(
    session: AsyncSession,
    actor: Actor,
    duplicate_id: uuid.UUID,
    version: int,
    into_id: uuid.UUID,
    now: datetime,
) -> Ticket:
    """The duplicate becomes MERGED into the other ticket (its clock stops, its messages stay readable
    on it); the surviving ticket gets an internal note naming the duplicate."""
    actor.require(TICKET, Action.UPDATE)
    if duplicate_id == into_id:
        raise DomainError(ErrorCode.INVALID, "A ticket cannot be merged into itself.", "intoId")
    duplicate = await get_ticket(session, actor, duplicate_id, lock=True)
    check_version(duplicate, version, "ticket")
    target = await get_ticket(session, actor, into_id, "intoId", lock=True)
    if duplicate.status in ("closed", "merged"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"A {duplicate.status} ticket cannot be merged.", "id"
        )
    if target.status in ("closed", "merged"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"Merge into a live ticket, not a {target.status} one.", "intoId"
        )
    before = snapshot(duplicate, AUDITED_FIELDS)
    await move(session, duplicate, "merged", now)
    duplicate.merged_into_id = target.id
    session.add(event(duplicate, "merged", actor.user_id, now, into=target.id))
    session.add(event(target, "absorbed", actor.user_id, now, duplicate=duplicate.id))
    session.add(
        TicketMessage(
            tenant_id=target.tenant_id,
            id=new_id(),
            ticket_id=target.id,
            author_id=actor.user_id,
            visibility="internal",
            body=f"Merged duplicate {duplicate.number}: {duplicate.subject}",
            created_at=now,
        )
    )
    await flush_versioned(session, "ticket")
    await changed(session, actor, duplicate, "merged", before)
    return duplicate
