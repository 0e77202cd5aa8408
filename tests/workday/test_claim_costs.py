"""Approved expense claims linked to a project count in its actual cost, budget burn and the portfolio
(issue 18, "totals per project feed their costs"); drafts, pending and rejected claims do not; a claim in
a currency without a rate makes the figure null with the rate named; another tenant's claims never count."""

from __future__ import annotations

from tests.approvals.test_approvals import decide
from tests.projects.documents import add_member, create_project
from tests.support import ok
from tests.workday.documents import CREATE_CLAIM, SUBMIT_CLAIM, create_claim
from tests.workday.test_expenses import define_expense_chain

COST = """
query($id: ID!) { project(id: $id) { cost {
  currency budget laborCost expenseCost materialCost expenseClaimCost actualCost remaining burnPercent
  unconvertedExpenseClaims missingRates { fromCurrency toCurrency neededFrom } } } }"""
PORTFOLIO = "{ portfolio { currencies { currency budget actualCost } } }"


async def submitted(client, member, **values):
    claim = await create_claim(client, member, **values)
    variables = {"id": claim["id"], "version": claim["version"]}
    return (await ok(client, member, SUBMIT_CLAIM, variables, "submitExpenseClaim"))["claim"]


async def cost(client, member, project):
    return (await client.execute(COST, {"id": project["id"]}, member.token))["project"]["cost"]


async def test_a_claim_approved_in_two_steps_counts_in_cost_burn_and_portfolio_and_no_other(client):
    admin = await client.sign_up(baseCurrency="EUR")
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    await define_expense_chain(
        client,
        admin,
        {"name": "Line manager", "rule": "ALL", "userIds": [manager.user_id]},
        {"name": "Finance", "rule": "ANY", "userIds": [admin.user_id]},
    )
    project = await create_project(client, admin, budget="1000", currency="EUR")
    await add_member(client, admin, project["id"], rep)
    approved = await submitted(client, rep, projectId=project["id"])  # 120.50 EUR
    pending = await submitted(client, rep, projectId=project["id"], amount="30")
    rejected = await submitted(client, rep, projectId=project["id"], amount="50")
    await create_claim(client, rep, projectId=project["id"], amount="10")  # a draft
    await submitted(client, rep, amount="70")  # approved below, but for no project
    for claim in (approved, pending):
        assert (await decide(client, manager, claim["approvalRequest"]["id"]))["errors"] == []
    assert (await decide(client, manager, rejected["approvalRequest"]["id"], "REJECT"))["errors"] == []
    before = await cost(client, admin, project)
    assert (before["expenseClaimCost"], before["actualCost"], before["burnPercent"]) == (
        "0.00",
        "0.00",
        "0.0",
    )

    assert (await decide(client, admin, approved["approvalRequest"]["id"]))["errors"] == []
    after = await cost(client, admin, project)
    assert after == {
        "currency": "EUR",
        "budget": "1000.00",
        "laborCost": "0.00",
        "expenseCost": "0.00",
        "materialCost": "0.00",
        "expenseClaimCost": "120.50",
        "actualCost": "120.50",
        "remaining": "879.50",
        "burnPercent": "12.1",  # 120.50 / 1000 = 12.05 %, one decimal half-up
        "unconvertedExpenseClaims": 0,
        "missingRates": [],
    }
    board = (await client.execute(PORTFOLIO, {}, admin.token))["portfolio"]
    assert board["currencies"] == [{"currency": "EUR", "budget": "1000.00", "actualCost": "120.50"}]

    dollars = await submitted(client, rep, projectId=project["id"], amount="20", currency="USD")
    for approver in (manager, admin):
        assert (await decide(client, approver, dollars["approvalRequest"]["id"]))["errors"] == []
    unknown = await cost(client, admin, project)
    assert (unknown["expenseClaimCost"], unknown["actualCost"], unknown["burnPercent"]) == (None, None, None)
    assert (unknown["unconvertedExpenseClaims"], unknown["missingRates"]) == (
        1,
        [{"fromCurrency": "USD", "toCurrency": "EUR", "neededFrom": "2026-11-02"}],
    )
    board = (await client.execute(PORTFOLIO, {}, admin.token))["portfolio"]
    assert board["currencies"] == [{"currency": "EUR", "budget": "1000.00", "actualCost": None}]


async def test_another_tenants_claims_never_count(client):
    first = await client.sign_up("First", baseCurrency="EUR")
    second = await client.sign_up("Second", baseCurrency="EUR")
    project = await create_project(client, first, budget="500", currency="EUR")
    theirs = await create_project(client, second, budget="500", currency="EUR")
    finance = {"name": "Finance", "rule": "ANY", "userIds": [second.user_id]}
    await define_expense_chain(client, second, finance)
    refused = await client.outcome(
        CREATE_CLAIM,
        {
            "input": {
                "category": "TRAVEL",
                "amount": "99",
                "currency": "EUR",
                "incurredOn": "2026-11-02",
                "projectId": project["id"],
            }
        },
        second.token,
        "createExpenseClaim",
    )
    assert refused == [("projectId", "NOT_FOUND")]
    rep = await client.add_member(second, "sales", "rep")
    await add_member(client, second, theirs["id"], rep)
    claim = await submitted(client, rep, projectId=theirs["id"], amount="99")
    assert (await decide(client, second, claim["approvalRequest"]["id"]))["errors"] == []
    assert (await cost(client, second, theirs))["expenseClaimCost"] == "99.00"
    mine = await cost(client, first, project)
    assert (mine["expenseClaimCost"], mine["actualCost"]) == ("0.00", "0.00")
    assert await client.execute(COST, {"id": project["id"]}, second.token) == {"project": None}
