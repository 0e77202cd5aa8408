from __future__ import annotations

import json

from tests.crm.documents import (
    DELETE_ACCOUNT,
    UPDATE_ACCOUNT,
    UPDATE_CONTACT,
    create_account,
    create_activity,
    create_contact,
    link,
)
from tests.crm.sql import raw_id


async def audit_rows(db, tenant_id: str, object_id: str) -> list[tuple[str, dict]]:
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        rows = await connection.fetch(
            "select action, changes from audit_log where object_id = $1 order by created_at, id",
            raw_id(object_id),
        )
    return [(row["action"], json.loads(row["changes"])) for row in rows]


async def test_account_mutations_write_field_diffs(client, db):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Old name", tags=["a"])

    await client.execute(
        UPDATE_ACCOUNT,
        {
            "id": account["id"],
            "version": 1,
            "input": {"name": "New name", "tags": ["a", "b"], "domain": None},
        },
        admin.token,
    )
    refused = await client.execute(
        UPDATE_ACCOUNT, {"id": account["id"], "version": 1, "input": {"name": "Stale"}}, admin.token
    )
    await client.execute(DELETE_ACCOUNT, {"id": account["id"], "version": 2}, admin.token)

    rows = await audit_rows(db, admin.tenant_id, account["id"])
    assert refused["updateAccount"]["errors"][0]["code"] == "CONFLICT"
    assert [action for action, _ in rows] == ["account.create", "account.update", "account.delete"]
    assert rows[0][1]["name"] == [None, "Old name"]
    assert rows[1][1] == {"name": ["Old name", "New name"], "tags": [["a"], ["a", "b"]]}
    assert rows[2][1]["deleted_at"][0] is None and rows[2][1]["deleted_at"][1]


async def test_contact_and_activity_mutations_are_audited(client, db):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    contact = await create_contact(client, admin, emails=["a@example.com"])
    await client.execute(
        UPDATE_CONTACT,
        {"id": contact["id"], "version": 1, "input": {"emails": ["b@example.com"]}},
        admin.token,
    )
    await link(client, admin, contact["id"], account["id"], isPrimary=True)
    activity = await create_activity(client, admin, accountId=account["id"])

    contact_rows = await audit_rows(db, admin.tenant_id, contact["id"])
    activity_rows = await audit_rows(db, admin.tenant_id, activity["id"])
    other_tenant = await client.sign_up("Other")

    assert [a for a, _ in contact_rows] == ["contact.create", "contact.update", "contact.link"]
    assert contact_rows[1][1] == {"emails": [["a@example.com"], ["b@example.com"]]}
    assert contact_rows[2][1]["account_id"] == str(raw_id(account["id"]))
    assert contact_rows[2][1]["is_primary"] == [None, True]
    assert activity_rows[0][0] == "activity.create"
    assert await audit_rows(db, other_tenant.tenant_id, contact["id"]) == []
