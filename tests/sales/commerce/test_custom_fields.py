"""Custom fields and field rules on quotes and contracts: validated values on every write path
(create, update, revise, accept), filters and sort keys, hidden and read-only fields for a custom role,
tenant isolation of definitions, and reassignment of a leaver's quotes and contracts."""

from __future__ import annotations

from tests.admin.documents import (
    DEACTIVATE,
    FIELDS,
    REASSIGN,
    VALUES,
    assign,
    create_role,
    define_field,
    error_pairs,
)
from tests.crm.documents import create_account
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    CREATE_QUOTE,
    REVISE_QUOTE,
    SEND_QUOTE,
    UPDATE_CONTRACT,
    UPDATE_QUOTE,
    create_product,
    create_quote,
    sent_quote,
)

QUOTES = f"""
query($filter: QuoteFilter, $orderBy: [CommerceOrder!]) {{
  quotes(filter: $filter, orderBy: $orderBy) {{ edges {{ node {{ id notes {VALUES} }} }} }} }}"""
CONTRACTS = f"""
query($filter: ContractFilter, $orderBy: [CommerceOrder!]) {{
  contracts(filter: $filter, orderBy: $orderBy) {{ edges {{ node {{ id terms owner {{ id }} {VALUES} }} }} }} }}"""
CHANNELS = {"options": [{"key": "direct", "label": "Direct"}, {"key": "partner", "label": "Partner"}]}
BAD = [
    ({"seats": 0}, [("custom.seats", "INVALID")]),
    ({"seats": "many"}, [("custom.seats", "INVALID")]),
    ({"channel": "retail"}, [("custom.channel", "INVALID")]),
    ({"colour": "red"}, [("custom.colour", "INVALID")]),
    ({"seats": 0, "channel": "retail"}, [("custom.seats", "INVALID"), ("custom.channel", "INVALID")]),
]


async def define_fields(client, admin, object_type):
    await define_field(client, admin, object_type, "seats", "INTEGER", validation={"min": 1}, filterable=True)
    await define_field(
        client, admin, object_type, "channel", "SINGLE_SELECT", validation=CHANNELS, filterable=True
    )


async def ids(client, member, document, name, variables):
    return [e["node"]["id"] for e in (await client.execute(document, variables, member.token))[name]["edges"]]


async def test_quote_custom_values_are_validated_stored_revised_filtered_and_ordered(client):
    admin = await client.sign_up()
    await define_fields(client, admin, "quote")
    account = await create_account(client, admin, name="Customer Co")
    big = await create_quote(client, admin, account["id"], custom={"seats": 500, "channel": "direct"})
    small = await create_quote(client, admin, account["id"], custom={"seats": 20})

    for custom, expected in BAD:
        created = await client.outcome(
            CREATE_QUOTE,
            {"input": {"accountId": account["id"], "currency": "EUR", "custom": custom}},
            admin.token,
            "createQuote",
        )
        assert created == expected, custom
        updated = await client.outcome(
            UPDATE_QUOTE,
            {"id": small["id"], "version": 1, "input": {"custom": custom}},
            admin.token,
            "updateQuote",
        )
        assert updated == expected, custom
    assert sorted(await ids(client, admin, QUOTES, "quotes", {})) == sorted([big["id"], small["id"]])

    updated = (
        await client.execute(
            UPDATE_QUOTE,
            {"id": small["id"], "version": 1, "input": {"custom": {"channel": "partner"}}},
            admin.token,
        )
    )["updateQuote"]
    assert updated["errors"] == [] and updated["quote"]["version"] == 2

    partner = {"filter": {"custom": [{"key": "channel", "equals": "partner"}]}}
    assert await ids(client, admin, QUOTES, "quotes", partner) == [small["id"]]
    large = {"filter": {"custom": [{"key": "seats", "range": {"min": 100}}]}}
    assert await ids(client, admin, QUOTES, "quotes", large) == [big["id"]]
    by_seats = {"orderBy": [{"customField": "seats"}]}
    assert await ids(client, admin, QUOTES, "quotes", by_seats) == [small["id"], big["id"]]
    by_seats_desc = {"orderBy": [{"customField": "seats", "direction": "DESC"}]}
    assert await ids(client, admin, QUOTES, "quotes", by_seats_desc) == [big["id"], small["id"]]

    # A revision carries the values on.
    product = await create_product(client, admin, taxRate="20")
    lines = [{"productId": product["id"], "quantity": "1"}]
    draft = await create_quote(client, admin, account["id"], lines=lines, custom={"seats": 9})
    sent = (await client.execute(SEND_QUOTE, {"id": draft["id"], "version": draft["version"]}, admin.token))[
        "sendQuote"
    ]["quote"]
    revised = (
        await client.execute(REVISE_QUOTE, {"id": sent["id"], "version": sent["version"]}, admin.token)
    )["reviseQuote"]
    assert revised["errors"] == []
    nine = {"filter": {"custom": [{"key": "seats", "equals": 9}]}}
    assert sorted(await ids(client, admin, QUOTES, "quotes", nine)) == sorted(
        [draft["id"], revised["quote"]["id"]]
    )


