"""Visits: a calendar item of kind `visit`, checked in on site and closed with an outcome.

Check-in takes the server's clock (a client cannot backdate it) and the device's location. The outcome
closes the visit and goes into the customer's timeline as a done meeting activity; a follow-up, when
given, becomes a planned task activity with its due date (the CRM's follow-up reminders then pick it
up). Only the member who owns the visit checks in and records its outcome.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.crm.activities import create_activity
from graph.workday.calendar import get_item, require_planned
from graph.workday.models import CALENDAR_ITEM, CalendarItem
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text


async def own_visit(session: AsyncSession, actor: Actor, item_id: uuid.UUID, version: int) -> CalendarItem:
    actor.require(CALENDAR_ITEM, Action.UPDATE)
    item = await get_item(session, actor, item_id)
    check_version(item, version, "visit")
    if item.kind != "visit":
        raise DomainError(ErrorCode.INVALID, "Only visits are checked in and given an outcome.", "id")
    if item.owner_id != actor.user_id:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "Only the member who makes the visit records it.")
    require_planned(item)
    return item


def location_errors(latitude: Decimal, longitude: Decimal) -> list[DomainError]:
    errors = []
    if not Decimal(-90) <= latitude <= Decimal(90):
        errors.append(DomainError(ErrorCode.INVALID, "A latitude is between -90 and 90.", "latitude"))
    if not Decimal(-180) <= longitude <= Decimal(180):
        errors.append(DomainError(ErrorCode.INVALID, "A longitude is between -180 and 180.", "longitude"))
    return errors


async def check_in(
    session: AsyncSession,
    actor: Actor,
    item_id: uuid.UUID,
    version: int,
    latitude: Decimal,
    longitude: Decimal,
) -> CalendarItem:
    item = await own_visit(session, actor, item_id, version)
    if item.checked_in_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This visit is already checked in.", "id")
    errors = location_errors(latitude, longitude)
    if errors:
        raise ValidationErrors(errors)
    item.checked_in_at = datetime.now(UTC)
    item.check_in_latitude = latitude.quantize(Decimal("0.000001"))
    item.check_in_longitude = longitude.quantize(Decimal("0.000001"))
    await flush_versioned(session, "visit")
    changes = {
        "checked_in_at": item.checked_in_at.isoformat(),
        "latitude": str(item.check_in_latitude),
        "longitude": str(item.check_in_longitude),
    }
    await audit.record(session, actor, "calendar_item.check_in", CALENDAR_ITEM, item.id, changes)
    return item


async def record_outcome(
    session: AsyncSession,
    actor: Actor,
    item_id: uuid.UUID,
    version: int,
    outcome: str,
    follow_up: str | None = None,
    follow_up_due_at: datetime | None = None,
) -> CalendarItem:
    item = await own_visit(session, actor, item_id, version)
    if item.checked_in_at is None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Check in first: a visit's outcome follows it.", "id")
    text = required_text(outcome, "outcome", 20_000)
    follow_up_subject = optional_text(follow_up, "followUp", 300)
    if (follow_up_subject is None) != (follow_up_due_at is None):
        raise DomainError(
            ErrorCode.REQUIRED, "A follow-up needs both a subject and a due time.", "followUpDueAt"
        )
    target = {"account_id": item.account_id, "contact_id": item.contact_id}
    visit = await create_activity(
        session,
        actor,
        {
            "kind": "meeting",
            "subject": f"Visit: {item.title}"[:300],
            "body": text,
            "occurred_at": item.checked_in_at,
            "done": True,
            **target,
        },
    )
    follow_up_id = None
    if follow_up_subject is not None:
        task = await create_activity(
            session,
            actor,
            {
                "kind": "task",
                "subject": follow_up_subject,
                "due_at": follow_up_due_at,
                "occurred_at": follow_up_due_at,
                "done": False,
                **target,
            },
        )
        follow_up_id = task.id
    # Set after the activities' own flushes, so the visit's version moves once.
    item.visit_activity_id, item.follow_up_activity_id = visit.id, follow_up_id
    item.outcome, item.status = text, "done"
    await flush_versioned(session, "visit")
    await audit.record(
        session, actor, "calendar_item.outcome", CALENDAR_ITEM, item.id, {"status": ["planned", "done"]}
    )
    return item
