"""Identity mail through a real SMTP server (aiosmtpd): production never hands the inviter the token, and
the "you already have an account" explanations reach the mailbox instead of the answer."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from email.message import Message

import httpx
import pytest
from aiosmtpd.controller import Controller

from gateway.app import create_app
from tenants.embedded import DatabaseUrls
from tenants.mail import LogSender, Mail, MailUnavailable, NoMailServer, SmtpSender
from tests.conftest import make_settings
from tests.servers import free_port
from tests.support import ACCEPT, INVITE, PASSWORD, SIGN_UP, GraphQLClient, unique_email

TOKEN = re.compile(r"crmi_[0-9a-f]{32}_[A-Za-z0-9_-]+")


class Inbox:
    """aiosmtpd handler keeping every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    async def wait_for(self, to: str, subject_part: str) -> Message:
        for _ in range(200):
            for message in self.messages:
                if message["To"] == to and subject_part in message["Subject"]:
                    return message
            await asyncio.sleep(0.02)
        raise AssertionError(f"no mail to {to} about {subject_part!r}: {[m['Subject'] for m in self.messages]}")


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
async def production_app(database_urls: DatabaseUrls, smtp):  # type: ignore[no-untyped-def]
    settings = make_settings(
        CRM_ENV="production",
        CRM_SMTP_HOST="127.0.0.1",
        CRM_SMTP_PORT=smtp[1],
        CRM_SMTP_SECURITY="none",
        CRM_MAIL_FROM="CRM <crm@example.com>",
        CRM_INVITE_URL="https://app.example.com/join?token={token}",
    )
    application = create_app(settings, database_urls.app)
    yield application
    await application.state.services.db.dispose()


@pytest.fixture
async def prod(production_app) -> AsyncIterator[GraphQLClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=production_app, client=("10.9.8.7", 50003))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


def body(message: Message) -> str:
    return message.get_payload(decode=True).decode()


async def test_production_emails_the_invitation_and_never_shows_the_token(prod, smtp):
    inbox, _ = smtp
    admin = await prod.sign_up()
    email = unique_email("invitee")

    invited = (await prod.execute(INVITE, {"input": {"email": email, "roleKey": "viewer"}}, admin.token))["inviteUser"]
    mail = await inbox.wait_for(email, "You are invited")
    token = TOKEN.search(body(mail)).group(0)
    joined = (
        await prod.execute(ACCEPT, {"input": {"token": token, "password": PASSWORD, "fullName": "New One"}})
    )["acceptInvite"]

    assert invited["errors"] == [] and invited["token"] is None and invited["invitation"]["email"] == email
    assert mail["From"] == "CRM <crm@example.com>"
    assert f"https://app.example.com/join?token={token}" in body(mail)
    assert joined["errors"] == [] and joined["tenant"]["id"] == admin.tenant_id and joined["token"]


async def test_sign_up_with_an_existing_email_tells_the_mailbox_not_the_caller(prod, smtp):
    inbox, _ = smtp
    admin = await prod.sign_up()
    values = {"tenantName": "Again", "email": admin.email, "password": "another long passphrase", "fullName": "X"}

    answer = (await prod.execute(SIGN_UP, {"input": values}))["signUp"]
    mail = await inbox.wait_for(admin.email, "You already have an account")

    assert answer == {"token": None, "user": None, "tenant": None, "errors": []}
    assert "sign in instead" in body(mail)
    # Anyone can trigger this notice, so the same mailbox gets it at most once per interval.
    for _ in range(3):
        await prod.execute(SIGN_UP, {"input": values})
    await asyncio.sleep(0.3)
    notices = [m for m in inbox.messages if m["To"] == admin.email and "already have an account" in m["Subject"]]
    assert len(notices) == 1


