"""The order list is a hot read: served by the compiled path in four round trips (BEGIN, credential,
one statement, COMMIT), with the same answer as the executor (verify mode compares them in every
other test), filtered and paged both ways."""

from __future__ import annotations

from tests.admin.documents import assign, create_role
from tests.crm.documents import create_account
from tests.platform.test_round_trips import counted, round_trips  # noqa: F401 - the fixture
from tests.sales.orders.documents import CREATE_ORDER, ORDERS
from tests.support import ok

ORDER_LIST_50 = """
query {
  salesOrders(first: 50) {
    totalCount
    nodes { id number status currency total paidAmount outstandingAmount orderDate createdAt
            owner { fullName } account { name } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def direct_order(client, member, account_id, price):
    line = {"description": "服务费", "quantity": "1", "unitPrice": price, "taxRate": "6"}
    variables = {"input": {"accountId": account_id, "currency": "CNY", "lines": [line]}}
    return (await ok(client, member, CREATE_ORDER, variables, "createSalesOrder"))["salesOrder"]


async def test_the_order_list_takes_four_round_trips(client, round_trips):  # noqa: F811
    admin = await client.sign_up()
    account = await create_account(client, admin, name="华磊")
    for price in ("100", "200", "300"):
        await direct_order(client, admin, account["id"], price)

    data, seen = await counted(client, round_trips, ORDER_LIST_50, {}, admin.token)

    listed = data["salesOrders"]
    assert listed["totalCount"] == 3
    assert [node["total"] for node in listed["nodes"]] == ["318.00", "212.00", "106.00"]  # newest first
    assert {node["account"]["name"] for node in listed["nodes"]} == {"华磊"}
    assert len(seen) <= 4, "\n".join(s[:80] for s in seen)


async def test_the_order_list_filters_and_pages_both_ways(client):
    admin = await client.sign_up()
    first_account = await create_account(client, admin, name="One")
    second_account = await create_account(client, admin, name="Two")
    orders = [
        await direct_order(client, admin, account["id"], "10")
        for account in (first_account, second_account, first_account)
    ]
    by_account = {"filter": {"accountId": first_account["id"], "status": "DRAFT"}}
    listed = (await client.execute(ORDERS, by_account, admin.token))["salesOrders"]
    assert [node["id"] for node in listed["nodes"]] == [orders[2]["id"], orders[0]["id"]]
    confirmed = (await client.execute(ORDERS, {"filter": {"status": "CONFIRMED"}}, admin.token))[
        "salesOrders"
    ]
    assert confirmed["totalCount"] == 0

    by_number = {"orderBy": [{"field": "NUMBER", "direction": "ASC"}], "first": 2}
    page = (await client.execute(ORDERS, by_number, admin.token))["salesOrders"]
    assert [node["number"] for node in page["nodes"]] == [orders[0]["number"], orders[1]["number"]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = {**by_number, "after": page["pageInfo"]["endCursor"]}
    page = (await client.execute(ORDERS, rest, admin.token))["salesOrders"]
    assert [node["number"] for node in page["nodes"]] == [orders[2]["number"]]
    backwards = """query { salesOrders(last: 1, orderBy: [{field: NUMBER}]) { nodes { number } } }"""
    assert (await client.execute(backwards, {}, admin.token))["salesOrders"]["nodes"] == [
        {"number": orders[2]["number"]}
    ]


ORDER_POINT = """
query($id: ID!) {
  salesOrder(id: $id) { id number status total returnedAmount outstandingAmount notes version
                        owner { id } account { name } }
}"""


async def test_an_order_point_read_takes_four_round_trips(client, round_trips):  # noqa: F811
    admin = await client.sign_up()
    account = await create_account(client, admin, name="华磊")
    line = {"description": "服务费", "quantity": "1", "unitPrice": "100", "taxRate": "6"}
    variables = {
        "input": {"accountId": account["id"], "currency": "CNY", "lines": [line], "notes": "内部备注"}
    }
    order = (await ok(client, admin, CREATE_ORDER, variables, "createSalesOrder"))["salesOrder"]

    data, seen = await counted(client, round_trips, ORDER_POINT, {"id": order["id"]}, admin.token)
    assert (data["salesOrder"]["total"], data["salesOrder"]["notes"], data["salesOrder"]["status"]) == (
        "106.00",
        "内部备注",
        "DRAFT",
    )
    assert len(seen) <= 4, "\n".join(s[:80] for s in seen)


async def test_the_compiled_order_reads_hide_what_the_role_hides(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="华磊")
    line = {"description": "服务费", "quantity": "1", "unitPrice": "100", "taxRate": "6"}
    variables = {
        "input": {"accountId": account["id"], "currency": "CNY", "lines": [line], "notes": "内部备注"}
    }
    order = (await ok(client, admin, CREATE_ORDER, variables, "createSalesOrder"))["salesOrder"]
    grants = [
        {
            "objectType": "sales_order",
            "actions": ["READ"],
            "scope": "ALL",
            "fields": [{"field": "notes", "access": "HIDDEN"}],
        },
        {"objectType": "account", "actions": ["READ"], "scope": "ALL", "fields": []},
    ]
    role = await create_role(client, admin, "order_reader", grants=grants)
    reader = await client.add_member(admin, "viewer", "reader")
    await assign(client, admin, reader, role)
    # Verify mode compares this compiled read with the executor's answer.
    hidden = (await client.execute(ORDER_POINT, {"id": order["id"]}, reader.token))["salesOrder"]
    assert (hidden["notes"], hidden["total"], hidden["account"]) == (None, "106.00", {"name": "华磊"})
    listed = (await client.execute(ORDER_LIST_50, {}, reader.token))["salesOrders"]
    assert listed["totalCount"] == 1
