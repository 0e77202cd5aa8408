"""Who sees and changes sales orders: another tenant nothing (through the API and in SQL as the
application role), a viewer reads only, a sales rep only their own orders, and a role's field rules
(hidden notes, read-only status) hold on orders too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.admin.documents import assign, create_role
from tests.crm.documents import create_account
from tests.crm.sql import raw_id
from tests.sales.orders.documents import (
    CANCEL_ORDER,
    CLOSE_ORDER,
    CONFIRM_ORDER,
    CREATE_ORDER,
    DELIVER,
    NODE,
    ORDER,
    ORDER_FROM_QUOTE,
    ORDERS,
    PAY,
    UPDATE_ORDER,
    confirmed_order,
    sent_quote_with_discount,
)
from tests.support import error_pairs, ok

TODAY = datetime.now(UTC).date().isoformat()
TABLES = ["sales_orders", "sales_order_lines", "sales_order_deliveries", "sales_order_payments"]


async def delivered_and_paid(client, member):
    """A confirmed order with one delivery and one payment: a row in every order table."""
    order = await confirmed_order(client, member)
    line_id = order["lines"][0]["id"]
    await ok(
        client,
        member,
        DELIVER,
        {"input": {"orderLineId": line_id, "quantity": "1", "deliveredOn": TODAY}},
        "recordSalesOrderDelivery",
    )
    paid = await ok(
        client,
        member,
        PAY,
        {"input": {"orderId": order["id"], "receivedOn": TODAY, "amount": "10"}},
        "recordSalesOrderPayment",
    )
    return paid["salesOrder"]


def write_attempts(order, quote=None, account=None):
    line_id = order["lines"][0]["id"]
    same = {"id": order["id"], "version": order["version"]}
    attempts = [
        (UPDATE_ORDER, {**same, "input": {"notes": "x"}}, "updateSalesOrder", "id"),
        (CONFIRM_ORDER, same, "confirmSalesOrder", "id"),
        (CLOSE_ORDER, same, "closeSalesOrder", "id"),
        (CANCEL_ORDER, same, "cancelSalesOrder", "id"),
        (
            DELIVER,
            {"input": {"orderLineId": line_id, "quantity": "1", "deliveredOn": TODAY}},
            "recordSalesOrderDelivery",
            "orderLineId",
        ),
        (
            PAY,
            {"input": {"orderId": order["id"], "receivedOn": TODAY, "amount": "1"}},
            "recordSalesOrderPayment",
            "orderId",
        ),
    ]
    if quote is not None:
        attempts.append(
            (
                ORDER_FROM_QUOTE,
                {"quoteId": quote["id"], "version": quote["version"]},
                "createSalesOrderFromQuote",
                "quoteId",
            )
        )
    if account is not None:
        line = {"description": "x", "quantity": "1", "unitPrice": "1"}
        attempts.append(
            (
                CREATE_ORDER,
                {"input": {"accountId": account["id"], "currency": "EUR", "lines": [line]}},
                "createSalesOrder",
                "accountId",
            )
        )
    return attempts


async def test_another_tenant_sees_and_changes_nothing_through_the_api(client):
    a = await client.sign_up("Tenant A")
    order = await delivered_and_paid(client, a)
    quote = await sent_quote_with_discount(client, a, sku="A-2")
    b = await client.sign_up("Tenant B")

    assert (await client.execute(ORDER, {"id": order["id"]}, b.token))["salesOrder"] is None
    for node_id in (
        order["id"],
        order["lines"][0]["id"],
        order["deliveries"][0]["id"],
        order["payments"][0]["id"],
    ):
        assert (await client.execute(NODE, {"id": node_id}, b.token))["node"] is None
    assert (await client.execute(ORDERS, {}, b.token))["salesOrders"]["totalCount"] == 0

    for document, variables, name, field in write_attempts(order, quote, order["account"]):
        payload = (await client.execute(document, variables, b.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name

    seen = (await client.execute(ORDER, {"id": order["id"]}, a.token))["salesOrder"]
    assert (seen["version"], seen["status"], seen["paidAmount"], seen["notes"]) == (
        order["version"],
        "PARTIALLY_DELIVERED",
        "10.00",
        None,
    )
    assert (await client.execute(NODE, {"id": order["lines"][0]["id"]}, a.token))["node"] is not None


async def in_tenant(connection, tenant_id: str) -> None:
    await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)


async def test_the_sql_wall_hides_and_protects_every_order_table(client, db):
    a = await client.sign_up("Tenant A")
    order = await delivered_and_paid(client, a)
    b = await client.sign_up("Tenant B")
    tenant_a = uuid.UUID(a.tenant_id)
    connection = await db.connect()

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
            updated = await connection.execute(
                f"update {table} set tenant_id = tenant_id where tenant_id = $1", tenant_a
            )
            assert updated == "UPDATE 0", table
            assert (
                await connection.execute(f"delete from {table} where tenant_id = $1", tenant_a) == "DELETE 0"
            )
    async with connection.transaction():
        for table in TABLES:
            assert await connection.fetchval(f"select count(*) from {table}") == 0, table

    for table in TABLES:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await in_tenant(connection, b.tenant_id)
                await connection.execute(f"insert into {table} (tenant_id) values ($1)", tenant_a)
    # B's own row cannot point at A's order: the composite key finds nothing across tenants.
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with connection.transaction():
            await in_tenant(connection, b.tenant_id)
            await connection.execute(
                "insert into sales_order_payments (tenant_id, id, order_id, received_on, amount, method,"
                " recorded_by_id) values ($1, $2, $3, current_date, 1, 'cash', $4)",
                uuid.UUID(b.tenant_id),
                uuid.uuid4(),
                raw_id(order["id"]),
                raw_id(b.user_id),
            )


async def test_a_viewer_reads_and_a_sales_rep_works_only_on_own_orders(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    rep = await client.add_member(admin, "sales", "rep")
    theirs = await confirmed_order(client, admin)

    assert (await client.execute(ORDER, {"id": theirs["id"]}, viewer.token))["salesOrder"]["id"] == theirs[
        "id"
    ]
    for document, variables, name, _field in write_attempts(theirs):
        assert await client.refused(document, variables, viewer.token, name) == [
            (None, "PERMISSION_DENIED")
        ], name

    # The rep may not see the admin's order, its parts, or touch it.
    assert (await client.execute(ORDER, {"id": theirs["id"]}, rep.token))["salesOrder"] is None
    assert (await client.execute(NODE, {"id": theirs["lines"][0]["id"]}, rep.token))["node"] is None
    assert (await client.execute(ORDERS, {}, rep.token))["salesOrders"]["totalCount"] == 0
    for document, variables, name, field in write_attempts(theirs):
        payload = (await client.execute(document, variables, rep.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name

    account = await create_account(client, rep, name="Rep customer")
    line = {"description": "Service", "quantity": "1", "unitPrice": "50"}
    variables = {"input": {"accountId": account["id"], "currency": "EUR", "lines": [line]}}
    mine = (await ok(client, rep, CREATE_ORDER, variables, "createSalesOrder"))["salesOrder"]
    assert mine["owner"]["id"] == rep.user_id
    listed = (await client.execute(ORDERS, {}, rep.token))["salesOrders"]
    assert [node["id"] for node in listed["nodes"]] == [mine["id"]]
    assert (await client.execute(ORDERS, {}, admin.token))["salesOrders"]["totalCount"] == 2


async def test_hidden_notes_and_a_read_only_status_hold_on_orders(client):
    admin = await client.sign_up()
    grants = [
        {
            "objectType": "sales_order",
            "actions": ["READ", "CREATE", "UPDATE", "DELETE"],
            "scope": "ALL",
            "fields": [{"field": "notes", "access": "HIDDEN"}, {"field": "status", "access": "READ_ONLY"}],
        },
        {"objectType": "account", "actions": ["READ"], "scope": "ALL", "fields": []},
    ]
    role = await create_role(client, admin, "order_clerk", grants=grants)
    clerk = await client.add_member(admin, "sales", "clerk")
    await assign(client, admin, clerk, role)
    quote = await sent_quote_with_discount(client, admin)
    variables = {"quoteId": quote["id"], "version": quote["version"], "input": {"notes": "secret"}}
    order = (await ok(client, admin, ORDER_FROM_QUOTE, variables, "createSalesOrderFromQuote"))["salesOrder"]

    seen = (await client.execute(ORDER, {"id": order["id"]}, clerk.token))["salesOrder"]
    assert (seen["notes"], seen["total"]) == (None, "204.00")
    assert (await client.execute(ORDERS, {}, clerk.token))["salesOrders"]["nodes"][0]["notes"] is None
    same = {"id": order["id"], "version": order["version"]}
    for document, name in ((CONFIRM_ORDER, "confirmSalesOrder"), (CANCEL_ORDER, "cancelSalesOrder")):
        assert await client.refused(document, same, clerk.token, name) == [("status", "PERMISSION_DENIED")]
    payload = await client.mutate(
        UPDATE_ORDER, {**same, "input": {"notes": "mine"}}, clerk.token, "updateSalesOrder"
    )
    assert error_pairs(payload) == [("notes", "PERMISSION_DENIED")]
    after = (await client.execute(ORDER, {"id": order["id"]}, admin.token))["salesOrder"]
    assert (after["status"], after["notes"], after["version"]) == ("DRAFT", "secret", order["version"])
