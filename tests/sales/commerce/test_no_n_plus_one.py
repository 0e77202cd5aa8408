"""A page of quotes with their lines and products, and a page of contracts with lines, payments and
deliveries, cost the same number of SQL statements for 2 records as for 8."""

from __future__ import annotations

from tests.crm.documents import create_account
from tests.crm.test_no_n_plus_one import counted_statements
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    RECORD_DELIVERY,
    RECORD_PAYMENT,
    SEND_QUOTE,
    activated,
    create_product,
    create_quote,
    ok,
)

QUOTE_PAGE = """
query($first: Int!) {
  quotes(first: $first) { edges { node {
    number total account { name } owner { email } previousRevision { id } contract { number }
    lines { description netAmount product { sku productLine { name } volumeTiers { percent } } }
  } } }
}"""
CONTRACT_PAGE = """
query($first: Int!) {
  contracts(first: $first) { edges { node {
    number amount overdueAmount account { name } owner { id } signatory { id } quote { number }
    lines { description deliveredQuantity product { sku } }
    installments { amount } payments { amount recordedBy { email } } deliveries { quantity }
  } } }
}"""


async def test_statement_count_does_not_grow_with_the_page(client, app):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    products = [await create_product(client, admin, sku=f"P-{index}", taxRate="10") for index in range(3)]
    for index in range(8):
        lines = [{"productId": product["id"], "quantity": str(index + 1)} for product in products]
        quote = await create_quote(client, admin, account["id"], lines=lines)
        sent = (
            await ok(client, admin, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote")
        )["quote"]
        contract = (
            await ok(
                client, admin, ACCEPT_QUOTE, {"id": sent["id"], "version": sent["version"]}, "acceptQuote"
            )
        )["contract"]
        await activated(client, admin, contract)
        await ok(
            client,
            admin,
            RECORD_PAYMENT,
            {"input": {"contractId": contract["id"], "receivedOn": "2026-11-01", "amount": "1"}},
            "recordPayment",
        )
        await ok(
            client,
            admin,
            RECORD_DELIVERY,
            {
                "input": {
                    "contractLineId": contract["lines"][0]["id"],
                    "quantity": "1",
                    "deliveredOn": "2027-01-01",
                }
            },
            "recordDelivery",
        )

    with counted_statements(app) as small:
        data_small = await client.execute(QUOTE_PAGE, {"first": 2}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(QUOTE_PAGE, {"first": 8}, admin.token)
    with counted_statements(app) as contracts_small:
        await client.execute(CONTRACT_PAGE, {"first": 2}, admin.token)
    with counted_statements(app) as contracts_large:
        data_contracts = await client.execute(CONTRACT_PAGE, {"first": 8}, admin.token)

    assert len(data_small["quotes"]["edges"]) == 2
    assert len(data_large["quotes"]["edges"]) == 8
    assert sum(len(edge["node"]["lines"]) for edge in data_large["quotes"]["edges"]) == 24
    assert len(data_contracts["contracts"]["edges"]) == 8
    assert len(large) == len(small), (len(small), len(large))
    assert len(contracts_large) == len(contracts_small), (len(contracts_small), len(contracts_large))
    assert len(large) <= 14, large
    assert len(contracts_large) <= 16, contracts_large
