"""Email and SMS delivery after commit: a real SMTP server (aiosmtpd) receives and we parse it back; two
concurrent job runs send each delivery once; quiet hours, muted kinds and turned-off channels honoured;
failures retried with a delay and given up after five attempts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from gateway.jobs import run_one
from graph.notifications.channels import Channels, use_channels
from graph.notifications.delivery import (
    AfterCommitDelivery,
    deliver_after_commit,
    deliver_notifications,
    deliver_pending,
)
from graph.notifications.notify import notify
from tenants.mail import Mail, MailUnavailable, SmtpSender
from tests.identity.mailbox import Inbox, body
from tests.notifications.support import UPDATE_PREFERENCES, RecordingSms, at, notify_members
from tests.servers import free_port
from tests.support import relay_uuid


class SlowInbox(Inbox):
    """Takes a moment per message, so two runners really overlap while one is sending."""

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.2)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = SlowInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def channels(smtp) -> Iterator[Channels]:
    configured = Channels(
        mail=SmtpSender("127.0.0.1", smtp[1], "CRM <crm@example.com>", security="none"), sms=RecordingSms()
    )
    previous = use_channels(configured)
    yield configured
    use_channels(previous)


class FailingMail:
    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, mail: Mail) -> None:
        self.attempts += 1
        raise MailUnavailable("connection refused")


def received(inbox: Inbox, to: str) -> list[Message]:
    return [message for message in inbox.messages if message["To"] == to]


async def save_preferences(client, member, values, version=0):
    variables = {"version": version, "input": values}
    payload = await client.mutate(
        UPDATE_PREFERENCES, variables, member.token, "updateNotificationPreferences"
    )
    assert payload["errors"] == [], payload


async def deliveries(db, tenant_id: str) -> list[tuple[str, str, int]]:
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        rows = await connection.fetch(
            "select channel, status, attempts from notification_deliveries order by channel"
        )
    return [(row["channel"], row["status"], row["attempts"]) for row in rows]


async def test_two_concurrent_runs_send_one_real_email_parsed_back(client, services, smtp, channels, db):
    inbox, _ = smtp
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await notify_members(
        services,
        admin.tenant_id,
        [rep.user_id],
        "contract.expiring",
        subject="Contract C-1 ends in 30 days",
        body="Renew it with the customer.",
        link="https://app.example.com/contracts/1",
    )
    tenant, now = uuid.UUID(admin.tenant_id), at("2030-01-01T09:00:00+00:00")
    name = "notifications.deliver"
    first, second = await asyncio.gather(
        run_one(services.db, name, deliver_notifications, tenant, now),
        run_one(services.db, name, deliver_notifications, tenant, now),
    )
    assert sorted([first.summary, second.summary]) == ["sent 0, not sent 0", "sent 1, not sent 0"]
    third = await run_one(services.db, name, deliver_notifications, tenant, now)
    assert third.summary == "sent 0, not sent 0"

    messages = received(inbox, rep.email)
    assert len(messages) == 1
    message = messages[0]
    assert message["Subject"] == "Contract C-1 ends in 30 days"
    assert message["From"] == "CRM <crm@example.com>"
    assert message["Message-ID"].startswith("<notification-")
    assert (
        body(message).replace("\r\n", "\n").strip()
        == "Renew it with the customer.\n\nhttps://app.example.com/contracts/1"
    )
    assert await deliveries(db, admin.tenant_id) == [("email", "sent", 1)]


async def test_quiet_hours_hold_email_and_sms_until_they_end(client, services, smtp, channels, db):
    inbox, _ = smtp
    admin = await client.sign_up()
    await save_preferences(
        client,
        admin,
        {
            "smsEnabled": True,
            "smsNumber": "+4915112345678",
            "quietStart": "22:00:00",
            "quietEnd": "07:00:00",
            "timeZone": "Europe/Berlin",
        },
    )
    # 23:30 in Berlin (UTC+1 in January): quiet until 07:00 Berlin = 06:00 UTC the next day.
    late = at("2030-01-10T22:30:00+00:00")
    await notify_members(services, admin.tenant_id, [admin.user_id], subject="Visit tomorrow", now=late)
    tenant = uuid.UUID(admin.tenant_id)
    async with services.db.transaction(tenant) as session:
        assert await deliver_pending(session, tenant, at("2030-01-11T05:59:00+00:00"), channels) == (0, 0)
    assert received(inbox, admin.email) == [] and channels.sms.sent == []
    async with services.db.transaction(tenant) as session:
        assert await deliver_pending(session, tenant, at("2030-01-11T06:00:00+00:00"), channels) == (2, 0)
    assert [m["Subject"] for m in received(inbox, admin.email)] == ["Visit tomorrow"]
    assert [(s.to, s.text) for s in channels.sms.sent] == [("+4915112345678", "Visit tomorrow")]
    assert await deliveries(db, admin.tenant_id) == [("email", "sent", 1), ("sms", "sent", 1)]


async def test_muted_kinds_and_channels_turned_off_later_are_not_sent(client, services, smtp, channels, db):
    inbox, _ = smtp
    admin = await client.sign_up()
    await save_preferences(client, admin, {"mutedKinds": ["customer.birthday"]})
    await notify_members(services, admin.tenant_id, [admin.user_id], "customer.birthday", subject="Birthday")
    assert await deliveries(db, admin.tenant_id) == []  # in the app only

    await notify_members(services, admin.tenant_id, [admin.user_id], "task.due", subject="Due")
    await save_preferences(client, admin, {"emailEnabled": False}, version=1)
    tenant, now = uuid.UUID(admin.tenant_id), at("2030-02-01T09:00:00+00:00")
    async with services.db.transaction(tenant) as session:
        assert await deliver_pending(session, tenant, now, channels) == (0, 1)
    assert received(inbox, admin.email) == []
    assert await deliveries(db, admin.tenant_id) == [("email", "failed", 1)]


async def test_a_failing_mail_server_is_retried_later_then_given_up(client, services, db):
    admin = await client.sign_up()
    await notify_members(services, admin.tenant_id, [admin.user_id], subject="Due")
    failing = FailingMail()
    channels = Channels(mail=failing, sms=RecordingSms())
    tenant, now = uuid.UUID(admin.tenant_id), at("2030-03-01T09:00:00+00:00")
    async with services.db.transaction(tenant) as session:
        assert await deliver_pending(session, tenant, now, channels) == (0, 1)
        # Retried only after the delay (5 minutes after the first failure).
        assert await deliver_pending(session, tenant, at("2030-03-01T09:04:00+00:00"), channels) == (0, 0)
    assert await deliveries(db, admin.tenant_id) == [("email", "pending", 1)]
    moment = now
    for minutes in (5, 10, 20, 40):
        moment += timedelta(minutes=minutes)
        async with services.db.transaction(tenant) as session:
            assert await deliver_pending(session, tenant, moment, channels) == (0, 1)
    assert failing.attempts == 5
    assert await deliveries(db, admin.tenant_id) == [("email", "failed", 5)]


async def test_after_commit_delivery_sends_at_once_and_a_rollback_sends_nothing(
    client, services, smtp, channels
):
    inbox, _ = smtp
    admin = await client.sign_up()
    delivery = AfterCommitDelivery(services.db, channels)
    deliver_after_commit(delivery)
    try:
        with pytest.raises(RuntimeError):
            async with services.db.transaction(uuid.UUID(admin.tenant_id)) as session:
                await notify(
                    session,
                    uuid.UUID(admin.tenant_id),
                    [uuid.UUID(relay_uuid(admin.user_id))],
                    "task.due",
                    "Rolled back",
                )
                raise RuntimeError("the caller failed")
        await notify_members(services, admin.tenant_id, [admin.user_id], subject="Sent right away")
        message = await inbox.wait_for(admin.email, "Sent right away")
        await asyncio.gather(*delivery.pending)
    finally:
        deliver_after_commit(None)
    assert message["Subject"] == "Sent right away"
    assert [m["Subject"] for m in received(inbox, admin.email)] == ["Sent right away"]
