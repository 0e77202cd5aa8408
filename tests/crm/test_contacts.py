from __future__ import annotations

from tests.crm.documents import (
    CONTACT,
    CONTACTS,
    CREATE_CONTACT,
    DELETE_CONTACT,
    LINK,
    RESTORE_CONTACT,
    UNLINK,
    UPDATE_CONTACT,
    create_account,
    create_contact,
    error_pairs,
    link,
)

ACCOUNT_CONTACTS = """
query($id: ID!, $after: String) {
  account(id: $id) {
    contactCount
    contacts(first: 1, after: $after) { edges { node { lastName } } pageInfo { hasNextPage endCursor } }
  }
}"""


async def test_create_contact_normalizes_emails_and_builds_full_name(client):
    admin = await client.sign_up()

    contact = await create_contact(
        client,
        admin,
        firstName=" Ada ",
        lastName="Lovelace",
        emails=["Ada@Example.COM", "ada@example.com", "ada@work.example.org"],
        phones=["+44  20 7946   0000"],
        birthday="1815-12-10",
        tags=["founder"],
    )

    assert contact["fullName"] == "Ada Lovelace"
    assert contact["emails"] == ["Ada@example.com", "ada@work.example.org"]
    assert contact["phones"] == ["+44 20 7946 0000"]
    assert contact["birthday"] == "1815-12-10"
    assert contact["owner"]["id"] == admin.user_id
    assert contact["accounts"] == [] and contact["primaryAccount"] is None


async def test_create_contact_rejects_bad_input(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    cases = [
        ({"firstName": "", "lastName": "X"}, [("firstName", "REQUIRED")]),
        ({"firstName": "X", "lastName": " "}, [("lastName", "REQUIRED")]),
        ({"firstName": "X" * 101, "lastName": "Y"}, [("firstName", "TOO_LONG")]),
        ({"firstName": "X", "lastName": "Y", "emails": ["nope"]}, [("emails", "INVALID")]),
        ({"firstName": "X", "lastName": "Y", "birthday": "2999-01-01"}, [("birthday", "INVALID")]),
        ({"firstName": "X", "lastName": "Y", "phones": ["1" * 41]}, [("phones", "TOO_LONG")]),
        ({"firstName": "X", "lastName": "Y", "ownerId": other.user_id}, [("ownerId", "NOT_FOUND")]),
        (
            {"firstName": "", "lastName": "", "emails": ["@"]},
            [("firstName", "REQUIRED"), ("lastName", "REQUIRED"), ("emails", "INVALID")],
        ),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_CONTACT, {"input": values}, admin.token))["createContact"]
        assert payload["contact"] is None, values
        assert error_pairs(payload) == expected, values
    assert (await client.execute(CONTACTS, {}, admin.token))["contacts"]["totalCount"] == 0


async def test_update_contact_partial_and_stale_version(client):
    admin = await client.sign_up()
    contact = await create_contact(client, admin, emails=["g@example.com"], notes="keep")

    updated = (
        await client.execute(
            UPDATE_CONTACT,
            {"id": contact["id"], "version": 1, "input": {"lastName": "Brewster"}},
            admin.token,
        )
    )["updateContact"]
    stale = (
        await client.execute(
            UPDATE_CONTACT, {"id": contact["id"], "version": 1, "input": {"lastName": "Nope"}}, admin.token
        )
    )["updateContact"]
    bad = (
        await client.execute(
            UPDATE_CONTACT, {"id": contact["id"], "version": 2, "input": {"emails": ["x@"]}}, admin.token
        )
    )["updateContact"]

    assert updated["errors"] == []
    assert (updated["contact"]["lastName"], updated["contact"]["notes"]) == ("Brewster", "keep")
    assert updated["contact"]["version"] == 2
    assert error_pairs(stale) == [("version", "CONFLICT")]
    assert error_pairs(bad) == [("emails", "INVALID")]
    current = (await client.execute(CONTACT, {"id": contact["id"]}, admin.token))["contact"]
    assert (current["lastName"], current["emails"], current["version"]) == ("Brewster", ["g@example.com"], 2)


