"""CRM reminders, run by `crm jobs run` as `crm.reminders`: follow-ups coming due and customer birthdays.

- follow-up due: a planned activity (not done) whose `dueAt` falls within the next FOLLOW_UP_AHEAD, or
  passed within the last FOLLOW_UP_BEHIND; told to its author, once per due time (a new due time, a new
  reminder);
- birthday: a live contact whose birthday is today (29 February: on 28 February in other years); told
  to its owner, once a year;
- anniversary: an owned live account created on this day of an earlier year; told to its owner.
A role that hides `dueAt` on activities or `birthday` on contacts gets no such reminder.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.crm.models import ACCOUNT, ACTIVITY, CONTACT, Account, Activity, Contact
from graph.notifications.reminders import Reminder, send_reminders

FOLLOW_UP_AHEAD = timedelta(hours=24)
FOLLOW_UP_BEHIND = timedelta(days=7)


async def follow_ups_due(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> list[Reminder]:
    rows = await session.scalars(
        select(Activity).where(
            Activity.tenant_id == tenant_id,
            Activity.done.is_(False),
            Activity.due_at.is_not(None),
            Activity.due_at <= now + FOLLOW_UP_AHEAD,
            Activity.due_at > now - FOLLOW_UP_BEHIND,
        )
    )
    return [
        Reminder(
            user_id=activity.author_id,
            kind="follow_up.due",
            subject=f"Follow-up due: {activity.subject}",
            body=f"Due {activity.due_at:%Y-%m-%d %H:%M} UTC.",
            link=f"/activities/{activity.id}",
            key=f"follow_up.due:{activity.id}:{activity.due_at.isoformat()}",
            data={"title": activity.subject, "due_at": activity.due_at.isoformat()},
        )
        for activity in rows
        if activity.due_at is not None
    ]


def same_day_of_year(column: Any, today: date) -> Any:
    """`column` falls on today's month and day (29 February: on 28 February in other years)."""
    same_day = and_(extract("month", column) == today.month, extract("day", column) == today.day)
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        leap_day = and_(extract("month", column) == 2, extract("day", column) == 29)
        return or_(same_day, leap_day)
    return same_day


def birthday_condition(today: date) -> Any:
    return same_day_of_year(Contact.birthday, today)


async def birthdays_today(session: AsyncSession, tenant_id: uuid.UUID, today: date) -> list[Reminder]:
    rows = await session.scalars(
        select(Contact).where(
            Contact.tenant_id == tenant_id,
            Contact.deleted_at.is_(None),
            Contact.birthday.is_not(None),
            birthday_condition(today),
        )
    )
    return [
        Reminder(
            user_id=contact.owner_id,
            kind="customer.birthday",
            subject=f"{contact.full_name}'s birthday is today",
            body="",
            link=f"/contacts/{contact.id}",
            key=f"customer.birthday:{contact.id}:{today.year}",
            data={"name": contact.full_name, "first_name": contact.first_name},
        )
        for contact in rows
    ]


async def anniversaries_today(session: AsyncSession, tenant_id: uuid.UUID, today: date) -> list[Reminder]:
    """Owned live accounts created on this day of an earlier year (UTC): the relationship's anniversary."""
    created_on = func.timezone("UTC", Account.created_at)
    rows = await session.execute(
        select(Account.id, Account.name, Account.owner_id, created_on.label("created_on")).where(
            Account.tenant_id == tenant_id,
            Account.deleted_at.is_(None),
            Account.owner_id.is_not(None),
            same_day_of_year(created_on, today),
            extract("year", created_on) < today.year,
        )
    )
    reminders = []
    for account_id, name, owner_id, created in rows:
        years = today.year - created.year
        reminders.append(
            Reminder(
                user_id=owner_id,
                kind="customer.anniversary",
                subject=f"{name}: {years} year{'s' if years != 1 else ''} as a customer today",
                body="",
                link=f"/accounts/{account_id}",
                key=f"customer.anniversary:{account_id}:{today.year}",
                data={"name": name, "years": years},
            )
        )
    return reminders


@job("crm.reminders")
async def crm_reminders(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    follow_ups = await send_reminders(
        session, tenant_id, now, await follow_ups_due(session, tenant_id, now), ACTIVITY, ("dueAt",)
    )
    birthdays = await send_reminders(
        session, tenant_id, now, await birthdays_today(session, tenant_id, now.date()), CONTACT, ("birthday",)
    )
    anniversaries = await send_reminders(
        session, tenant_id, now, await anniversaries_today(session, tenant_id, now.date()), ACCOUNT
    )
    return f"follow-ups {follow_ups}, birthdays {birthdays}, anniversaries {anniversaries}"
