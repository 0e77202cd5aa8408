"""Production sign-up by emailed confirmation (issue 12, M4): signUp answers the same for a new and a
registered email and creates nothing; confirmSignUp creates the tenant and admin once, before expiry."""

from __future__ import annotations

import hashlib

import httpx

from gateway.app import create_app
from tests.conftest import make_settings
from tests.identity.mailbox import (
    CONFIRM_SIGN_UP,
    SIGN_UP_TOKEN,
    body,
    confirmation_token,
    sign_up_by_mail,
    sign_up_input,
)
from tests.support import SIGN_UP, GraphQLClient, error_pairs, unique_email

ME = "{ me { user { email fullName } tenant { id name } role { key } } }"
EMPTY = {"token": None, "user": None, "tenant": None, "errors": []}


async def confirm(client: GraphQLClient, token: str) -> dict:
    return (await client.execute(CONFIRM_SIGN_UP, {"token": token}))["confirmSignUp"]


async def test_new_and_registered_emails_get_the_same_answer_and_nothing_is_created(prod, smtp, db):
    inbox, _ = smtp
    registered = await sign_up_by_mail(prod, inbox)
    new = sign_up_input("Fresh Co")

    answers = [
        await prod.post(SIGN_UP, {"input": values})
        for values in (new, sign_up_input("Fresh Co", registered.email))
    ]
    confirmation = await inbox.wait_for(new["email"], "Confirm your sign-up")
    notice = await inbox.wait_for(registered.email, "You already have an account")

    assert [(a.status_code, a.json()) for a in answers] == [(200, {"data": {"signUp": EMPTY}})] * 2
    assert "Fresh Co" in body(confirmation) and "https://app.example.com/confirm?token=crmsu_" in body(
        confirmation
    )
    assert "sign in instead" in body(notice)
    connection = await db.connect()
    assert (
        await connection.fetchval("select count(*) from users where lower(email) = lower($1)", new["email"])
        == 0
    )
    pending = await connection.fetchrow(
        "select token_hash, password_hash, expires_at - created_at as ttl from pending_sign_ups"
        " where email = $1",
        new["email"],
    )
    token = SIGN_UP_TOKEN.search(body(confirmation)).group(0)
    assert bytes(pending["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert (
        pending["password_hash"].startswith("$argon2id$")
        and abs(pending["ttl"].total_seconds() - 24 * 3600) < 60
    )


async def test_the_confirmation_creates_the_tenant_and_a_working_session(prod, smtp):
    inbox, _ = smtp
    values = sign_up_input("Confirmed Co")
    token = await confirmation_token(prod, inbox, values)

    confirmed = await confirm(prod, token)
    me = (await prod.execute(ME, token=confirmed["token"]))["me"]

    assert confirmed["errors"] == [] and confirmed["token"].startswith("crms_")
    assert confirmed["user"]["email"] == values["email"] and confirmed["tenant"]["name"] == "Confirmed Co"
    assert me == {
        "user": {"email": values["email"], "fullName": "Ada Admin"},
        "tenant": {"id": confirmed["tenant"]["id"], "name": "Confirmed Co"},
        "role": {"key": "admin"},
    }


async def test_a_confirmation_works_once(prod, smtp):
    inbox, _ = smtp
    token = await confirmation_token(prod, inbox, sign_up_input())

    first, second = await confirm(prod, token), await confirm(prod, token)

    assert first["errors"] == [] and first["token"]
    assert second["token"] is None and error_pairs(second) == [("token", "NOT_FOUND")]


async def test_an_unknown_token_is_not_found(prod):
    payload = await confirm(prod, "crmsu_" + "x" * 43)

    assert payload["token"] is None and error_pairs(payload) == [("token", "NOT_FOUND")]


async def test_an_expired_confirmation_is_refused_and_creates_nothing(prod, smtp, db):
    inbox, _ = smtp
    values = sign_up_input()
    token = await confirmation_token(prod, inbox, values)
    connection = await db.connect()
    await connection.execute(
        "update pending_sign_ups set expires_at = now() - interval '1 second' where email = $1",
        values["email"],
    )

    payload = await confirm(prod, token)

    assert payload["token"] is None and error_pairs(payload) == [("token", "EXPIRED")]
    assert await connection.fetchval("select count(*) from users where email = $1", values["email"]) == 0


async def test_an_email_registered_meanwhile_gets_the_empty_answer_not_a_second_account(
    prod, smtp, db, client
):
    inbox, _ = smtp
    values = sign_up_input("Late Co")
    token = await confirmation_token(prod, inbox, values)
    # Meanwhile the address got an account another way (here a development sign-up on the same database).
    meanwhile = (await client.execute(SIGN_UP, {"input": {**values, "tenantName": "Early Co"}}))["signUp"]

    answer = await confirm(prod, token)
    notice = await inbox.wait_for(values["email"], "You already have an account")
    again = await confirm(prod, token)

    assert meanwhile["errors"] == [] and answer == EMPTY
    assert "sign in instead" in body(notice)
    assert error_pairs(again) == [("token", "NOT_FOUND")]
    connection = await db.connect()
    assert await connection.fetchval("select count(*) from users where email = $1", values["email"]) == 1
    assert await connection.fetchval("select count(*) from tenants where name = 'Late Co'") == 0


async def test_production_without_a_mail_server_refuses_every_sign_up_and_keeps_nothing(
    database_urls, db, client
):
    registered = await client.sign_up()  # in development, where no confirmation is needed
    new_email = unique_email("nomail")
    application = create_app(make_settings(CRM_ENV="production"), database_urls.app)
    try:
        transport = httpx.ASGITransport(app=application, client=("10.9.8.4", 50006))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            answers = [
                (await GraphQLClient(http).execute(SIGN_UP, {"input": sign_up_input("No Mail", email)}))[
                    "signUp"
                ]
                for email in (new_email, registered.email)
            ]
    finally:
        await application.state.services.db.dispose()

    expected = {
        "token": None,
        "user": None,
        "tenant": None,
        "errors": [
            {
                "field": "email",
                "code": "MAIL_UNAVAILABLE",
                "message": "The confirmation email could not be sent; try again later.",
            }
        ],
    }
    assert answers == [expected, expected]
    connection = await db.connect()
    assert await connection.fetchval("select count(*) from pending_sign_ups where email = $1", new_email) == 0
    assert await connection.fetchval("select count(*) from users where email = $1", new_email) == 0


async def test_input_errors_are_the_same_as_in_development(prod, client):
    cases = [
        ({"email": "not-an-email"}, "email", "INVALID"),
        ({"password": "short"}, "password", "WEAK_PASSWORD"),
        ({"fullName": ""}, "fullName", "REQUIRED"),
        ({"tenantName": " "}, "tenantName", "REQUIRED"),
        ({"locale": "xx-??"}, "locale", "INVALID"),
    ]
    for change, field, code in cases:
        values = {**sign_up_input(), **change}

        production = (await prod.execute(SIGN_UP, {"input": values}))["signUp"]
        development = (await client.execute(SIGN_UP, {"input": values}))["signUp"]

        assert production == development, change
        assert production["token"] is None and error_pairs(production) == [(field, code)]


async def test_development_still_answers_the_session_at_once(client):
    values = sign_up_input("Dev Co")

    payload = (await client.execute(SIGN_UP, {"input": values}))["signUp"]
    me = (await client.execute(ME, token=payload["token"]))["me"]

    assert payload["errors"] == [] and payload["token"].startswith("crms_")
    assert me["tenant"]["name"] == "Dev Co" and me["role"] == {"key": "admin"}
