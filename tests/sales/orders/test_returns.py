"""Returns and exchanges (issue 15): against delivered lines only (at most delivered minus returned),
a reason from the tenant's option list; a refund makes the order worth less and pays back what was paid
beyond that as a negative payment (the customer totals net it); a replacement is delivered again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.crm.documents import create_account
from tests.sales.orders.documents import (
    CLOSE_ORDER,
    CONFIRM_ORDER,
    CREATE_ORDER,
    CREATE_RETURN,
    CUSTOMER_SALES,
    DELIVER,
    NODE,
    ORDER,
    PAY,
    confirmed_order,
    create_return,
    deliver_all,
    issued_invoice,
)
from tests.support import error_pairs, ok

TODAY = datetime.now(UTC).date().isoformat()


async def paid_delivered_order(client, member, paid="204"):
    order = await deliver_all(client, member, await confirmed_order(client, member), TODAY)
    payment = {"input": {"orderId": order["id"], "receivedOn": TODAY, "amount": paid}}
    return (await ok(client, member, PAY, payment, "recordSalesOrderPayment"))["salesOrder"]


async def test_a_refund_return_nets_the_order_and_pays_back_what_was_paid_beyond_it(client):
    admin = await client.sign_up()
    order = await paid_delivered_order(client, admin)  # 2 x 100.00, 15 % off, 20 % tax: 204.00, all paid

    first = await create_return(client, admin, order, ["1"], notes="外包装破损", refundMethod="CASH")
    returned, after = first["salesReturn"], first["salesOrder"]
    # One of two: net 170.00 / 2 = 85.00, tax 34.00 / 2 = 17.00, 102.00; paid 204.00 - worth 102.00 = 102.00 back.
    assert (returned["number"][:4], returned["reason"], returned["resolution"]) == (
        "RET-",
        "defective",
        "REFUND",
    )
    assert (
        returned["netAmount"],
        returned["taxAmount"],
        returned["totalAmount"],
        returned["refundedAmount"],
    ) == (
        "85.00",
        "17.00",
        "102.00",
        "102.00",
    )
    assert returned["lines"] == [
        {
            "orderLineId": order["lines"][0]["id"],
            "quantity": "1",
            "netAmount": "85.00",
            "taxAmount": "17.00",
            "totalAmount": "102.00",
        }
    ]
    assert (after["status"], after["returnedAmount"], after["paidAmount"], after["outstandingAmount"]) == (
        "DELIVERED",
        "102.00",
        "102.00",
        "0.00",
    )
    assert [(p["amount"], p["method"]) for p in after["payments"]] == [
        ("204.00", "BANK_TRANSFER"),
        ("-102.00", "CASH"),
    ]
    assert after["lines"][0]["returnedQuantity"] == "1"

    too_many = await client.execute(
        CREATE_RETURN,
        {
            "input": {
                "orderId": order["id"],
                "reason": "defective",
                "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "2"}],
            }
        },
        admin.token,
    )
    payload = too_many["createSalesReturn"]
    assert error_pairs(payload) == [("lines.0.quantity", "INVALID")]
    assert payload["errors"][0]["message"] == "Only 1 of this line were delivered and not yet returned."

    last = await create_return(client, admin, after, ["1"])
    assert (
        last["salesReturn"]["totalAmount"],
        last["salesOrder"]["returnedAmount"],
        last["salesOrder"]["paidAmount"],
    ) == (
        "102.00",
        "204.00",
        "0.00",
    )
    totals = (await client.execute(CUSTOMER_SALES, {"accountId": order["account"]["id"]}, admin.token))[
        "customerSales"
    ]
    assert (totals["orderCount"], totals["returnCount"], totals["invoiceCount"]) == (1, 2, 0)
    assert totals["balances"] == [
        {
            "currency": "EUR",
            "ordered": "0.00",
            "returned": "204.00",
            "invoiced": "0.00",
            "paid": "0.00",
            "refunded": "204.00",
            "uninvoiced": "0.00",
            "invoicedUnpaid": "0.00",
        }
    ]


async def test_thirds_of_a_line_come_back_to_the_cent(client):
    admin = await client.sign_up("华磊 CRM", locale="zh-CN", baseCurrency="CNY")
    account = await create_account(client, admin, name="上海客户")
    line = {"description": "软件许可", "quantity": "3", "unitPrice": "33.33", "taxRate": "13"}
    variables = {"input": {"accountId": account["id"], "currency": "CNY", "lines": [line]}}
    order = (await ok(client, admin, CREATE_ORDER, variables, "createSalesOrder"))["salesOrder"]
    order = (
        await ok(
            client,
            admin,
            CONFIRM_ORDER,
            {"id": order["id"], "version": order["version"]},
            "confirmSalesOrder",
        )
    )["salesOrder"]
    order = await deliver_all(client, admin, order, TODAY)
    assert (order["netTotal"], order["taxTotal"], order["total"]) == (
        "99.99",
        "13.00",
        "112.99",
    )  # 12.9987 -> 13.00

    shares = []
    for _ in range(3):
        payload = await create_return(client, admin, order, ["1"], reason="changed_mind")
        shares.append((payload["salesReturn"]["netAmount"], payload["salesReturn"]["taxAmount"]))
        order = payload["salesOrder"]
    # 99.99 / 3 = 33.33 each; 13.00 / 3 = 4.333 -> 4.33, 4.33, and the last takes the 4.34 left.
    assert shares == [("33.33", "4.33"), ("33.33", "4.33"), ("33.33", "4.34")]
    assert (order["returnedAmount"], order["outstandingAmount"], order["paidAmount"]) == (
        "112.99",
        "0.00",
        "0.00",
    )


async def test_a_partly_paid_order_owes_less_and_gets_nothing_back(client):
    admin = await client.sign_up()
    order = await paid_delivered_order(client, admin, paid="50")
    payload = await create_return(client, admin, order, ["1"])
    assert payload["salesReturn"]["refundedAmount"] == "0.00"
    after = payload["salesOrder"]
    # Worth 204.00 - 102.00 = 102.00, of which 50.00 is paid.
    assert (after["paidAmount"], after["outstandingAmount"], len(after["payments"])) == ("50.00", "52.00", 1)


async def test_a_replacement_is_delivered_again_and_moves_no_money(client):
    admin = await client.sign_up()
    order = await paid_delivered_order(client, admin)
    payload = await create_return(client, admin, order, ["1"], resolution="REPLACEMENT", reason="wrong_item")
    after = payload["salesOrder"]
    assert (
        payload["salesReturn"]["resolution"] == "REPLACEMENT"
        and payload["salesReturn"]["refundedAmount"] == "0.00"
    )
    assert (
        after["status"],
        after["lines"][0]["deliveredQuantity"],
        after["lines"][0]["returnedQuantity"],
    ) == (
        "PARTIALLY_DELIVERED",
        "1",
        "0",
    )
    assert (after["returnedAmount"], after["paidAmount"], after["total"]) == ("0.00", "204.00", "204.00")
    line_id = order["lines"][0]["id"]
    again = await ok(
        client,
        admin,
        DELIVER,
        {"input": {"orderLineId": line_id, "quantity": "1", "deliveredOn": TODAY}},
        "recordSalesOrderDelivery",
    )
    assert again["salesOrder"]["status"] == "DELIVERED"


async def test_bad_returns_are_refused_with_the_exact_error_and_nothing_written(client):
    admin = await client.sign_up()
    undelivered = await confirmed_order(client, admin)
    order = await paid_delivered_order(client, admin)
    line = order["lines"][0]["id"]
    other_line = undelivered["lines"][0]["id"]

    def attempt(**values):
        data = {
            "orderId": order["id"],
            "reason": "defective",
            "lines": [{"orderLineId": line, "quantity": "1"}],
        }
        return {"input": {**data, **values}}

    cases = [
        (
            attempt(orderId=undelivered["id"], lines=[{"orderLineId": other_line, "quantity": "1"}]),
            [("orderId", "INVALID_TRANSITION")],
        ),
        (attempt(reason="broken"), [("reason", "INVALID")]),
        (attempt(reason=""), [("reason", "REQUIRED")]),
        (attempt(lines=[]), [("lines", "INVALID")]),
        (
            attempt(lines=[{"orderLineId": other_line, "quantity": "1"}]),
            [("lines.0.orderLineId", "NOT_FOUND")],
        ),
        (attempt(lines=[{"orderLineId": line, "quantity": "3"}]), [("lines.0.quantity", "INVALID")]),
        (attempt(lines=[{"orderLineId": line, "quantity": "-1"}]), [("lines.0.quantity", "INVALID")]),
    ]
    for variables, expected in cases:
        payload = (await client.execute(CREATE_RETURN, variables, admin.token))["createSalesReturn"]
        assert error_pairs(payload) == expected, variables

    # An invoice covering the whole order: a refund return would leave more invoiced than it is worth.
    await issued_invoice(client, admin, "INV-1", orderId=order["id"])
    payload = (await client.execute(CREATE_RETURN, attempt(), admin.token))["createSalesReturn"]
    assert error_pairs(payload) == [("lines", "INVALID_TRANSITION")]
    assert "reverse (red-letter) an invoice first" in payload["errors"][0]["message"]

    closed = (
        await ok(
            client, admin, CLOSE_ORDER, {"id": order["id"], "version": order["version"]}, "closeSalesOrder"
        )
    )["salesOrder"]
    payload = (await client.execute(CREATE_RETURN, attempt(resolution="REPLACEMENT"), admin.token))[
        "createSalesReturn"
    ]
    assert error_pairs(payload) == [("resolution", "INVALID_TRANSITION")]
    seen = (await client.execute(ORDER, {"id": order["id"]}, admin.token))["salesOrder"]
    assert (
        seen["version"],
        seen["returnedAmount"],
        seen["paidAmount"],
        seen["lines"][0]["returnedQuantity"],
    ) == (
        closed["version"],
        "0.00",
        "204.00",
        "0",
    )
    assert (await client.execute(CUSTOMER_SALES, {"accountId": order["account"]["id"]}, admin.token))[
        "customerSales"
    ]["returnCount"] == 0


async def test_returns_stay_inside_the_tenant_and_are_append_only(client, db):
    a = await client.sign_up("Tenant A")
    order = await paid_delivered_order(client, a)
    returned = (await create_return(client, a, order, ["1"]))["salesReturn"]
    b = await client.sign_up("Tenant B")
    rep = await client.add_member(a, "sales", "rep")
    for outsider in (b, rep):
        assert (await client.execute(NODE, {"id": returned["id"]}, outsider.token))["node"] is None
        variables = {
            "input": {
                "orderId": order["id"],
                "reason": "defective",
                "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "1"}],
            }
        }
        payload = (await client.execute(CREATE_RETURN, variables, outsider.token))["createSalesReturn"]
        assert error_pairs(payload) == [("orderId", "NOT_FOUND")]
        totals = (
            await client.execute(CUSTOMER_SALES, {"accountId": order["account"]["id"]}, outsider.token)
        )["customerSales"]
        assert (totals["orderCount"], totals["returnCount"], totals["balances"]) == (0, 0, [])
    assert (await client.execute(NODE, {"id": returned["id"]}, a.token))["node"] == {"id": returned["id"]}

    connection = await db.connect()
    tenant_a = uuid.UUID(a.tenant_id)
    for table in ("sales_returns", "sales_return_lines"):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
            assert (
                await connection.fetchval(f"select count(*) from {table} where tenant_id = $1", tenant_a) == 0
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
                await connection.execute(f"insert into {table} (tenant_id) values ($1)", tenant_a)
        # Even in its own tenant the application may not rewrite or remove a return.
        for statement in (f"update {table} set tenant_id = tenant_id", f"delete from {table}"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with connection.transaction():
                    await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
                    await connection.execute(statement)
