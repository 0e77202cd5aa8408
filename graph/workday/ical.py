"""iCalendar (RFC 5545) export of one member's calendar, through the `icalendar` package.

Each item is one VEVENT with a stable UID (`<item id>@crm`), so a calendar client that imports the
export again updates its events instead of duplicating them; recurring items carry their RRULE and
cancelled ones STATUS:CANCELLED. Start and end are local times with the item's TZID (and a VTIMEZONE per
zone used), so a client expands the RRULE across daylight-saving changes as the server does. Only items
the caller may read are exported (their record scope).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur
from sqlalchemy.ext.asyncio import AsyncSession

from graph.workday.calendar import items_statement
from graph.workday.models import CalendarItem
from tenants.permissions import Actor

MAX_EXPORTED = 5000
STATUS = {"planned": "CONFIRMED", "done": "CONFIRMED", "cancelled": "CANCELLED"}


def event_of(item: CalendarItem) -> Event:
    event = Event()
    event.add("uid", f"{item.id}@crm")
    event.add("summary", item.title)
    zone = ZoneInfo(item.time_zone)
    starts_at, ends_at = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
    if item.all_day:
        event.add("dtstart", starts_at.date())
        event.add("dtend", max(ends_at.date(), starts_at.date()) + timedelta(days=1))
    else:
        event.add("dtstart", starts_at)
        event.add("dtend", ends_at)
    event.add("dtstamp", item.updated_at)
    event.add("sequence", item.version - 1)
    event.add("status", STATUS[item.status])
    event.add("categories", [item.kind.upper()])
    if item.location:
        event.add("location", item.location)
    description = "\n\n".join(text for text in (item.purpose, item.description, item.outcome) if text)
    if description:
        event.add("description", description)
    if item.recurrence:
        event.add("rrule", vRecur.from_ical(item.recurrence))
    return event


async def export_calendar(session: AsyncSession, actor: Actor, owner_id: uuid.UUID) -> str:
    """The owner's items the actor may read, as one VCALENDAR text (CRLF line endings)."""
    calendar = Calendar()
    calendar.add("prodid", "-//CRM//Calendar export//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "CRM calendar")
    rows = await session.scalars(items_statement(actor, owner_id).limit(MAX_EXPORTED))
    for item in rows:
        calendar.add_component(event_of(item))
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()