async def test_accepting_signed_out_for_an_existing_account_mails_how_to_accept(prod, smtp):
    inbox, _ = smtp
    inviter = await prod.sign_up("Inviter Co")
    existing = await prod.sign_up("Existing Co")
    await prod.execute(INVITE, {"input": {"email": existing.email, "roleKey": "viewer"}}, inviter.token)
    token = TOKEN.search(body(await inbox.wait_for(existing.email, "You are invited"))).group(0)

    answer = (await prod.execute(ACCEPT, {"input": {"token": token, "password": PASSWORD, "fullName": "X"}}))[
        "acceptInvite"
    ]
    notice = await inbox.wait_for(existing.email, "Sign in to join Inviter Co")
    signed_in = (await prod.execute(ACCEPT, {"input": {"token": token}}, existing.token))["acceptInvite"]

    assert answer == {"token": None, "user": None, "tenant": None, "errors": []}
    assert "nothing was changed" in body(notice)
    assert signed_in["errors"] == [] and signed_in["tenant"]["id"] == inviter.tenant_id


async def test_an_unreachable_mail_server_fails_the_invitation_and_keeps_nothing(database_urls, db):
    settings = make_settings(CRM_ENV="production", CRM_SMTP_HOST="127.0.0.1", CRM_SMTP_PORT=free_port())
    application = create_app(settings, database_urls.app)
    try:
        transport = httpx.ASGITransport(app=application, client=("10.9.8.6", 50004))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            client = GraphQLClient(http)
            admin = await client.sign_up()
            payload = (
                await client.execute(INVITE, {"input": {"email": unique_email(), "roleKey": "viewer"}}, admin.token)
            )["inviteUser"]
    finally:
        await application.state.services.db.dispose()

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("email", "MAIL_UNAVAILABLE")]
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        assert await connection.fetchval("select count(*) from invitations") == 0


async def test_without_a_mail_server_development_logs_the_mail_and_production_refuses_it(caplog):
    mail = Mail("a@example.com", "Subject line", "secret crmi_token body")

    with caplog.at_level(logging.INFO, logger="crm.mail"):
        await LogSender().send(mail)
        with pytest.raises(MailUnavailable):
            await NoMailServer().send(mail)

    development, production = (record.getMessage() for record in caplog.records)
    assert "secret crmi_token body" in development
    assert "Subject line" in production and "crmi_token" not in production


async def test_production_without_a_mail_server_refuses_invitations(database_urls):
    application = create_app(make_settings(CRM_ENV="production"), database_urls.app)
    try:
        transport = httpx.ASGITransport(app=application, client=("10.9.8.5", 50005))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            client = GraphQLClient(http)
            admin = await client.sign_up()
            payload = (
                await client.execute(INVITE, {"input": {"email": unique_email(), "roleKey": "viewer"}}, admin.token)
            )["inviteUser"]
    finally:
        await application.state.services.db.dispose()

    assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [
        ("email", "MAIL_UNAVAILABLE", "The invitation email could not be sent; try again later.")
    ]


async def test_smtp_sender_reports_an_unreachable_server():
    sender = SmtpSender("127.0.0.1", free_port(), "crm@example.com", security="none", timeout_seconds=2)

    with pytest.raises(MailUnavailable):
        await sender.send(Mail("a@example.com", "s", "b"))


async def test_a_tenant_name_with_line_breaks_stays_out_of_the_mail_headers(prod, smtp):
    inbox, _ = smtp
    values = {"tenantName": "Evil\r\nBcc: victim@example.com", "email": unique_email(), "password": PASSWORD, "fullName": "E"}
    admin = (await prod.execute(SIGN_UP, {"input": values}))["signUp"]
    email = unique_email("invitee")

    invited = await prod.execute(INVITE, {"input": {"email": email, "roleKey": "viewer"}}, admin["token"])
    mail = await inbox.wait_for(email, "You are invited")

    assert invited["inviteUser"]["errors"] == []
    assert mail["Subject"] == "You are invited to Evil Bcc: victim@example.com" and mail["Bcc"] is None