async def test_contract_custom_values_on_accept_and_update_filtered_and_ordered(client):
    admin = await client.sign_up()
    await define_fields(client, admin, "contract")
    first, second = await sent_quote(client, admin), await sent_quote(client, admin, sku="SKU-2")

    for custom, expected in BAD:
        payload = await client.outcome(
            ACCEPT_QUOTE,
            {"id": first["id"], "version": first["version"], "input": {"custom": custom}},
            admin.token,
            "acceptQuote",
        )
        assert payload == expected, custom
    assert await ids(client, admin, CONTRACTS, "contracts", {}) == []  # nothing half-written
    accepted = (
        await client.execute(
            ACCEPT_QUOTE,
            {"id": first["id"], "version": first["version"], "input": {"custom": {"seats": 50}}},
            admin.token,
        )
    )["acceptQuote"]
    assert accepted["errors"] == []
    big = accepted["contract"]
    small = (
        await client.execute(
            ACCEPT_QUOTE,
            {"id": second["id"], "version": second["version"], "input": {"custom": {"seats": 5}}},
            admin.token,
        )
    )["acceptQuote"]["contract"]
    for custom, expected in BAD:
        updated = await client.outcome(
            UPDATE_CONTRACT,
            {"id": small["id"], "version": 1, "input": {"custom": custom}},
            admin.token,
            "updateContract",
        )
        assert updated == expected, custom
    updated = (
        await client.execute(
            UPDATE_CONTRACT,
            {"id": small["id"], "version": 1, "input": {"custom": {"channel": "partner"}}},
            admin.token,
        )
    )["updateContract"]
    assert updated["errors"] == [] and updated["contract"]["version"] == 2

    partner = {"filter": {"custom": [{"key": "channel", "equals": "partner"}]}}
    assert await ids(client, admin, CONTRACTS, "contracts", partner) == [small["id"]]
    by_seats = {"orderBy": [{"customField": "seats", "direction": "DESC"}]}
    assert await ids(client, admin, CONTRACTS, "contracts", by_seats) == [big["id"], small["id"]]
    listed = (await client.execute(CONTRACTS, by_seats, admin.token))["contracts"]["edges"]
    assert [e["node"]["customFields"] for e in listed] == [{"seats": 50}, {"seats": 5, "channel": "partner"}]


