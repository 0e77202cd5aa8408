"""Expense claims: drafted, submitted to the tenant's chain, approved in two steps with each approver and
finally the claimant notified; rejected; exact errors with nothing written; scope; the tenant wall."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.approvals.test_approvals import decide
from tests.crm.documents import create_account
from tests.notifications.support import inbox
from tests.projects.documents import DEFINE_CHAIN, create_project
from tests.support import ok, relay_uuid
from tests.workday.documents import (
    CLAIM,
    CLAIMS,
    CREATE_CLAIM,
    SUBMIT_CLAIM,
    TOTALS,
    UPDATE_CLAIM,
    create_claim,
)


async def define_expense_chain(client, admin, *steps):
    variables = {"input": {"name": "Expenses", "subjectType": "expense_claim", "steps": list(steps)}}
    return (await ok(client, admin, DEFINE_CHAIN, variables, "defineApprovalChain"))["chain"]


async def kinds(client, member) -> list[str]:
    edges = (await inbox(client, member))["notifications"]["edges"]
    return sorted(edge["node"]["kind"] for edge in edges)


async def submit(client, member, claim):
    return await client.mutate(
        SUBMIT_CLAIM, {"id": claim["id"], "version": claim["version"]}, member.token, "submitExpenseClaim"
    )


async def test_a_claim_approved_in_two_steps_notifies_each_approver_then_the_claimant(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    await define_expense_chain(
        client,
        admin,
        {"name": "Line manager", "rule": "ALL", "userIds": [manager.user_id]},
        {"name": "Finance", "rule": "ANY", "userIds": [admin.user_id]},
    )
    account = await create_account(client, rep, name="Globex", ownerId=rep.user_id)
    project = await create_project(client, admin)
    claim = await create_claim(client, rep, accountId=account["id"], description="Train to Globex")
    assert (claim["status"], claim["amount"], claim["claimant"]["id"], claim["approvalRequest"]) == (
        "DRAFT",
        "120.50",
        rep.user_id,
        None,
    )
    submitted = await submit(client, rep, claim)
    request = submitted["claim"]["approvalRequest"]
    assert (submitted["errors"], submitted["claim"]["status"], request["currentStep"]) == ([], "SUBMITTED", 1)
    assert await kinds(client, manager) == ["approval.waiting"]
    assert await kinds(client, admin) == []

    first = await decide(client, manager, request["id"], "APPROVE", "Fine by me")
    assert first["errors"] == []
    still = (await client.execute(CLAIM, {"id": claim["id"]}, rep.token))["node"]
    assert (still["status"], still["approvalRequest"]["status"]) == ("SUBMITTED", "PENDING")
    assert await kinds(client, admin) == ["approval.waiting"]

    second = await decide(client, admin, request["id"], "APPROVE", "Paid with the next run")
    assert second["errors"] == []
    done = (await client.execute(CLAIM, {"id": claim["id"]}, rep.token))["node"]
    assert (done["status"], done["approvalRequest"]["status"]) == ("APPROVED", "APPROVED")
    notices = (await inbox(client, rep))["notifications"]["edges"]
    assert [(n["node"]["kind"], n["node"]["body"]) for n in notices] == [
        ("expense_claim.approved", "Paid with the next run")
    ]
    totals = await client.execute(TOTALS, {"accountId": account["id"]}, admin.token)
    assert totals["expenseTotals"]["totals"] == [{"currency": "EUR", "amount": "120.50", "claims": 1}]
    assert (await client.execute(TOTALS, {"projectId": project["id"]}, admin.token))["expenseTotals"] == {
        "totals": []
    }


async def test_a_rejected_claim_and_the_refusals_on_the_way(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.add_member(admin, "sales", "other")
    claim = await create_claim(client, rep)
    no_chain = await submit(client, rep, claim)
    assert [(e["field"], e["code"]) for e in no_chain["errors"]] == [(None, "INVALID")]
    await define_expense_chain(client, admin, {"name": "Finance", "rule": "ANY", "userIds": [admin.user_id]})

    assert (
        await client.mutate(SUBMIT_CLAIM, {"id": claim["id"], "version": 9}, rep.token, "submitExpenseClaim")
    )["errors"][0]["code"] == "CONFLICT"
    foreign = await client.mutate(
        UPDATE_CLAIM,
        {"id": claim["id"], "version": 1, "input": {"amount": "1"}},
        other.token,
        "updateExpenseClaim",
    )
    assert [(e["field"], e["code"]) for e in foreign["errors"]] == [("id", "NOT_FOUND")]
    submitted = await submit(client, rep, claim)
    assert submitted["errors"] == []
    frozen = await client.mutate(
        UPDATE_CLAIM,
        {"id": claim["id"], "version": submitted["claim"]["version"], "input": {"amount": "1"}},
        rep.token,
        "updateExpenseClaim",
    )
    assert [(e["field"], e["code"]) for e in frozen["errors"]] == [("id", "INVALID_TRANSITION")]
    rejected = await decide(
        client, admin, submitted["claim"]["approvalRequest"]["id"], "REJECT", "No receipt"
    )
    assert rejected["errors"] == []
    assert (await client.execute(CLAIM, {"id": claim["id"]}, rep.token))["node"]["status"] == "REJECTED"
    assert await kinds(client, rep) == ["expense_claim.rejected"]
    approved = await client.execute(CLAIMS, {"filter": {"status": "APPROVED"}}, rep.token)
    assert approved["expenseClaims"]["totalCount"] == 0


async def test_bad_claims_are_refused_with_exact_errors_and_nothing_written(client):
    admin = await client.sign_up()

    async def refused(values):
        data = {"category": "MEALS", "amount": "10", "currency": "EUR", "incurredOn": "2026-11-02", **values}
        payload = await client.mutate(CREATE_CLAIM, {"input": data}, admin.token, "createExpenseClaim")
        return [(e["field"], e["code"]) for e in payload["errors"]]

    assert await refused({"amount": "0"}) == [("amount", "INVALID")]
    assert await refused({"amount": "10.005"}) == [("amount", "INVALID")]
    assert await refused({"amount": "1000000.01"}) == [("amount", "INVALID")]
    assert await refused({"currency": "EURO"}) == [("currency", "INVALID")]
    assert await refused({"incurredOn": "2099-01-01"}) == [("incurredOn", "INVALID")]
    assert await refused({"description": "x" * 2001}) == [("description", "TOO_LONG")]
    stranger = "UHJvamVjdDowMTkzZWFhOS0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA="
    assert await refused({"projectId": stranger}) == [("projectId", "NOT_FOUND")]
    assert (await client.execute(CLAIMS, {}, admin.token))["expenseClaims"]["totalCount"] == 0
    viewer = await client.add_member(admin, "viewer", "viewer")
    data = {"category": "MEALS", "amount": "10", "currency": "EUR", "incurredOn": "2026-11-02"}
    assert await client.outcome(CREATE_CLAIM, {"input": data}, viewer.token, "createExpenseClaim") == [
        (None, "PERMISSION_DENIED")
    ]


async def test_another_tenant_sees_and_writes_no_claims(client, db):
    first = await client.sign_up("First")
    second = await client.sign_up("Second")
    claim = await create_claim(client, first)
    assert (await client.execute(CLAIMS, {}, second.token))["expenseClaims"]["totalCount"] == 0
    assert (await client.execute(CLAIM, {"id": claim["id"]}, second.token))["node"] is None
    assert [(e["field"], e["code"]) for e in (await submit(client, second, claim))["errors"]] == [
        ("id", "NOT_FOUND")
    ]

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
        assert await connection.fetchval("select count(*) from expense_claims") == 0
        assert await connection.fetchval("update expense_claims set amount = 1 returning 1") is None
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
            await connection.execute(
                "insert into expense_claims (tenant_id, id, claimant_id, category, amount, currency, incurred_on)"
                " values ($1, $2, $3, 'meals', 1, 'EUR', current_date)",
                uuid.UUID(first.tenant_id),
                uuid.uuid4(),
                uuid.UUID(relay_uuid(first.user_id)),
            )
