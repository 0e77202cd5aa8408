"""Tenant B, holding tenant A's ids, sees nothing and changes nothing: through the API, and in SQL as
the application role for every commerce table."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.crm.documents import create_account
from tests.crm.sql import raw_id
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ACTIVATE_CONTRACT,
    ADD_LINE,
    CANCEL_CONTRACT,
    CONTRACT,
    CONTRACTS,
    CREATE_PRICE_LIST,
    CREATE_PRODUCT_LINE,
    CREATE_PROMOTION,
    CREATE_QUOTE,
    NODE,
    PRODUCTS,
    QUOTE,
    QUOTES,
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
    create_product,
    create_quote,
    error_pairs,
    ok,
    signed_contract,
)

TABLES = [
    "product_lines",
    "products",
    "price_lists",
    "price_list_items",
    "promotions",
    "volume_tiers",
    "customer_type_discounts",
    "quotes",
    "quote_lines",
    "contracts",
    "contract_lines",
    "contract_installments",
    "contract_payments",
    "contract_deliveries",
]


async def tenant_a_records(client):
    """Tenant A with a row in every commerce table."""
    a = await client.sign_up("Tenant A")
    line = (await ok(client, a, CREATE_PRODUCT_LINE, {"input": {"name": "A line"}}, "createProductLine"))[
        "productLine"
    ]
    product = await create_product(client, a, sku="A-1", productLineId=line["id"])
    price_list = (
        await ok(
            client, a, CREATE_PRICE_LIST, {"input": {"name": "A list", "currency": "EUR"}}, "createPriceList"
        )
    )["priceList"]
    await ok(
        client,
        a,
        SET_PRICES,
        {"id": price_list["id"], "version": 1, "prices": [{"productId": product["id"], "unitPrice": "90"}]},
        "setPriceListPrices",
    )
    promotion = (
        await ok(
            client, a, CREATE_PROMOTION, {"input": {"name": "A promo", "percent": "1"}}, "createPromotion"
        )
    )["promotion"]
    await ok(
        client,
        a,
        SET_TIERS,
        {"productId": product["id"], "tiers": [{"minQuantity": "5", "percent": "1"}]},
        "setVolumeTiers",
    )
    await ok(
        client,
        a,
        SET_CUSTOMER_DISCOUNT,
        {"customerType": "retail", "percent": "1"},
        "setCustomerTypeDiscount",
    )
    account = await create_account(client, a, name="A account")
    draft = await create_quote(
        client, a, account["id"], lines=[{"productId": product["id"], "quantity": "1"}]
    )
    contract = await signed_contract(client, a)
    await ok(
        client,
        a,
        SET_PLAN,
        {
            "id": contract["id"],
            "version": contract["version"],
            "installments": [{"dueDate": "2027-01-01", "amount": contract["amount"]}],
        },
        "setPaymentPlan",
    )
    await ok(
        client,
        a,
        RECORD_PAYMENT,
        {"input": {"contractId": contract["id"], "receivedOn": "2026-11-01", "amount": "10"}},
        "recordPayment",
    )
    delivery = await ok(
        client,
        a,
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
    contract = (await client.execute(CONTRACT, {"id": contract["id"]}, a.token))["contract"]
    return a, {
        "line": line,
        "product": product,
        "price_list": price_list,
        "promotion": promotion,
        "account": account,
        "draft": draft,
        "contract": contract,
        "delivery": delivery["delivery"],
    }


async def test_other_tenant_sees_and_changes_nothing_through_the_api(client):
    a, r = await tenant_a_records(client)
    b = await client.sign_up("Tenant B")
    b_account = await create_account(client, b, name="B account")
    b_quote = await create_quote(client, b, b_account["id"])

    for record in (r["product"], r["line"], r["price_list"], r["promotion"], r["draft"], r["contract"]):
        assert (await client.execute(NODE, {"id": record["id"]}, b.token))["node"] is None
    assert (await client.execute(QUOTE, {"id": r["draft"]["id"]}, b.token))["quote"] is None
    assert (await client.execute(CONTRACT, {"id": r["contract"]["id"]}, b.token))["contract"] is None
    assert (await client.execute(PRODUCTS, {}, b.token))["products"]["totalCount"] == 0
    assert [e["node"]["id"] for e in (await client.execute(QUOTES, {}, b.token))["quotes"]["edges"]] == [
        b_quote["id"]
    ]
    assert (await client.execute(CONTRACTS, {}, b.token))["contracts"]["totalCount"] == 0

    draft, contract = r["draft"], r["contract"]
    attempts = [
        (
            UPDATE_PRODUCT,
            {"id": r["product"]["id"], "version": 1, "input": {"name": "x"}},
            "updateProduct",
            "id",
        ),
        (
            UPDATE_PROMOTION,
            {"id": r["promotion"]["id"], "version": 1, "input": {"percent": "9"}},
            "updatePromotion",
            "id",
        ),
        (SET_PRICES, {"id": r["price_list"]["id"], "version": 2, "prices": []}, "setPriceListPrices", "id"),
        (SET_TIERS, {"productId": r["product"]["id"], "tiers": []}, "setVolumeTiers", "productId"),
        (
            CREATE_QUOTE,
            {"input": {"accountId": r["account"]["id"], "currency": "EUR"}},
            "createQuote",
            "accountId",
        ),
        (
            CREATE_QUOTE,
            {
                "input": {
                    "accountId": b_account["id"],
                    "currency": "EUR",
                    "lines": [{"productId": r["product"]["id"], "quantity": "1"}],
                }
            },
            "createQuote",
            "lines.0.productId",
        ),
        (
            ADD_LINE,
            {
                "quoteId": b_quote["id"],
                "version": b_quote["version"],
                "input": {"productId": r["product"]["id"], "quantity": "1"},
            },
            "addQuoteLine",
            "productId",
        ),
        (
            UPDATE_QUOTE,
            {"id": draft["id"], "version": draft["version"], "input": {"notes": "x"}},
            "updateQuote",
            "id",
        ),
        (
            UPDATE_LINE,
            {"id": draft["lines"][0]["id"], "version": draft["version"], "input": {"quantity": "9"}},
            "updateQuoteLine",
            "id",
        ),
        (SEND_QUOTE, {"id": draft["id"], "version": draft["version"]}, "sendQuote", "id"),
        (REVISE_QUOTE, {"id": draft["id"], "version": draft["version"]}, "reviseQuote", "id"),
        (ACCEPT_QUOTE, {"id": draft["id"], "version": draft["version"]}, "acceptQuote", "id"),
        (
            UPDATE_CONTRACT,
            {"id": contract["id"], "version": contract["version"], "input": {"terms": "x"}},
            "updateContract",
            "id",
        ),
        (
            SET_PLAN,
            {
                "id": contract["id"],
                "version": contract["version"],
                "installments": [{"dueDate": "2027-01-01", "amount": "240"}],
            },
            "setPaymentPlan",
            "id",
        ),
        (
            RECORD_PAYMENT,
            {"input": {"contractId": contract["id"], "receivedOn": "2027-01-01", "amount": "1"}},
            "recordPayment",
            "contractId",
        ),
        (
            RECORD_DELIVERY,
            {
                "input": {
                    "contractLineId": contract["lines"][0]["id"],
                    "quantity": "1",
                    "deliveredOn": "2027-01-01",
                }
            },
            "recordDelivery",
            "contractLineId",
        ),
        (
            SET_DELIVERY_STATUS,
            {"id": r["delivery"]["id"], "version": 1, "status": "DELIVERED"},
            "setDeliveryStatus",
            "id",
        ),
    ]
    attempts += [
        (
            UPDATE_PRODUCT_LINE,
            {"id": r["line"]["id"], "version": 1, "input": {"name": "x"}},
            "updateProductLine",
            "id",
        ),
        (
            UPDATE_PRICE_LIST,
            {"id": r["price_list"]["id"], "version": 2, "input": {"name": "x"}},
            "updatePriceList",
            "id",
        ),
        (REMOVE_LINE, {"id": draft["lines"][0]["id"], "version": draft["version"]}, "removeQuoteLine", "id"),
        (REJECT_QUOTE, {"id": draft["id"], "version": draft["version"]}, "rejectQuote", "id"),
        (ACTIVATE_CONTRACT, {"id": contract["id"], "version": contract["version"]}, "activateContract", "id"),
        (CANCEL_CONTRACT, {"id": contract["id"], "version": contract["version"]}, "cancelContract", "id"),
    ]
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, b.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name

    seen_by_a = (await client.execute(CONTRACT, {"id": contract["id"]}, a.token))["contract"]
    assert (seen_by_a["version"], seen_by_a["paidAmount"], seen_by_a["terms"]) == (
        contract["version"],
        "10.00",
        None,
    )
    assert [d["status"] for d in seen_by_a["deliveries"]] == ["PENDING"]
    a_draft = (await client.execute(QUOTE, {"id": draft["id"]}, a.token))["quote"]
    assert (a_draft["version"], a_draft["status"], a_draft["lines"][0]["quantity"]) == (
        draft["version"],
        "DRAFT",
        "1",
    )


async def in_tenant(connection, tenant_id: str) -> None:
    await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)


async def test_sql_wall_hides_and_protects_every_commerce_table(client, db):
    a, r = await tenant_a_records(client)
    b = await client.sign_up("Tenant B")
    connection = await db.connect()
    tenant_a = uuid.UUID(a.tenant_id)

    async with connection.transaction():
        await in_tenant(connection, a.tenant_id)
        for table in TABLES:
            assert await connection.fetchval(f"select count(*) from {table}") >= 1, table

    async with connection.transaction():
        await in_tenant(connection, b.tenant_id)
        for table in TABLES:
            assert (
                await connection.fetchval(f"select count(*) from {table} where tenant_id = $1", tenant_a) == 0
            )
            assert (
                await connection.execute(
                    f"update {table} set tenant_id = tenant_id where tenant_id = $1", tenant_a
                )
                == "UPDATE 0"
            )
            assert (
                await connection.execute(f"delete from {table} where tenant_id = $1", tenant_a) == "DELETE 0"
            )

    async with connection.transaction():
        for table in TABLES:  # no tenant setting: no rows at all
            assert await connection.fetchval(f"select count(*) from {table}") == 0

    # Writing a row into tenant A from tenant B is refused by the policy's WITH CHECK.
    product_id = raw_id(r["product"]["id"])
    inserts = [
        ("insert into product_lines (tenant_id, id, name) values ($1, $2, 'x')", (tenant_a, uuid.uuid4())),
        (
            "insert into products (tenant_id, id, sku, name, unit, list_price, currency) values ($1, $2, 'x', 'x', 'u', 1, 'EUR')",
            (tenant_a, uuid.uuid4()),
        ),
        (
            "insert into customer_type_discounts (tenant_id, customer_type, percent) values ($1, 'x', 1)",
            (tenant_a,),
        ),
        (
            "insert into volume_tiers (tenant_id, id, product_id, min_quantity, percent) values ($1, $2, $3, 1, 1)",
            (tenant_a, uuid.uuid4(), product_id),
        ),
        (
            "insert into contract_payments (tenant_id, id, contract_id, received_on, amount, method, recorded_by_id)"
            " values ($1, $2, $3, current_date, 1, 'cash', $4)",
            (tenant_a, uuid.uuid4(), raw_id(r["contract"]["id"]), raw_id(a.user_id)),
        ),
    ]
    # The policy is checked before any other constraint, so even a bare row is refused for every table.
    inserts += [(f"insert into {table} (tenant_id) values ($1)", (tenant_a,)) for table in TABLES]
    for statement, arguments in inserts:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await in_tenant(connection, b.tenant_id)
                await connection.execute(statement, *arguments)

    # And a row of B's own cannot point at A's records: composite keys find nothing across tenants.
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with connection.transaction():
            await in_tenant(connection, b.tenant_id)
            await connection.execute(
                "insert into volume_tiers (tenant_id, id, product_id, min_quantity, percent) values ($1, $2, $3, 1, 1)",
                uuid.UUID(b.tenant_id),
                uuid.uuid4(),
                product_id,
            )
