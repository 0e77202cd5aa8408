"""Escalation: the `service.escalate` job raises tickets whose SLA is at risk (level 1) or breached
(level 2), once per level, run by the job runner (`crm jobs run`, graph/core/jobs.py) with its clock.

An escalation reassigns the ticket to the policy's `escalate_to` member when one is set (and still an
active member), records an `escalated` history entry and an audit entry, publishes a
`ticket.escalated` live event naming the ticket, its assignee and the escalation target, and notifies
both members once per level (graph/notifications: in-app, plus email or SMS as each chose).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.core.rules import snapshot
from graph.live.events import announce
from graph.notifications.notify import notify
from graph.service import sla
from graph.service.models import TICKET, SlaPolicy, Ticket
from graph.service.tickets import AUDITED_FIELDS, event
from tenants import audit
from tenants.models import Membership

# Tickets escalated per tenant and run, oldest due first; the next run takes the rest.
BATCH = 500


async def due_for_escalation(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> list[Ticket]:
    """Tickets at risk below level 1 or breached below level 2, locked (a second runner skips them)."""
    statement = (
        select(Ticket)
        .where(
            Ticket.tenant_id == tenant_id,
            or_(
                sla.breached_condition(now) & (Ticket.escalation_level < 2),
                sla.at_risk_condition(now) & (Ticket.escalation_level < 1),
            ),
        )
        .order_by(Ticket.resolution_due_at, Ticket.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(statement))


async def escalation_target(session: AsyncSession, ticket: Ticket) -> uuid.UUID | None:
    if ticket.sla_policy_id is None:
        return None
    return await session.scalar(
        select(SlaPolicy.escalate_to_id)
        .join(
            Membership,
            (Membership.tenant_id == SlaPolicy.tenant_id) & (Membership.user_id == SlaPolicy.escalate_to_id),
        )
        .where(
            SlaPolicy.tenant_id == ticket.tenant_id,
            SlaPolicy.id == ticket.sla_policy_id,
            Membership.is_active.is_(True),
        )
    )


async def escalate(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    level = 2 if sla.breached(ticket, now) else 1
    previous_level = ticket.escalation_level
    before = snapshot(ticket, AUDITED_FIELDS)
    target = await escalation_target(session, ticket)
    previous = ticket.assignee_id
    if target is not None:
        ticket.assignee_id = target
    ticket.escalation_level = level
    ticket.updated_at = now
    session.add(
        event(
            ticket,
            "escalated",
            None,
            now,
            level=level,
            assignee_id=ticket.assignee_id,
            previous_assignee_id=previous,
        )
    )
    await session.flush()
    changes = audit.diff(before, snapshot(ticket, AUDITED_FIELDS)) | {
        "escalation_level": [previous_level, level]
    }
    await audit.record(
        session, None, "ticket.escalated", TICKET, ticket.id, changes, tenant_id=ticket.tenant_id
    )
    await announce(
        session,
        ticket.tenant_id,
        "ticket.escalated",
        ticket.version,
        ticket=ticket.id,
        assignee=ticket.assignee_id,
        previous_assignee=previous,
    )
    await tell_about(session, ticket, level, previous, now)


async def tell_about(
    session: AsyncSession, ticket: Ticket, level: int, previous: uuid.UUID | None, now: datetime
) -> None:
    """The SLA reminder (issue 18's "SLA at risk"): the member the ticket now sits with (the policy's
    escalation target, a manager) and the one it came from, once per ticket and level."""
    state = "breached its SLA" if level == 2 else "is at risk of breaching its SLA"
    await notify(
        session,
        ticket.tenant_id,
        [user_id for user_id in (ticket.assignee_id, previous) if user_id is not None],
        "ticket.sla_breached" if level == 2 else "ticket.sla_at_risk",
        f"Ticket {ticket.number} {state}: {ticket.subject}",
        "",
        f"/tickets/{ticket.id}",
        key=f"ticket.escalated:{ticket.id}:{level}",
        now=now,
        data={"number": ticket.number, "level": level},
    )


@job("service.escalate")
async def escalate_tickets(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    due = await due_for_escalation(session, tenant_id, now)
    for ticket in due:
        await escalate(session, ticket, now)
    return f"escalated {len(due)}"
