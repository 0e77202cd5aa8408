"""Expense claims for a campaign (issue 18, "linked to a customer, campaign or project ... totals per
project/campaign feed their costs"): a claim names a campaign the claimant can see, in its currency; approved
(here in two steps) it counts in the campaign's actual cost and ROI cost, pending, rejected and draft claims
do not, and another tenant's never do; a campaign with claims keeps its currency."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.approvals.test_approvals import decide
from tests.marketing.documents import (
    CAMPAIGN,
    CAMPAIGNS,
    UPDATE_CAMPAIGN,
    add_cost,
    create_campaign,
    performance,
)
from tests.support import ok, relay_uuid
from tests.workday.documents import CLAIMS, CREATE_CLAIM, SUBMIT_CLAIM, TOTALS, UPDATE_CLAIM, create_claim
from tests.workday.test_claim_costs import submitted
from tests.workday.test_expenses import define_expense_chain

CLAIM_INPUT = {"category": "TRAVEL", "amount": "120.50", "currency": "EUR", "incurredOn": "2026-11-02"}
CAMPAIGN_TOTALS = """
query($campaignId: ID) { expenseTotals(campaignId: $campaignId) { totals { currency amount claims } } }"""


async def actual_cost(client, member, campaign) -> str:
    return (await client.execute(CAMPAIGN, {"id": campaign["id"]}, member.token))["campaign"]["actualCost"]


async def roi_cost(client, member, name: str) -> str:
    report = await performance(client, member)
    return {row["campaign"]["name"]: row["cost"] for row in report["campaigns"]}[name]


async def test_a_claim_approved_in_two_steps_counts_in_actual_and_roi_cost_and_no_other(client):
    admin = await client.sign_up(baseCurrency="EUR")
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    await define_expense_chain(
        client,
        admin,
        {"name": "Line manager", "rule": "ALL", "userIds": [manager.user_id]},
        {"name": "Finance", "rule": "ANY", "userIds": [admin.user_id]},
    )
    expo = await create_campaign(client, rep, name="Expo")
    assert expo["currency"] == "EUR"
    await add_cost(client, rep, expo["id"], "1000")
    approved = await submitted(client, rep, campaignId=expo["id"])  # 120.50 EUR
    assert approved["campaignId"] == expo["id"]
    pending = await submitted(client, rep, campaignId=expo["id"], amount="30")
    rejected = await submitted(client, rep, campaignId=expo["id"], amount="50")
    await create_claim(client, rep, campaignId=expo["id"], amount="10")  # a draft
    await submitted(client, rep, amount="70")  # approved below, but for no campaign
    for claim in (approved, pending):
        assert (await decide(client, manager, claim["approvalRequest"]["id"]))["errors"] == []
    assert (await decide(client, manager, rejected["approvalRequest"]["id"], "REJECT"))["errors"] == []
    # One step of two: nothing counts yet.
    assert await actual_cost(client, rep, expo) == "1000.00"
    assert await roi_cost(client, admin, "Expo") == "1000.00"

    assert (await decide(client, admin, approved["approvalRequest"]["id"]))["errors"] == []
    assert await actual_cost(client, rep, expo) == "1120.50"
    assert await actual_cost(client, admin, expo) == "1120.50"
    listed = (await client.execute(CAMPAIGNS, {}, rep.token))["campaigns"]["nodes"]
    assert [(c["name"], c["actualCost"]) for c in listed] == [("Expo", "1120.50")]
    assert await roi_cost(client, admin, "Expo") == "1120.50"
    totals = (await client.execute(CAMPAIGN_TOTALS, {"campaignId": expo["id"]}, rep.token))["expenseTotals"]
    assert totals["totals"] == [{"currency": "EUR", "amount": "120.50", "claims": 1}]
    mine = await client.execute(CLAIMS, {"filter": {"campaignId": expo["id"]}}, rep.token)
    assert mine["expenseClaims"]["totalCount"] == 4


async def test_a_claim_is_in_its_campaigns_currency_which_then_stays(client):
    admin = await client.sign_up(baseCurrency="EUR")
    rep = await client.add_member(admin, "sales", "rep")
    await define_expense_chain(client, admin, {"name": "Finance", "rule": "ANY", "userIds": [admin.user_id]})
    ads = await create_campaign(client, rep, name="Ads")

    pairs = await client.outcome(
        CREATE_CLAIM,
        {"input": {**CLAIM_INPUT, "currency": "USD", "campaignId": ads["id"]}},
        rep.token,
        "createExpenseClaim",
    )
    assert pairs == [("currency", "INVALID")]
    draft = await create_claim(client, rep, campaignId=ads["id"])
    pairs = await client.outcome(
        UPDATE_CLAIM,
        {"id": draft["id"], "version": 1, "input": {"currency": "USD"}},
        rep.token,
        "updateExpenseClaim",
    )
    assert pairs == [("currency", "INVALID")]

    # A draft does not hold the campaign's currency; the submission then refuses the mismatch.
    moved = await ok(
        client,
        rep,
        UPDATE_CAMPAIGN,
        {"id": ads["id"], "version": ads["version"], "input": {"currency": "USD"}},
        "updateCampaign",
    )
    pairs = await client.outcome(
        SUBMIT_CLAIM, {"id": draft["id"], "version": 1}, rep.token, "submitExpenseClaim"
    )
    assert pairs == [("currency", "INVALID")]
    fixed = await ok(
        client,
        rep,
        UPDATE_CLAIM,
        {"id": draft["id"], "version": 1, "input": {"currency": "USD"}},
        "updateExpenseClaim",
    )
    await ok(
        client,
        rep,
        SUBMIT_CLAIM,
        {"id": draft["id"], "version": fixed["claim"]["version"]},
        "submitExpenseClaim",
    )
    # A claim awaiting a decision (no cost lines) holds the currency.
    pairs = await client.outcome(
        UPDATE_CAMPAIGN,
        {"id": ads["id"], "version": moved["campaign"]["version"], "input": {"currency": "EUR"}},
        rep.token,
        "updateCampaign",
    )
    assert pairs == [("currency", "INVALID")]


async def test_a_campaign_out_of_reach_cannot_be_named(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.add_member(admin, "sales", "other")
    theirs = await create_campaign(client, other, name="Theirs", currency="EUR")
    for campaign_id in (theirs["id"], "Q2FtcGFpZ246MDE5M2VhYTktMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw"):
        pairs = await client.outcome(
            CREATE_CLAIM,
            {"input": {**CLAIM_INPUT, "campaignId": campaign_id}},
            rep.token,
            "createExpenseClaim",
        )
        assert pairs == [("campaignId", "NOT_FOUND")]
    assert (await client.execute(CLAIMS, {}, rep.token))["expenseClaims"]["totalCount"] == 0


async def test_another_tenant_never_names_nor_counts_in_a_campaign(client, db):
    first = await client.sign_up("First", baseCurrency="EUR")
    second = await client.sign_up("Second", baseCurrency="EUR")
    approver = await client.add_member(second, "manager", "approver")
    await define_expense_chain(
        client, second, {"name": "Finance", "rule": "ANY", "userIds": [approver.user_id]}
    )
    expo = await create_campaign(client, first, name="Expo")
    pairs = await client.outcome(
        CREATE_CLAIM, {"input": {**CLAIM_INPUT, "campaignId": expo["id"]}}, second.token, "createExpenseClaim"
    )
    assert pairs == [("campaignId", "NOT_FOUND")]
    own = await create_campaign(client, second, name="Expo")
    claim = await submitted(client, second, campaignId=own["id"])
    assert (await decide(client, approver, claim["approvalRequest"]["id"]))["errors"] == []
    assert await actual_cost(client, second, own) == "120.50"
    assert await actual_cost(client, first, expo) == "0.00"
    assert await roi_cost(client, first, "Expo") == "0.00"
    totals = await client.execute(TOTALS, {}, first.token)
    assert totals["expenseTotals"]["totals"] == []

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", first.tenant_id)
        assert await connection.fetchval("select count(*) from expense_claims") == 0
        found = await connection.fetchval(
            "update expense_claims set campaign_id = $1 returning 1", uuid.UUID(relay_uuid(expo["id"]))
        )
        assert found is None
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
            await connection.execute(
                "update expense_claims set campaign_id = $1 where id = $2",
                uuid.UUID(relay_uuid(expo["id"])),
                uuid.UUID(relay_uuid(claim["id"])),
            )
