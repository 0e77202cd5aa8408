"""Sales targets and PDCA plans (issue 15): achievement computed from the real orders, returns and
payments, for a rep, a team and the tenant; converted into the base currency or null with the missing
rate; a rep sees and sets only their own; plan items with owner, due date, check note and follow-up."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.admin.documents import create_team, set_team
from tests.sales.orders.documents import (
    ADD_PLAN_ITEM,
    CREATE_TARGET,
    NODE,
    PAY,
    TARGET,
    TARGETS,
    UPDATE_PLAN_ITEM,
    UPDATE_TARGET,
    assert_sql_wall,
    confirmed_order,
    create_return,
    create_target,
    deliver_all,
    month_start,
    order_from_quote,
)
from tests.support import error_pairs, ok

TODAY = datetime.now(UTC).date().isoformat()
SET_RATE = (
    """mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) { errors { field code } } }"""
)


async def figures(client, member, target):
    seen = (await client.execute(TARGET, {"id": target["id"]}, member.token))["salesTarget"]
    return seen["achieved"], seen["achievementPercent"]


async def test_achievement_comes_from_confirmed_orders_returns_and_payments(client):
    admin = await client.sign_up(baseCurrency="EUR")
    rep = await client.add_member(admin, "sales", "rep")
    won = await create_target(client, admin, level="USER", userId=rep.user_id, goal="1000")
    collected = await create_target(
        client, admin, level="USER", userId=rep.user_id, metric="AMOUNT_COLLECTED", goal="500"
    )
    customers = await create_target(
        client, admin, level="USER", userId=rep.user_id, metric="NEW_CUSTOMERS", goal="4"
    )
    everyone = await create_target(client, admin, goal="2000")
    assert (won["currency"], won["goal"], won["endsOn"][:7], customers["goal"], customers["currency"]) == (
        "EUR",
        "1000.00",
        TODAY[:7],
        "4",
        None,
    )
    assert (won["achieved"], won["achievementPercent"], won["missingRates"]) == ("0.00", "0.00", [])

    order = await confirmed_order(client, rep)  # 204.00
    await order_from_quote(client, rep)  # a draft: not won
    await confirmed_order(client, admin)  # the admin's: the tenant's, not the rep's
    assert await figures(client, admin, won) == ("204.00", "20.40")
    assert await figures(client, admin, customers) == ("1", "25.00")
    assert await figures(client, admin, everyone) == ("408.00", "20.40")

    order = await deliver_all(client, rep, order, TODAY)
    await ok(
        client,
        rep,
        PAY,
        {"input": {"orderId": order["id"], "receivedOn": TODAY, "amount": "204"}},
        "recordSalesOrderPayment",
    )
    assert await figures(client, admin, collected) == ("204.00", "40.80")
    await create_return(client, rep, order, ["1"])  # 102.00 back: worth 102.00, 102.00 refunded
    assert await figures(client, admin, won) == ("102.00", "10.20")
    assert await figures(client, admin, collected) == ("102.00", "20.40")
    assert await figures(client, admin, everyone) == ("306.00", "15.30")

    updated = (
        await ok(
            client,
            admin,
            UPDATE_TARGET,
            {"id": won["id"], "version": won["version"], "goal": "204"},
            "updateSalesTarget",
        )
    )["target"]
    assert (updated["goal"], updated["achievementPercent"], updated["version"]) == (
        "204.00",
        "50.00",
        won["version"] + 1,
    )


async def test_another_currency_is_converted_or_the_figure_is_null_with_the_missing_rate(client):
    admin = await client.sign_up("华磊 CRM", locale="zh-CN", baseCurrency="CNY")
    target = await create_target(client, admin, goal="10000")
    await confirmed_order(client, admin)  # 204.00 EUR
    seen = (await client.execute(TARGET, {"id": target["id"]}, admin.token))["salesTarget"]
    assert (seen["currency"], seen["achieved"], seen["achievementPercent"]) == ("CNY", None, None)
    assert seen["missingRates"] == [{"fromCurrency": "EUR", "toCurrency": "CNY", "neededFrom": TODAY}]
    rate = {"input": {"currency": "EUR", "effectiveOn": "2000-01-01", "rate": "7.8"}}
    await ok(client, admin, SET_RATE, rate, "setExchangeRate")
    assert await figures(client, admin, target) == ("1591.20", "15.91")  # 204.00 x 7.8; 1591.20 / 10000


async def test_team_targets_count_the_team_and_reps_see_and_set_only_their_own(client):
    admin = await client.sign_up(baseCurrency="EUR")
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    outsider = await client.add_member(admin, "sales", "outsider")
    team = await create_team(client, admin, "华东销售")
    for member in (manager, rep):
        await set_team(client, admin, member, team)
    team_target = await create_target(client, manager, level="TEAM", teamId=team["id"], goal="400")
    own = await create_target(client, rep, level="USER", userId=rep.user_id, goal="100")
    await confirmed_order(client, rep)
    await confirmed_order(client, outsider)
    assert await figures(client, manager, team_target) == ("204.00", "51.00")
    assert await figures(client, rep, own) == ("204.00", "204.00")

    assert (await client.execute(TARGET, {"id": team_target["id"]}, rep.token))["salesTarget"] is None
    assert (await client.execute(NODE, {"id": own["id"]}, outsider.token))["node"] is None
    assert [n["id"] for n in (await client.execute(TARGETS, {}, rep.token))["salesTargets"]["nodes"]] == [
        own["id"]
    ]
    listed = (await client.execute(TARGETS, {"filter": {"level": "TEAM"}}, manager.token))["salesTargets"]
    assert [n["id"] for n in listed["nodes"]] == [team_target["id"]]

    start = month_start()
    refusals = [
        ({"level": "TENANT", "period": "MONTH", "startsOn": start, "metric": "AMOUNT_WON", "goal": "1"}, rep),
        (
            {
                "level": "USER",
                "userId": outsider.user_id,
                "period": "MONTH",
                "startsOn": start,
                "metric": "AMOUNT_WON",
                "goal": "1",
            },
            rep,
        ),
        (
            {
                "level": "TEAM",
                "teamId": team["id"],
                "period": "YEAR",
                "startsOn": f"{start[:4]}-01-01",
                "metric": "AMOUNT_WON",
                "goal": "1",
            },
            outsider,
        ),
    ]
    for values, member in refusals:
        assert await client.refused(CREATE_TARGET, {"input": values}, member.token, "createSalesTarget") == [
            (None, "PERMISSION_DENIED")
        ]
    payload = (
        await client.execute(UPDATE_TARGET, {"id": team_target["id"], "version": 1, "goal": "1"}, rep.token)
    )["updateSalesTarget"]
    assert error_pairs(payload) == [("id", "NOT_FOUND")]


async def test_bad_targets_are_refused_with_the_exact_error(client):
    admin = await client.sign_up(baseCurrency="EUR")
    await create_target(client, admin, goal="100")
    start = month_start()
    base = {"level": "TENANT", "period": "MONTH", "startsOn": start, "metric": "AMOUNT_WON", "goal": "100"}
    cases = [
        ({**base, "startsOn": f"{start[:8]}02"}, [("startsOn", "INVALID")]),
        ({**base, "period": "QUARTER", "startsOn": "2026-02-01"}, [("startsOn", "INVALID")]),
        ({**base, "goal": "0"}, [("goal", "INVALID")]),
        ({**base, "goal": "10.001"}, [("goal", "INVALID")]),
        ({**base, "metric": "NEW_CUSTOMERS", "goal": "2.5"}, [("goal", "INVALID")]),
        ({**base, "level": "USER"}, [("userId", "REQUIRED")]),
        ({**base, "level": "TEAM"}, [("teamId", "NOT_FOUND")]),
        (base, [("startsOn", "DUPLICATE")]),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_TARGET, {"input": values}, admin.token))["createSalesTarget"]
        assert error_pairs(payload) == expected, values
    quarter = await create_target(client, admin, period="QUARTER", startsOn="2026-10-01", goal="1")
    year = await create_target(client, admin, period="YEAR", startsOn="2024-01-01", goal="1")
    assert (quarter["endsOn"], year["endsOn"]) == ("2026-12-31", "2024-12-31")
    assert (await client.execute(TARGETS, {}, admin.token))["salesTargets"]["totalCount"] == 3


async def test_pdca_plan_items_follow_their_target(client):
    admin = await client.sign_up(baseCurrency="EUR")
    rep = await client.add_member(admin, "sales", "rep")
    target = await create_target(client, admin, goal="100")
    variables = {
        "targetId": target["id"],
        "input": {"title": "拜访 10 家重点客户", "dueDate": "2026-12-20", "ownerId": rep.user_id},
    }
    item = (await ok(client, admin, ADD_PLAN_ITEM, variables, "addSalesPlanItem"))["item"]
    assert (item["status"], item["owner"], item["checkNote"]) == ("OPEN", {"id": rep.user_id}, None)
    changes = {"status": "DONE", "checkNote": "拜访 8 家", "followUp": "下周补访 2 家"}
    done = (
        await ok(
            client,
            admin,
            UPDATE_PLAN_ITEM,
            {"id": item["id"], "version": item["version"], "input": changes},
            "updateSalesPlanItem",
        )
    )["item"]
    assert (done["status"], done["checkNote"], done["followUp"], done["version"]) == (
        "DONE",
        "拜访 8 家",
        "下周补访 2 家",
        2,
    )
    seen = (await client.execute(TARGET, {"id": target["id"]}, admin.token))["salesTarget"]
    assert [i["id"] for i in seen["planItems"]] == [item["id"]]

    bad = [
        ({"title": " ", "dueDate": "2026-12-20"}, [("title", "REQUIRED")]),
        ({"title": "x", "dueDate": "2026-12-20", "ownerId": target["id"]}, [("ownerId", "NOT_FOUND")]),
    ]
    for values, expected in bad:
        payload = (
            await client.execute(ADD_PLAN_ITEM, {"targetId": target["id"], "input": values}, admin.token)
        )["addSalesPlanItem"]
        assert error_pairs(payload) == expected, values
    stale = {"id": item["id"], "version": 1, "input": {"title": "y"}}
    assert error_pairs(
        (await client.execute(UPDATE_PLAN_ITEM, stale, admin.token))["updateSalesPlanItem"]
    ) == [("version", "CONFLICT")]
    # The rep (own scope) does not see the tenant's target, so not its plan either.
    assert (await client.execute(NODE, {"id": item["id"]}, rep.token))["node"] is None
    payload = (await client.execute(UPDATE_PLAN_ITEM, {**stale, "version": 2}, rep.token))[
        "updateSalesPlanItem"
    ]
    assert error_pairs(payload) == [("id", "NOT_FOUND")]
    other = await client.sign_up("Other")
    assert (await client.execute(NODE, {"id": target["id"]}, other.token))["node"] is None
    payload = (
        await client.execute(
            ADD_PLAN_ITEM,
            {"targetId": target["id"], "input": {"title": "x", "dueDate": "2026-12-20"}},
            other.token,
        )
    )["addSalesPlanItem"]
    assert error_pairs(payload) == [("targetId", "NOT_FOUND")]


async def test_the_sql_wall_hides_targets_and_plans(client, db):
    a = await client.sign_up("Tenant A", baseCurrency="EUR")
    target = await create_target(client, a, goal="100")
    variables = {"targetId": target["id"], "input": {"title": "Plan", "dueDate": "2026-12-20"}}
    await ok(client, a, ADD_PLAN_ITEM, variables, "addSalesPlanItem")
    b = await client.sign_up("Tenant B")
    assert (await client.execute(TARGETS, {}, b.token))["salesTargets"]["totalCount"] == 0
    await assert_sql_wall(db, a, b, ["sales_targets", "sales_plan_items"])
