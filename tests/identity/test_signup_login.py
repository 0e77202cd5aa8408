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
    assert me["tenant"] == {"id": admin.tenant_id, "name": "Globex"}
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


async def test_sign_up_with_taken_email_is_refused_case_insensitively(client):
    admin = await client.sign_up()
    values = {"tenantName": "Other", "email": admin.email.upper(), "password": PASSWORD, "fullName": "B"}

    payload = (await client.execute(SIGN_UP, {"input": values}))["signUp"]

    assert payload["errors"][0]["code"] == "EMAIL_TAKEN"


async def test_login_returns_a_new_session(client):
    admin = await client.sign_up("Initech")

    payload = (await client.execute(LOGIN, {"input": {"email": admin.email, "password": PASSWORD}}))["login"]

    assert payload["errors"] == []
    assert payload["token"].startswith("crms_") and payload["token"] != admin.token
    assert payload["tenant"]["id"] == admin.tenant_id


async def test_wrong_password_and_unknown_user_look_the_same(client):
    admin = await client.sign_up()

    wrong = await client.execute(LOGIN, {"input": {"email": admin.email, "password": "wrong password!"}})
    unknown = await client.execute(LOGIN, {"input": {"email": unique_email(), "password": PASSWORD}})

    assert wrong["login"]["errors"] == unknown["login"]["errors"]
    assert wrong["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
