"""The commerce half of the sales journey through the API, as a sales rep: an opportunity's quote with
discounts and tax, sent, accepted into a contract, paid in two payments, delivered, and gone from the
receivables once complete."""

from __future__ import annotations

from tests.crm.documents import create_account, create_contact
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    CONTRACTS,
    RECEIVABLES,
    RECORD_DELIVERY,
    RECORD_PAYMENT,
    SEND_QUOTE,
    SET_CUSTOMER_DISCOUNT,
    SET_PLAN,
    SET_TIERS,
    activated,
    create_product,
    create_quote,
    ok,
)
from tests.sales.pipeline.documents import create_opportunity


async def test_opportunity_to_paid_and_delivered_contract(client):
    admin = await client.sign_up()
    await ok(
        client,
        admin,
        'mutation { setBaseCurrency(currency: "EUR") { errors { code } } }',
        {},
        "setBaseCurrency",
    )
    rep = await client.add_member(admin, "sales", "rep")
    licence = await create_product(
        client, admin, sku="LIC", name="Licence", unit="seat", listPrice="40", taxRate="19"
    )
    await ok(
        client,
        admin,
        SET_TIERS,
        {"productId": licence["id"], "tiers": [{"minQuantity": "25", "percent": "10"}]},
        "setVolumeTiers",
    )
    await ok(
        client,
        admin,
        SET_CUSTOMER_DISCOUNT,
        {"customerType": "partner", "percent": "5"},
        "setCustomerTypeDiscount",
    )

    account = await create_account(client, rep, name="Globex")
    signer = await create_contact(client, rep, lastName="Signer")
    opportunity = await create_opportunity(client, rep, account["id"], name="Globex seats")
    quote = await create_quote(
        client,
        rep,
        account["id"],
        opportunityId=opportunity["id"],
        customerType="partner",
        lines=[
            {"productId": licence["id"], "quantity": "30"},
            {"description": "Onboarding", "quantity": "1", "unitPrice": "500", "taxRate": "19"},
        ],
    )
    # 30 x 40 = 1200, -10 % tier = 1080, -5 % partner = 1026.00; tax 194.94
    # 500 -5 % partner = 475.00; tax 90.25
    assert [(x["netAmount"], x["taxAmount"]) for x in quote["lines"]] == [
        ("1026.00", "194.94"),
        ("475.00", "90.25"),
    ]
    assert (quote["netTotal"], quote["taxTotal"], quote["total"]) == ("1501.00", "285.19", "1786.19")

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
            "input": {"startDate": "2027-01-01", "signatoryContactId": signer["id"]},
        },
        "acceptQuote",
    )
    contract = accepted["contract"]
    assert (contract["amount"], contract["owner"]["id"]) == ("1786.19", rep.user_id)
    plan = [{"dueDate": "2027-01-31", "amount": "1000"}, {"dueDate": "2027-02-28", "amount": "786.19"}]
    contract = (
        await ok(
            client,
            rep,
            SET_PLAN,
            {"id": contract["id"], "version": contract["version"], "installments": plan},
            "setPaymentPlan",
        )
    )["contract"]
    await activated(client, rep, contract)  # signed: it takes payments

    await ok(
        client,
        rep,
        RECORD_PAYMENT,
        {"input": {"contractId": contract["id"], "receivedOn": "2026-11-20", "amount": "1000"}},
        "recordPayment",
    )
    owed = (await client.execute(RECEIVABLES, {"asOf": "2027-03-15"}, rep.token))["receivables"]
    assert [(row["account"]["name"], row["aging"]["days1To30"]) for row in owed["customers"]] == [
        ("Globex", "786.19")
    ]

    await ok(
        client,
        rep,
        RECORD_PAYMENT,
        {"input": {"contractId": contract["id"], "receivedOn": "2026-11-27", "amount": "786.19"}},
        "recordPayment",
    )
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
    assert (final["status"], final["paidAmount"], final["outstandingAmount"]) == (
        "COMPLETED",
        "1786.19",
        "0.00",
    )
    assert (await client.execute(RECEIVABLES, {"asOf": "2027-03-15"}, rep.token))["receivables"][
        "customers"
    ] == []
    # (Looking back to before a payment: test_receivables_and_payments.py.)
    completed = (await client.execute(CONTRACTS, {"filter": {"status": "COMPLETED"}}, rep.token))["contracts"]
    assert [e["node"]["number"] for e in completed["edges"]] == [contract["number"]]
