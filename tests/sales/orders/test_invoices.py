"""Invoices (issue 15): against one order or contract, never more than it is worth, the tax shared out so
a fully invoiced order adds up to the cent; requested -> issued -> sent, or red-letter reversed; the
receivables view of invoiced against paid; other tenants and other reps see none of it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.crm.sql import raw_id
from tests.sales.commerce.documents import signed_contract
from tests.sales.orders.documents import (
    INVOICE_RECEIVABLES,
    INVOICES,
    ISSUE_INVOICE,
    NODE,
    ORDER,
    PAY,
    REQUEST_INVOICE,
    REVERSE_INVOICE,
    SEND_INVOICE,
    confirmed_order,
    issued_invoice,
    order_from_quote,
    request_invoice,
)
from tests.support import error_pairs, ok

TODAY = datetime.now(UTC).date().isoformat()


async def refused(client, member, document, variables, name):
    return error_pairs((await client.execute(document, variables, member.token))[name])


async def test_invoices_never_exceed_the_order_and_the_last_one_takes_the_tax_left(client):
    admin = await client.sign_up()
    order = await confirmed_order(client, admin)  # 204.00: net 170.00 + tax 34.00
    first = await request_invoice(client, admin, orderId=order["id"], amount="100", buyerName="华磊科技")
    # Tax share: 100.00 x 34.00 / 204.00 = 16.666... -> 16.67 (checked by hand).
    assert (first["status"], first["amount"], first["taxAmount"], first["netAmount"]) == (
        "REQUESTED",
        "100.00",
        "16.67",
        "83.33",
    )
    assert (first["buyerName"], first["salesOrder"], first["contract"]) == (
        "华磊科技",
        {"id": order["id"]},
        None,
    )
    too_much = {"input": {"kind": "VAT_ORDINARY", "orderId": order["id"], "amount": "104.01"}}
    assert await refused(client, admin, REQUEST_INVOICE, too_much, "requestInvoice") == [
        ("amount", "INVALID")
    ]
    rest = await request_invoice(client, admin, orderId=order["id"], kind="VAT_ORDINARY")
    assert (rest["kind"], rest["amount"], rest["taxAmount"]) == (
        "VAT_ORDINARY",
        "104.00",
        "17.33",
    )  # 34.00 - 16.67
    done = {"input": {"kind": "VAT_SPECIAL", "orderId": order["id"], "amount": "0.01"}}
    payload = (await client.execute(REQUEST_INVOICE, done, admin.token))["requestInvoice"]
    assert error_pairs(payload) == [("amount", "INVALID")]
    assert payload["errors"][0]["message"].startswith("Only 0.00 EUR remains to invoice")

    # Withdrawing a request frees its amount.
    await ok(
        client, admin, REVERSE_INVOICE, {"id": first["id"], "version": first["version"]}, "reverseInvoice"
    )
    again = await request_invoice(client, admin, orderId=order["id"])
    assert (again["amount"], again["taxAmount"]) == ("100.00", "16.67")
    listed = (await client.execute(INVOICES, {"filter": {"orderId": order["id"]}}, admin.token))["invoices"]
    assert [n["status"] for n in listed["nodes"]] == ["REVERSED", "REQUESTED", "REQUESTED"]
    seen = (await client.execute(ORDER, {"id": order["id"]}, admin.token))["salesOrder"]
    assert seen["total"] == "204.00"


async def test_bad_requests_are_refused_with_the_exact_error_and_nothing_written(client):
    admin = await client.sign_up()
    draft = await order_from_quote(client, admin)
    order = await confirmed_order(client, admin)
    contract = await signed_contract(client, admin)
    cases = [
        ({"orderId": draft["id"]}, [("orderId", "INVALID_TRANSITION")]),
        ({}, [("orderId", "INVALID")]),
        ({"orderId": order["id"], "contractId": contract["id"]}, [("orderId", "INVALID")]),
        ({"orderId": order["id"], "amount": "1.001"}, [("amount", "INVALID")]),
        ({"orderId": order["id"], "amount": "-5"}, [("amount", "INVALID")]),
        ({"orderId": order["id"], "buyerTaxId": "9" * 41}, [("buyerTaxId", "TOO_LONG")]),
        ({"orderId": contract["id"]}, [("orderId", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        variables = {"input": {"kind": "VAT_SPECIAL", **values}}
        assert await refused(client, admin, REQUEST_INVOICE, variables, "requestInvoice") == expected, values
    assert (await client.execute(INVOICES, {}, admin.token))["invoices"]["totalCount"] == 0


async def test_the_status_flow_and_the_official_number(client):
    admin = await client.sign_up()
    order = await confirmed_order(client, admin)
    invoice = await request_invoice(client, admin, orderId=order["id"], amount="50")
    same = {"id": invoice["id"], "version": invoice["version"]}
    assert await refused(client, admin, SEND_INVOICE, same, "sendInvoice") == [("id", "INVALID_TRANSITION")]
    blank = {**same, "input": {"invoiceNumber": " "}}
    assert await refused(client, admin, ISSUE_INVOICE, blank, "issueInvoice") == [
        ("invoiceNumber", "REQUIRED")
    ]
    stale = {**same, "version": 9, "input": {"invoiceNumber": "044001"}}
    assert await refused(client, admin, ISSUE_INVOICE, stale, "issueInvoice") == [("version", "CONFLICT")]

    variables = {**same, "input": {"invoiceNumber": "044001", "invoiceDate": "2026-11-30"}}
    issued = (await ok(client, admin, ISSUE_INVOICE, variables, "issueInvoice"))["invoice"]
    assert (issued["status"], issued["invoiceNumber"], issued["invoiceDate"]) == (
        "ISSUED",
        "044001",
        "2026-11-30",
    )
    other = await request_invoice(client, admin, orderId=order["id"], amount="10")
    duplicate = {"id": other["id"], "version": other["version"], "input": {"invoiceNumber": "044001"}}
    assert await refused(client, admin, ISSUE_INVOICE, duplicate, "issueInvoice") == [
        ("invoiceNumber", "DUPLICATE")
    ]

    sent = (
        await ok(
            client, admin, SEND_INVOICE, {"id": issued["id"], "version": issued["version"]}, "sendInvoice"
        )
    )["invoice"]
    assert sent["status"] == "SENT" and sent["sentAt"]
    again = {"id": sent["id"], "version": sent["version"]}
    assert await refused(client, admin, SEND_INVOICE, again, "sendInvoice") == [("id", "INVALID_TRANSITION")]
    assert await refused(client, admin, REVERSE_INVOICE, again, "reverseInvoice") == [("reason", "REQUIRED")]
    reversed_ = (
        await ok(client, admin, REVERSE_INVOICE, {**again, "reason": "开票信息有误"}, "reverseInvoice")
    )["invoice"]
    assert (reversed_["status"], reversed_["reversalReason"]) == ("REVERSED", "开票信息有误")
    final = {"id": reversed_["id"], "version": reversed_["version"], "reason": "x"}
    assert await refused(client, admin, REVERSE_INVOICE, final, "reverseInvoice") == [
        ("id", "INVALID_TRANSITION")
    ]


async def test_contracts_are_invoiced_up_to_their_amount(client):
    admin = await client.sign_up()
    contract = await signed_contract(client, admin)  # 240.00: 2 x 100.00 + 20 % tax
    whole = await request_invoice(client, admin, contractId=contract["id"])
    assert (whole["amount"], whole["taxAmount"], whole["contract"]) == (
        "240.00",
        "40.00",
        {"id": contract["id"]},
    )
    more = {"input": {"kind": "VAT_SPECIAL", "contractId": contract["id"], "amount": "1"}}
    assert await refused(client, admin, REQUEST_INVOICE, more, "requestInvoice") == [("amount", "INVALID")]


async def test_the_receivables_view_sets_invoiced_against_paid(client):
    admin = await client.sign_up()
    order = await confirmed_order(client, admin)
    await issued_invoice(client, admin, "0001", orderId=order["id"], amount="100")
    await request_invoice(client, admin, orderId=order["id"], amount="20")  # requested: not invoiced yet
    payment = {"input": {"orderId": order["id"], "receivedOn": TODAY, "amount": "50"}}
    await ok(client, admin, PAY, payment, "recordSalesOrderPayment")
    await order_from_quote(client, admin)  # a draft counts for nothing

    report = (await client.execute(INVOICE_RECEIVABLES, {}, admin.token))["invoiceReceivables"]["customers"]
    mine = [row for row in report if row["account"]["id"] == order["account"]["id"]]
    assert mine == [
        {
            "account": order["account"],
            "currency": "EUR",
            "ordered": "204.00",
            "invoiced": "100.00",
            "paid": "50.00",
            "uninvoiced": "104.00",
            "invoicedUnpaid": "50.00",
        }
    ]
    assert len(report) == 1
    only = {"accountId": order["account"]["id"]}
    assert (await client.execute(INVOICE_RECEIVABLES, only, admin.token))["invoiceReceivables"][
        "customers"
    ] == mine


async def test_other_tenants_and_other_reps_see_and_change_no_invoice(client, db):
    a = await client.sign_up("Tenant A")
    order = await confirmed_order(client, a)
    invoice = await issued_invoice(client, a, "A-1", orderId=order["id"], amount="10")
    b = await client.sign_up("Tenant B")
    rep = await client.add_member(a, "sales", "rep")
    same = {"id": invoice["id"], "version": invoice["version"]}
    for outsider in (b, rep):
        assert (await client.execute(NODE, {"id": invoice["id"]}, outsider.token))["node"] is None
        assert (await client.execute(INVOICES, {}, outsider.token))["invoices"]["totalCount"] == 0
        receivables = await client.execute(INVOICE_RECEIVABLES, {}, outsider.token)
        assert receivables["invoiceReceivables"]["customers"] == []
        request = {"input": {"kind": "VAT_SPECIAL", "orderId": order["id"]}}
        assert await refused(client, outsider, REQUEST_INVOICE, request, "requestInvoice") == [
            ("orderId", "NOT_FOUND")
        ]
        assert await refused(client, outsider, SEND_INVOICE, same, "sendInvoice") == [("id", "NOT_FOUND")]
        reverse = {**same, "reason": "x"}
        assert await refused(client, outsider, REVERSE_INVOICE, reverse, "reverseInvoice") == [
            ("id", "NOT_FOUND")
        ]
    seen = (await client.execute(INVOICES, {}, a.token))["invoices"]["nodes"]
    assert [(n["status"], n["version"]) for n in seen] == [("ISSUED", invoice["version"])]

    connection = await db.connect()
    tenant_a = uuid.UUID(a.tenant_id)
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        assert (
            await connection.fetchval("select count(*) from sales_invoices where tenant_id = $1", tenant_a)
            == 0
        )
        assert await connection.execute("update sales_invoices set status = 'reversed'") == "UPDATE 0"
        assert await connection.execute("delete from sales_invoices") == "DELETE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
            await connection.execute("insert into sales_invoices (tenant_id) values ($1)", tenant_a)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
            await connection.execute(
                "insert into sales_invoices (tenant_id, id, number, order_id, account_id, kind, currency, amount,"
                " tax_amount, requested_by_id) values ($1, $2, 'X', $3, $4, 'vat_special', 'EUR', 1, 0, $5)",
                uuid.UUID(b.tenant_id),
                uuid.uuid4(),
                raw_id(order["id"]),
                raw_id(order["account"]["id"]),
                raw_id(b.user_id),
            )
