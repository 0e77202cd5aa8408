"""Approvals on sales (issue 15): per-tenant thresholds; a record that needs an approval waits for one
that passed since its last change, with a clear INVALID_TRANSITION while none did; only admins set the
thresholds; another tenant cannot ask about a record it cannot see."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.projects.documents import DECIDE
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ACTIVATE_CONTRACT,
    SEND_QUOTE,
    UPDATE_QUOTE,
    contract_from_quote,
    create_quote,
)
from tests.sales.orders.documents import (
    CANCEL_ORDER,
    CREATE_RETURN,
    PAY,
    REQUEST_APPROVAL,
    SET_APPROVAL_SETTINGS,
    approval_chain,
    approved,
    confirmed_order,
    create_return,
    deliver_all,
    sent_quote_with_discount,
)
from tests.support import error_pairs, ok

TODAY = datetime.now(UTC).date().isoformat()
SETTINGS = "{ salesApprovalSettings { quoteDiscountPercent contractAmount orderCancellation refundAmount currency } }"


async def settings(client, admin, **values):
    return (await ok(client, admin, SET_APPROVAL_SETTINGS, {"input": values}, "setSalesApprovalSettings"))[
        "settings"
    ]


async def refusal(client, member, document, variables, name):
    payload = (await client.execute(document, variables, member.token))[name]
    return error_pairs(payload), [e["message"] for e in payload["errors"]]


async def test_thresholds_are_set_by_admins_and_checked(client):
    admin = await client.sign_up(baseCurrency="CNY")
    rep = await client.add_member(admin, "sales", "rep")
    assert (await client.execute(SETTINGS, {}, rep.token))["salesApprovalSettings"] == {
        "quoteDiscountPercent": None,
        "contractAmount": None,
        "orderCancellation": False,
        "refundAmount": None,
        "currency": "CNY",
    }
    saved = await settings(
        client, admin, quoteDiscountPercent="12.5", contractAmount="50000", refundAmount="1000"
    )
    assert (saved["quoteDiscountPercent"], saved["contractAmount"], saved["refundAmount"]) == (
        "12.5",
        "50000.00",
        "1000.00",
    )
    cleared = await settings(client, admin, contractAmount=None, orderCancellation=True)
    assert (cleared["quoteDiscountPercent"], cleared["contractAmount"], cleared["orderCancellation"]) == (
        "12.5",
        None,
        True,
    )
    bad = [
        ({"quoteDiscountPercent": "100"}, [("quoteDiscountPercent", "INVALID")]),
        ({"quoteDiscountPercent": "-1"}, [("quoteDiscountPercent", "INVALID")]),
        ({"contractAmount": "1.001"}, [("contractAmount", "INVALID")]),
        ({"refundAmount": "-5"}, [("refundAmount", "INVALID")]),
    ]
    for values, expected in bad:
        assert (
            await refusal(client, admin, SET_APPROVAL_SETTINGS, {"input": values}, "setSalesApprovalSettings")
        )[0] == expected
    denied = await client.refused(
        SET_APPROVAL_SETTINGS, {"input": {"orderCancellation": False}}, rep.token, "setSalesApprovalSettings"
    )
    assert denied == [(None, "PERMISSION_DENIED")]
    assert (await client.execute(SETTINGS, {}, admin.token))["salesApprovalSettings"][
        "orderCancellation"
    ] is True


async def test_a_quote_discount_waits_for_an_approval_given_after_its_last_change(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    await settings(client, admin, quoteDiscountPercent="10")
    small = await sent_quote_with_discount(client, rep, discount="10")  # at the threshold: no approval
    assert small["status"] == "SENT"
    payload = await client.execute(
        REQUEST_APPROVAL, {"subject": "QUOTE_DISCOUNT", "id": small["id"]}, rep.token
    )
    assert error_pairs(payload["requestSalesApproval"]) == [("id", "INVALID")]

    account_id = small["account"]["id"]
    product_id = small["lines"][0]["product"]["id"]
    quote = await create_quote(
        client, rep, account_id, lines=[{"productId": product_id, "quantity": "1", "discountPercent": "20"}]
    )
    ask = {"subject": "QUOTE_DISCOUNT", "id": quote["id"]}
    # No chain for quote discounts yet: asking is refused, and nothing is pending.
    assert (await refusal(client, rep, REQUEST_APPROVAL, ask, "requestSalesApproval"))[0] == [
        (None, "INVALID")
    ]
    await approval_chain(client, admin, "quote_discount", manager)

    request = (await ok(client, rep, REQUEST_APPROVAL, ask, "requestSalesApproval"))["approvalRequest"]
    assert (await refusal(client, rep, REQUEST_APPROVAL, ask, "requestSalesApproval"))[0] == [
        ("id", "INVALID_TRANSITION")
    ]
    rejected = await ok(
        client, manager, DECIDE, {"requestId": request["id"], "decision": "REJECT"}, "decideApproval"
    )
    assert rejected["request"]["status"] == "REJECTED"
    same = {"id": quote["id"], "version": quote["version"]}
    pairs, messages = await refusal(client, rep, SEND_QUOTE, same, "sendQuote")
    assert pairs == [("id", "INVALID_TRANSITION")] and "was rejected in approval" in messages[0]

    await approved(client, rep, manager, "QUOTE_DISCOUNT", quote["id"])
    # A change after the approval (the discount could have grown) needs a new one.
    changed = (await ok(client, rep, UPDATE_QUOTE, {**same, "input": {"notes": "加急"}}, "updateQuote"))[
        "quote"
    ]
    same = {"id": quote["id"], "version": changed["version"]}
    pairs, messages = await refusal(client, rep, SEND_QUOTE, same, "sendQuote")
    assert pairs == [("id", "INVALID_TRANSITION")] and "needs approval first" in messages[0]
    await approved(client, rep, manager, "QUOTE_DISCOUNT", quote["id"])
    assert (await ok(client, rep, SEND_QUOTE, same, "sendQuote"))["quote"]["status"] == "SENT"


async def test_contracts_cancellations_and_refunds_wait_for_their_approvals(client):
    admin = await client.sign_up(baseCurrency="EUR")
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    for subject in ("contract_amount", "order_cancellation", "refund"):
        await approval_chain(client, admin, subject, manager)
    await settings(client, admin, contractAmount="200", orderCancellation=True, refundAmount="50")

    contract = await contract_from_quote(client, rep)  # 240.00 > 200.00
    same = {"id": contract["id"], "version": contract["version"]}
    pairs, messages = await refusal(client, rep, ACTIVATE_CONTRACT, same, "activateContract")
    assert pairs == [("id", "INVALID_TRANSITION")] and messages[0] == (
        f"Contract {contract['number']} needs approval first; ask for it with requestSalesApproval."
    )
    await approved(client, rep, manager, "CONTRACT_AMOUNT", contract["id"])
    assert (await ok(client, rep, ACTIVATE_CONTRACT, same, "activateContract"))["contract"][
        "status"
    ] == "ACTIVE"

    order = await confirmed_order(client, rep)
    same = {"id": order["id"], "version": order["version"]}
    assert (await refusal(client, rep, CANCEL_ORDER, same, "cancelSalesOrder"))[0] == [
        ("id", "INVALID_TRANSITION")
    ]
    await approved(client, rep, manager, "ORDER_CANCELLATION", order["id"])
    assert (await ok(client, rep, CANCEL_ORDER, same, "cancelSalesOrder"))["salesOrder"][
        "status"
    ] == "CANCELLED"

    paid = await deliver_all(client, rep, await confirmed_order(client, rep), TODAY)
    paid = (
        await ok(
            client,
            rep,
            PAY,
            {"input": {"orderId": paid["id"], "receivedOn": TODAY, "amount": "204"}},
            "recordSalesOrderPayment",
        )
    )["salesOrder"]
    back = {
        "input": {
            "orderId": paid["id"],
            "reason": "defective",
            "lines": [{"orderLineId": paid["lines"][0]["id"], "quantity": "1"}],
        }
    }
    pairs, messages = await refusal(client, rep, CREATE_RETURN, back, "createSalesReturn")
    assert pairs == [("lines", "INVALID_TRANSITION")] and messages[0].startswith("A refund of 102.00 EUR on ")
    await approved(client, rep, manager, "REFUND", paid["id"])
    first = await create_return(client, rep, paid, ["1"])
    assert first["salesReturn"]["refundedAmount"] == "102.00"
    # The approval was for that refund: the next one needs its own.
    assert (await refusal(client, rep, CREATE_RETURN, back, "createSalesReturn"))[0] == [
        ("lines", "INVALID_TRANSITION")
    ]
    assert [p["amount"] for p in first["salesOrder"]["payments"]] == ["204.00", "-102.00"]


async def test_another_tenant_cannot_ask_about_records_it_cannot_see(client):
    a = await client.sign_up("Tenant A")
    quote = await sent_quote_with_discount(client, a, discount="0")
    order = await confirmed_order(client, a)
    await settings(client, a, quoteDiscountPercent="1", orderCancellation=True)
    b = await client.sign_up("Tenant B")
    rep = await client.add_member(a, "sales", "rep")
    for outsider in (b, rep):
        for subject, record in (("QUOTE_DISCOUNT", quote), ("ORDER_CANCELLATION", order)):
            variables = {"subject": subject, "id": record["id"]}
            assert (await refusal(client, outsider, REQUEST_APPROVAL, variables, "requestSalesApproval"))[
                0
            ] == [("id", "NOT_FOUND")]
    accepted = await client.execute(ACCEPT_QUOTE, {"id": quote["id"], "version": quote["version"]}, a.token)
    assert accepted["acceptQuote"]["errors"] == []
