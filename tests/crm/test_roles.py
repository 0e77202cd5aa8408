from __future__ import annotations

from tests.crm.documents import (
    ACCOUNT,
    ACCOUNTS,
    CONTACT,
    CONTACTS,
    CREATE_ACCOUNT,
    CREATE_ACTIVITY,
    CREATE_CONTACT,
    DELETE_ACCOUNT,
    DELETE_CONTACT,
    LINK,
    NODE,
    RESTORE_ACCOUNT,
    UPDATE_ACCOUNT,
    UPDATE_CONTACT,
    create_account,
    create_activity,
    create_contact,
    error_pairs,
)
from tests.crm.sql import put_in_team

DENIED = [(None, "PERMISSION_DENIED")]


async def test_viewer_reads_but_cannot_write(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    account = await create_account(client, admin, name="Readable")
    contact = await create_contact(client, admin)

    attempts = [
        (CREATE_ACCOUNT, {"input": {"name": "X"}}, "createAccount"),
        (UPDATE_ACCOUNT, {"id": account["id"], "version": 1, "input": {"name": "X"}}, "updateAccount"),
        (DELETE_ACCOUNT, {"id": account["id"], "version": 1}, "deleteAccount"),
        (RESTORE_ACCOUNT, {"id": account["id"]}, "restoreAccount"),
        (CREATE_CONTACT, {"input": {"firstName": "A", "lastName": "B"}}, "createContact"),
        (UPDATE_CONTACT, {"id": contact["id"], "version": 1, "input": {"firstName": "X"}}, "updateContact"),
        (DELETE_CONTACT, {"id": contact["id"], "version": 1}, "deleteContact"),
        (LINK, {"input": {"contactId": contact["id"], "accountId": account["id"]}}, "linkContactToAccount"),
        (
            CREATE_ACTIVITY,
            {"input": {"kind": "NOTE", "subject": "x", "accountId": account["id"]}},
            "createActivity",
        ),
    ]
    for document, variables, name in attempts:
        assert await client.refused(document, variables, viewer.token, name) == DENIED, name

    listed = (await client.execute(ACCOUNTS, {}, viewer.token))["accounts"]
    assert [e["node"]["name"] for e in listed["edges"]] == ["Readable"]
    current = (await client.execute(ACCOUNT, {"id": account["id"]}, viewer.token))["account"]
    assert (current["name"], current["version"]) == ("Readable", 1)


async def test_sales_rep_sees_and_changes_only_own_records(client):
    admin = await client.sign_up()
    alice = await client.add_member(admin, "sales", "alice")
    bob = await client.add_member(admin, "sales", "bob")
    mine = await create_account(client, alice, name="Alice Co")
    theirs = await create_account(client, bob, name="Bob Co")
    their_contact = await create_contact(client, bob, lastName="Bobson")
    my_contact = await create_contact(client, alice, lastName="Alison")
    their_note = await create_activity(client, bob, subject="secret", accountId=theirs["id"])

    listed = (await client.execute(ACCOUNTS, {}, alice.token))["accounts"]
    contacts = (await client.execute(CONTACTS, {}, alice.token))["contacts"]
    by_id = (await client.execute(ACCOUNT, {"id": theirs["id"]}, alice.token))["account"]
    by_node = (await client.execute(NODE, {"id": theirs["id"]}, alice.token))["node"]
    note_node = (await client.execute(NODE, {"id": their_note["id"]}, alice.token))["node"]
    contact_by_id = (await client.execute(CONTACT, {"id": their_contact["id"]}, alice.token))["contact"]
    update = (
        await client.execute(
            UPDATE_ACCOUNT, {"id": theirs["id"], "version": 1, "input": {"name": "Mine now"}}, alice.token
        )
    )["updateAccount"]
    delete = (await client.execute(DELETE_ACCOUNT, {"id": theirs["id"], "version": 1}, alice.token))[
        "deleteAccount"
    ]
    link = (
        await client.execute(
            LINK, {"input": {"contactId": my_contact["id"], "accountId": theirs["id"]}}, alice.token
        )
    )["linkContactToAccount"]
    parent = (
        await client.execute(
            UPDATE_ACCOUNT, {"id": mine["id"], "version": 1, "input": {"parentId": theirs["id"]}}, alice.token
        )
    )["updateAccount"]

    assert [e["node"]["name"] for e in listed["edges"]] == ["Alice Co"]
    assert [e["node"]["lastName"] for e in contacts["edges"]] == ["Alison"]
    assert by_id is None and by_node is None and note_node is None and contact_by_id is None
    assert error_pairs(update) == [("id", "NOT_FOUND")]
    assert error_pairs(delete) == [("id", "NOT_FOUND")]
    assert error_pairs(link) == [("accountId", "NOT_FOUND")]
    assert error_pairs(parent) == [("parentId", "NOT_FOUND")]
    untouched = (await client.execute(ACCOUNT, {"id": theirs["id"]}, bob.token))["account"]
    assert (untouched["name"], untouched["version"], untouched["deletedAt"]) == ("Bob Co", 1, None)


async def test_manager_with_team_scope_sees_teammates_records_only(client, db):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    teammate = await client.add_member(admin, "sales", "teammate")
    outsider = await client.add_member(admin, "sales", "outsider")
    await put_in_team(db, admin.tenant_id, "East", manager.user_id, teammate.user_id)
    team_account = await create_account(client, teammate, name="Team Co")
    await create_account(client, outsider, name="Outside Co")
    await create_contact(client, teammate, lastName="Teamson")
    await create_contact(client, outsider, lastName="Outsider")

    accounts = (await client.execute(ACCOUNTS, {}, manager.token))["accounts"]
    contacts = (await client.execute(CONTACTS, {}, manager.token))["contacts"]
    update = (
        await client.execute(
            UPDATE_ACCOUNT,
            {"id": team_account["id"], "version": 1, "input": {"industry": "Retail"}},
            manager.token,
        )
    )["updateAccount"]

    assert [e["node"]["name"] for e in accounts["edges"]] == ["Team Co"]
    assert [e["node"]["lastName"] for e in contacts["edges"]] == ["Teamson"]
    assert update["errors"] == [] and update["account"]["industry"] == "Retail"


async def test_sales_rep_cannot_assign_to_a_stranger_but_can_to_a_colleague(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    stranger = await client.sign_up("Elsewhere")

    refused = await client.execute(
        CREATE_ACCOUNT, {"input": {"name": "X", "ownerId": stranger.user_id}}, rep.token
    )
    handed = await create_account(client, rep, name="For admin", ownerId=admin.user_id)

    assert error_pairs(refused["createAccount"]) == [("ownerId", "NOT_FOUND")]
    assert handed["owner"]["id"] == admin.user_id
    admin_view = (await client.execute(ACCOUNT, {"id": handed["id"]}, admin.token))["account"]
    assert admin_view["owner"]["id"] == admin.user_id
