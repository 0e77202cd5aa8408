from __future__ import annotations

from tests.crm.documents import ACCOUNTS, CONTACTS, create_account, create_contact


async def test_cursors_are_stable_under_inserts(client):
    admin = await client.sign_up()
    for name in ["m1", "m2", "m3", "m4", "m5", "m6"]:
        await create_account(client, admin, name=name)

    page1 = (await client.execute(ACCOUNTS, {"first": 3}, admin.token))["accounts"]
    for name in ["a1", "a2", "m35"]:  # all sort before the end of page 1
        await create_account(client, admin, name=name)
    page2 = (
        await client.execute(ACCOUNTS, {"first": 3, "after": page1["pageInfo"]["endCursor"]}, admin.token)
    )["accounts"]

    assert [e["node"]["name"] for e in page1["edges"]] == ["m1", "m2", "m3"]
    assert [e["node"]["name"] for e in page2["edges"]] == ["m35", "m4", "m5"]
    assert page2["pageInfo"]["hasNextPage"] is True


async def test_paging_by_creation_time_descending_visits_everything_once(client):
    admin = await client.sign_up()
    for index in range(7):
        await create_contact(client, admin, lastName=f"L{index}")
    order = [{"field": "CREATED_AT", "direction": "DESC"}]

    seen, after = [], None
    while True:
        page = (await client.execute(CONTACTS, {"first": 3, "after": after, "orderBy": order}, admin.token))[
            "contacts"
        ]
        seen += [e["node"]["lastName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [f"L{index}" for index in reversed(range(7))]


async def test_oversized_page_and_malformed_cursor_are_refused(client):
    admin = await client.sign_up()
    await create_account(client, admin)

    too_big = await client.errors(ACCOUNTS, {"first": 101}, admin.token)
    malformed = await client.errors(ACCOUNTS, {"first": 5, "after": "not-a-cursor!"}, admin.token)
    nested = await client.errors(
        "{ accounts(first: 1) { edges { node { contacts(first: 101) { totalCount } } } } }", {}, admin.token
    )

    assert "between 0 and 100" in too_big[0]["message"]
    assert "Malformed cursor" in malformed[0]["message"]
    assert "between 0 and 100" in nested[0]["message"]
    assert (await client.execute(ACCOUNTS, {"first": 100}, admin.token))["accounts"]["totalCount"] == 1
