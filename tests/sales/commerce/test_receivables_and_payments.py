"""Payments are received money (dated today or earlier) on signed contracts; a contract's overdue amount
and the receivables aging come from the same rule and agree to the cent; receivables never fail as a
whole over one missing rate: the customers that need it show null amounts and the report names it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from tests.crm.documents import create_account
from tests.crm.sql import raw_id
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ACTIVATE_CONTRACT,
    RECORD_PAYMENT,
    SEND_QUOTE,
    SET_PLAN,
    create_product,
    create_quote,
    error_pairs,
    ok,
)

OVERDUE = """query($id: ID!, $asOf: Date) { contract(id: $id) { paidAmount overdueAmount(asOf: $asOf) } }"""
RECEIVABLES = """query($asOf: Date!) { receivables(asOf: $asOf) { currency
  customers { account { name } aging { current days1To30 days31To60 total }
    missingRates { fromCurrency toCurrency neededFrom } }
  totals { current days1To30 days31To60 total }
  missingRates { fromCurrency toCurrency neededFrom } } }"""


def today() -> date:
    return datetime.now(UTC).date()


def days_ago(days: int) -> str:
    return str(today() - timedelta(days=days))


async def draft_contract(client, member, currency: str = "EUR") -> dict:
    """A draft contract for 2 x 100 at 20 % tax: 240.00 in `currency`."""
    account = await create_account(client, member, name="Customer Co")
    sku = f"SKU-{uuid.uuid4().hex[:8]}"
    product = await create_product(client, member, sku=sku, taxRate="20", currency=currency)
    lines = [{"productId": product["id"], "quantity": "2"}]
    quote = await create_quote(client, member, account["id"], currency=currency, lines=lines)
    variables = {"id": quote["id"], "version": quote["version"]}
    sent = (await ok(client, member, SEND_QUOTE, variables, "sendQuote"))["quote"]
    variables = {"id": sent["id"], "version": sent["version"]}
    return (await ok(client, member, ACCEPT_QUOTE, variables, "acceptQuote"))["contract"]


async def active_contract(client, member, currency: str = "EUR") -> dict:
    contract = await draft_contract(client, member, currency)
    variables = {"id": contract["id"], "version": contract["version"]}
    return (await ok(client, member, ACTIVATE_CONTRACT, variables, "activateContract"))["contract"]


async def pay(client, member, contract_id: str, received_on: str, amount: str) -> dict:
    variables = {"input": {"contractId": contract_id, "receivedOn": received_on, "amount": amount}}
    return (await client.execute(RECORD_PAYMENT, variables, member.token))["recordPayment"]


async def backdate_acceptance(database_urls, tenant_id: str, contract_id: str, days: int) -> None:
    """The contract was accepted `days` ago (the application never rewrites that, so the owner does)."""
    connection = await asyncpg.connect(database_urls.owner)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            updated = await connection.execute(
                "update contracts set created_at = now() - make_interval(days => $2) where id = $1",
                raw_id(contract_id),
                days,
            )
        assert updated == "UPDATE 1"
    finally:
        await connection.close()


async def test_a_payment_dated_in_the_future_is_refused(client) -> None:
    admin = await client.sign_up(baseCurrency="EUR")
    contract = await active_contract(client, admin)
    tomorrow_everywhere = str(today() + timedelta(days=2))
    refused = await pay(client, admin, contract["id"], tomorrow_everywhere, "10")
    assert refused["errors"] == [
        {
            "field": "receivedOn",
            "code": "INVALID",
            "message": "A payment is recorded once received, dated today or earlier; plan future ones"
            " with setPaymentPlan.",
        }
    ]
    assert refused["contract"] is None
    assert (await pay(client, admin, contract["id"], str(today()), "10"))["errors"] == []
    # A refund is money that left: the same rule.
    refund = await pay(client, admin, contract["id"], tomorrow_everywhere, "-10")
    assert error_pairs(refund) == [("receivedOn", "INVALID")]


async def test_a_draft_contract_takes_no_payment(client) -> None:
    admin = await client.sign_up(baseCurrency="EUR")
    contract = await draft_contract(client, admin)
    refused = await pay(client, admin, contract["id"], str(today()), "10")
    assert refused["errors"] == [
        {
            "field": "contractId",
            "code": "INVALID_TRANSITION",
            "message": "This contract is a draft; activate it (activateContract) once signed to record"
            " payments.",
        }
    ]
    variables = {"id": contract["id"], "version": contract["version"]}
    await ok(client, admin, ACTIVATE_CONTRACT, variables, "activateContract")
    assert (await pay(client, admin, contract["id"], str(today()), "10"))["errors"] == []


async def test_overdue_amount_and_receivables_agree_to_the_cent(client, database_urls) -> None:
    admin = await client.sign_up(baseCurrency="EUR")
    contract = await active_contract(client, admin)
    await backdate_acceptance(database_urls, admin.tenant_id, contract["id"], 60)
    plan = [{"dueDate": days_ago(40), "amount": "120.00"}, {"dueDate": days_ago(-30), "amount": "120.00"}]
    contract = (
        await ok(
            client,
            admin,
            SET_PLAN,
            {"id": contract["id"], "version": contract["version"], "installments": plan},
            "setPaymentPlan",
        )
    )["contract"]
    assert (await pay(client, admin, contract["id"], days_ago(10), "1.00"))["errors"] == []

    async def both(as_of: str) -> tuple[str, dict]:
        overdue = await client.execute(OVERDUE, {"id": contract["id"], "asOf": as_of}, admin.token)
        report = (await client.execute(RECEIVABLES, {"asOf": as_of}, admin.token))["receivables"]
        return overdue["contract"]["overdueAmount"], report["totals"]

    # Twenty days ago the 1.00 paid ten days ago had not been received: 120.00 was overdue, 1-30 days.
    overdue, totals = await both(days_ago(20))
    assert (overdue, totals["days1To30"], totals["current"]) == ("120.00", "120.00", "120.00")
    # Today it has: 119.00 overdue (31-60 days) by either figure.
    overdue, totals = await both(str(today()))
    assert (overdue, totals["days31To60"], totals["total"]) == ("119.00", "119.00", "239.00")
    # Before the contract was accepted it owed nothing, by either figure.
    overdue, totals = await both(days_ago(61))
    assert (overdue, totals["total"]) == ("0.00", "0.00")


async def test_receivables_answer_every_customer_and_name_a_missing_rate(client) -> None:
    admin = await client.sign_up("华磊科技", locale="zh-CN")
    await active_contract(client, admin, currency="CNY")
    await active_contract(client, admin, currency="USD")

    report = (await client.execute(RECEIVABLES, {"asOf": str(today())}, admin.token))["receivables"]
    assert report["currency"] == "CNY"
    missing = [{"fromCurrency": "USD", "toCurrency": "CNY", "neededFrom": str(today())}]
    assert report["missingRates"] == missing
    rows = [(row["aging"], row["missingRates"]) for row in report["customers"]]
    assert rows == [
        ({"current": "240.00", "days1To30": "0.00", "days31To60": "0.00", "total": "240.00"}, []),
        ({"current": None, "days1To30": "0.00", "days31To60": "0.00", "total": None}, missing),
    ]
    assert report["totals"] == {"current": None, "days1To30": "0.00", "days31To60": "0.00", "total": None}
