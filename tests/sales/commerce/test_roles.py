"""Roles inside one tenant: a viewer reads but writes nothing; a sales rep works only on own quotes
and contracts (and the payments and deliveries that follow them)."""

from __future__ import annotations

from tests.crm.documents import create_account
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ACTIVATE_CONTRACT,
    ADD_LINE,
    CANCEL_CONTRACT,
    CONTRACT,
    CONTRACTS,
    CREATE_PRICE_LIST,
    CREATE_PRODUCT,
    CREATE_PRODUCT_LINE,
    CREATE_PROMOTION,
    CREATE_QUOTE,
    NODE,
    PRODUCTS,
    QUOTE,
    QUOTES,
    RECEIVABLES,
    RECORD_DELIVERY,
    RECORD_PAYMENT,
    REJECT_QUOTE,
    REMOVE_LINE,
    REVISE_QUOTE,
    SEND_QUOTE,
    SET_CUSTOMER_DISCOUNT,
    SET_DELIVERY_STATUS,
    SET_PLAN,
    SET_PRICES,
    SET_TIERS,
    UPDATE_CONTRACT,
    UPDATE_LINE,
    UPDATE_PRICE_LIST,
    UPDATE_PRODUCT,
    UPDATE_PRODUCT_LINE,
    UPDATE_PROMOTION,
    UPDATE_QUOTE,
    contract_from_quote,
    create_product,
    create_quote,
    error_pairs,
    ok,
)

DENIED = [(None, "PERMISSION_DENIED")]


