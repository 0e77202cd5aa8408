"""The issue's journey through GraphQL, with the arithmetic checked by hand: a quote with 15 % discount,
approved by the sales manager, becomes an order; part of it is delivered, one unit comes back, the rest
is invoiced and paid, and the rep's targets follow."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.crm.documents import create_account
from tests.projects.documents import DECIDE, MY_APPROVALS
from tests.sales.commerce.documents import SEND_QUOTE, create_product, create_quote
from tests.sales.orders.documents import (
    CONFIRM_ORDER,
    CUSTOMER_SALES,
    DELIVER,
    INVOICE_RECEIVABLES,
    ISSUE_INVOICE,
    ORDER_FROM_QUOTE,
    PAY,
    REQUEST_APPROVAL,
    REQUEST_INVOICE,
    SET_APPROVAL_SETTINGS,
    TARGET,
    approval_chain,
    create_return,
    create_target,
)
from tests.support import error_pairs, ok

TODAY = datetime.now(UTC).date().isoformat()


async def test_quote_approval_order_delivery_return_invoice_payment_and_targets(client):
    admin = await client.sign_up("华磊 CRM", baseCurrency="EUR")
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    await ok(
        client,
        admin,
        SET_APPROVAL_SETTINGS,
        {"input": {"quoteDiscountPercent": "10"}},
        "setSalesApprovalSettings",
    )
    await approval_chain(client, admin, "quote_discount", manager)
    won = await create_target(client, admin, level="USER", userId=rep.user_id, goal="1000")
    collected = await create_target(
        client, admin, level="USER", userId=rep.user_id, metric="AMOUNT_COLLECTED", goal="200"
    )

    # The rep quotes 2 x 100.00 EUR at 15 % off with 20 % VAT: gross 200.00, net 170.00, tax 34.00, 204.00.
    account = await create_account(client, rep, name="北京华磊科技有限公司")
    product = await create_product(client, rep, sku="HL-RACK", name="机柜", listPrice="100", taxRate="20")
    quote = await create_quote(
        client,
        rep,
        account["id"],
        lines=[{"productId": product["id"], "quantity": "2", "discountPercent": "15"}],
    )
    assert (quote["grossTotal"], quote["netTotal"], quote["taxTotal"], quote["total"]) == (
        "200.00",
        "170.00",
        "34.00",
        "204.00",
    )

    # 15 % is above the tenant's 10 %: sending waits for the sales manager.
    same = {"id": quote["id"], "version": quote["version"]}
    payload = (await client.execute(SEND_QUOTE, same, rep.token))["sendQuote"]
    assert error_pairs(payload) == [("id", "INVALID_TRANSITION")]
    assert "needs approval first" in payload["errors"][0]["message"]
    asked = await ok(
        client,
        rep,
        REQUEST_APPROVAL,
        {"subject": "QUOTE_DISCOUNT", "id": quote["id"]},
        "requestSalesApproval",
    )
    request = asked["approvalRequest"]
    assert (request["status"], request["title"], request["subjectId"]) == (
        "PENDING",
        f"Quote {quote['number']}: 15 % off",
        quote["id"],
    )
    payload = (await client.execute(SEND_QUOTE, same, rep.token))["sendQuote"]
    assert (
        error_pairs(payload) == [("id", "INVALID_TRANSITION")]
        and "awaits approval" in payload["errors"][0]["message"]
    )
    queue = (await client.execute(MY_APPROVALS, {"scope": "AWAITING_ME"}, manager.token))["myApprovals"][
        "edges"
    ]
    assert [(e["node"]["id"], e["node"]["subjectType"]) for e in queue] == [(request["id"], "quote_discount")]
    decided = await ok(
        client,
        manager,
        DECIDE,
        {"requestId": request["id"], "decision": "APPROVE", "comment": "同意"},
        "decideApproval",
    )
    assert decided["request"]["status"] == "APPROVED"
    sent = (await ok(client, rep, SEND_QUOTE, same, "sendQuote"))["quote"]

    # The order copies the quote as sent, and is confirmed: the rep has won 204.00 of 1000.00.
    variables = {"quoteId": sent["id"], "version": sent["version"]}
    order = (await ok(client, rep, ORDER_FROM_QUOTE, variables, "createSalesOrderFromQuote"))["salesOrder"]
    order = (
        await ok(
            client, rep, CONFIRM_ORDER, {"id": order["id"], "version": order["version"]}, "confirmSalesOrder"
        )
    )["salesOrder"]
    assert (
        order["total"],
        (await client.execute(TARGET, {"id": won["id"]}, rep.token))["salesTarget"]["achieved"],
    ) == ("204.00", "204.00")

    # One of the two is delivered, and comes back: 170.00 / 2 = 85.00 net, 34.00 / 2 = 17.00 tax, 102.00.
    line_id = order["lines"][0]["id"]
    delivered = await ok(
        client,
        rep,
        DELIVER,
        {"input": {"orderLineId": line_id, "quantity": "1", "deliveredOn": TODAY}},
        "recordSalesOrderDelivery",
    )
    assert delivered["salesOrder"]["status"] == "PARTIALLY_DELIVERED"
    returned = await create_return(client, rep, delivered["salesOrder"], ["1"], reason="defective")
    assert (returned["salesReturn"]["totalAmount"], returned["salesReturn"]["refundedAmount"]) == (
        "102.00",
        "0.00",
    )
    assert returned["salesOrder"]["outstandingAmount"] == "102.00"  # 204.00 - 102.00 returned, nothing paid

    # The rest is invoiced: 102.00, its tax the 34.00 - 17.00 = 17.00 left; then issued and paid.
    invoice = (
        await ok(
            client,
            rep,
            REQUEST_INVOICE,
            {"input": {"kind": "VAT_SPECIAL", "orderId": order["id"]}},
            "requestInvoice",
        )
    )["invoice"]
    assert (invoice["amount"], invoice["taxAmount"], invoice["netAmount"]) == ("102.00", "17.00", "85.00")
    issue = {"id": invoice["id"], "version": invoice["version"], "input": {"invoiceNumber": "11002612"}}
    await ok(client, rep, ISSUE_INVOICE, issue, "issueInvoice")
    paid = await ok(
        client,
        rep,
        PAY,
        {"input": {"orderId": order["id"], "receivedOn": TODAY, "amount": "102"}},
        "recordSalesOrderPayment",
    )
    assert (paid["salesOrder"]["paidAmount"], paid["salesOrder"]["outstandingAmount"]) == ("102.00", "0.00")

    # Targets: won 204.00 - 102.00 = 102.00 (10.20 % of 1000.00); collected 102.00 (51.00 % of 200.00).
    for target, expected in ((won, ("102.00", "10.20")), (collected, ("102.00", "51.00"))):
        seen = (await client.execute(TARGET, {"id": target["id"]}, rep.token))["salesTarget"]
        assert (seen["achieved"], seen["achievementPercent"]) == expected
    # The customer's view nets the return: ordered 102.00, all of it invoiced and paid.
    receivables = (await client.execute(INVOICE_RECEIVABLES, {"accountId": account["id"]}, rep.token))[
        "invoiceReceivables"
    ]
    assert [
        (c["ordered"], c["invoiced"], c["paid"], c["invoicedUnpaid"]) for c in receivables["customers"]
    ] == [("102.00", "102.00", "102.00", "0.00")]
    totals = (await client.execute(CUSTOMER_SALES, {"accountId": account["id"]}, admin.token))[
        "customerSales"
    ]
    assert (totals["orderCount"], totals["returnCount"], totals["invoiceCount"]) == (1, 1, 1)
    assert [(b["ordered"], b["returned"], b["paid"], b["refunded"]) for b in totals["balances"]] == [
        ("102.00", "102.00", "102.00", "0.00")
    ]
