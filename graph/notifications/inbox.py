"""A member's own notifications and preferences: every read and write here is limited to the actor.

Notifications are personal, whatever the role: no permission opens another member's inbox (an admin
included), so there is no object type to grant; the tenant wall is RLS, the user wall is the
`user_id = actor` predicate every statement here carries.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import re2
from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version
from graph.live.events import announce
from graph.notifications.models import Notification, NotificationPreference
from graph.notifications.notify import KIND
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.permissions import Actor

MAX_MARKED = 100
# E.164: a plus and 8 to 15 digits.
PHONE = re2.compile(r"^\+[1-9][0-9]{7,14}$")
MAX_MUTED_KINDS = 50


def refuse(errors: list[DomainError]) -> None:
    """All of them at once, so a form can show every field's error."""
    if errors:
        raise ValidationErrors(errors)


def mine(actor: Actor) -> Any:
    return (Notification.tenant_id == actor.tenant_id) & (Notification.user_id == actor.user_id)


def inbox(actor: Actor, unread: bool | None = None) -> Select[tuple[Notification]]:
    """The actor's notifications, newest first (keyset-paginated by the caller)."""
    statement = select(Notification).where(mine(actor))
    if unread is True:
        statement = statement.where(Notification.read_at.is_(None))
    elif unread is False:
        statement = statement.where(Notification.read_at.is_not(None))
    return statement.order_by(Notification.created_at.desc(), Notification.id.desc())


async def unread_count(session: AsyncSession, actor: Actor) -> int:
    statement = select(func.count()).where(mine(actor), Notification.read_at.is_(None))
    return int(await session.scalar(statement) or 0)


async def notifications_by_ids(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Notification]:
    rows = await session.scalars(select(Notification).where(mine(actor), Notification.id.in_(ids)))
    return {row.id: row for row in rows}


async def mark_read(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID], now: datetime | None = None
) -> list[Notification]:
    """Marks the actor's notifications `ids` read (already read ones keep their time); all or nothing.

    One UPDATE both marks and finds them: ids it does not return are not the actor's, and the error
    that follows rolls the mutation back, so nothing stays marked."""
    if not ids:
        raise DomainError(ErrorCode.REQUIRED, "Name at least one notification.", "ids")
    if len(ids) > MAX_MARKED:
        raise DomainError(ErrorCode.INVALID, f"At most {MAX_MARKED} notifications at once.", "ids")
    marked = {
        row.id: row
        for row in await session.scalars(
            update(Notification)
            .where(mine(actor), Notification.id.in_(ids))
            .values(read_at=func.coalesce(Notification.read_at, now or datetime.now(UTC)))
            .returning(Notification),
            execution_options={"synchronize_session": False},
        )
    }
    refuse(
        [
            DomainError(ErrorCode.NOT_FOUND, "No notification of yours with this id.", f"ids.{index}")
            for index, notification_id in enumerate(ids)
            if notification_id not in marked
        ]
    )
    await announce(session, actor.tenant_id, "notification.read", None, user=actor.user_id)
    return [marked[notification_id] for notification_id in dict.fromkeys(ids)]


async def mark_all_read(session: AsyncSession, actor: Actor, now: datetime | None = None) -> int:
    changed = await session.execute(
        update(Notification)
        .where(mine(actor), Notification.read_at.is_(None))
        .values(read_at=now or datetime.now(UTC))
        .returning(Notification.id)
    )
    count = len(changed.all())
    if count:
        await announce(session, actor.tenant_id, "notification.read", None, user=actor.user_id)
    return count


def default_preference(actor: Actor) -> NotificationPreference:
    return NotificationPreference(
        tenant_id=actor.tenant_id,
        user_id=actor.user_id,
        email_enabled=True,
        sms_enabled=False,
        sms_number=None,
        muted_kinds=[],
        quiet_start=None,
        quiet_end=None,
        time_zone="UTC",
        version=0,
    )


async def preferences(session: AsyncSession, actor: Actor) -> NotificationPreference:
    """The actor's preferences; the defaults (version 0, not stored) until first saved."""
    row = await session.get(NotificationPreference, (actor.tenant_id, actor.user_id))
    return row if row is not None else default_preference(actor)


NOT_NULL = {
    "email_enabled": "emailEnabled",
    "sms_enabled": "smsEnabled",
    "muted_kinds": "mutedKinds",
    "time_zone": "timeZone",
}


def preference_errors(values: Mapping[str, Any]) -> list[DomainError]:
    errors = [
        DomainError(ErrorCode.INVALID, "Leave it out to keep it; it cannot be null.", field)
        for name, field in NOT_NULL.items()
        if name in values and values[name] is None
    ]
    number = values.get("sms_number")
    if number is not None and not PHONE.match(number):
        errors.append(
            DomainError(
                ErrorCode.INVALID, "A number in international form, e.g. +4915112345678.", "smsNumber"
            )
        )
    zone = values.get("time_zone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(
                DomainError(ErrorCode.INVALID, "An IANA time zone, e.g. Europe/Berlin.", "timeZone")
            )
    kinds = values.get("muted_kinds")
    if kinds:
        if len(kinds) > MAX_MUTED_KINDS:
            errors.append(DomainError(ErrorCode.INVALID, f"At most {MAX_MUTED_KINDS} kinds.", "mutedKinds"))
        for index, kind in enumerate(kinds):
            if not KIND.match(kind):
                errors.append(
                    DomainError(ErrorCode.INVALID, "Not a notification kind.", f"mutedKinds.{index}")
                )
    return errors


def quiet_hours_errors(start: time | None, end: time | None) -> list[DomainError]:
    if (start is None) != (end is None):
        return [DomainError(ErrorCode.INVALID, "Give both ends of the quiet hours, or neither.", "quietEnd")]
    if start is not None and start == end:
        return [
            DomainError(ErrorCode.INVALID, "Quiet hours must start and end at different times.", "quietEnd")
        ]
    return []


async def update_preferences(
    session: AsyncSession, actor: Actor, version: int, values: Mapping[str, Any]
) -> NotificationPreference:
    """Saves the given preference fields (the rest unchanged); `version` 0 for the first save."""
    row = await session.get(NotificationPreference, (actor.tenant_id, actor.user_id), with_for_update=True)
    current = row if row is not None else default_preference(actor)
    check_version(current, version, "notification preference")
    merged = {
        name: values.get(name, getattr(current, name))
        for name in ("sms_enabled", "sms_number", "quiet_start", "quiet_end")
    }
    errors = preference_errors(values) + quiet_hours_errors(merged["quiet_start"], merged["quiet_end"])
    if merged["sms_enabled"] and not merged["sms_number"]:
        errors.append(DomainError(ErrorCode.REQUIRED, "SMS needs a number to send to.", "smsNumber"))
    refuse(errors)
    if row is None:
        row = current
        row.version = 1
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1
    await session.flush()
    return row
