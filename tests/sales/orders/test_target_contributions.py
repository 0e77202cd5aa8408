"""Customer 360: a customer's contribution to the sales targets its records count towards (issue 15), by
the same computation as the achievement: two customers of one rep checked by hand (their contributions
add up to the achievement); another rep's target not shown to a rep who cannot see it; a missing rate
named; another tenant sees nothing."""

from __future__ import annotations

from decimal import Decimal

from tests.admin.documents import create_team, set_team
from tests.sales.orders.documents import (
    CONFIRM_ORDER,
    CREATE_ORDER,
    PAY,
    confirmed_order,
    create_return,
    create_target,
    deliver_all,
)
from tests.sales.orders.test_targets import SET_RATE, TODAY
from tests.support import ok

CONTRIBUTIONS = """
query($accountId: ID!, $on: Date) {
  customerSales(accountId: $accountId) {
    orderCount
    targetContributions(on: $on) {
      target { id level metric achieved user { id } }
      contributed records sharePercent missingRates { fromCurrency toCurrency neededFrom } } } }"""


async def contributions(client, member, account_id, on=None):
    variables = {"accountId": account_id, "on": on}
    found = (await client.execute(CONTRIBUTIONS, variables, member.token))["customerSales"]
    return [
        (
            item["target"]["id"],
            item["target"]["achieved"],
            item["contributed"],
            item["records"],
            item["sharePercent"],
        )
        for item in found["targetContributions"]
    ]


async def pay(client, member, order, amount):
    variables = {"input": {"orderId": order["id"], "receivedOn": TODAY, "amount": amount}}
    await ok(client, member, PAY, variables, "recordSalesOrderPayment")


async def direct_order(client, member, account_id, owner_id, price="204"):
    """A confirmed direct order of one free-text line at `price`, no tax, owned by `owner_id`."""
    line = {"description": "Service", "quantity": "1", "unitPrice": price, "taxRate": "0"}
    data = {"accountId": account_id, "currency": "EUR", "ownerId": owner_id, "lines": [line]}
    order = (await ok(client, member, CREATE_ORDER, {"input": data}, "createSalesOrder"))["salesOrder"]
    variables = {"id": order["id"], "version": order["version"]}
    return (await ok(client, member, CONFIRM_ORDER, variables, "confirmSalesOrder"))["salesOrder"]


async def test_two_customers_of_one_rep_add_up_to_the_achievement_and_others_see_what_they_may(client):
    admin = await client.sign_up(baseCurrency="EUR")
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.add_member(admin, "sales", "other")
    won = await create_target(client, admin, level="USER", userId=rep.user_id, goal="1000")
    collected = await create_target(
        client, admin, level="USER", userId=rep.user_id, metric="AMOUNT_COLLECTED", goal="500"
    )
    new = await create_target(
        client, admin, level="USER", userId=rep.user_id, metric="NEW_CUSTOMERS", goal="4"
    )
    everyone = await create_target(client, admin, goal="2000")
    others = await create_target(client, admin, level="USER", userId=other.user_id, goal="1000")

    first = await deliver_all(client, rep, await confirmed_order(client, rep), TODAY)  # 204.00
    await pay(client, rep, first, "204")
    await create_return(client, rep, first, ["1"])  # worth 102.00 now; 102.00 refunded
    second = await deliver_all(client, rep, await confirmed_order(client, rep), TODAY)  # 204.00
    await pay(client, rep, second, "100")
    one, two = first["account"]["id"], second["account"]["id"]
    await direct_order(client, admin, one, other.user_id)  # 204.00 of the first customer, other's

    # By hand. Amount won, the rep's: 102.00 + 204.00 = 306.00; the tenant's adds other's 204.00: 510.00.
    # Collected: 204.00 - 102.00 refunded = 102.00, and 100.00: 202.00. New customers: 2 (the first
    # customer's first order is the rep's). Other's target: 204.00, all from the first customer.
    assert await contributions(client, admin, one) == [
        (collected["id"], "202.00", "102.00", 2, "50.50"),  # 102 / 202 = 50.495 %
        (won["id"], "306.00", "102.00", 1, "33.33"),
        (new["id"], "2", "1", 1, "50.00"),
        (others["id"], "204.00", "204.00", 1, "100.00"),
        (everyone["id"], "510.00", "306.00", 2, "60.00"),
    ]
    assert await contributions(client, admin, two) == [
        (collected["id"], "202.00", "100.00", 1, "49.50"),  # 100 / 202 = 49.505 %
        (won["id"], "306.00", "204.00", 1, "66.67"),
        (new["id"], "2", "1", 1, "50.00"),
        (everyone["id"], "510.00", "204.00", 1, "40.00"),
    ]
    for target, achieved in ((won, "306.00"), (collected, "202.00"), (new, "2"), (everyone, "510.00")):
        parts = [
            item[2]
            for account in (one, two)
            for item in await contributions(client, admin, account)
            if item[0] == target["id"]
        ]
        assert sum(Decimal(part) for part in parts) == Decimal(achieved), target
    # The rep sees only their own targets (not other's, not the tenant's) and their own records.
    assert await contributions(client, rep, one) == [
        (collected["id"], "202.00", "102.00", 2, "50.50"),
        (won["id"], "306.00", "102.00", 1, "33.33"),
        (new["id"], "2", "1", 1, "50.00"),
    ]
    # Other cannot see the rep's orders of the first customer: only their own order, their own target.
    assert await contributions(client, other, one) == [(others["id"], "204.00", "204.00", 1, "100.00")]
    assert await contributions(client, other, two) == []
    assert await contributions(client, admin, one, on="2000-01-15") == []


