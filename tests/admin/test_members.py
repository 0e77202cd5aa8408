"""Deactivation ends access at once; reassignment moves every owned record in one statement per type."""

from __future__ import annotations

import uuid

from tests.admin.documents import (
    DEACTIVATE,
    MEMBERS,
    REACTIVATE,
    REASSIGN,
    assign,
    create,
    create_role,
    error_pairs,
)
from tests.crm.sql import raw_id

ME = "{ me { user { id } } }"
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret errors { field code } } }"""
ACCOUNTS = "{ accounts { edges { node { name version owner { id } } } } }"
CONTACTS = "{ contacts { edges { node { lastName owner { id } } } } }"


async def test_deactivation_revokes_sessions_and_api_keys(client, db):
    admin = await client.sign_up()
    ops = await client.add_member(admin, "viewer", "ops")
    await assign(client, admin, ops, await create_role(client, admin, "ops", capabilities=["MANAGE_USERS"]))
    # A key with ops' own role: a key may hold no more than its creator.
    key = await client.execute(CREATE_KEY, {"input": {"name": "sync", "roleKey": "ops"}}, ops.token)
    secret = key["createApiKey"]["secret"]
    assert (await client.execute(ME, token=secret))["me"]["user"]["id"] == ops.user_id

    payload = (await client.execute(DEACTIVATE, {"userId": ops.user_id}, admin.token))["deactivateMember"]

    assert payload == {"member": {"userId": ops.user_id, "isActive": False}, "errors": []}
    for token in (ops.token, secret):
        response = await client.post(ME, token=token)
        assert response.status_code == 401 or response.json().get("errors"), response.text
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        open_sessions = await connection.fetchval(
            "select count(*) from user_sessions where user_id = $1 and revoked_at is null",
            raw_id(ops.user_id),
        )
        open_keys = await connection.fetchval("select count(*) from api_keys where revoked_at is null")
    assert (open_sessions, open_keys) == (0, 0)
    members = {
        m["userId"]: m for m in (await client.execute(MEMBERS, {}, admin.token))["tenantMembers"]["nodes"]
    }
    assert members[ops.user_id]["isActive"] is False
    again = (await client.execute(REACTIVATE, {"userId": ops.user_id}, admin.token))["reactivateMember"]
    assert again["member"]["isActive"] is True


async def test_deactivation_rules(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")

    yourself = (await client.execute(DEACTIVATE, {"userId": admin.user_id}, admin.token))["deactivateMember"]
    denied = await client.refused(DEACTIVATE, {"userId": admin.user_id}, manager.token, "deactivateMember")
    unknown = (
        await client.execute(
            DEACTIVATE, {"userId": "VXNlcjowMDAwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA="}, admin.token
        )
    )["deactivateMember"]

    assert error_pairs(yourself) == [("userId", "INVALID")]
    assert denied == [(None, "PERMISSION_DENIED")]
    assert error_pairs(unknown) == [("userId", "NOT_FOUND")]


async def test_reassign_records_moves_owned_accounts_and_contacts(client):
    admin = await client.sign_up()
    leaver = await client.add_member(admin, "sales", "leaver")
    heir = await client.add_member(admin, "sales", "heir")
    for name in ("One", "Two"):
        await create(client, leaver, "account", name=name)
    await create(client, leaver, "contact", lastName="Kept")
    await create(client, heir, "account", name="Heirs own")
    await client.execute(DEACTIVATE, {"userId": leaver.user_id}, admin.token)

    payload = (await client.execute(REASSIGN, {"from": leaver.user_id, "to": heir.user_id}, admin.token))[
        "reassignRecords"
    ]
    to_inactive = await client.execute(REASSIGN, {"from": heir.user_id, "to": leaver.user_id}, admin.token)
    denied = await client.refused(
        REASSIGN, {"from": leaver.user_id, "to": heir.user_id}, heir.token, "reassignRecords"
    )

    # Every object type with custom fields is covered; those the leaver owned nothing of report 0.
    assert payload["errors"] == []
    assert [r for r in payload["reassigned"] if r["count"]] == [
        {"objectType": "account", "count": 2},
        {"objectType": "contact", "count": 1},
    ]
    accounts = (await client.execute(ACCOUNTS, {}, heir.token))["accounts"]["edges"]
    assert sorted((e["node"]["name"], e["node"]["version"]) for e in accounts) == [
        ("Heirs own", 1),
        ("One", 2),
        ("Two", 2),
    ]
    assert {e["node"]["owner"]["id"] for e in accounts} == {heir.user_id}
    contacts = (await client.execute(CONTACTS, {}, heir.token))["contacts"]["edges"]
    assert [e["node"]["lastName"] for e in contacts] == ["Kept"]
    assert error_pairs(to_inactive["reassignRecords"]) == [("toUserId", "INVALID")]
    assert denied == [(None, "PERMISSION_DENIED")]
    assert uuid.UUID(admin.tenant_id)
