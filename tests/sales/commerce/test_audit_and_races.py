"""Every change of a quote or contract leaves an audit entry; concurrent payments cannot overpay."""

from __future__ import annotations

import asyncio

from tests.crm.documents import create_account
from tests.crm.test_audit import audit_rows
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ADD_LINE,
    CONTRACT,
    RECORD_DELIVERY,
    RECORD_PAYMENT,
    SEND_QUOTE,
    SET_PLAN,
    UPDATE_QUOTE,
    activated,
    create_quote,
    ok,
    signed_contract,
)


async def test_quote_and_contract_changes_are_audited(client, db):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    quote = await create_quote(client, admin, account["id"])
    quote = (
        await ok(
            client,
            admin,
            ADD_LINE,
            {
                "quoteId": quote["id"],
                "version": quote["version"],
                "input": {"description": "Work", "quantity": "2", "unitPrice": "50"},
            },
            "addQuoteLine",
        )
    )["quote"]
    quote = (
        await ok(
            client,
            admin,
            UPDATE_QUOTE,
            {"id": quote["id"], "version": quote["version"], "input": {"terms": "Net 14"}},
            "updateQuote",
        )
    )["quote"]
    quote = (
        await ok(client, admin, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote")
    )["quote"]
    contract = (
        await ok(client, admin, ACCEPT_QUOTE, {"id": quote["id"], "version": quote["version"]}, "acceptQuote")
    )["contract"]
    planned = await ok(
        client,
        admin,
        SET_PLAN,
        {
            "id": contract["id"],
            "version": contract["version"],
            "installments": [{"dueDate": "2027-01-01", "amount": "100"}],
        },
        "setPaymentPlan",
    )
    await activated(client, admin, planned["contract"])
    await ok(
        client,
        admin,
        RECORD_PAYMENT,
        {"input": {"contractId": contract["id"], "receivedOn": "2026-11-01", "amount": "100"}},
        "recordPayment",
    )
    await ok(
        client,
        admin,
        RECORD_DELIVERY,
        {
            "input": {
                "contractLineId": contract["lines"][0]["id"],
                "quantity": "2",
                "deliveredOn": "2027-01-02",
            }
        },
        "recordDelivery",
    )

    quote_log = await audit_rows(db, admin.tenant_id, quote["id"])
    assert [action for action, _ in quote_log] == [
        "quote.create",
        "quote.add_line",
        "quote.update",
        "quote.sent",
        "quote.accepted",
    ]
    assert quote_log[1][1]["net_amount"] == [None, "100"]
    assert quote_log[2][1] == {"terms": [None, "Net 14"]}
    assert quote_log[3][1]["status"] == ["draft", "sent"]
    contract_log = await audit_rows(db, admin.tenant_id, contract["id"])
    assert [action for action, _ in contract_log] == [
        "contract.create",
        "contract.set_payment_plan",
        "contract.active",
        "contract.payment",
        "contract.delivery",
        "contract.completed",
    ]
    assert contract_log[3][1]["paid_amount"] == ["0", "100"]
    assert contract_log[5][1] == {"status": ["active", "completed"]}


async def test_concurrent_payments_cannot_exceed_the_outstanding_amount(client):
    admin = await client.sign_up()
    contract = await signed_contract(client, admin)  # 240.00 outstanding

    async def pay() -> dict:
        variables = {"input": {"contractId": contract["id"], "receivedOn": "2026-11-01", "amount": "200"}}
        return (await client.execute(RECORD_PAYMENT, variables, admin.token))["recordPayment"]

    results = await asyncio.gather(*(pay() for _ in range(4)))
    accepted = [result for result in results if not result["errors"]]
    refused = [result for result in results if result["errors"]]
    assert len(accepted) == 1
    assert {error["code"] for result in refused for error in result["errors"]} == {"INVALID"}
    final = (await client.execute(CONTRACT, {"id": contract["id"]}, admin.token))["contract"]
    assert (final["paidAmount"], len(final["payments"])) == ("200.00", 1)
