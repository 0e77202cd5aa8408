"""Custom values on a page cost one definitions query per object type, whatever the page size."""

from __future__ import annotations

from tests.admin.documents import VALUES, create, define_field
from tests.crm.test_no_n_plus_one import counted_statements

PAGE = f"""
query($first: Int!) {{
  contacts(first: $first, orderBy: [{{customField: "rank"}}], filter: {{custom: [{{key: "rank", range: {{min: 0}}}}]}}) {{
    edges {{ node {{ lastName {VALUES} accounts {{ account {{ name {VALUES} }} }} }} }}
  }}
}}"""
CREATE_LINK = """
mutation($input: LinkContactToAccountInput!) { linkContactToAccount(input: $input) { errors { code } } }"""


async def test_custom_values_statement_count_does_not_grow_with_the_page(client, app):
    admin = await client.sign_up()
    await define_field(client, admin, "contact", "rank", "INTEGER", filterable=True)
    await define_field(client, admin, "contact", "owner_ref", "USER_REFERENCE")
    await define_field(client, admin, "account", "tier", "TEXT")
    account = await create(client, admin, "account", custom={"tier": "gold"})
    for index in range(20):
        contact = await create(
            client,
            admin,
            "contact",
            lastName=f"C{index:02d}",
            custom={"rank": index, "owner_ref": admin.user_id},
        )
        await client.execute(
            CREATE_LINK, {"input": {"contactId": contact["id"], "accountId": account["id"]}}, admin.token
        )

    with counted_statements(app) as small:
        data_small = await client.execute(PAGE, {"first": 2}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(PAGE, {"first": 20}, admin.token)

    assert len(data_small["contacts"]["edges"]) == 2
    edges = data_large["contacts"]["edges"]
    assert [e["node"]["lastName"] for e in edges] == [f"C{index:02d}" for index in range(20)]
    assert edges[5]["node"]["customFields"]["rank"] == 5
    assert edges[5]["node"]["accounts"][0]["account"]["customFields"] == {"tier": "gold"}
    assert len(large) == len(small), (len(small), len(large))
