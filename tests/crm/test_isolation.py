"""Tenant B, holding tenant A's ids, sees nothing and changes nothing: through the API and in SQL."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.crm.documents import (
    ACCOUNT,
    ACCOUNTS,
    ACTIVITIES,
    CONTACT,
    CONTACTS,
    CREATE_ACCOUNT,
    CREATE_ACTIVITY,
    CREATE_CONTACT,
    DELETE_ACCOUNT,
    DELETE_ACTIVITY,
    DELETE_CONTACT,
    LINK,
    NODE,
    RESTORE_ACCOUNT,
    RESTORE_CONTACT,
    UNLINK,
    UPDATE_ACCOUNT,
    UPDATE_ACTIVITY,
    UPDATE_CONTACT,
    create_account,
    create_activity,
    create_contact,
    error_pairs,
    link,
)
from tests.crm.sql import raw_id


async def tenant_a_records(client):
    a = await client.sign_up("Tenant A")
    parent = await create_account(client, a, name="A parent")
    account = await create_account(client, a, name="A account", parentId=parent["id"])
    contact = await create_contact(client, a, lastName="A contact")
    await link(client, a, contact["id"], account["id"], isPrimary=True)
    activity = await create_activity(client, a, accountId=account["id"], contactId=contact["id"])
    deleted = await create_account(client, a, name="A deleted")
    await client.execute(DELETE_ACCOUNT, {"id": deleted["id"], "version": 1}, a.token)
    deleted_contact = await create_contact(client, a, lastName="A deleted contact")
    await client.execute(DELETE_CONTACT, {"id": deleted_contact["id"], "version": 1}, a.token)
    return a, account, contact, activity, deleted, deleted_contact


async def test_other_tenant_sees_nothing_through_queries(client):
    _, account, contact, activity, deleted, _ = await tenant_a_records(client)
    b = await client.sign_up("Tenant B")
    await create_account(client, b, name="B account")

    for record_id in [account["id"], contact["id"], activity["id"], deleted["id"]]:
        assert (await client.execute(NODE, {"id": record_id}, b.token))["node"] is None
    assert (await client.execute(ACCOUNT, {"id": account["id"]}, b.token))["account"] is None
    assert (await client.execute(CONTACT, {"id": contact["id"]}, b.token))["contact"] is None
    accounts = (await client.execute(ACCOUNTS, {}, b.token))["accounts"]
    assert [e["node"]["name"] for e in accounts["edges"]] == ["B account"]
    assert (await client.execute(ACCOUNTS, {"filter": {"deleted": True}}, b.token))["accounts"]["edges"] == []
    assert (await client.execute(ACCOUNTS, {"filter": {"parentId": account["parent"]["id"]}}, b.token))[
        "accounts"
    ]["edges"] == []
    assert (await client.execute(CONTACTS, {"filter": {"accountId": account["id"]}}, b.token))["contacts"][
        "edges"
    ] == []
    assert (await client.execute(CONTACTS, {}, b.token))["contacts"]["totalCount"] == 0
    assert (await client.execute(ACTIVITIES, {"filter": {"accountId": account["id"]}}, b.token))[
        "activities"
    ]["edges"] == []
    assert (await client.execute(ACTIVITIES, {}, b.token))["activities"]["edges"] == []


async def test_other_tenant_changes_nothing_through_mutations(client):
    a, account, contact, activity, deleted, deleted_contact = await tenant_a_records(client)
    b = await client.sign_up("Tenant B")
    b_account = await create_account(client, b, name="B account")
    b_contact = await create_contact(client, b, lastName="B contact")

    attempts = [
        (UPDATE_ACCOUNT, {"id": account["id"], "version": 1, "input": {"name": "x"}}, "updateAccount", "id"),
        (DELETE_ACCOUNT, {"id": account["id"], "version": 1}, "deleteAccount", "id"),
        (RESTORE_ACCOUNT, {"id": deleted["id"]}, "restoreAccount", "id"),
        (
            UPDATE_CONTACT,
            {"id": contact["id"], "version": 1, "input": {"lastName": "x"}},
            "updateContact",
            "id",
        ),
        (DELETE_CONTACT, {"id": contact["id"], "version": 1}, "deleteContact", "id"),
        (RESTORE_CONTACT, {"id": deleted_contact["id"]}, "restoreContact", "id"),
        (
            UPDATE_ACCOUNT,
            {"id": b_account["id"], "version": 1, "input": {"parentId": account["id"]}},
            "updateAccount",
            "parentId",
        ),
        (CREATE_ACCOUNT, {"input": {"name": "x", "parentId": account["id"]}}, "createAccount", "parentId"),
        (CREATE_ACCOUNT, {"input": {"name": "x", "ownerId": a.user_id}}, "createAccount", "ownerId"),
        (
            CREATE_CONTACT,
            {"input": {"firstName": "x", "lastName": "y", "ownerId": a.user_id}},
            "createContact",
            "ownerId",
        ),
        (
            LINK,
            {"input": {"contactId": contact["id"], "accountId": b_account["id"]}},
            "linkContactToAccount",
            "contactId",
        ),
        (
            LINK,
            {"input": {"contactId": b_contact["id"], "accountId": account["id"]}},
            "linkContactToAccount",
            "accountId",
        ),
        (
            UNLINK,
            {"contactId": contact["id"], "accountId": account["id"]},
            "unlinkContactFromAccount",
            "contactId",
        ),
        (
            CREATE_ACTIVITY,
            {"input": {"kind": "NOTE", "subject": "x", "accountId": account["id"]}},
            "createActivity",
            "accountId",
        ),
        (
            CREATE_ACTIVITY,
            {"input": {"kind": "NOTE", "subject": "x", "contactId": contact["id"]}},
            "createActivity",
            "contactId",
        ),
        (
            UPDATE_ACTIVITY,
            {"id": activity["id"], "version": 1, "input": {"subject": "x"}},
            "updateActivity",
            "id",
        ),
        (DELETE_ACTIVITY, {"id": activity["id"], "version": 1}, "deleteActivity", "id"),
    ]
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, b.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name

    seen_by_a = (await client.execute(CONTACT, {"id": contact["id"]}, a.token))["contact"]
    assert (seen_by_a["lastName"], seen_by_a["version"], seen_by_a["deletedAt"]) == ("A contact", 1, None)
    assert [x["account"]["id"] for x in seen_by_a["accounts"]] == [account["id"]]
    a_account = (await client.execute(ACCOUNT, {"id": account["id"]}, a.token))["account"]
    assert (a_account["name"], a_account["version"], a_account["deletedAt"]) == ("A account", 1, None)
    assert (await client.execute(ACCOUNT, {"id": deleted["id"]}, a.token))["account"]["deletedAt"] is not None
    a_activities = (await client.execute(ACTIVITIES, {}, a.token))["activities"]["edges"]
    assert [e["node"]["subject"] for e in a_activities] == ["Hello"]


async def in_tenant(connection, tenant_id: str) -> None:
    await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)


async def test_sql_wall_hides_and_protects_crm_rows(client, db):
    a, account, contact, activity, *_ = await tenant_a_records(client)
    b = await client.sign_up("Tenant B")
    connection = await db.connect()
    account_id, contact_id, activity_id = raw_id(account["id"]), raw_id(contact["id"]), raw_id(activity["id"])
    tables = {
        "accounts": ("id", account_id),
        "contacts": ("id", contact_id),
        "contact_accounts": ("contact_id", contact_id),
        "activities": ("id", activity_id),
    }

    async with connection.transaction():
        await in_tenant(connection, b.tenant_id)
        for table, (column, value) in tables.items():
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 0
            assert (
                await connection.execute(
                    f"update {table} set tenant_id = tenant_id where {column} = $1", value
                )
                == "UPDATE 0"
            )
            assert await connection.execute(f"delete from {table} where {column} = $1", value) == "DELETE 0"

    async with connection.transaction():
        for table in tables:
            assert await connection.fetchval(f"select count(*) from {table}") == 0

    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, b.tenant_id)
            await connection.execute(
                "insert into accounts (tenant_id, id, name, owner_id) values ($1, $2, 'x', $3)",
                uuid.UUID(a.tenant_id),
                uuid.uuid4(),
                raw_id(a.user_id),
            )

    async with connection.transaction():
        await in_tenant(connection, a.tenant_id)
        for table, (column, value) in tables.items():
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 1