async def test_a_missing_rate_makes_the_contribution_null_and_names_it(client):
    admin = await client.sign_up("华磊 CRM", locale="zh-CN", baseCurrency="CNY")
    target = await create_target(client, admin, goal="10000")
    order = await confirmed_order(client, admin)  # 204.00 EUR
    found = await client.execute(CONTRIBUTIONS, {"accountId": order["account"]["id"]}, admin.token)
    [item] = found["customerSales"]["targetContributions"]
    assert (item["target"]["id"], item["contributed"], item["records"], item["sharePercent"]) == (
        target["id"],
        None,
        1,
        None,
    )
    assert item["missingRates"] == [{"fromCurrency": "EUR", "toCurrency": "CNY", "neededFrom": TODAY}]
    rate = {"input": {"currency": "EUR", "effectiveOn": "2000-01-01", "rate": "7.8"}}
    await ok(client, admin, SET_RATE, rate, "setExchangeRate")
    assert await contributions(client, admin, order["account"]["id"]) == [
        (target["id"], "1591.20", "1591.20", 1, "100.00")  # 204.00 x 7.8
    ]


async def test_another_tenant_sees_no_contribution(client):
    admin = await client.sign_up(baseCurrency="EUR")
    stranger = await client.sign_up("Stranger", baseCurrency="EUR")
    await create_target(client, admin, goal="1000")
    await create_target(client, stranger, goal="1000")
    order = await confirmed_order(client, admin)
    account = order["account"]["id"]
    assert len(await contributions(client, admin, account)) == 1
    seen = (await client.execute(CONTRIBUTIONS, {"accountId": account}, stranger.token))["customerSales"]
    assert seen == {"orderCount": 0, "targetContributions": []}


async def test_a_team_target_counts_the_customers_of_its_members_only(client):
    admin = await client.sign_up(baseCurrency="EUR")
    rep = await client.add_member(admin, "sales", "rep")
    outsider = await client.add_member(admin, "sales", "outsider")
    team = await create_team(client, admin, "华东销售")
    await set_team(client, admin, rep, team)
    target = await create_target(client, admin, level="TEAM", teamId=team["id"], goal="1000")
    ours = await confirmed_order(client, rep)  # 204.00
    theirs = await confirmed_order(client, outsider)
    assert await contributions(client, admin, ours["account"]["id"]) == [
        (target["id"], "204.00", "204.00", 1, "100.00")
    ]
    assert await contributions(client, admin, theirs["account"]["id"]) == []
