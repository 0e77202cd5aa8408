"""`notify`: the one function other areas call to tell members something.

It writes, in the caller's transaction, one in-app notification per recipient, the outbox rows of the
email/SMS deliveries their preferences ask for, and a `notification.created` event per recipient. So a
notice exists, is heard live and gets delivered only if the caller's transaction commits; the delivery
job (graph/notifications/delivery.py) sends the outbox after commit.

`key` makes a notice idempotent: a recipient gets at most one notification per key (unique per tenant,
user and key, inserted with ON CONFLICT DO NOTHING), so a reminder job that runs twice, or two runners
at once, notify once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.live.events import announce
from graph.notifications.models import Notification, NotificationDelivery, NotificationPreference
from graph.notifications.outbox import remember_for_delivery
from graph.notifications.templates import KIND, worded
from tenants.errors import DomainError, ErrorCode
from tenants.ids import new_id
from tenants.models import Membership, Tenant, User

MAX_SUBJECT = 300
MAX_BODY = 10_000
MAX_LINK = 2000
MAX_KEY = 300
MAX_RECIPIENTS = 1000


def check_notice(kind: str, subject: str, body: str, link: str | None, key: str | None) -> str:
    """The subject as stored (one line, trimmed); raises for what a caller got wrong."""
    if not KIND.match(kind):
        raise DomainError(
            ErrorCode.INVALID, "A kind is 1-64 of a-z, 0-9, '_' and '.', e.g. task.due.", "kind"
        )
    line = " ".join(subject.split())
    if not line:
        raise DomainError(ErrorCode.REQUIRED, "A notification needs a subject.", "subject")
    if len(line) > MAX_SUBJECT:
        raise DomainError(ErrorCode.TOO_LONG, f"A subject is at most {MAX_SUBJECT} characters.", "subject")
    if len(body) > MAX_BODY:
        raise DomainError(ErrorCode.TOO_LONG, f"A body is at most {MAX_BODY} characters.", "body")
    if link is not None and (
        len(link) > MAX_LINK or not (link.startswith("/") or link.startswith("https://"))
    ):
        raise DomainError(
            ErrorCode.INVALID, f"A link is a path ('/...') or an https URL of at most {MAX_LINK}.", "link"
        )
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise DomainError(ErrorCode.INVALID, f"A key is 1-{MAX_KEY} characters.", "key")
    return line


async def in_tenant_words(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    kind: str,
    line: str,
    body: str,
    data: Mapping[str, Any] | None,
    locale: str,
) -> tuple[str, str]:
    """The notice in `locale`: the tenant's template for that language, else the built-in wording
    translated (tenants/i18n), else as given."""
    subject, text = await worded(session, tenant_id, kind, line, body, data, locale)
    subject = " ".join(subject.split())[:MAX_SUBJECT] or line
    return subject, text[:MAX_BODY]


def in_quiet_hours(now: datetime, start: time, end: time, zone: str) -> datetime | None:
    """When the quiet hours around `now` end (UTC), or None when `now` is outside them.

    Quiet hours are local to the member's time zone and may span midnight (22:00-07:00)."""
    local = now.astimezone(ZoneInfo(zone))
    moment = local.time().replace(tzinfo=None)
    quiet = start <= moment < end if start < end else moment >= start or moment < end
    if not quiet:
        return None
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def channels_for(preference: NotificationPreference | None, kind: str) -> list[str]:
    """The outbox channels a member wants for `kind` (in-app is always on)."""
    if preference is None:
        return ["email"]
    if kind in preference.muted_kinds:
        return []
    wanted = ["email"] if preference.email_enabled else []
    if preference.sms_enabled and preference.sms_number:
        wanted.append("sms")
    return wanted


def send_after(preference: NotificationPreference | None, now: datetime) -> datetime:
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return now
    return in_quiet_hours(now, preference.quiet_start, preference.quiet_end, preference.time_zone) or now


async def notify(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    user_ids: Iterable[uuid.UUID],
    kind: str,
    subject: str,
    body: str = "",
    link: str | None = None,
    *,
    key: str | None = None,
    now: datetime | None = None,
    data: Mapping[str, Any] | None = None,
) -> list[uuid.UUID]:
    """Notify each active member among `user_ids` (others are skipped); returns the new notifications'
    ids (none for recipients who already had one with `key`).

    `subject` and `body` are the default wording; a tenant template of `kind` replaces them, rendered
    with `data` (plus `subject` and `body`) as its values (graph/notifications/templates.py)."""
    line = check_notice(kind, subject, body, link, key)
    now = now or datetime.now(UTC)
    wanted = sorted(set(user_ids))
    if len(wanted) > MAX_RECIPIENTS:
        raise DomainError(ErrorCode.INVALID, f"At most {MAX_RECIPIENTS} recipients per notice.", "userIds")
    if not wanted:
        return []
    # Each recipient reads their own language: their choice, else the tenant's locale.
    tenant_locale = select(Tenant.locale).where(Tenant.id == tenant_id).scalar_subquery()
    members = (
        await session.execute(
            select(Membership.user_id, func.coalesce(User.locale, tenant_locale))
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.tenant_id == tenant_id,
                Membership.user_id.in_(wanted),
                Membership.is_active.is_(True),
            )
        )
    ).all()
    if not members:
        return []
    worded_in: dict[str, tuple[str, str]] = {}
    for locale in sorted({locale for _, locale in members}):
        worded_in[locale] = await in_tenant_words(session, tenant_id, kind, line, body, data, locale)
    rows = [
        {
            "tenant_id": tenant_id,
            "id": new_id(),
            "user_id": user_id,
            "kind": kind,
            "subject": worded_in[locale][0],
            "body": worded_in[locale][1],
            "link": link,
            "dedupe_key": key,
            "created_at": now,
        }
        for user_id, locale in sorted(members)
    ]
    written = (
        await session.execute(
            insert(Notification)
            .values(rows)
            .on_conflict_do_nothing(constraint="notifications_once")
            .returning(Notification.id, Notification.user_id)
        )
    ).all()
    if not written:
        return []
    preferences = {
        row.user_id: row
        for row in await session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.tenant_id == tenant_id,
                NotificationPreference.user_id.in_([user_id for _, user_id in written]),
            )
        )
    }
    deliveries = [
        {
            "tenant_id": tenant_id,
            "id": new_id(),
            "notification_id": notification_id,
            "channel": channel,
            "not_before": send_after(preferences.get(user_id), now),
        }
        for notification_id, user_id in written
        for channel in channels_for(preferences.get(user_id), kind)
    ]
    if deliveries:
        await session.execute(insert(NotificationDelivery).values(deliveries))
    if deliveries:
        remember_for_delivery(session, tenant_id)
    for notification_id, user_id in written:
        await announce(
            session, tenant_id, "notification.created", None, notification=notification_id, user=user_id
        )
    return [notification_id for notification_id, _ in written]
