"""The delivery job: sends the outbox (email, SMS) of committed notifications, once.

`crm jobs run` runs `notifications.deliver` per tenant. Each run claims the due pending deliveries with
FOR UPDATE SKIP LOCKED, so a second runner at the same time skips them rather than sending them again;
a sent delivery is marked `sent` in the same transaction. A failed send is retried later with a growing
delay, and given up (`failed`) after MAX_ATTEMPTS. The one gap left is a crash between handing a message
to the server and COMMIT: the message then goes out again on the next run; emails carry a Message-ID
derived from the notification, so mail clients show the duplicate once.

Preferences are read again at send time: a channel turned off (or a kind muted) since the notice was
written is not used, and the delivery is closed as failed with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import backlog, job
from graph.notifications.channels import Channels, Sms, SmsUnavailable, configured_channels
from graph.notifications.models import Notification, NotificationDelivery, NotificationPreference
from graph.notifications.notify import channels_for
from graph.notifications.outbox import AFTER_COMMIT
from tenants.db import Database
from tenants.mail import Mail, MailUnavailable
from tenants.models import User

log = logging.getLogger("crm.notifications")

BATCH = 200
MAX_ATTEMPTS = 5
SMS_LENGTH = 480  # three concatenated SMS segments


def retry_delay(attempts: int) -> timedelta:
    """5, 10, 20, 40 minutes after the 1st..4th failure."""
    return timedelta(minutes=5 * 2 ** (attempts - 1))


def mail_of(notification: Notification, address: str, domain: str = "crm.invalid") -> Mail:
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{notification.link}" if body else notification.link
    return Mail(
        to=address,
        subject=notification.subject,
        body=body,
        message_id=f"<notification-{notification.id}@{domain}>",
    )


def sms_of(notification: Notification, number: str) -> Sms:
    text = notification.subject if not notification.body else f"{notification.subject}: {notification.body}"
    return Sms(to=number, text=text[:SMS_LENGTH])


async def send_one(
    channels: Channels,
    delivery: NotificationDelivery,
    notification: Notification,
    email: str,
    preference: NotificationPreference | None,
) -> str | None:
    """Sends; returns None when sent, or why it was not."""
    if delivery.channel not in channels_for(preference, notification.kind):
        return "turned off by the recipient"
    try:
        if delivery.channel == "email":
            await channels.mail.send(mail_of(notification, email))
        else:
            assert preference is not None and preference.sms_number  # channels_for checked both
            await channels.sms.send(sms_of(notification, preference.sms_number))
    except (MailUnavailable, SmsUnavailable) as error:
        return str(error)[:500] or error.__class__.__name__
    return None


async def deliver_pending(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime, channels: Channels, limit: int = BATCH
) -> tuple[int, int]:
    """Sends up to `limit` due deliveries; returns (sent, not sent)."""
    rows = (
        await session.execute(
            select(NotificationDelivery, Notification, User.email, NotificationPreference)
            .join(
                Notification,
                (Notification.tenant_id == NotificationDelivery.tenant_id)
                & (Notification.id == NotificationDelivery.notification_id),
            )
            .join(User, User.id == Notification.user_id)
            .outerjoin(
                NotificationPreference,
                (NotificationPreference.tenant_id == Notification.tenant_id)
                & (NotificationPreference.user_id == Notification.user_id),
            )
            .where(
                NotificationDelivery.tenant_id == tenant_id,
                NotificationDelivery.status == "pending",
                NotificationDelivery.not_before <= now,
            )
            .order_by(NotificationDelivery.not_before, NotificationDelivery.id)
            .limit(limit)
            .with_for_update(of=NotificationDelivery, skip_locked=True)
        )
    ).all()
    sent = failed = 0
    for delivery, notification, email, preference in rows:
        problem = await send_one(channels, delivery, notification, email, preference)
        delivery.attempts += 1
        if problem is None:
            delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
            sent += 1
            continue
        failed += 1
        delivery.last_error = problem
        if problem == "turned off by the recipient" or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
        else:
            delivery.not_before = now + retry_delay(delivery.attempts)
    await session.flush()
    return sent, failed


@job("notifications.deliver")
async def deliver_notifications(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    sent, failed = await deliver_pending(session, tenant_id, now, configured_channels())
    return f"sent {sent}, not sent {failed}"


@backlog("notifications.deliver")
async def outbox_depth(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> int:
    """Deliveries still pending after a run (due or waiting for a retry): the outbox's depth."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(NotificationDelivery)
            .where(NotificationDelivery.tenant_id == tenant_id, NotificationDelivery.status == "pending")
        )
        or 0
    )


class AfterCommitDelivery:
    """Sends a tenant's due outbox in a task of its own right after a transaction that notified commits
    (tasks are kept until done; a failure is logged, and the job sends what is left)."""

    def __init__(self, db: Database, channels: Channels) -> None:
        self.db = db
        self.channels = channels
        self.pending: set[asyncio.Task[None]] = set()

    def __call__(self, tenant_ids: set[uuid.UUID]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # committed outside an event loop: the job will send it
            return
        for tenant_id in tenant_ids:
            task = loop.create_task(self.deliver(tenant_id))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)

    async def deliver(self, tenant_id: uuid.UUID) -> None:
        try:
            async with self.db.transaction(tenant_id) as session:
                await deliver_pending(session, tenant_id, datetime.now(UTC), self.channels)
        except Exception:
            log.exception("delivering notifications of tenant %s after commit failed", tenant_id)


def deliver_after_commit(delivery: AfterCommitDelivery | None) -> None:
    """Install `delivery` as the process's after-commit sender (None: only the job sends)."""
    AFTER_COMMIT.clear()
    if delivery is not None:
        AFTER_COMMIT.append(delivery)