async def test_contact_linked_to_two_accounts_with_one_primary(client):
    admin = await client.sign_up()
    acme = await create_account(client, admin, name="Acme")
    globex = await create_account(client, admin, name="Globex")
    contact = await create_contact(client, admin)

    await link(client, admin, contact["id"], acme["id"], title="CTO", isPrimary=True)
    linked = await link(client, admin, contact["id"], globex["id"], role="Advisor", isPrimary=True)

    assert linked["primaryAccount"]["name"] == "Globex"
    assert linked["accounts"] == [
        {
            "account": {"id": globex["id"], "name": "Globex"},
            "title": None,
            "role": "Advisor",
            "isPrimary": True,
        },
        {"account": {"id": acme["id"], "name": "Acme"}, "title": "CTO", "role": None, "isPrimary": False},
    ]
    by_account = (await client.execute(CONTACTS, {"filter": {"accountId": acme["id"]}}, admin.token))[
        "contacts"
    ]
    assert [e["node"]["id"] for e in by_account["edges"]] == [contact["id"]]

    unlinked = (
        await client.execute(UNLINK, {"contactId": contact["id"], "accountId": globex["id"]}, admin.token)
    )["unlinkContactFromAccount"]
    again = (
        await client.execute(UNLINK, {"contactId": contact["id"], "accountId": globex["id"]}, admin.token)
    )["unlinkContactFromAccount"]
    assert [a["account"]["name"] for a in unlinked["contact"]["accounts"]] == ["Acme"]
    assert unlinked["contact"]["primaryAccount"] is None
    assert error_pairs(again) == [("accountId", "NOT_FOUND")]


async def test_link_rejects_bad_input(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    contact = await create_contact(client, admin)
    cases = [
        ({"contactId": account["id"], "accountId": account["id"]}, [("contactId", "NOT_FOUND")]),
        ({"contactId": contact["id"], "accountId": contact["id"]}, [("accountId", "NOT_FOUND")]),
        (
            {"contactId": contact["id"], "accountId": account["id"], "title": "t" * 201},
            [("title", "TOO_LONG")],
        ),
    ]
    for values, expected in cases:
        payload = (await client.execute(LINK, {"input": values}, admin.token))["linkContactToAccount"]
        assert error_pairs(payload) == expected, values
    current = (await client.execute(CONTACT, {"id": contact["id"]}, admin.token))["contact"]
    assert current["accounts"] == []


async def test_account_contacts_count_and_nested_pagination(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    for last_name in ["Cole", "Abel", "Baker"]:
        contact = await create_contact(client, admin, lastName=last_name)
        await link(client, admin, contact["id"], account["id"])
    gone = await create_contact(client, admin, lastName="Deleted")
    await link(client, admin, gone["id"], account["id"])
    await client.execute(DELETE_CONTACT, {"id": gone["id"], "version": 1}, admin.token)

    seen, after = [], None
    while True:
        data = (await client.execute(ACCOUNT_CONTACTS, {"id": account["id"], "after": after}, admin.token))[
            "account"
        ]
        seen += [e["node"]["lastName"] for e in data["contacts"]["edges"]]
        if not data["contacts"]["pageInfo"]["hasNextPage"]:
            break
        after = data["contacts"]["pageInfo"]["endCursor"]

    assert data["contactCount"] == 3
    assert seen == ["Abel", "Baker", "Cole"]


async def test_contacts_search_filter_and_soft_delete(client):
    admin = await client.sign_up()
    ada = await create_contact(client, admin, firstName="Ada", lastName="Lovelace", emails=["ada@engine.org"])
    await create_contact(client, admin, firstName="Alan", lastName="Turing", tags=["math"])

    async def last_names(variables):
        data = (await client.execute(CONTACTS, variables, admin.token))["contacts"]
        return [e["node"]["lastName"] for e in data["edges"]]

    assert await last_names({"filter": {"search": "ENGINE"}}) == ["Lovelace"]
    assert await last_names({"filter": {"search": "alan tur"}}) == ["Turing"]
    assert await last_names({"filter": {"tag": "math"}}) == ["Turing"]
    assert await last_names({"orderBy": [{"field": "NAME", "direction": "DESC"}]}) == ["Turing", "Lovelace"]

    deleted = (await client.execute(DELETE_CONTACT, {"id": ada["id"], "version": 1}, admin.token))[
        "deleteContact"
    ]
    stale = (await client.execute(DELETE_CONTACT, {"id": ada["id"], "version": 1}, admin.token))[
        "deleteContact"
    ]
    assert deleted["errors"] == [] and deleted["contact"]["deletedAt"]
    assert error_pairs(stale) == [("id", "NOT_FOUND")]
    assert await last_names({}) == ["Turing"]
    assert await last_names({"filter": {"deleted": True}}) == ["Lovelace"]
    restored = (await client.execute(RESTORE_CONTACT, {"id": ada["id"]}, admin.token))["restoreContact"]
    assert restored["errors"] == [] and restored["contact"]["deletedAt"] is None
    assert await last_names({}) == ["Lovelace", "Turing"]
