"""Sales orders (issue 15): made from a quote (lines, prices, discounts and tax copied, then frozen) or
directly, numbered per tenant, walking draft -> confirmed -> partially delivered -> delivered -> closed
(or cancelled) with every other move refused and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.crm.documents import create_account
from tests.sales.commerce.documents import QUOTE, UPDATE_PRODUCT, create_product
from tests.sales.orders.documents import (
    CANCEL_ORDER,
    CLOSE_ORDER,
    CONFIRM_ORDER,
    CREATE_ORDER,
    DELIVER,
    ORDER,
    ORDER_FROM_QUOTE,
    ORDERS,
    PAY,
    UPDATE_ORDER,
    confirmed_order,
    order_from_quote,
    sent_quote_with_discount,
)
from tests.support import error_pairs, ok

YEAR = datetime.now(UTC).year
TODAY = datetime.now(UTC).date().isoformat()


async def test_an_order_from_a_quote_copies_its_lines_and_stays_frozen(client):
    admin = await client.sign_up()
    quote = await sent_quote_with_discount(client, admin)
    variables = {"quoteId": quote["id"], "version": quote["version"], "input": {"notes": "加急"}}
    order = (await ok(client, admin, ORDER_FROM_QUOTE, variables, "createSalesOrderFromQuote"))["salesOrder"]

    # 2 x 100.00 = 200.00 gross; 15 % off: 170.00 net; 20 % tax: 34.00; total 204.00 (checked by hand).
    assert (order["number"], order["status"], order["currency"]) == (f"SO-{YEAR}-0001", "DRAFT", "EUR")
    assert (
        order["grossTotal"],
        order["discountTotal"],
        order["netTotal"],
        order["taxTotal"],
        order["total"],
    ) == (
        "200.00",
        "30.00",
        "170.00",
        "34.00",
        "204.00",
    )
    assert (order["paidAmount"], order["outstandingAmount"], order["notes"]) == ("0.00", "204.00", "加急")
    [line] = order["lines"]
    assert (line["quantity"], line["unitPrice"], line["discountPercent"], line["taxRate"]) == (
        "2",
        "100.00",
        "15",
        "20",
    )
    assert (line["netAmount"], line["taxAmount"], line["totalAmount"]) == ("170.00", "34.00", "204.00")
    assert order["quote"] == {"id": quote["id"], "status": "ACCEPTED"}
    assert order["account"]["id"] == quote["account"]["id"]

    # The catalogue changes; the order does not.
    product = quote["lines"][0]["product"]
    await ok(
        client,
        admin,
        UPDATE_PRODUCT,
        {"id": product["id"], "version": 1, "input": {"listPrice": "999", "taxRate": "5"}},
        "updateProduct",
    )
    again = (await client.execute(ORDER, {"id": order["id"]}, admin.token))["salesOrder"]
    assert (again["total"], again["lines"][0]["unitPrice"], again["lines"][0]["taxRate"]) == (
        "204.00",
        "100.00",
        "20",
    )

    # One live order per quote: the accepted quote cannot be ordered twice.
    accepted = (await client.execute(QUOTE, {"id": quote["id"]}, admin.token))["quote"]
    variables = {"quoteId": quote["id"], "version": accepted["version"]}
    payload = (await client.execute(ORDER_FROM_QUOTE, variables, admin.token))["createSalesOrderFromQuote"]
    assert error_pairs(payload) == [("quoteId", "INVALID_TRANSITION")]
    assert f"SO-{YEAR}-0001" in payload["errors"][0]["message"]
    listed = (await client.execute(ORDERS, {}, admin.token))["salesOrders"]
    assert listed["totalCount"] == 1

    # Cancelled, it frees the quote for a new order, numbered on.
    cancelled = (
        await ok(
            client, admin, CANCEL_ORDER, {"id": order["id"], "version": again["version"]}, "cancelSalesOrder"
        )
    )["salesOrder"]
    assert cancelled["status"] == "CANCELLED" and cancelled["cancelledAt"]
    second = (await ok(client, admin, ORDER_FROM_QUOTE, variables, "createSalesOrderFromQuote"))["salesOrder"]
    assert second["number"] == f"SO-{YEAR}-0002"


async def test_a_draft_or_expired_quote_is_not_ordered_and_a_stale_version_conflicts(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Customer Co")
    product = await create_product(client, admin)
    draft = (
        await client.execute(
            "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id version } } }",
            {
                "input": {
                    "accountId": account["id"],
                    "currency": "EUR",
                    "lines": [{"productId": product["id"], "quantity": "1"}],
                }
            },
            admin.token,
        )
    )["createQuote"]["quote"]
    outcomes = [
        ({"quoteId": draft["id"], "version": draft["version"]}, [("quoteId", "INVALID_TRANSITION")]),
        ({"quoteId": draft["id"], "version": draft["version"] + 1}, [("version", "CONFLICT")]),
        ({"quoteId": account["id"], "version": 1}, [("quoteId", "NOT_FOUND")]),
    ]
    for variables, expected in outcomes:
        payload = (await client.execute(ORDER_FROM_QUOTE, variables, admin.token))[
            "createSalesOrderFromQuote"
        ]
        assert error_pairs(payload) == expected, variables
    assert (await client.execute(ORDERS, {}, admin.token))["salesOrders"]["totalCount"] == 0


async def test_a_direct_order_in_cny_is_priced_like_a_quote_and_numbered_per_tenant(client):
    admin = await client.sign_up("华磊 CRM", locale="zh-CN", baseCurrency="CNY")
    account = await create_account(client, admin, name="北京华磊科技有限公司")
    product = await create_product(
        client,
        admin,
        sku="HL-1",
        name="服务器机柜",
        unit="台",
        listPrice="1999.99",
        currency="CNY",
        taxRate="13",
    )
    lines = [
        {"productId": product["id"], "quantity": "3", "discountPercent": "10"},
        {"description": "上门安装费", "quantity": "1", "unitPrice": "500", "taxRate": "6"},
    ]
    variables = {"input": {"accountId": account["id"], "currency": "CNY", "lines": lines}}
    order = (await ok(client, admin, CREATE_ORDER, variables, "createSalesOrder"))["salesOrder"]
    # Line 1: 3 x 1999.99 = 5999.97 gross; 10 % off = 5399.973 -> 5399.97 net; 13 % tax = 701.9961 -> 702.00.
    # Line 2: 500.00 net, 6 % tax = 30.00. Totals add the rounded lines: net 5899.97, tax 732.00, 6631.97.
    first, second = order["lines"]
    assert (first["description"], first["unit"], first["netAmount"], first["taxAmount"]) == (
        "服务器机柜",
        "台",
        "5399.97",
        "702.00",
    )
    assert (second["description"], second["netAmount"], second["taxAmount"]) == (
        "上门安装费",
        "500.00",
        "30.00",
    )
    assert (order["netTotal"], order["taxTotal"], order["total"], order["quote"]) == (
        "5899.97",
        "732.00",
        "6631.97",
        None,
    )
    assert order["number"] == f"SO-{YEAR}-0001"

    other = await client.sign_up("Other")
    other_account = await create_account(client, other, name="Other Co")
    free = [{"description": "Consulting", "quantity": "1", "unitPrice": "10"}]
    variables = {"input": {"accountId": other_account["id"], "currency": "EUR", "lines": free}}
    theirs = (await ok(client, other, CREATE_ORDER, variables, "createSalesOrder"))["salesOrder"]
    assert theirs["number"] == f"SO-{YEAR}-0001"


async def test_bad_direct_orders_are_refused_with_the_exact_error_and_nothing_written(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Customer Co")
    line = {"description": "x", "quantity": "1", "unitPrice": "1"}
    cases = [
        ({"accountId": account["id"], "currency": "EUR", "lines": []}, [("lines", "INVALID")]),
        (
            {"accountId": account["id"], "currency": "EUR", "lines": [{**line, "quantity": "0"}]},
            [("lines.0.quantity", "INVALID")],
        ),
        (
            {"accountId": account["id"], "currency": "EUR", "lines": [{"quantity": "1"}]},
            [("lines.0.description", "REQUIRED")],
        ),
        ({"accountId": account["id"], "currency": "XXQ", "lines": [line]}, [("currency", "INVALID")]),
        (
            {"accountId": account["id"], "currency": "EUR", "cashDiscountPercent": "101", "lines": [line]},
            [("cashDiscountPercent", "INVALID")],
        ),
        (
            {"accountId": account["id"], "currency": "EUR", "lines": [line], "custom": {"nope": 1}},
            [("custom.nope", "INVALID")],
        ),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_ORDER, {"input": values}, admin.token))["createSalesOrder"]
        assert error_pairs(payload) == expected, values
    assert (await client.execute(ORDERS, {}, admin.token))["salesOrders"]["totalCount"] == 0


async def test_the_status_flow_follows_deliveries_and_refuses_every_other_move(client):
    admin = await client.sign_up()
    draft = await order_from_quote(client, admin)
    line_id = draft["lines"][0]["id"]

    refused = [
        (
            DELIVER,
            {"input": {"orderLineId": line_id, "quantity": "1", "deliveredOn": TODAY}},
            "recordSalesOrderDelivery",
            [("orderLineId", "INVALID_TRANSITION")],
        ),
        (
            CLOSE_ORDER,
            {"id": draft["id"], "version": draft["version"]},
            "closeSalesOrder",
            [("id", "INVALID_TRANSITION")],
        ),
        (
            PAY,
            {"input": {"orderId": draft["id"], "receivedOn": TODAY, "amount": "1"}},
            "recordSalesOrderPayment",
            [("orderId", "INVALID_TRANSITION")],
        ),
        (
            CONFIRM_ORDER,
            {"id": draft["id"], "version": draft["version"] + 1},
            "confirmSalesOrder",
            [("version", "CONFLICT")],
        ),
    ]
    for document, variables, name, expected in refused:
        payload = (await client.execute(document, variables, admin.token))[name]
        assert error_pairs(payload) == expected, name

    order = (
        await ok(
            client,
            admin,
            CONFIRM_ORDER,
            {"id": draft["id"], "version": draft["version"]},
            "confirmSalesOrder",
        )
    )["salesOrder"]
    assert (
        order["status"] == "CONFIRMED" and order["confirmedAt"] and order["version"] == draft["version"] + 1
    )
    again = (
        await client.execute(CONFIRM_ORDER, {"id": order["id"], "version": order["version"]}, admin.token)
    )["confirmSalesOrder"]
    assert error_pairs(again) == [("id", "INVALID_TRANSITION")]

    too_much = {"input": {"orderLineId": line_id, "quantity": "3", "deliveredOn": TODAY}}
    payload = (await client.execute(DELIVER, too_much, admin.token))["recordSalesOrderDelivery"]
    assert error_pairs(payload) == [("quantity", "INVALID")]
    assert payload["errors"][0]["message"] == "Only 2 of 2 remain to deliver on this line."

    first = await ok(
        client,
        admin,
        DELIVER,
        {"input": {"orderLineId": line_id, "quantity": "0.5", "deliveredOn": TODAY}},
        "recordSalesOrderDelivery",
    )
    assert first["salesOrder"]["status"] == "PARTIALLY_DELIVERED"
    assert first["salesOrder"]["lines"][0]["deliveredQuantity"] == "0.5"
    payload = (
        await client.execute(
            CANCEL_ORDER, {"id": order["id"], "version": first["salesOrder"]["version"]}, admin.token
        )
    )["cancelSalesOrder"]
    assert error_pairs(payload) == [("id", "INVALID_TRANSITION")]
    rest = await ok(
        client,
        admin,
        DELIVER,
        {"input": {"orderLineId": line_id, "quantity": "1.5", "deliveredOn": TODAY}},
        "recordSalesOrderDelivery",
    )
    delivered = rest["salesOrder"]
    assert delivered["status"] == "DELIVERED"
    assert [d["quantity"] for d in delivered["deliveries"]] == ["0.5", "1.5"]
    payload = (
        await client.execute(
            DELIVER, {"input": {"orderLineId": line_id, "quantity": "1", "deliveredOn": TODAY}}, admin.token
        )
    )["recordSalesOrderDelivery"]
    assert error_pairs(payload) == [("orderLineId", "INVALID_TRANSITION")]

    closed = (
        await ok(
            client,
            admin,
            CLOSE_ORDER,
            {"id": order["id"], "version": delivered["version"]},
            "closeSalesOrder",
        )
    )["salesOrder"]
    assert closed["status"] == "CLOSED" and closed["closedAt"]
    payload = (
        await client.execute(
            UPDATE_ORDER,
            {"id": order["id"], "version": closed["version"], "input": {"notes": "x"}},
            admin.token,
        )
    )["updateSalesOrder"]
    assert error_pairs(payload) == [(None, "INVALID_TRANSITION")]
    final = (await client.execute(ORDER, {"id": order["id"]}, admin.token))["salesOrder"]
    assert (final["status"], final["version"], final["notes"]) == ("CLOSED", closed["version"], None)


async def test_payments_are_bounded_and_refunds_are_negative_payments(client):
    admin = await client.sign_up()
    order = await confirmed_order(client, admin)

    def pay(amount, **extra):
        return {"input": {"orderId": order["id"], "receivedOn": TODAY, "amount": amount, **extra}}

    cases = [
        (pay("204.01"), [("amount", "INVALID")]),
        (pay("-1"), [("amount", "INVALID")]),
        (pay("10.001"), [("amount", "INVALID")]),
        (pay("0"), [("amount", "INVALID")]),
        (
            {"input": {"orderId": order["id"], "receivedOn": "2999-01-01", "amount": "1"}},
            [("receivedOn", "INVALID")],
        ),
    ]
    for variables, expected in cases:
        payload = (await client.execute(PAY, variables, admin.token))["recordSalesOrderPayment"]
        assert error_pairs(payload) == expected, variables

    paid = (await ok(client, admin, PAY, pay("100", method="CASH"), "recordSalesOrderPayment"))["salesOrder"]
    assert (paid["paidAmount"], paid["outstandingAmount"]) == ("100.00", "104.00")
    payload = (
        await client.execute(CANCEL_ORDER, {"id": order["id"], "version": paid["version"]}, admin.token)
    )["cancelSalesOrder"]
    assert error_pairs(payload) == [("id", "INVALID_TRANSITION")]
    payload = (await client.execute(PAY, pay("-100.01"), admin.token))["recordSalesOrderPayment"]
    assert error_pairs(payload) == [("amount", "INVALID")]
    refunded = (await ok(client, admin, PAY, pay("-40"), "recordSalesOrderPayment"))["salesOrder"]
    assert (refunded["paidAmount"], [p["amount"] for p in refunded["payments"]]) == (
        "60.00",
        ["100.00", "-40.00"],
    )
