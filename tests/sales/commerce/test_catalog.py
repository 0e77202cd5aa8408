"""The catalogue through the API: products, lines, price lists, promotions, tiers, customer-type discounts."""

from __future__ import annotations

from tests.sales.commerce.documents import (
    CREATE_PRICE_LIST,
    CREATE_PRODUCT,
    CREATE_PRODUCT_LINE,
    CREATE_PROMOTION,
    PRODUCTS,
    SET_CUSTOMER_DISCOUNT,
    SET_PRICES,
    SET_TIERS,
    UPDATE_PRICE_LIST,
    UPDATE_PRODUCT,
    UPDATE_PRODUCT_LINE,
    UPDATE_PROMOTION,
    create_product,
    error_pairs,
    ok,
)

AUDIT = """{ auditLog(first: 50) { edges { node { action objectType objectId changes } } } }"""


async def test_products_are_created_listed_updated_and_audited(client):
    admin = await client.sign_up()
    line = (await ok(client, admin, CREATE_PRODUCT_LINE, {"input": {"name": "Tools"}}, "createProductLine"))[
        "productLine"
    ]
    product = await create_product(
        client,
        admin,
        sku=" HM-1 ",
        name="Hammer",
        listPrice="12.5",
        currency="eur",
        taxRate="19",
        productLineId=line["id"],
    )
    assert (product["sku"], product["listPrice"], product["currency"], product["taxRate"]) == (
        "HM-1",
        "12.50",
        "EUR",
        "19",
    )
    assert (product["productLine"]["name"], product["active"], product["version"]) == ("Tools", True, 1)
    await create_product(client, admin, sku="SAW-1", name="Saw")

    updated = await ok(
        client,
        admin,
        UPDATE_PRODUCT,
        {"id": product["id"], "version": 1, "input": {"listPrice": "0.3333", "active": False}},
        "updateProduct",
    )
    assert (updated["product"]["listPrice"], updated["product"]["active"]) == ("0.3333", False)
    active = (await client.execute(PRODUCTS, {"filter": {"active": True}}, admin.token))["products"]
    assert [e["node"]["sku"] for e in active["edges"]] == ["SAW-1"]
    found = (await client.execute(PRODUCTS, {"filter": {"search": "hamm"}}, admin.token))["products"]
    assert [e["node"]["sku"] for e in found["edges"]] == ["HM-1"]

    entries = (await client.execute(AUDIT, {}, admin.token))["auditLog"]["edges"]
    updates = [e["node"] for e in entries if e["node"]["action"] == "product.update"]
    assert updates[0]["objectId"] == product["id"]
    assert updates[0]["changes"]["list_price"] == ["12.5", "0.3333"]
    assert updates[0]["changes"]["active"] == [True, False]