def write_attempts(product, quote, contract, delivery_id, catalogue=None):
    line_id = quote["lines"][0]["id"] if quote["lines"] else contract["lines"][0]["id"]
    contract_line = contract["lines"][0]["id"]
    attempts = [
        (
            CREATE_PRODUCT,
            {"input": {"sku": "V", "name": "V", "unit": "u", "listPrice": "1", "currency": "EUR"}},
            "createProduct",
        ),
        (UPDATE_PRODUCT, {"id": product["id"], "version": 1, "input": {"name": "X"}}, "updateProduct"),
        (CREATE_PRODUCT_LINE, {"input": {"name": "V"}}, "createProductLine"),
        (CREATE_PRICE_LIST, {"input": {"name": "V", "currency": "EUR"}}, "createPriceList"),
        (CREATE_PROMOTION, {"input": {"name": "V", "percent": "1"}}, "createPromotion"),
        (SET_TIERS, {"productId": product["id"], "tiers": []}, "setVolumeTiers"),
        (SET_CUSTOMER_DISCOUNT, {"customerType": "retail", "percent": "1"}, "setCustomerTypeDiscount"),
        (CREATE_QUOTE, {"input": {"accountId": quote["account"]["id"], "currency": "EUR"}}, "createQuote"),
        (
            UPDATE_QUOTE,
            {"id": quote["id"], "version": quote["version"], "input": {"notes": "x"}},
            "updateQuote",
        ),
        (
            ADD_LINE,
            {
                "quoteId": quote["id"],
                "version": quote["version"],
                "input": {"productId": product["id"], "quantity": "1"},
            },
            "addQuoteLine",
        ),
        (
            UPDATE_LINE,
            {"id": line_id, "version": quote["version"], "input": {"quantity": "2"}},
            "updateQuoteLine",
        ),
        (REMOVE_LINE, {"id": line_id, "version": quote["version"]}, "removeQuoteLine"),
        (SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote"),
        (REJECT_QUOTE, {"id": quote["id"], "version": quote["version"]}, "rejectQuote"),
        (REVISE_QUOTE, {"id": quote["id"], "version": quote["version"]}, "reviseQuote"),
        (ACCEPT_QUOTE, {"id": quote["id"], "version": quote["version"]}, "acceptQuote"),
        (
            UPDATE_CONTRACT,
            {"id": contract["id"], "version": contract["version"], "input": {"terms": "x"}},
            "updateContract",
        ),
        (ACTIVATE_CONTRACT, {"id": contract["id"], "version": contract["version"]}, "activateContract"),
        (CANCEL_CONTRACT, {"id": contract["id"], "version": contract["version"]}, "cancelContract"),
        (
            SET_PLAN,
            {
                "id": contract["id"],
                "version": contract["version"],
                "installments": [{"dueDate": "2027-01-01", "amount": "240"}],
            },
            "setPaymentPlan",
        ),
        (
            RECORD_PAYMENT,
            {"input": {"contractId": contract["id"], "receivedOn": "2027-01-01", "amount": "1"}},
            "recordPayment",
        ),
        (
            RECORD_DELIVERY,
            {"input": {"contractLineId": contract_line, "quantity": "1", "deliveredOn": "2027-01-01"}},
            "recordDelivery",
        ),
        (SET_DELIVERY_STATUS, {"id": delivery_id, "version": 1, "status": "CANCELLED"}, "setDeliveryStatus"),
    ]
    if catalogue is not None:
        attempts += [
            (
                UPDATE_PRODUCT_LINE,
                {"id": catalogue["line"], "version": 1, "input": {"name": "X"}},
                "updateProductLine",
            ),
            (
                UPDATE_PRICE_LIST,
                {"id": catalogue["price_list"], "version": 1, "input": {"name": "X"}},
                "updatePriceList",
            ),
            (SET_PRICES, {"id": catalogue["price_list"], "version": 1, "prices": []}, "setPriceListPrices"),
            (
                UPDATE_PROMOTION,
                {"id": catalogue["promotion"], "version": 1, "input": {"percent": "9"}},
                "updatePromotion",
            ),
        ]
    return attempts


async def seeded(client, admin):
    product = await create_product(client, admin, sku="SEED-1")
    account = await create_account(client, admin, name="Seed account")
    quote = await create_quote(
        client, admin, account["id"], lines=[{"productId": product["id"], "quantity": "1"}]
    )
    contract = await contract_from_quote(client, admin)
    delivery = await ok(
        client,
        admin,
        RECORD_DELIVERY,
        {
            "input": {
                "contractLineId": contract["lines"][0]["id"],
                "quantity": "1",
                "deliveredOn": "2027-01-01",
                "status": "PENDING",
            }
        },
        "recordDelivery",
    )
    return product, quote, contract, delivery["delivery"]["id"]


async def test_viewer_reads_everything_but_changes_nothing(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    product, quote, contract, delivery_id = await seeded(client, admin)
    catalogue = {
        "line": (await ok(client, admin, CREATE_PRODUCT_LINE, {"input": {"name": "L"}}, "createProductLine"))[
            "productLine"
        ]["id"],
        "price_list": (
            await ok(
                client,
                admin,
                CREATE_PRICE_LIST,
                {"input": {"name": "P", "currency": "EUR"}},
                "createPriceList",
            )
        )["priceList"]["id"],
        "promotion": (
            await ok(
                client, admin, CREATE_PROMOTION, {"input": {"name": "P", "percent": "1"}}, "createPromotion"
            )
        )["promotion"]["id"],
    }
    await ok(
        client,
        admin,
        'mutation { setBaseCurrency(currency: "EUR") { errors { code } } }',
        {},
        "setBaseCurrency",
    )

    for document, variables, name in write_attempts(product, quote, contract, delivery_id, catalogue):
        assert await client.refused(document, variables, viewer.token, name) == DENIED, name

    assert (await client.execute(PRODUCTS, {}, viewer.token))["products"]["totalCount"] == 2
    assert (await client.execute(QUOTES, {}, viewer.token))["quotes"]["totalCount"] == 2
    seen = (await client.execute(CONTRACT, {"id": contract["id"]}, viewer.token))["contract"]
    assert (seen["version"], seen["status"], seen["paidAmount"]) == (contract["version"], "DRAFT", "0.00")
    assert (await client.execute(QUOTE, {"id": quote["id"]}, viewer.token))["quote"]["version"] == quote[
        "version"
    ]
    assert (await client.execute(RECEIVABLES, {"asOf": "2099-01-01"}, viewer.token))["receivables"]["totals"][
        "total"
    ] == "240.00"


async def test_sales_rep_works_only_on_own_quotes_and_contracts(client):
    admin = await client.sign_up()
    alice = await client.add_member(admin, "sales", "alice")
    bob = await client.add_member(admin, "sales", "bob")
    bobs_product, bobs_quote, bobs_contract, bobs_delivery = await seeded(client, bob)
    alices_account = await create_account(client, alice, name="Alice Co")
    bobs_account_id = bobs_quote["account"]["id"]

    # The catalogue is shared: Alice sees Bob's product and may quote it to her own account.
    mine = await create_quote(
        client, alice, alices_account["id"], lines=[{"productId": bobs_product["id"], "quantity": "1"}]
    )
    assert mine["owner"]["id"] == alice.user_id
    # ... but not to Bob's account, which she cannot see.
    foreign_account = (
        await client.execute(
            CREATE_QUOTE, {"input": {"accountId": bobs_account_id, "currency": "EUR"}}, alice.token
        )
    )["createQuote"]
    assert error_pairs(foreign_account) == [("accountId", "NOT_FOUND")]

    listed = (await client.execute(QUOTES, {}, alice.token))["quotes"]
    assert [e["node"]["id"] for e in listed["edges"]] == [mine["id"]]
    assert (await client.execute(CONTRACTS, {}, alice.token))["contracts"]["totalCount"] == 0
    for record in (bobs_quote, bobs_contract):
        assert (await client.execute(NODE, {"id": record["id"]}, alice.token))["node"] is None
    assert (await client.execute(QUOTE, {"id": bobs_quote["id"]}, alice.token))["quote"] is None
    assert (await client.execute(CONTRACT, {"id": bobs_contract["id"]}, alice.token))["contract"] is None
    assert (await client.execute(RECEIVABLES, {"asOf": "2099-01-01"}, alice.token))["receivables"][
        "customers"
    ] == []

    catalogue = {
        "createProduct",
        "updateProduct",
        "createProductLine",
        "createPriceList",
        "createPromotion",
        "setVolumeTiers",
        "setCustomerTypeDiscount",
        "createQuote",
    }
    for document, variables, name in write_attempts(bobs_product, bobs_quote, bobs_contract, bobs_delivery):
        if name in catalogue:
            continue
        payload = (await client.execute(document, variables, alice.token))[name]
        assert [code for _, code in error_pairs(payload)] == ["NOT_FOUND"], name
        assert error_pairs(payload)[0][0] in {"id", "quoteId", "contractId", "contractLineId"}, name

    still = (await client.execute(CONTRACT, {"id": bobs_contract["id"]}, bob.token))["contract"]
    assert (still["version"], still["paidAmount"], still["status"]) == (
        bobs_contract["version"],
        "0.00",
        "DRAFT",
    )
    assert [d["status"] for d in still["deliveries"]] == ["PENDING"]
