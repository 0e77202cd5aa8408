"""The whole sales journey through the GraphQL API, as the people who run it.

An admin configures the tenant (base currency EUR, a USD rate, a catalogue with a USD price list, a
promotion and a volume tier, a team); a web lead lands in the pool; a sales rep claims it, converts it into
an account, a contact and a USD opportunity, moves the deal through the pipeline, quotes it with discounts
and tax, has it accepted (which wins the deal), sets a payment plan, records two payments and delivers
everything; the contract completes. The team's manager checks the funnel, the forecast and the receivables
along the way, every figure in EUR and computed by hand below.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.admin.documents import create_team, set_team
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ACTIVATE_CONTRACT,
    CREATE_PRICE_LIST,
    CREATE_PROMOTION,
    RECEIVABLES,
    RECORD_DELIVERY,
    RECORD_PAYMENT,
    SEND_QUOTE,
    SET_PLAN,
    SET_PRICES,
    SET_TIERS,
    create_product,
    create_quote,
    ok,
)
from tests.sales.leads.documents import CLAIM_LEAD, CONVERT_LEAD, create_lead
from tests.sales.pipeline.documents import (
    OPPORTUNITY,
    UPDATE_OPPORTUNITY,
    create_opportunity,
    default_pipeline,
    moved,
)
from tests.sales.pipeline.reporting import set_rate
from tests.sales.pipeline.test_board_and_funnel import FUNNEL
from tests.sales.pipeline.test_forecast import FORECAST, figures, month_start

SET_BASE_CURRENCY = """
mutation($currency: String!) { setBaseCurrency(currency: $currency) { errors { field code } } }"""


async def test_lead_to_completed_contract_shows_in_funnel_forecast_and_receivables(client):
    today = datetime.now(UTC).date()
    # --- the admin configures the tenant -------------------------------------------------------------
    admin = await client.sign_up("Journey Ltd")
    await ok(client, admin, SET_BASE_CURRENCY, {"currency": "EUR"}, "setBaseCurrency")
    await set_rate(client, admin, "USD", "2020-01-01", "0.90")  # 1 USD = 0.90 EUR
    rep = await client.add_member(admin, "sales", "rep")
    manager = await client.add_member(admin, "manager", "boss")
    team = await create_team(client, admin, "Field sales")
    for member in (rep, manager):
        await set_team(client, admin, member, team)

    licence = await create_product(client, admin, sku="LIC", name="Licence", listPrice="40", taxRate="19")
    support = await create_product(client, admin, sku="SUP", name="Support", listPrice="1000", taxRate="19")
    us_list = (
        await ok(
            client, admin, CREATE_PRICE_LIST, {"input": {"name": "US", "currency": "USD"}}, "createPriceList"
        )
    )["priceList"]
    prices = [
        {"productId": licence["id"], "unitPrice": "50.00"},
        {"productId": support["id"], "unitPrice": "1200.00"},
    ]
    await ok(
        client,
        admin,
        SET_PRICES,
        {"id": us_list["id"], "version": us_list["version"], "prices": prices},
        "setPriceListPrices",
    )
    tiers = [{"minQuantity": "20", "percent": "10"}]
    await ok(client, admin, SET_TIERS, {"productId": licence["id"], "tiers": tiers}, "setVolumeTiers")
    promotion = {"name": "Support launch", "percent": "15", "productId": support["id"]}
    await ok(client, admin, CREATE_PROMOTION, {"input": promotion}, "createPromotion")
    stage = {s["name"]: s["id"] for s in (await default_pipeline(client, admin))["stages"]}

    # --- a web lead lands in the pool; the rep claims and converts it ---------------------------------
    lead = await create_lead(
        client, admin, firstName="Hank", lastName="Scorpio", email="hank@example.com", companyName="Globex"
    )
    assert (lead["inPool"], lead["owner"]) == (True, None)
    claimed = await ok(client, rep, CLAIM_LEAD, {"id": lead["id"]}, "claimLead")
    assert (claimed["lead"]["inPool"], claimed["lead"]["owner"]["id"]) == (False, rep.user_id)
    deal = {"name": "Globex rollout", "amount": "2000", "currency": "USD", "expectedCloseOn": str(today)}
    converted = await ok(
        client,
        rep,
        CONVERT_LEAD,
        {"id": lead["id"], "version": claimed["lead"]["version"], "input": {"createOpportunity": deal}},
        "convertLead",
    )
    account, contact, opportunity = converted["account"], converted["contact"], converted["opportunity"]
    assert converted["lead"]["status"] == "CONVERTED"
    assert converted["lead"]["convertedOpportunity"] == {"id": opportunity["id"]}
    assert (account["name"], account["owner"]["id"]) == ("Globex", rep.user_id)
    assert opportunity["contacts"] == [
        {"contact": {"id": contact["id"]}, "role": "DECISION_MAKER", "isPrimary": True}
    ]
    assert (opportunity["stage"]["name"], opportunity["amount"], opportunity["currency"]) == (
        "Prospecting",
        "2000.00",
        "USD",
    )
    # A second, euro deal of the rep's stays open in Proposal (50 %) to the end.
    await create_opportunity(
        client, rep, account["id"], name="Globex training", amount="1000", currency="EUR",
        stageId=stage["Proposal"], expectedCloseOn=str(today),
    )  # fmt: skip

    opportunity = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, rep.token))["opportunity"]
    for name in ["Qualification", "Proposal", "Negotiation"]:
        opportunity = await moved(client, rep, opportunity, stage[name])
    assert (opportunity["probability"], opportunity["weightedAmount"]) == (75, "1500.00")

    # --- the quote: price list, line discount, volume tier, promotion, cash discount, tax -------------
    quote = await create_quote(
        client,
        rep,
        account["id"],
        currency="USD",
        opportunityId=opportunity["id"],
        cashDiscountPercent="2",
        lines=[
            {"productId": licence["id"], "quantity": "25", "discountPercent": "4"},
            {"productId": support["id"], "quantity": "1"},
        ],
    )
    # Licence: 25 x 50.00 = 1250.00; -4 % line = 1200; -10 % tier = 1080; -2 % cash = 1058.40; tax 19 % 201.10
    # Support: 1200.00; -15 % promotion = 1020; -2 % cash = 999.60; tax 19 % = 189.924 -> 189.92
    lines = [
        (
            x["unitPrice"],
            x["discountPercent"],
            x["volumePercent"],
            x["promotionPercent"],
            x["cashPercent"],
            x["grossAmount"],
            x["netAmount"],
            x["taxAmount"],
            x["totalAmount"],
        )
        for x in quote["lines"]
    ]
    assert lines == [
        ("50.00", "4", "10", "0", "2", "1250.00", "1058.40", "201.10", "1259.50"),
        ("1200.00", "0", "0", "15", "2", "1200.00", "999.60", "189.92", "1189.52"),
    ], lines
    totals = ("grossTotal", "discountTotal", "netTotal", "taxTotal", "total")
    assert tuple(quote[k] for k in totals) == ("2450.00", "392.00", "2058.00", "391.02", "2449.02")
    # The rep sets the deal's value to the quote's total.
    opportunity = (
        await ok(
            client,
            rep,
            UPDATE_OPPORTUNITY,
            {"id": opportunity["id"], "version": opportunity["version"], "input": {"amount": quote["total"]}},
            "updateOpportunity",
        )
    )["opportunity"]

    window = {"from": str(month_start(today)), "to": str(month_start(today, 1)), "period": "MONTH"}
    forecast = (await client.execute(FORECAST, window, manager.token))["forecast"]
    # 2449.02 USD x 75 % x 0.90 = 1653.0885 EUR, + 1000 EUR x 50 % = 2153.09; best case 2204.12 + 1000.00
    assert (forecast["currency"], figures(forecast["total"])) == (
        "EUR",
        (2, "2153.09", "3204.12", 0, "0.00", 0),
    )

    # --- sent, accepted: the contract, and the deal is won ---------------------------------------------
    sent = (await ok(client, rep, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote"))[
        "quote"
    ]
    accepted = await ok(
        client,
        rep,
        ACCEPT_QUOTE,
        {
            "id": sent["id"],
            "version": sent["version"],
            "input": {"startDate": "2027-01-01", "signatoryContactId": contact["id"]},
        },
        "acceptQuote",
    )
    assert accepted["quote"]["status"] == "ACCEPTED"
    contract = accepted["contract"]
    assert (contract["status"], contract["currency"], contract["amount"], contract["signatory"]) == (
        "DRAFT",
        "USD",
        "2449.02",
        {"id": contact["id"]},
    )
    won = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, manager.token))["opportunity"]
    assert (won["status"], won["stage"]["name"], won["probability"]) == ("WON", "Won", 100)
    assert [(h["toStage"]["name"], h["actor"]["id"]) for h in won["stageHistory"]][-1] == (
        "Won",
        rep.user_id,
    )

    contract = (
        await ok(
            client,
            rep,
            ACTIVATE_CONTRACT,
            {"id": contract["id"], "version": contract["version"]},
            "activateContract",
        )
    )["contract"]
    plan = [{"dueDate": "2027-01-31", "amount": "1500.00"}, {"dueDate": "2027-02-28", "amount": "949.02"}]
    contract = (
        await ok(
            client,
            rep,
            SET_PLAN,
            {"id": contract["id"], "version": contract["version"], "installments": plan},
            "setPaymentPlan",
        )
    )["contract"]
    assert contract["installments"] == [
        {"dueDate": "2027-01-31", "amount": "1500.00"},
        {"dueDate": "2027-02-28", "amount": "949.02"},
    ]

    # --- the first payment; the second installment is 15 days overdue on 15 March ----------------------
    first = {
        "contractId": contract["id"],
        "receivedOn": "2026-11-20",
        "amount": "1500.00",
        "method": "BANK_TRANSFER",
    }
    paid = await ok(client, rep, RECORD_PAYMENT, {"input": first}, "recordPayment")
    assert (paid["contract"]["paidAmount"], paid["contract"]["outstandingAmount"]) == ("1500.00", "949.02")
    owed = (await client.execute(RECEIVABLES, {"asOf": "2027-03-15"}, manager.token))["receivables"]
    # 949.02 USD x 0.90 = 854.118 -> 854.12 EUR, 15 days past due
    assert owed["currency"] == "EUR"
    assert [(row["account"]["id"], row["aging"]) for row in owed["customers"]] == [
        (
            account["id"],
            {
                "current": "0.00",
                "days1To30": "854.12",
                "days31To60": "0.00",
                "days61To90": "0.00",
                "daysOver90": "0.00",
                "total": "854.12",
            },
        )
    ]

    second = {
        "contractId": contract["id"],
        "receivedOn": "2026-11-28",
        "amount": "949.02",
        "method": "BANK_TRANSFER",
    }
    paid = await ok(client, rep, RECORD_PAYMENT, {"input": second}, "recordPayment")
    assert [p["recordedBy"]["id"] for p in paid["contract"]["payments"]] == [rep.user_id, rep.user_id]
    assert paid["contract"]["status"] == "ACTIVE"  # paid, not yet delivered
    after = (await client.execute(RECEIVABLES, {"asOf": "2027-03-15"}, manager.token))["receivables"]
    assert (after["customers"], after["totals"]["total"]) == ([], "0.00")

    # --- delivered in full: the contract completes ------------------------------------------------------
    for line in contract["lines"]:
        delivered = await ok(
            client,
            rep,
            RECORD_DELIVERY,
            {
                "input": {
                    "contractLineId": line["id"],
                    "quantity": line["quantity"],
                    "deliveredOn": "2027-01-15",
                }
            },
            "recordDelivery",
        )
    final = delivered["contract"]
    assert (final["status"], final["paidAmount"], final["outstandingAmount"], final["overdueAmount"]) == (
        "COMPLETED",
        "2449.02",
        "0.00",
        "0.00",
    )
    assert [(x["quantity"], x["deliveredQuantity"]) for x in final["lines"]] == [("25", "25"), ("1", "1")]

    # --- the manager's reports -----------------------------------------------------------------------------
    forecast = (await client.execute(FORECAST, window, manager.token))["forecast"]
    # Open: 1000 EUR x 50 %; won today: 2449.02 USD x 0.90 = 2204.118 -> 2204.12 EUR
    assert figures(forecast["total"]) == (1, "500.00", "1000.00", 1, "2204.12", 0)
    created = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
    funnel = (await client.execute(FUNNEL, created, manager.token))["funnel"]
    assert (funnel["currency"], funnel["total"], funnel["unconvertedCount"]) == ("EUR", 2, 0)
    assert [
        (r["stage"]["name"], r["count"], r["amount"], r["reached"], r["conversionRate"])
        for r in funnel["stages"]
    ] == [
        ("Prospecting", 0, "0.00", 2, 1.0),
        ("Qualification", 0, "0.00", 2, 1.0),
        ("Proposal", 1, "1000.00", 2, 0.5),  # the euro deal is still here
        ("Negotiation", 0, "0.00", 1, 1.0),
        ("Won", 1, "2204.12", 1, None),
        ("Lost", 0, "0.00", 0, None),
    ]
    # The rep's own funnel holds the same two deals.
    assert (await client.execute(FUNNEL, created, rep.token))["funnel"]["total"] == 2
