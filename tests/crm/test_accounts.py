from __future__ import annotations

from tests.crm.documents import (
    ACCOUNT,
    ACCOUNTS,
    CREATE_ACCOUNT,
    DELETE_ACCOUNT,
    RESTORE_ACCOUNT,
    UPDATE_ACCOUNT,
    create_account,
    error_pairs,
)

HIERARCHY = """
query($id: ID!) {
  account(id: $id) {
    name
    ancestors { name }
    children(first: 10) { edges { node { name } } }
  }
}"""


async def test_create_account_returns_it_owned_by_the_creator(client):
    admin = await client.sign_up()

    account = await create_account(
        client,
        admin,
        name=" Initech ",
        domain="https://Initech.com/",
        tags=["b2b", "B2B", " vip "],
        address={"city": "Austin", "postalCode": "73301"},
    )

    assert account["name"] == "Initech"
    assert account["domain"] == "initech.com"
    assert account["tags"] == ["b2b", "vip"]
    assert account["address"] == {
        "street": None,
        "city": "Austin",
        "region": None,
        "postalCode": "73301",
        "country": None,
    }
    assert account["owner"]["id"] == admin.user_id
    assert account["version"] == 1
    fetched = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]
    assert fetched["name"] == "Initech"


async def test_create_account_rejects_bad_input_with_field_errors(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    foreign = await create_account(client, other)
    cases = [
        ({"name": "  "}, [("name", "REQUIRED")]),
        ({"name": "x" * 201}, [("name", "TOO_LONG")]),
        ({"name": "A", "domain": "not a domain"}, [("domain", "INVALID")]),
        ({"name": "A", "tags": ["t" * 51]}, [("tags", "TOO_LONG")]),
        ({"name": "A", "tags": [f"t{i}" for i in range(21)]}, [("tags", "INVALID")]),
        ({"name": "A", "address": {"postalCode": "9" * 21}}, [("address.postalCode", "TOO_LONG")]),
        ({"name": "", "domain": "bad"}, [("name", "REQUIRED"), ("domain", "INVALID")]),
        ({"name": "A", "parentId": foreign["id"]}, [("parentId", "NOT_FOUND")]),
        ({"name": "A", "ownerId": other.user_id}, [("ownerId", "NOT_FOUND")]),
        ({"name": "A", "parentId": admin.user_id}, [("parentId", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_ACCOUNT, {"input": values}, admin.token))["createAccount"]
        assert payload["account"] is None, values
        assert error_pairs(payload) == expected, values
    listed = (await client.execute(ACCOUNTS, {}, admin.token))["accounts"]
    assert listed["totalCount"] == 0


async def test_update_account_changes_only_given_fields_and_clears_nulls(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, domain="acme.com", industry="Steel", notes="n")

    payload = (
        await client.execute(
            UPDATE_ACCOUNT,
            {"id": account["id"], "version": 1, "input": {"industry": "Aerospace", "notes": None}},
            admin.token,
        )
    )["updateAccount"]

    assert payload["errors"] == []
    updated = payload["account"]
    assert (updated["industry"], updated["notes"], updated["domain"]) == ("Aerospace", None, "acme.com")
    assert updated["version"] == 2


async def test_update_account_with_stale_version_is_a_conflict_and_changes_nothing(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Before")
    await client.execute(
        UPDATE_ACCOUNT, {"id": account["id"], "version": 1, "input": {"industry": "X"}}, admin.token
    )

    payload = (
        await client.execute(
            UPDATE_ACCOUNT, {"id": account["id"], "version": 1, "input": {"name": "After"}}, admin.token
        )
    )["updateAccount"]

    assert error_pairs(payload) == [("version", "CONFLICT")]
    assert "reload and retry" in payload["errors"][0]["message"]
    current = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]
    assert (current["name"], current["version"]) == ("Before", 2)


async def test_update_account_rejects_bad_input(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    cases = [
        ({"name": None}, [("name", "REQUIRED")]),
        ({"ownerId": None}, [("ownerId", "REQUIRED")]),
        ({"domain": "nope"}, [("domain", "INVALID")]),
        ({"parentId": account["id"]}, [("parentId", "CYCLE")]),
    ]
    for values, expected in cases:
        payload = (
            await client.execute(
                UPDATE_ACCOUNT, {"id": account["id"], "version": 1, "input": values}, admin.token
            )
        )["updateAccount"]
        assert error_pairs(payload) == expected, values
    missing = (
        await client.execute(
            UPDATE_ACCOUNT,
            {"id": "QWNjb3VudDowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA=", "version": 1, "input": {}},
            admin.token,
        )
    )["updateAccount"]
    assert error_pairs(missing) == [("id", "NOT_FOUND")]


async def test_hierarchy_children_ancestors_and_cycles_refused(client):
    admin = await client.sign_up()
    root = await create_account(client, admin, name="Root")
    middle = await create_account(client, admin, name="Middle", parentId=root["id"])
    leaf = await create_account(client, admin, name="Leaf", parentId=middle["id"])
    await create_account(client, admin, name="Another child", parentId=root["id"])

    leaf_view = (await client.execute(HIERARCHY, {"id": leaf["id"]}, admin.token))["account"]
    root_view = (await client.execute(HIERARCHY, {"id": root["id"]}, admin.token))["account"]
    cycle = (
        await client.execute(
            UPDATE_ACCOUNT, {"id": root["id"], "version": 1, "input": {"parentId": leaf["id"]}}, admin.token
        )
    )["updateAccount"]

    assert [a["name"] for a in leaf_view["ancestors"]] == ["Root", "Middle"]
    assert leaf["parent"]["name"] == "Middle"
    assert [e["node"]["name"] for e in root_view["children"]["edges"]] == ["Another child", "Middle"]
    assert error_pairs(cycle) == [("parentId", "CYCLE")]
    still_root = (await client.execute(ACCOUNT, {"id": root["id"]}, admin.token))["account"]
    assert still_root["parent"] is None


async def test_soft_delete_hides_from_lists_and_restore_brings_back(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Gone")
    await create_account(client, admin, name="Stays")

    deleted = (await client.execute(DELETE_ACCOUNT, {"id": account["id"], "version": 1}, admin.token))[
        "deleteAccount"
    ]
    live = (await client.execute(ACCOUNTS, {}, admin.token))["accounts"]
    trash = (await client.execute(ACCOUNTS, {"filter": {"deleted": True}}, admin.token))["accounts"]
    explicit_live = (await client.execute(ACCOUNTS, {"filter": {"deleted": None}}, admin.token))["accounts"]
    restored = (await client.execute(RESTORE_ACCOUNT, {"id": account["id"]}, admin.token))["restoreAccount"]
    again = (await client.execute(RESTORE_ACCOUNT, {"id": account["id"]}, admin.token))["restoreAccount"]

    assert deleted["errors"] == [] and deleted["account"]["deletedAt"] is not None
    assert [e["node"]["name"] for e in live["edges"]] == ["Stays"]
    assert [e["node"]["name"] for e in trash["edges"]] == ["Gone"]
    assert explicit_live["edges"] == live["edges"]
    assert restored["errors"] == [] and restored["account"]["deletedAt"] is None
    assert error_pairs(again) == [("id", "NOT_FOUND")]
    relisted = (await client.execute(ACCOUNTS, {}, admin.token))["accounts"]
    assert [e["node"]["name"] for e in relisted["edges"]] == ["Gone", "Stays"]


async def test_delete_account_with_stale_version_is_a_conflict(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)

    payload = (await client.execute(DELETE_ACCOUNT, {"id": account["id"], "version": 7}, admin.token))[
        "deleteAccount"
    ]

    assert error_pairs(payload) == [("version", "CONFLICT")]
    current = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]
    assert current["deletedAt"] is None


async def test_accounts_filters_and_ordering(client):
    admin = await client.sign_up()
    sales = await client.add_member(admin, "sales", "rep")
    await create_account(client, admin, name="beta", tags=["vip"], domain="beta.io")
    await create_account(client, admin, name="Alpha", tags=["smb"])
    gamma = await create_account(client, admin, name="Gamma 100%", ownerId=sales.user_id)
    await create_account(client, admin, name="Delta", parentId=gamma["id"])

    async def names(variables):
        data = (await client.execute(ACCOUNTS, variables, admin.token))["accounts"]
        return [e["node"]["name"] for e in data["edges"]]

    assert await names({}) == ["Alpha", "beta", "Delta", "Gamma 100%"]
    assert await names({"orderBy": [{"field": "NAME", "direction": "DESC"}]}) == [
        "Gamma 100%",
        "Delta",
        "beta",
        "Alpha",
    ]
    assert await names({"orderBy": [{"field": "CREATED_AT", "direction": "ASC"}]}) == [
        "beta",
        "Alpha",
        "Gamma 100%",
        "Delta",
    ]
    assert await names({"filter": {"tag": "vip"}}) == ["beta"]
    assert await names({"filter": {"search": "TA"}}) == ["beta", "Delta"]
    assert await names({"filter": {"search": "beta.io"}}) == ["beta"]
    assert await names({"filter": {"search": "0%"}}) == ["Gamma 100%"]
    assert await names({"filter": {"ownerId": sales.user_id}}) == ["Gamma 100%"]
    assert await names({"filter": {"parentId": gamma["id"]}}) == ["Delta"]
    assert await names({"filter": {"createdAfter": "2000-01-01T00:00:00Z"}}) == [
        "Alpha",
        "beta",
        "Delta",
        "Gamma 100%",
    ]
    assert await names({"filter": {"createdBefore": "2000-01-01T00:00:00Z"}}) == []
    assert await names({"filter": {"updatedBefore": "2999-01-01T00:00:00Z", "tag": "smb"}}) == ["Alpha"]