async def test_hidden_and_read_only_fields_for_a_custom_role(client):
    admin = await client.sign_up()
    await define_fields(client, admin, "quote")
    await define_fields(client, admin, "contract")
    fields = {"custom.channel": "HIDDEN", "custom.seats": "READ_ONLY"}
    grants = [
        {
            "objectType": object_type,
            "actions": ["READ", "CREATE", "UPDATE", "DELETE"],
            "scope": "ALL",
            "fields": [{"field": f, "access": a} for f, a in {**fields, hidden: "HIDDEN"}.items()],
        }
        for object_type, hidden in (("quote", "notes"), ("contract", "terms"))
    ]
    role = await create_role(client, admin, "commerce_clerk", grants=grants)
    clerk = await client.add_member(admin, "sales", "clerk")
    await assign(client, admin, clerk, role)
    account = await create_account(client, admin, name="Customer Co")
    quote = await create_quote(
        client, admin, account["id"], notes="secret", custom={"seats": 7, "channel": "direct"}
    )
    sent = await sent_quote(client, admin)
    contract = (
        await client.execute(
            ACCEPT_QUOTE,
            {
                "id": sent["id"],
                "version": sent["version"],
                "input": {"terms": "secret", "custom": {"seats": 3, "channel": "partner"}},
            },
            admin.token,
        )
    )["acceptQuote"]["contract"]

    quotes = (await client.execute(QUOTES, {}, clerk.token))["quotes"]["edges"]
    mine = next(e["node"] for e in quotes if e["node"]["id"] == quote["id"])
    assert mine["notes"] is None and mine["customFields"] == {"seats": 7}
    assert [v["key"] for v in mine["fieldValues"]] == ["seats"]
    listed = (await client.execute(CONTRACTS, {}, clerk.token))["contracts"]["edges"][0]["node"]
    assert listed["terms"] is None and listed["customFields"] == {"seats": 3}
    for document, name in ((QUOTES, "quotes"), (CONTRACTS, "contracts")):
        errors = await client.errors(
            document, {"filter": {"custom": [{"key": "channel", "equals": "direct"}]}}, clerk.token
        )
        assert errors[0]["extensions"]["code"] == "INVALID", name

    attempts = [
        (
            UPDATE_QUOTE,
            quote["id"],
            {"custom": {"seats": 8}},
            "updateQuote",
            [("custom.seats", "PERMISSION_DENIED")],
        ),
        (
            UPDATE_QUOTE,
            quote["id"],
            {"custom": {"channel": "partner"}},
            "updateQuote",
            [("custom.channel", "INVALID")],
        ),
        (UPDATE_QUOTE, quote["id"], {"notes": "x"}, "updateQuote", [("notes", "PERMISSION_DENIED")]),
        (
            UPDATE_CONTRACT,
            contract["id"],
            {"custom": {"seats": 8}},
            "updateContract",
            [("custom.seats", "PERMISSION_DENIED")],
        ),
        (UPDATE_CONTRACT, contract["id"], {"terms": "x"}, "updateContract", [("terms", "PERMISSION_DENIED")]),
    ]
    for document, record_id, data, name, expected in attempts:
        payload = await client.outcome(
            document, {"id": record_id, "version": 1, "input": data}, clerk.token, name
        )
        assert payload == expected, data


async def test_other_tenants_definitions_are_invisible_and_leavers_records_reassigned(client):
    admin = await client.sign_up()
    await define_fields(client, admin, "quote")
    await define_fields(client, admin, "contract")
    other = await client.sign_up("Globex")
    for object_type in ("quote", "contract"):
        definitions = (await client.execute(FIELDS, {"objectType": object_type}, other.token))[
            "fieldDefinitions"
        ]["nodes"]
        assert definitions == [], object_type
    other_account = await create_account(client, other, name="Other Co")
    created = await client.execute(
        CREATE_QUOTE,
        {"input": {"accountId": other_account["id"], "currency": "EUR", "custom": {"seats": 2}}},
        other.token,
    )
    assert error_pairs(created["createQuote"]) == [("custom.seats", "INVALID")]
    errors = await client.errors(QUOTES, {"filter": {"custom": [{"key": "seats", "equals": 2}]}}, other.token)
    assert errors[0]["extensions"]["code"] == "INVALID"

    leaver = await client.add_member(admin, "sales", "leaver")
    heir = await client.add_member(admin, "sales", "heir")
    account = await create_account(client, admin, name="Customer Co")
    await create_quote(client, admin, account["id"], ownerId=leaver.user_id)
    await client.execute(DEACTIVATE, {"userId": leaver.user_id}, admin.token)
    payload = (await client.execute(REASSIGN, {"from": leaver.user_id, "to": heir.user_id}, admin.token))[
        "reassignRecords"
    ]
    assert {"objectType": "quote", "count": 1} in payload["reassigned"]
    assert {"objectType": "contract", "count": 0} in payload["reassigned"]
