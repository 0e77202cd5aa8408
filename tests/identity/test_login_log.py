"""The login log: every attempt recorded where its tenant's admins (and its user) can see it, and nowhere else."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support import INVITE, PASSWORD, unique_email

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { code } } }"""
EVENTS = """
query Events($filter: LoginEventFilter, $first: Int, $after: String) {
  loginEvents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { outcome method reason email clientAddress userAgent viaApiKey user { email } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
MINE = """
query Mine($filter: LoginEventFilter) {
  myLoginHistory(filter: $filter) { edges { node { outcome method email user { email } } } }
}"""
CREATE_KEY = """
mutation Create($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id } errors { code } } }"""
REVOKE_KEY = "mutation Revoke($id: ID!) { revokeApiKey(id: $id) { errors { code } } }"
ACCEPT = """
mutation Accept($input: AcceptInviteInput!) { acceptInvite(input: $input) { token errors { code } } }"""


async def login(client, email, password, tenant_id=None, agent="crm-test/1.0"):
    variables = {"input": {"email": email, "password": password, "tenantId": tenant_id}}
    response = await client.post(LOGIN, variables, None, **{"user-agent": agent})
    return response.json()["data"]["login"]


async def events(client, member, filter=None, first=None, after=None):
    variables = {"filter": filter, "first": first, "after": after}
    return (await client.execute(EVENTS, variables, member.token))["loginEvents"]


def nodes(connection):
    return [edge["node"] for edge in connection["edges"]]


async def test_each_attempt_is_logged_with_outcome_method_address_and_agent(client):
    admin = await client.sign_up()
    await login(client, admin.email, "wrong password", agent="evil-bot/2")
    await login(client, admin.email, PASSWORD)

    logged = nodes(await events(client, admin))

    address = client.http._transport.client[0]  # type: ignore[attr-defined]
    assert logged == [
        {
            "outcome": "SUCCESS",
            "method": "PASSWORD",
            "reason": None,
            "email": admin.email,
            "clientAddress": address,
            "userAgent": "crm-test/1.0",
            "viaApiKey": False,
            "user": {"email": admin.email},
        },
        {
            "outcome": "FAILURE",
            "method": "PASSWORD",
            "reason": "wrong_password",
            "email": admin.email,
            "clientAddress": address,
            "userAgent": "evil-bot/2",
            "viaApiKey": False,
            "user": {"email": admin.email},
        },
    ]


async def test_throttled_attempts_are_logged_and_filters_and_pages_work(client):
    admin = await client.sign_up()
    for i in range(6):
        await login(client, admin.email, f"wrong {i}")
    await login(client, admin.email, PASSWORD)

    throttled = nodes(await events(client, admin, {"outcome": "THROTTLED"}))
    failures = nodes(await events(client, admin, {"outcome": "FAILURE", "userId": admin.user_id}))
    first_page = await events(client, admin, first=4)
    second_page = await events(client, admin, first=4, after=first_page["pageInfo"]["endCursor"])
    future = nodes(await events(client, admin, {"after": "2999-01-01T00:00:00+00:00"}))
    past = nodes(await events(client, admin, {"before": "2000-01-01T00:00:00+00:00"}))

    assert [(e["outcome"], e["reason"]) for e in throttled] == [("THROTTLED", "locked_account_address")] * 2
    assert [e["reason"] for e in failures] == ["wrong_password"] * 5
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert [e["outcome"] for e in nodes(first_page) + nodes(second_page)] == (
        ["THROTTLED", "THROTTLED"] + ["FAILURE"] * 5
    )
    assert second_page["pageInfo"]["hasNextPage"] is False
    assert future == [] and past == []


async def test_members_see_only_their_own_history_and_need_the_capability_for_all(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales")
    await login(client, member.email, PASSWORD)
    await login(client, admin.email, "wrong password")

    mine = (await client.execute(MINE, {"filter": {"userId": admin.user_id}}, member.token))["myLoginHistory"]
    denied = await client.errors(EVENTS, {}, member.token)

    assert nodes(mine) == [
        {"outcome": "SUCCESS", "method": "PASSWORD", "email": member.email, "user": {"email": member.email}},
        {
            "outcome": "SUCCESS",
            "method": "INVITATION",
            "email": member.email,
            "user": {"email": member.email},
        },
    ]
    assert denied[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert denied[0]["path"] == ["loginEvents"]


async def test_another_tenant_sees_nothing_through_the_api_or_in_sql(client, db):
    mine = await client.sign_up("Mine")
    theirs = await client.sign_up("Theirs")
    await login(client, mine.email, "wrong password")

    assert nodes(await events(client, theirs)) == []
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
        assert await connection.fetchval("select count(*) from login_events") == 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # WITH CHECK: not the current tenant
            await connection.execute(
                "insert into login_events (tenant_id, id, outcome, method) values ($1, gen_random_uuid(),"
                " 'success', 'password')",
                mine.tenant_id,
            )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", mine.tenant_id)
        assert await connection.fetchval("select count(*) from login_events") == 1
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # append-only
            await connection.execute("delete from login_events")


async def test_a_user_of_two_tenants_is_logged_in_the_tenant_named_else_in_both(client):
    first = await client.sign_up("First")
    second = await client.sign_up("Second")
    invited = await client.execute(
        INVITE, {"input": {"email": first.email, "roleKey": "viewer"}}, second.token
    )
    accepted = await client.execute(
        ACCEPT,
        {"input": {"token": invited["inviteUser"]["token"]}},
        first.token,  # signed in (H1)
    )
    assert accepted["acceptInvite"]["errors"] == []

    await login(client, first.email, "wrong password", tenant_id=second.tenant_node_id)
    await login(client, first.email, "another wrong password")

    in_first = nodes(await events(client, first, {"outcome": "FAILURE"}))
    in_second = nodes(await events(client, second, {"outcome": "FAILURE"}))
    assert len(in_first) == 1 and len(in_second) == 2


async def test_attempts_for_unknown_emails_go_to_a_log_the_application_cannot_read(client, db, database_urls):
    nobody = unique_email("nobody")
    assert (await login(client, nobody, "whatever password"))["errors"][0]["code"] == "INVALID_CREDENTIALS"

    connection = await db.connect()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await connection.fetchval("select count(*) from login_attempts")
    owner = await asyncpg.connect(database_urls.owner)
    try:
        row = await owner.fetchrow(
            "select outcome, reason, method from login_attempts where email = $1", nobody
        )
    finally:
        await owner.close()
    assert dict(row) == {"outcome": "failure", "reason": "unknown_email", "method": "password"}


async def test_rejected_api_keys_are_logged_in_their_tenant(client):
    admin = await client.sign_up()
    created = (await client.execute(CREATE_KEY, {"input": {"name": "CI", "roleKey": "viewer"}}, admin.token))[
        "createApiKey"
    ]
    await client.execute(REVOKE_KEY, {"id": created["apiKey"]["id"]}, admin.token)

    assert (await client.post("{ me { user { email } } }", token=created["secret"])).status_code == 401

    logged = nodes(await events(client, admin, {"outcome": "FAILURE"}))
    assert [(e["method"], e["reason"], e["viaApiKey"], e["user"]) for e in logged] == [
        ("API_KEY", "rejected_key", True, {"email": admin.email})
    ]
