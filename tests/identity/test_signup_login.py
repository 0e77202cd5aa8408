from __future__ import annotations

from tests.support import PASSWORD, SIGN_UP, unique_email

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token user { email } tenant { id name } errors { field code message } }
}"""

ME = "{ me { user { email } tenant { id name } role { key } memberships { tenant { name } role { key } } } }"


async def test_sign_up_creates_tenant_and_admin_session(client):
    admin = await client.sign_up("Globex")

    me = (await client.execute(ME, token=admin.token))["me"]

    assert me["user"]["email"] == admin.email
    assert me["tenant"] == {"id": admin.tenant_node_id, "name": "Globex"}
    assert me["role"]["key"] == "admin"


async def test_sign_up_rejects_bad_input_with_field_errors(client):
    cases = [
        (
            {"tenantName": " ", "email": unique_email(), "password": PASSWORD, "fullName": "A"},
            "tenantName",
            "REQUIRED",
        ),
        (
            {"tenantName": "T", "email": "not-an-email", "password": PASSWORD, "fullName": "A"},
            "email",
            "INVALID",
        ),
        (
            {"tenantName": "T", "email": unique_email(), "password": "short", "fullName": "A"},
            "password",
            "WEAK_PASSWORD",
        ),
        (
            {"tenantName": "T", "email": unique_email(), "password": PASSWORD, "fullName": ""},
            "fullName",
            "REQUIRED",
        ),
    ]
    for values, field, code in cases:
        payload = (await client.execute(SIGN_UP, {"input": values}))["signUp"]
        assert payload["token"] is None
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]


async def test_sign_up_with_an_existing_email_answers_like_a_success_without_a_token(client):
    admin = await client.sign_up()
    local, domain = admin.email.split("@")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in local) + "@" + domain.upper()
    answers = []
    for email in (admin.email.upper(), fullwidth):
        values = {"tenantName": "Other", "email": email, "password": PASSWORD, "fullName": "B"}
        answers.append((await client.execute(SIGN_UP, {"input": values}))["signUp"])

    # No EMAIL_TAKEN: the mailbox is told instead (tests/identity/test_mail.py), and nothing is created.
    assert answers == [{"token": None, "user": None, "tenant": None, "errors": []}] * 2
    me = (await client.execute(ME, token=admin.token))["me"]
    assert [m["tenant"]["name"] for m in me["memberships"]] == ["Acme"]


async def test_look_alike_emails_are_folded_or_refused(client):
    cyrillic = {"tenantName": "T", "email": "\u0430dmin@example.com", "password": PASSWORD, "fullName": "A"}
    fullwidth = {
        "tenantName": "T",
        "email": unique_email("\uff41\uff44\uff4d"),
        "password": PASSWORD,
        "fullName": "A",
    }

    refused = (await client.execute(SIGN_UP, {"input": cyrillic}))["signUp"]
    folded = (await client.execute(SIGN_UP, {"input": fullwidth}))["signUp"]

    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("email", "INVALID")]
    assert folded["errors"] == [] and folded["user"]["email"].startswith("adm-")


async def test_login_returns_a_new_session(client):
    admin = await client.sign_up("Initech")

    payload = (await client.execute(LOGIN, {"input": {"email": admin.email, "password": PASSWORD}}))["login"]

    assert payload["errors"] == []
    assert payload["token"].startswith("crms_") and payload["token"] != admin.token
    assert payload["tenant"]["id"] == admin.tenant_node_id


async def test_wrong_password_and_unknown_user_look_the_same(client):
    admin = await client.sign_up()

    wrong = await client.execute(LOGIN, {"input": {"email": admin.email, "password": "wrong password!"}})
    unknown = await client.execute(LOGIN, {"input": {"email": unique_email(), "password": PASSWORD}})

    assert wrong["login"]["errors"] == unknown["login"]["errors"]
    assert wrong["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
