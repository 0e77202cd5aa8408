from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.projects.documents import (
    COST,
    DELETE_TIME,
    LOG_TIME,
    RATES,
    RECORD_EXPENSE,
    SET_RATE,
    add_member,
    create_project,
    create_task,
    error_pairs,
    ok,
)

AUDIT = """{ auditLog(first: 50) { edges { node { action objectType changes } } } }"""
SET_EXCHANGE_RATE = """
mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) { errors { field code } } }"""


MISSING_RATES = """query($id: ID!) { project(id: $id) { cost {
  missingRates { fromCurrency toCurrency neededFrom } } } }"""


async def test_project_costs_name_the_missing_rates(client):
    admin = await client.sign_up("华磊科技", locale="zh-CN")
    project = await create_project(client, admin, budget="1000", currency="CNY")
    task = await create_task(client, admin, project["id"], title="Build")
    await ok(
        client, admin, SET_RATE, {"userId": admin.user_id, "rate": "80", "currency": "USD"}, "setUserCostRate"
    )
    await log(client, admin, task["id"], "1", work_date="2026-01-07")
    await log(client, admin, task["id"], "1", work_date="2026-01-05")
    expense = {"projectId": project["id"], "description": "Hotel", "amount": "50", "currency": "EUR"}
    await ok(
        client, admin, RECORD_EXPENSE, {"input": {**expense, "incurredOn": "2026-01-06"}}, "recordExpense"
    )
    cost = (await client.execute(MISSING_RATES, {"id": project["id"]}, admin.token))["project"]["cost"]
    assert cost["missingRates"] == [
        {"fromCurrency": "EUR", "toCurrency": "CNY", "neededFrom": "2026-01-06"},
        {"fromCurrency": "USD", "toCurrency": "CNY", "neededFrom": "2026-01-05"},
    ]
    # A project in yen converts base-currency costs through the yen's rate: that is the one missing.
    yen = await create_project(client, admin, currency="JPY")
    expense = {"projectId": yen["id"], "description": "Taxi", "amount": "50", "currency": "CNY"}
    await ok(
        client, admin, RECORD_EXPENSE, {"input": {**expense, "incurredOn": "2026-02-01"}}, "recordExpense"
    )
    cost = (await client.execute(MISSING_RATES, {"id": yen["id"]}, admin.token))["project"]["cost"]
    assert cost["missingRates"] == [{"fromCurrency": "JPY", "toCurrency": "CNY", "neededFrom": "2026-02-01"}]


async def log(client, member, task_id, hours, work_date="2026-01-05", **extra):
    variables = {"input": {"taskId": task_id, "hours": hours, "workDate": work_date, **extra}}
    return (await ok(client, member, LOG_TIME, variables, "logTime"))["timeEntry"]