async def test_bad_product_input(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    await create_product(client, admin, sku="Dup-1")
    foreign_line = (
        await ok(client, other, CREATE_PRODUCT_LINE, {"input": {"name": "Theirs"}}, "createProductLine")
    )["productLine"]
    base = {"sku": "NEW-1", "name": "New", "unit": "piece", "listPrice": "1", "currency": "EUR"}
    cases = [
        ({"sku": "dup-1"}, [("sku", "DUPLICATE")]),
        ({"sku": "  "}, [("sku", "REQUIRED")]),
        ({"currency": "ZZZ"}, [("currency", "INVALID")]),
        ({"listPrice": "-1"}, [("listPrice", "INVALID")]),
        ({"taxRate": "100.01"}, [("taxRate", "INVALID")]),
        ({"listPrice": "-1", "currency": "ZZZ"}, [("listPrice", "INVALID"), ("currency", "INVALID")]),
        ({"productLineId": foreign_line["id"]}, [("productLineId", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_PRODUCT, {"input": {**base, **values}}, admin.token))[
            "createProduct"
        ]
        assert error_pairs(payload) == expected, values
    other_product = await create_product(client, admin, sku="OTHER-1")
    clash = (
        await client.execute(
            UPDATE_PRODUCT, {"id": other_product["id"], "version": 1, "input": {"sku": "DUP-1"}}, admin.token
        )
    )["updateProduct"]
    assert error_pairs(clash) == [("sku", "DUPLICATE")]
    duplicate_line = (await client.execute(CREATE_PRODUCT_LINE, {"input": {"name": "theirs"}}, other.token))[
        "createProductLine"
    ]
    assert error_pairs(duplicate_line) == [("name", "DUPLICATE")]
    # The same SKU in another tenant is fine: uniqueness is per tenant.
    await create_product(client, other, sku="DUP-1")


async def test_price_lists_promotions_tiers_and_customer_discounts(client):
    admin = await client.sign_up()
    product = await create_product(client, admin)
    price_list = (
        await ok(
            client,
            admin,
            CREATE_PRICE_LIST,
            {"input": {"name": "Partners", "currency": "USD", "customerType": "partner"}},
            "createPriceList",
        )
    )["priceList"]
    assert (price_list["currency"], price_list["customerType"]) == ("USD", "partner")
    priced = await ok(
        client,
        admin,
        SET_PRICES,
        {"id": price_list["id"], "version": 1, "prices": [{"productId": product["id"], "unitPrice": "80"}]},
        "setPriceListPrices",
    )
    assert priced["priceList"]["prices"] == [{"unitPrice": "80.00", "product": {"sku": "SKU-1"}}]
    assert priced["priceList"]["version"] == 2
    currency_change = (
        await client.execute(
            UPDATE_PRICE_LIST,
            {"id": price_list["id"], "version": 2, "input": {"currency": "EUR"}},
            admin.token,
        )
    )["updatePriceList"]
    assert error_pairs(currency_change) == [("currency", "INVALID")]
    removed = await ok(
        client,
        admin,
        SET_PRICES,
        {"id": price_list["id"], "version": 2, "prices": [{"productId": product["id"], "unitPrice": None}]},
        "setPriceListPrices",
    )
    assert removed["priceList"]["prices"] == []

    bad_lists = [
        ({"name": "X", "currency": "EUR", "customerType": "vip"}, [("customerType", "INVALID")]),
        (
            {"name": "X", "currency": "EUR", "validFrom": "2026-02-01", "validUntil": "2026-01-01"},
            [("validUntil", "INVALID")],
        ),
        ({"name": "X", "currency": "E"}, [("currency", "INVALID")]),
    ]
    for values, expected in bad_lists:
        payload = (await client.execute(CREATE_PRICE_LIST, {"input": values}, admin.token))["createPriceList"]
        assert error_pairs(payload) == expected, values

    line = (await ok(client, admin, CREATE_PRODUCT_LINE, {"input": {"name": "L"}}, "createProductLine"))[
        "productLine"
    ]
    both = (
        await client.execute(
            CREATE_PROMOTION,
            {"input": {"name": "P", "percent": "5", "productId": product["id"], "productLineId": line["id"]}},
            admin.token,
        )
    )["createPromotion"]
    assert error_pairs(both) == [("productLineId", "INVALID")]
    too_much = (
        await client.execute(CREATE_PROMOTION, {"input": {"name": "P", "percent": "150"}}, admin.token)
    )["createPromotion"]
    assert error_pairs(too_much) == [("percent", "INVALID")]
    promotion = (
        await ok(
            client,
            admin,
            CREATE_PROMOTION,
            {"input": {"name": "P", "percent": "5", "productId": product["id"]}},
            "createPromotion",
        )
    )["promotion"]
    off = await ok(
        client,
        admin,
        UPDATE_PROMOTION,
        {"id": promotion["id"], "version": 1, "input": {"active": False}},
        "updatePromotion",
    )
    assert (off["promotion"]["active"], off["promotion"]["version"]) == (False, 2)

    tiers = await ok(
        client,
        admin,
        SET_TIERS,
        {
            "productLineId": line["id"],
            "tiers": [{"minQuantity": "100", "percent": "10"}, {"minQuantity": "10", "percent": "5"}],
        },
        "setVolumeTiers",
    )
    assert tiers["tiers"] == [{"minQuantity": "10", "percent": "5"}, {"minQuantity": "100", "percent": "10"}]
    bad_tiers = [
        (
            {"productId": product["id"], "tiers": [{"minQuantity": "0", "percent": "5"}]},
            [("tiers.0.minQuantity", "INVALID")],
        ),
        (
            {"productId": product["id"], "tiers": [{"minQuantity": "1", "percent": "101"}]},
            [("tiers.0.percent", "INVALID")],
        ),
        (
            {
                "productId": product["id"],
                "tiers": [{"minQuantity": "1", "percent": "1"}, {"minQuantity": "1", "percent": "2"}],
            },
            [("tiers", "DUPLICATE")],
        ),
        ({"tiers": []}, [("productId", "INVALID")]),
    ]
    for variables, expected in bad_tiers:
        payload = (await client.execute(SET_TIERS, variables, admin.token))["setVolumeTiers"]
        assert error_pairs(payload) == expected, variables

    discount = await ok(
        client,
        admin,
        SET_CUSTOMER_DISCOUNT,
        {"customerType": "retail", "percent": "3"},
        "setCustomerTypeDiscount",
    )
    assert discount["discount"] == {"customerType": "retail", "percent": "3"}
    unknown = (
        await client.execute(SET_CUSTOMER_DISCOUNT, {"customerType": "vip", "percent": "3"}, admin.token)
    )["setCustomerTypeDiscount"]
    assert error_pairs(unknown) == [("customerType", "INVALID")]
    cleared = await ok(
        client,
        admin,
        SET_CUSTOMER_DISCOUNT,
        {"customerType": "retail", "percent": None},
        "setCustomerTypeDiscount",
    )
    assert cleared["discount"] is None


async def test_product_lines_and_price_lists_are_updated(client):
    admin = await client.sign_up()
    line = (await ok(client, admin, CREATE_PRODUCT_LINE, {"input": {"name": "Old"}}, "createProductLine"))[
        "productLine"
    ]
    await ok(client, admin, CREATE_PRODUCT_LINE, {"input": {"name": "Taken"}}, "createProductLine")
    renamed = await ok(
        client,
        admin,
        UPDATE_PRODUCT_LINE,
        {"id": line["id"], "version": 1, "input": {"name": "New", "description": "D"}},
        "updateProductLine",
    )
    assert (
        renamed["productLine"]["name"],
        renamed["productLine"]["description"],
        renamed["productLine"]["version"],
    ) == ("New", "D", 2)
    for values, expected in [
        ({"name": "taken"}, [("name", "DUPLICATE")]),
        ({"name": " "}, [("name", "REQUIRED")]),
    ]:
        payload = (
            await client.execute(
                UPDATE_PRODUCT_LINE, {"id": line["id"], "version": 2, "input": values}, admin.token
            )
        )["updateProductLine"]
        assert error_pairs(payload) == expected
    stale = (
        await client.execute(
            UPDATE_PRODUCT_LINE, {"id": line["id"], "version": 1, "input": {"name": "X"}}, admin.token
        )
    )["updateProductLine"]
    assert error_pairs(stale) == [("version", "CONFLICT")]

    price_list = (
        await ok(
            client, admin, CREATE_PRICE_LIST, {"input": {"name": "L", "currency": "EUR"}}, "createPriceList"
        )
    )["priceList"]
    changed = await ok(
        client,
        admin,
        UPDATE_PRICE_LIST,
        {
            "id": price_list["id"],
            "version": 1,
            "input": {
                "currency": "chf",
                "customerType": "retail",
                "validFrom": "2027-01-01",
                "active": False,
            },
        },
        "updatePriceList",
    )
    assert {
        k: changed["priceList"][k] for k in ("currency", "customerType", "validFrom", "active", "version")
    } == {
        "currency": "CHF",
        "customerType": "retail",
        "validFrom": "2027-01-01",
        "active": False,
        "version": 2,
    }
    backwards = (
        await client.execute(
            UPDATE_PRICE_LIST,
            {"id": price_list["id"], "version": 2, "input": {"validUntil": "2026-12-31"}},
            admin.token,
        )
    )["updatePriceList"]
    assert error_pairs(backwards) == [("validUntil", "INVALID")]
