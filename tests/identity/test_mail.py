"""Identity mail through a real SMTP server (aiosmtpd): production never hands the inviter the token, and
the "you already have an account" explanations reach the mailbox instead of the answer."""

from __future__ import annotations

import asyncio
import logging
import re

import httpx
import pytest

from gateway.app import create_app
from tenants.mail import LogSender, Mail, MailUnavailable, NoMailServer, SmtpSender
from tests.conftest import make_settings
from tests.identity.mailbox import CONFIRM_SIGN_UP, body, confirmation_token, sign_up_by_mail, sign_up_input
from tests.servers import free_port
from tests.support import ACCEPT, INVITE, PASSWORD, SIGN_UP, GraphQLClient, unique_email

TOKEN = re.compile(r"crmi_[0-9a-f]{32}_[A-Za-z0-9_-]+")


async def test_production_emails_the_invitation_and_never_shows_the_token(prod, smtp):
    inbox, _ = smtp
    admin = await sign_up_by_mail(prod, inbox)
    email = unique_email("invitee")

    invited = (await prod.execute(INVITE, {"input": {"email": email, "roleKey": "viewer"}}, admin.token))[
        "inviteUser"
    ]
    mail = await inbox.wait_for(email, "You are invited")
    token = TOKEN.search(body(mail)).group(0)
    joined = (
        await prod.execute(ACCEPT, {"input": {"token": token, "password": PASSWORD, "fullName": "New One"}})
    )["acceptInvite"]

    assert invited["errors"] == [] and invited["token"] is None and invited["invitation"]["email"] == email
    assert mail["From"] == "CRM <crm@example.com>"
    assert f"https://app.example.com/join?token={token}" in body(mail)
    assert joined["errors"] == [] and joined["tenant"]["id"] == admin.tenant_node_id and joined["token"]


async def test_sign_up_with_an_existing_email_tells_the_mailbox_not_the_caller(prod, smtp):
    inbox, _ = smtp
    admin = await sign_up_by_mail(prod, inbox)
    values = {
        "tenantName": "Again",
        "email": admin.email,
        "password": "another long passphrase",
        "fullName": "X",
    }

    answer = (await prod.execute(SIGN_UP, {"input": values}))["signUp"]
    mail = await inbox.wait_for(admin.email, "You already have an account")

    assert answer == {"token": None, "user": None, "tenant": None, "errors": []}
    assert "sign in instead" in body(mail)
    # Anyone can trigger this notice, so the same mailbox gets it at most once per interval.
    for _ in range(3):
        await prod.execute(SIGN_UP, {"input": values})
    await asyncio.sleep(0.3)
    notices = [
        m for m in inbox.messages if m["To"] == admin.email and "already have an account" in m["Subject"]
    ]
    assert len(notices) == 1


async def test_accepting_signed_out_for_an_existing_account_mails_how_to_accept(prod, smtp):
    inbox, _ = smtp
    inviter = await sign_up_by_mail(prod, inbox, "Inviter Co")
    existing = await sign_up_by_mail(prod, inbox, "Existing Co")
    await prod.execute(INVITE, {"input": {"email": existing.email, "roleKey": "viewer"}}, inviter.token)
    token = TOKEN.search(body(await inbox.wait_for(existing.email, "You are invited"))).group(0)

    answer = (await prod.execute(ACCEPT, {"input": {"token": token, "password": PASSWORD, "fullName": "X"}}))[
        "acceptInvite"
    ]
    notice = await inbox.wait_for(existing.email, "Sign in to join Inviter Co")
    signed_in = (await prod.execute(ACCEPT, {"input": {"token": token}}, existing.token))["acceptInvite"]

    assert answer == {"token": None, "user": None, "tenant": None, "errors": []}
    assert "nothing was changed" in body(notice)
    assert signed_in["errors"] == [] and signed_in["tenant"]["id"] == inviter.tenant_node_id


async def test_an_unreachable_mail_server_fails_the_invitation_and_keeps_nothing(database_urls, db, client):
    admin = await client.sign_up()  # in development: a production sign-up needs the mail server
    settings = make_settings(CRM_ENV="production", CRM_SMTP_HOST="127.0.0.1", CRM_SMTP_PORT=free_port())
    application = create_app(settings, database_urls.app)
    try:
        transport = httpx.ASGITransport(app=application, client=("10.9.8.6", 50004))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            payload = (
                await GraphQLClient(http).execute(
                    INVITE, {"input": {"email": unique_email(), "roleKey": "viewer"}}, admin.token
                )
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


async def test_production_without_a_mail_server_refuses_invitations(database_urls, client):
    admin = await client.sign_up()  # in development: a production sign-up needs the mail server
    application = create_app(make_settings(CRM_ENV="production"), database_urls.app)
    try:
        transport = httpx.ASGITransport(app=application, client=("10.9.8.5", 50005))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            payload = (
                await GraphQLClient(http).execute(
                    INVITE, {"input": {"email": unique_email(), "roleKey": "viewer"}}, admin.token
                )
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
    values = sign_up_input("Evil\r\nBcc: victim@example.com")
    token = await confirmation_token(prod, inbox, values)
    admin = (await prod.execute(CONFIRM_SIGN_UP, {"token": token}))["confirmSignUp"]
    email = unique_email("invitee")

    invited = await prod.execute(INVITE, {"input": {"email": email, "roleKey": "viewer"}}, admin["token"])
    mail = await inbox.wait_for(email, "You are invited")

    assert invited["inviteUser"]["errors"] == []
    assert mail["Subject"] == "You are invited to Evil Bcc: victim@example.com" and mail["Bcc"] is None