async def test_cost_is_time_at_cost_rates_plus_expenses_against_the_budget(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    project = await create_project(client, admin, budget="1000", currency="USD")
    await add_member(client, admin, project["id"], dev)
    task = await create_task(client, admin, project["id"], title="Build")
    rate = await ok(
        client, admin, SET_RATE, {"userId": dev.user_id, "rate": "100", "currency": "USD"}, "setUserCostRate"
    )
    await ok(
        client, admin, SET_RATE, {"userId": admin.user_id, "rate": "80", "currency": "EUR"}, "setUserCostRate"
    )

    await log(client, dev, task["id"], "3")
    await log(client, dev, task["id"], "2", billable=False, note="pairing")
    await log(client, admin, task["id"], "1.5")  # EUR rate, no exchange rate yet: unpriced
    await ok(
        client,
        admin,
        RECORD_EXPENSE,
        {
            "input": {
                "projectId": project["id"],
                "description": "Licences",
                "amount": "120",
                "incurredOn": "2026-01-05",
            }
        },
        "recordExpense",
    )
    await ok(
        client,
        admin,
        RECORD_EXPENSE,
        {
            "input": {
                "projectId": project["id"],
                "description": "Hotel",
                "amount": "50",
                "currency": "EUR",
                "incurredOn": "2026-01-05",
            }
        },
        "recordExpense",
    )
    before_rates = (await client.execute(COST, {"id": project["id"]}, dev.token))["project"]
    await client.execute(
        SET_EXCHANGE_RATE,
        {"input": {"currency": "EUR", "effectiveOn": "2026-01-01", "rate": "1.10"}},
        admin.token,
    )
    after_rates = (await client.execute(COST, {"id": project["id"]}, dev.token))["project"]

    assert rate["costRate"] == {"hourlyRate": "100.00", "currency": "USD", "user": {"id": dev.user_id}}
    # 1.5 h at 80 EUR and the 50 EUR hotel need a EUR rate: the costs are unknown, not 500.00 and 120.00.
    assert before_rates["cost"] == {
        "currency": "USD",
        "budget": "1000.00",
        "laborCost": None,
        "expenseCost": None,
        "actualCost": None,
        "remaining": None,
        "burnPercent": None,
        "hours": "6.50",
        "billableHours": "4.50",
        "unpricedHours": "1.50",
        "unconvertedExpenses": 1,
    }
    missing = (await client.execute(MISSING_RATES, {"id": project["id"]}, dev.token))["project"]["cost"]
    assert missing == {"missingRates": []}  # before the rate: test_project_costs_name_the_missing_rates
    # 1.5 h at 80 EUR = 120 EUR = 132 USD; 50 EUR = 55 USD.
    assert after_rates["cost"]["laborCost"] == "632.00"
    assert after_rates["cost"]["expenseCost"] == "175.00"
    assert after_rates["cost"]["unpricedHours"] == "0"
    assert after_rates["cost"]["burnPercent"] == "80.7"
    assert len(before_rates["timeEntries"]["edges"]) == 3
    assert [e["description"] for e in before_rates["expenses"]] == ["Licences", "Hotel"] or [
        e["description"] for e in before_rates["expenses"]
    ] == ["Hotel", "Licences"]
    assert {
        r["user"]["id"] for r in (await client.execute(RATES, {}, admin.token))["userCostRates"]["nodes"]
    } == {
        admin.user_id,
        dev.user_id,
    }


async def test_time_and_expense_input_is_checked(client):
    admin = await client.sign_up()
    outsider = await client.add_member(admin, "sales", "outsider")
    project = await create_project(client, admin)
    task = await create_task(client, admin, project["id"])
    await log(client, admin, task["id"], "20", work_date="2026-01-06")
    future = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    cases = [
        ({"hours": "0"}, [("hours", "INVALID")]),
        ({"hours": "24.5"}, [("hours", "INVALID")]),
        ({"hours": "1", "workDate": future}, [("workDate", "INVALID")]),
        ({"hours": "5", "workDate": "2026-01-06"}, [("hours", "INVALID")]),
        ({"hours": "1", "userId": outsider.user_id}, [("userId", "INVALID")]),
        ({"hours": "1", "taskId": project["id"]}, [("taskId", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        variables = {"input": {"taskId": task["id"], "workDate": "2026-01-05", **values}}
        payload = await client.outcome(LOG_TIME, variables, admin.token, "logTime")
        assert payload == expected, values
    expense_cases = [
        ({"amount": "0"}, [("amount", "INVALID")]),
        ({"amount": "1", "description": " "}, [("description", "REQUIRED")]),
        ({"amount": "1", "currency": "ZZZ"}, [("currency", "INVALID")]),
    ]
    for values, expected in expense_cases:
        variables = {
            "input": {"projectId": project["id"], "description": "x", "incurredOn": "2026-01-05", **values}
        }
        payload = await client.outcome(RECORD_EXPENSE, variables, admin.token, "recordExpense")
        assert payload == expected, values
    rate_cases = [
        ({"rate": "-1", "currency": "USD"}, [("hourlyRate", "INVALID")]),
        ({"rate": "1", "currency": "usd1"}, [("currency", "INVALID")]),
    ]
    for values, expected in rate_cases:
        payload = await client.outcome(
            SET_RATE, {"userId": admin.user_id, **values}, admin.token, "setUserCostRate"
        )
        assert payload == expected, values


async def test_time_permissions(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    manager = await client.add_member(admin, "manager", "manager")
    viewer = await client.add_member(admin, "viewer", "viewer")
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], dev)
    task = await create_task(client, admin, project["id"])
    admin_entry = await log(client, admin, task["id"], "1")
    dev_entry = await log(client, dev, task["id"], "1")

    denied = [
        (
            viewer,
            LOG_TIME,
            {"input": {"taskId": task["id"], "hours": "1", "workDate": "2026-01-05"}},
            "logTime",
        ),
        (
            dev,
            LOG_TIME,
            {
                "input": {
                    "taskId": task["id"],
                    "hours": "1",
                    "workDate": "2026-01-05",
                    "userId": admin.user_id,
                }
            },
            "logTime",
        ),
        (dev, DELETE_TIME, {"id": admin_entry["id"]}, "deleteTimeEntry"),
        (manager, SET_RATE, {"userId": dev.user_id, "rate": "1", "currency": "USD"}, "setUserCostRate"),
        (
            viewer,
            RECORD_EXPENSE,
            {
                "input": {
                    "projectId": project["id"],
                    "description": "x",
                    "amount": "1",
                    "incurredOn": "2026-01-05",
                }
            },
            "recordExpense",
        ),
    ]
    for member, document, variables, name in denied:
        assert await client.refused(
            document,
            variables,
            member.token,
            name,
        ) == [(None, "PERMISSION_DENIED")], name
    assert (await client.errors(RATES, {}, manager.token))[0]["extensions"]["code"] == "PERMISSION_DENIED"

    outsider = await client.add_member(admin, "sales", "outsider")
    hidden = (
        await client.execute(
            LOG_TIME,
            {"input": {"taskId": task["id"], "hours": "1", "workDate": "2026-01-05"}},
            outsider.token,
        )
    )["logTime"]
    assert error_pairs(hidden) == [("taskId", "NOT_FOUND")]
    await ok(client, dev, DELETE_TIME, {"id": dev_entry["id"]}, "deleteTimeEntry")
    await ok(client, admin, DELETE_TIME, {"id": admin_entry["id"]}, "deleteTimeEntry")
    gone = (await client.execute(DELETE_TIME, {"id": admin_entry["id"]}, admin.token))["deleteTimeEntry"]
    assert error_pairs(gone) == [("id", "NOT_FOUND")]


async def test_time_changes_are_audited(client):
    admin = await client.sign_up()
    project = await create_project(client, admin)
    task = await create_task(client, admin, project["id"])
    entry = await log(client, admin, task["id"], "2.5")
    await ok(client, admin, DELETE_TIME, {"id": entry["id"]}, "deleteTimeEntry")

    entries = (await client.execute(AUDIT, {}, admin.token))["auditLog"]["edges"]
    changes = {
        e["node"]["action"]: e["node"]["changes"] for e in entries if e["node"]["objectType"] == "time_entry"
    }
    assert changes["time_entry.create"]["hours"] == [None, "2.50"]
    assert changes["time_entry.delete"]["hours"] == ["2.50", None]
