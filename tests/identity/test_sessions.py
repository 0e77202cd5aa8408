from __future__ import annotations

import hashlib

from tests.support import PASSWORD

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token tenant { id } errors { field code message } }
}"""
LOGIN_CHOICES = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token tenant { id } tenants { id name } errors { field code message } }
}"""
LOGOUT = "mutation { logout { ok errors { code } } }"
ME = "{ me { user { email } tenant { id name } memberships { tenant { id name } role { key } } } }"
CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) { changePassword(input: $input) { ok errors { field code } } }"""
SWITCH = (
    "mutation Switch($id: ID!) { switchTenant(tenantId: $id) { tenant { id name } errors { field code } } }"
)


async def login(client, email, password=PASSWORD, tenant_id=None):
    data = await client.execute(
        LOGIN, {"input": {"email": email, "password": password, "tenantId": tenant_id}}
    )
    return data["login"]


async def test_logout_revokes_the_token(client):
    admin = await client.sign_up()

    assert (await client.execute(LOGOUT, token=admin.token))["logout"] == {"ok": True, "errors": []}

    response = await client.post(ME, token=admin.token)
    assert response.status_code == 401


async def test_unknown_and_malformed_tokens_are_refused(client):
    for token in ["crms_not-a-real-token", "something-else"]:
        response = await client.post(ME, token=token)
        assert response.status_code == 401
        assert response.json()["errors"][0]["message"]


async def test_anonymous_me_is_unauthenticated(client):
    errors = await client.errors(ME)

    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_session_is_refused(client, db):
    admin = await client.sign_up()
    connection = await db.connect()
    token_hash = hashlib.sha256(admin.token.encode()).digest()
    await connection.execute(
        "update user_sessions set expires_at = now() - interval '1 second' where token_hash = $1", token_hash
    )

    response = await client.post(ME, token=admin.token)

    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["message"]


async def test_changing_password_revokes_other_sessions_only(client):
    admin = await client.sign_up()
    other = (await login(client, admin.email))["token"]
    new_password = "a completely new passphrase"

    result = await client.execute(
        CHANGE_PASSWORD, {"input": {"currentPassword": PASSWORD, "newPassword": new_password}}, admin.token
    )

    assert result["changePassword"] == {"ok": True, "errors": []}
    assert (await client.post(ME, token=other)).status_code == 401
    assert (await client.post(ME, token=admin.token)).status_code == 200
    assert (await login(client, admin.email))["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await login(client, admin.email, new_password))["errors"] == []


async def test_change_password_needs_the_current_one_and_a_strong_new_one(client):
    admin = await client.sign_up()

    wrong = await client.execute(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": "nope nope nope", "newPassword": "x" * 12}},
        admin.token,
    )
    weak = await client.execute(
        CHANGE_PASSWORD, {"input": {"currentPassword": PASSWORD, "newPassword": "short"}}, admin.token
    )

    assert wrong["changePassword"]["errors"] == [{"field": "currentPassword", "code": "INVALID_CREDENTIALS"}]
    assert weak["changePassword"]["errors"] == [{"field": "newPassword", "code": "WEAK_PASSWORD"}]
    assert (await login(client, admin.email))["errors"] == []


async def test_user_in_two_tenants_logs_into_the_last_one_and_can_switch(client):
    first = await client.sign_up("First Co")
    second = await client.sign_up("Second Co")
    member = await client.add_member(first, "sales")
    invite = await client.execute(
        "mutation($i: InviteUserInput!) { inviteUser(input: $i) { token errors { code } } }",
        {"i": {"email": member.email, "roleKey": "viewer"}},
        second.token,
    )
    accepted = await client.execute(
        "mutation($i: AcceptInviteInput!) { acceptInvite(input: $i) { tenant { id } errors { code } } }",
        {"i": {"token": invite["inviteUser"]["token"]}},
        member.token,  # an existing user accepts signed in as themselves
    )
    assert accepted["acceptInvite"]["tenant"]["id"] == second.tenant_node_id
    moved = await client.execute(SWITCH, {"id": second.tenant_node_id}, member.token)
    assert moved["switchTenant"]["tenant"]["id"] == second.tenant_node_id

    # No tenant id: the tenant of the latest session (moved there), and the list to choose from.
    chosen = (await client.execute(LOGIN_CHOICES, {"input": {"email": member.email, "password": PASSWORD}}))[
        "login"
    ]
    assert chosen["errors"] == [] and chosen["tenant"]["id"] == second.tenant_node_id
    assert chosen["tenants"] == [
        {"id": first.tenant_node_id, "name": "First Co"},
        {"id": second.tenant_node_id, "name": "Second Co"},
    ]

    session = await login(client, member.email, tenant_id=first.tenant_node_id)
    me = (await client.execute(ME, token=session["token"]))["me"]
    assert me["tenant"]["id"] == first.tenant_node_id
    assert {m["tenant"]["id"]: m["role"]["key"] for m in me["memberships"]} == {
        first.tenant_node_id: "sales",
        second.tenant_node_id: "viewer",
    }

    switched = await client.execute(SWITCH, {"id": second.tenant_node_id}, session["token"])
    assert switched["switchTenant"]["tenant"]["id"] == second.tenant_node_id
    assert (await client.execute(ME, token=session["token"]))["me"]["tenant"]["id"] == second.tenant_node_id


async def test_cannot_log_into_or_switch_to_a_foreign_tenant(client):
    mine = await client.sign_up("Mine")
    foreign = await client.sign_up("Foreign")

    refused = await login(client, mine.email, tenant_id=foreign.tenant_node_id)
    switched = await client.execute(SWITCH, {"id": foreign.tenant_node_id}, mine.token)

    assert refused["token"] is None and refused["errors"][0]["code"] == "NOT_FOUND"
    assert switched["switchTenant"] == {
        "tenant": None,
        "errors": [{"field": "tenantId", "code": "NOT_FOUND"}],
    }
    assert (await client.execute(ME, token=mine.token))["me"]["tenant"]["id"] == mine.tenant_node_id


SWITCH_ALONE = "switchTenant must be the only field of the only operation in its document"


async def test_a_document_that_switches_tenant_does_nothing_else(client):
    first = await client.sign_up("First Co")
    second = await client.sign_up("Second Co")
    member = await client.add_member(first, "sales")
    await client.join_tenant(second, member, "admin")
    create = 'createAccount(input: {name: "Smuggled"}) { account { id } errors { code } }'
    documents = [
        # another mutation after (or before) the switch
        f"mutation($id: ID!) {{ switchTenant(tenantId: $id) {{ tenant {{ id }} }} {create} }}",
        f"mutation($id: ID!) {{ {create} switchTenant(tenantId: $id) {{ tenant {{ id }} }} }}",
        # the same, hidden in a fragment or an alias
        "mutation($id: ID!) { ...Both } fragment Both on Mutation { switchTenant(tenantId: $id) { tenant { id } } "
        f"{create} }}",
        "mutation($id: ID!) { a: switchTenant(tenantId: $id) { tenant { id } } b: switchTenant(tenantId: $id) "
        "{ tenant { id } } }",
        # even __typename, or a second operation in the same document
        "mutation($id: ID!) { switchTenant(tenantId: $id) { tenant { id } } __typename }",
        "mutation S($id: ID!) { switchTenant(tenantId: $id) { tenant { id } } } query Q { me { user { email } } }",
    ]
    for document in documents:
        response = await client.post(document, {"id": second.tenant_node_id}, member.token)
        body = response.json()
        assert [(e["message"][: len(SWITCH_ALONE)], e["extensions"]["code"]) for e in body["errors"]] == [
            (SWITCH_ALONE, "INVALID")
        ], document
        assert body.get("data") is None

    # Nothing ran: still in the first tenant, with the sales role, and no account anywhere.
    me = (await client.execute(ME, token=member.token))["me"]
    assert me["tenant"]["id"] == first.tenant_node_id
    for admin in (first, second):
        accounts = await client.execute("{ accounts { totalCount } }", token=admin.token)
        assert accounts["accounts"]["totalCount"] == 0

    # Alone it works.
    moved = await client.execute(SWITCH, {"id": second.tenant_node_id}, member.token)
    assert moved["switchTenant"]["tenant"]["id"] == second.tenant_node_id
