"""Orders/contracts through the API: acceptance, payment plans, payments and refunds, deliveries,
automatic completion, and the receivables report with aging and currency conversion."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.crm.documents import create_account, create_contact
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ACTIVATE_CONTRACT,
    CANCEL_CONTRACT,
    CONTRACT,
    QUOTE,
    RECEIVABLES,
    RECORD_DELIVERY,
    RECORD_PAYMENT,
    SEND_QUOTE,
    SET_DELIVERY_STATUS,
    SET_PLAN,
    UPDATE_CONTRACT,
    activated,
    contract_from_quote,
    create_product,
    create_quote,
    error_pairs,
    ok,
    sent_quote,
)

SET_BASE = """mutation($c: String!) { setBaseCurrency(currency: $c) { errors { field code } } }"""
SET_RATE = (
    """mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) { errors { field code } } }"""
)


async def test_accepting_a_quote_creates_its_contract_in_the_same_step(client):
    admin = await client.sign_up()
    signatory = await create_contact(client, admin, lastName="Signer")
    quote = await sent_quote(client, admin)
    payload = await ok(
        client,
        admin,
        ACCEPT_QUOTE,
        {
            "id": quote["id"],
            "version": quote["version"],
            "input": {
                "startDate": "2027-01-01",
                "endDate": "2027-12-31",
                "signatoryContactId": signatory["id"],
                "terms": "Net 30",
            },
        },
        "acceptQuote",
    )
    contract = payload["contract"]
    assert payload["quote"]["status"] == "ACCEPTED"
    assert contract["number"] == f"CON-{datetime.now(UTC).year}-0001"
    assert (contract["status"], contract["currency"], contract["amount"], contract["netTotal"]) == (
        "DRAFT",
        "EUR",
        "240.00",
        "200.00",
    )
    assert (contract["paidAmount"], contract["outstandingAmount"]) == ("0.00", "240.00")
    assert (contract["startDate"], contract["endDate"], contract["terms"]) == (
        "2027-01-01",
        "2027-12-31",
        "Net 30",
    )
    assert contract["signatory"]["id"] == signatory["id"]
    assert contract["account"]["id"] == quote["account"]["id"]
    assert [(x["description"], x["quantity"], x["totalAmount"]) for x in contract["lines"]] == [
        ("Widget", "2", "240.00")
    ]
    linked = (await client.execute(QUOTE, {"id": quote["id"]}, admin.token))["quote"]
    assert linked["contract"]["number"] == contract["number"]

    again = (
        await client.execute(
            ACCEPT_QUOTE, {"id": quote["id"], "version": payload["quote"]["version"]}, admin.token
        )
    )["acceptQuote"]
    assert [code for _, code in error_pairs(again)] == ["INVALID_TRANSITION"]
    bad_dates = (
        await client.execute(
            UPDATE_CONTRACT,
            {"id": contract["id"], "version": contract["version"], "input": {"endDate": "2026-01-01"}},
            admin.token,
        )
    )["updateContract"]
    assert error_pairs(bad_dates) == [("endDate", "INVALID")]
    updated = await ok(
        client,
        admin,
        UPDATE_CONTRACT,
        {
            "id": contract["id"],
            "version": contract["version"],
            "input": {"endDate": None, "terms": "Net 45", "signatoryContactId": None},
        },
        "updateContract",
    )
    assert {k: updated["contract"][k] for k in ("endDate", "terms", "signatory", "version")} == {
        "endDate": None,
        "terms": "Net 45",
        "signatory": None,
        "version": contract["version"] + 1,
    }
    active = await ok(
        client,
        admin,
        ACTIVATE_CONTRACT,
        {"id": contract["id"], "version": updated["contract"]["version"]},
        "activateContract",
    )
    frozen = (
        await client.execute(
            UPDATE_CONTRACT,
            {"id": contract["id"], "version": active["contract"]["version"], "input": {"terms": "x"}},
            admin.token,
        )
    )["updateContract"]
    assert [code for _, code in error_pairs(frozen)] == ["INVALID_TRANSITION"]


async def test_accept_refuses_bad_terms_and_leaves_the_quote_sent(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    foreign_contact = await create_contact(client, other)
    quote = await sent_quote(client, admin)
    cases = [
        ({"startDate": "2027-02-01", "endDate": "2027-01-01"}, [("endDate", "INVALID")]),
        ({"signatoryContactId": foreign_contact["id"]}, [("signatoryContactId", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        payload = (
            await client.execute(
                ACCEPT_QUOTE, {"id": quote["id"], "version": quote["version"], "input": values}, admin.token
            )
        )["acceptQuote"]
        assert error_pairs(payload) == expected
    still = (await client.execute(QUOTE, {"id": quote["id"]}, admin.token))["quote"]
    assert (still["status"], still["contract"]) == ("SENT", None)


async def test_payment_plan_payments_refunds_deliveries_and_completion(client):
    admin = await client.sign_up()
    contract = await contract_from_quote(client, admin, startDate="2027-01-01")
    line_id = contract["lines"][0]["id"]

    mismatch = (
        await client.execute(
            SET_PLAN,
            {
                "id": contract["id"],
                "version": contract["version"],
                "installments": [{"dueDate": "2027-01-31", "amount": "100"}],
            },
            admin.token,
        )
    )["setPaymentPlan"]
    assert error_pairs(mismatch) == [("installments", "INVALID")]
    sub_cent = (
        await client.execute(
            SET_PLAN,
            {
                "id": contract["id"],
                "version": contract["version"],
                "installments": [{"dueDate": "2027-01-31", "amount": "240.001"}],
            },
            admin.token,
        )
    )["setPaymentPlan"]
    assert error_pairs(sub_cent) == [("installments.0.amount", "INVALID")]
    planned = await ok(
        client,
        admin,
        SET_PLAN,
        {
            "id": contract["id"],
            "version": contract["version"],
            "installments": [
                {"dueDate": "2027-02-28", "amount": "140.00"},
                {"dueDate": "2027-01-31", "amount": "100"},
            ],
        },
        "setPaymentPlan",
    )
    contract = planned["contract"]
    await activated(client, admin, contract)  # signed: only now does it take payments
    assert contract["installments"] == [
        {"dueDate": "2027-01-31", "amount": "100.00"},
        {"dueDate": "2027-02-28", "amount": "140.00"},
    ]
    overdue = "query($id: ID!, $asOf: Date) { contract(id: $id) { overdueAmount(asOf: $asOf) } }"
    assert (await client.execute(overdue, {"id": contract["id"], "asOf": "2027-02-01"}, admin.token))[
        "contract"
    ]["overdueAmount"] == "100.00"

    first = await ok(
        client,
        admin,
        RECORD_PAYMENT,
        {
            "input": {
                "contractId": contract["id"],
                "receivedOn": "2026-11-20",
                "amount": "100",
                "method": "CARD",
                "reference": "R1",
            }
        },
        "recordPayment",
    )
    assert (first["payment"]["amount"], first["payment"]["method"]) == ("100.00", "CARD")
    assert first["payment"]["recordedBy"]["id"] == admin.user_id
    assert (first["contract"]["paidAmount"], first["contract"]["outstandingAmount"]) == ("100.00", "140.00")
    assert (await client.execute(overdue, {"id": contract["id"], "asOf": "2027-03-01"}, admin.token))[
        "contract"
    ]["overdueAmount"] == "140.00"

    bad_payments = [
        ({"amount": "140.01"}, [("amount", "INVALID")]),  # overpayment
        ({"amount": "-100.01"}, [("amount", "INVALID")]),  # refund above what was paid
        ({"amount": "0"}, [("amount", "INVALID")]),
        ({"amount": "1.005"}, [("amount", "INVALID")]),
    ]
    for values, expected in bad_payments:
        payload = (
            await client.execute(
                RECORD_PAYMENT,
                {"input": {"contractId": contract["id"], "receivedOn": "2026-11-21", **values}},
                admin.token,
            )
        )["recordPayment"]
        assert error_pairs(payload) == expected, values

    over = (
        await client.execute(
            RECORD_DELIVERY,
            {"input": {"contractLineId": line_id, "quantity": "3", "deliveredOn": "2027-01-05"}},
            admin.token,
        )
    )["recordDelivery"]
    assert error_pairs(over) == [("quantity", "INVALID")]
    pending = await ok(
        client,
        admin,
        RECORD_DELIVERY,
        {
            "input": {
                "contractLineId": line_id,
                "quantity": "1.5",
                "deliveredOn": "2027-01-05",
                "status": "PENDING",
            }
        },
        "recordDelivery",
    )
    assert pending["contract"]["lines"][0]["deliveredQuantity"] == "0"
    over_booked = (
        await client.execute(
            RECORD_DELIVERY,
            {"input": {"contractLineId": line_id, "quantity": "0.6", "deliveredOn": "2027-01-06"}},
            admin.token,
        )
    )["recordDelivery"]
    assert error_pairs(over_booked) == [("quantity", "INVALID")]
    delivered = await ok(
        client,
        admin,
        SET_DELIVERY_STATUS,
        {"id": pending["delivery"]["id"], "version": pending["delivery"]["version"], "status": "DELIVERED"},
        "setDeliveryStatus",
    )
    assert delivered["contract"]["lines"][0]["deliveredQuantity"] == "1.5"
    backwards = (
        await client.execute(
            SET_DELIVERY_STATUS,
            {
                "id": pending["delivery"]["id"],
                "version": delivered["delivery"]["version"],
                "status": "PENDING",
            },
            admin.token,
        )
    )["setDeliveryStatus"]
    assert error_pairs(backwards) == [("status", "INVALID_TRANSITION")]
    rest = await ok(
        client,
        admin,
        RECORD_DELIVERY,
        {"input": {"contractLineId": line_id, "quantity": "0.5", "deliveredOn": "2027-01-07"}},
        "recordDelivery",
    )
    assert rest["contract"]["status"] == "ACTIVE"  # delivered but not paid yet

    second = await ok(
        client,
        admin,
        RECORD_PAYMENT,
        {"input": {"contractId": contract["id"], "receivedOn": "2026-11-25", "amount": "140"}},
        "recordPayment",
    )
    assert (second["contract"]["status"], second["contract"]["outstandingAmount"]) == ("COMPLETED", "0.00")
    assert second["contract"]["completedAt"] is not None
    assert second["payment"]["method"] == "BANK_TRANSFER"

    refund = await ok(
        client,
        admin,
        RECORD_PAYMENT,
        {
            "input": {
                "contractId": contract["id"],
                "receivedOn": "2026-11-30",
                "amount": "-40",
                "reference": "goodwill",
            }
        },
        "recordPayment",
    )
    assert (refund["contract"]["status"], refund["contract"]["paidAmount"]) == ("ACTIVE", "200.00")
    assert [p["amount"] for p in refund["contract"]["payments"]] == ["100.00", "140.00", "-40.00"]
    cancel = (
        await client.execute(
            CANCEL_CONTRACT, {"id": contract["id"], "version": refund["contract"]["version"]}, admin.token
        )
    )["cancelContract"]
    assert [code for _, code in error_pairs(cancel)] == ["INVALID_TRANSITION"]


async def test_cancelled_contract_takes_no_payments_or_deliveries(client):
    admin = await client.sign_up()
    contract = await contract_from_quote(client, admin)
    activated = await ok(
        client,
        admin,
        ACTIVATE_CONTRACT,
        {"id": contract["id"], "version": contract["version"]},
        "activateContract",
    )
    assert activated["contract"]["status"] == "ACTIVE"
    cancelled = await ok(
        client,
        admin,
        CANCEL_CONTRACT,
        {"id": contract["id"], "version": activated["contract"]["version"]},
        "cancelContract",
    )
    assert cancelled["contract"]["status"] == "CANCELLED"
    payment = (
        await client.execute(
            RECORD_PAYMENT,
            {"input": {"contractId": contract["id"], "receivedOn": "2027-01-01", "amount": "1"}},
            admin.token,
        )
    )["recordPayment"]
    assert [code for _, code in error_pairs(payment)] == ["INVALID_TRANSITION"]
    delivery = (
        await client.execute(
            RECORD_DELIVERY,
            {
                "input": {
                    "contractLineId": contract["lines"][0]["id"],
                    "quantity": "1",
                    "deliveredOn": "2027-01-01",
                }
            },
            admin.token,
        )
    )["recordDelivery"]
    assert [code for _, code in error_pairs(delivery)] == ["INVALID_TRANSITION"]
    reactivate = (
        await client.execute(
            ACTIVATE_CONTRACT,
            {"id": contract["id"], "version": cancelled["contract"]["version"]},
            admin.token,
        )
    )["activateContract"]
    assert [code for _, code in error_pairs(reactivate)] == ["INVALID_TRANSITION"]


async def accepted(client, member, account_id, product_id, quantity, currency="EUR", **accept):
    quote = await create_quote(
        client, member, account_id, currency=currency, lines=[{"productId": product_id, "quantity": quantity}]
    )
    quote = (
        await ok(client, member, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote")
    )["quote"]
    payload = await ok(
        client,
        member,
        ACCEPT_QUOTE,
        {"id": quote["id"], "version": quote["version"], "input": accept},
        "acceptQuote",
    )
    return payload["contract"]


async def test_receivables_age_unpaid_installments_and_convert_to_the_base_currency(client):
    admin = await client.sign_up()
    await ok(client, admin, SET_BASE, {"c": "EUR"}, "setBaseCurrency")
    await ok(
        client,
        admin,
        SET_RATE,
        {"input": {"currency": "USD", "effectiveOn": "2027-01-01", "rate": "0.9"}},
        "setExchangeRate",
    )
    await ok(
        client,
        admin,
        SET_RATE,
        {"input": {"currency": "USD", "effectiveOn": "2027-07-01", "rate": "0.5"}},
        "setExchangeRate",
    )
    euro_customer = await create_account(client, admin, name="Euro Customer")
    dollar_customer = await create_account(client, admin, name="Dollar Customer")
    paid_customer = await create_account(client, admin, name="Paid Customer")
    euro = await create_product(client, admin, sku="EUR-1", listPrice="100")
    dollar = await create_product(client, admin, sku="USD-1", listPrice="100", currency="USD")

    # 500 EUR in five installments of 100 due 0, 10, 45, 75 and 122 days before 2027-06-30.
    contract = await accepted(client, admin, euro_customer["id"], euro["id"], "5", startDate="2027-01-01")
    due_dates = ["2027-06-30", "2027-06-20", "2027-05-16", "2027-04-16", "2027-02-28"]
    planned = await ok(
        client,
        admin,
        SET_PLAN,
        {
            "id": contract["id"],
            "version": contract["version"],
            "installments": [{"dueDate": d, "amount": "100"} for d in due_dates],
        },
        "setPaymentPlan",
    )
    # 150 paid: fills the oldest installment and half of the next one (75 days). (Payments received after
    # the report date do not count: test_receivables_and_payments.py.)
    await activated(client, admin, planned["contract"])
    await ok(
        client,
        admin,
        RECORD_PAYMENT,
        {"input": {"contractId": contract["id"], "receivedOn": "2026-11-01", "amount": "150"}},
        "recordPayment",
    )
    # 200 USD, no plan: due on its start date, 2027-05-01 (60 days before) -> 31-60, at 0.9 -> 180 EUR.
    await accepted(
        client, admin, dollar_customer["id"], dollar["id"], "2", currency="USD", startDate="2027-05-01"
    )
    # Fully paid: not listed.
    settled = await accepted(client, admin, paid_customer["id"], euro["id"], "1", startDate="2027-01-01")
    await activated(client, admin, settled)
    await ok(
        client,
        admin,
        RECORD_PAYMENT,
        {"input": {"contractId": settled["id"], "receivedOn": "2026-11-02", "amount": "100"}},
        "recordPayment",
    )

    report = (await client.execute(RECEIVABLES, {"asOf": "2027-06-30"}, admin.token))["receivables"]
    assert (report["asOf"], report["currency"]) == ("2027-06-30", "EUR")
    rows = {row["account"]["name"]: row for row in report["customers"]}
    assert list(rows) == ["Euro Customer", "Dollar Customer"]
    assert rows["Euro Customer"]["contractCount"] == 1
    assert rows["Euro Customer"]["aging"] == {
        "current": "100.00",
        "days1To30": "100.00",
        "days31To60": "100.00",
        "days61To90": "50.00",
        "daysOver90": "0.00",
        "total": "350.00",
    }
    assert rows["Dollar Customer"]["aging"]["days31To60"] == "180.00"
    assert report["totals"] == {
        "current": "100.00",
        "days1To30": "100.00",
        "days31To60": "280.00",
        "days61To90": "50.00",
        "daysOver90": "0.00",
        "total": "530.00",
    }
    # Before any contract existed, nothing was owed.
    early = (await client.execute(RECEIVABLES, {"asOf": "2020-01-01"}, admin.token))["receivables"]
    assert early["customers"] == []

    # A currency without a rate on the date leaves its customer's figures unknown, not the whole report.
    no_rate = (await client.execute(RECEIVABLES, {"asOf": "2026-12-31"}, admin.token))["receivables"]
    rows = {row["account"]["name"]: row["aging"] for row in no_rate["customers"]}
    assert (rows["Euro Customer"]["current"], rows["Euro Customer"]["total"]) == ("350.00", "350.00")
    assert (rows["Dollar Customer"]["current"], rows["Dollar Customer"]["total"]) == (None, None)
    assert (no_rate["totals"]["current"], no_rate["totals"]["days1To30"]) == (None, "0.00")


async def test_contract_query_shows_the_whole_order(client):
    admin = await client.sign_up()
    contract = await contract_from_quote(client, admin)
    fetched = (await client.execute(CONTRACT, {"id": contract["id"]}, admin.token))["contract"]
    assert fetched["number"] == contract["number"]
    assert fetched["quote"]["status"] == "ACCEPTED"
    assert fetched["overdueAmount"] == "0.00"
