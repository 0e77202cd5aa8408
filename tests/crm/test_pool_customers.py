"""The reclaim job keeps live customers (deals, contracts, unpaid receivables) with their owner, an owner
change never hides the account of the deals and contracts a rep still owns, and only done activities
count as contact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from graph.crm.pool_reclaim import reclaim_neglected_accounts
from tests.crm.documents import (
    ACCOUNT,
    COMPLETE_ACTIVITY,
    CREATE_ACTIVITY,
    UPDATE_ACTIVITY,
    create_account,
    create_activity,
    error_pairs,
)
from tests.crm.pool_documents import POOL_SETTINGS, UPDATE_POOL_SETTINGS, set_pool_settings
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ACTIVATE_CONTRACT,
    SEND_QUOTE,
    create_product,
    create_quote,
    ok,
)
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named

REP_VIEW = """
query($contract: ID!, $deal: ID!) {
  contract(id: $contract) { id account { id name } }
  opportunity(id: $deal) { id account { id name } }
}"""
KEEP_FIELDS = "keepOpenOpportunities keepWonDays keepActiveContracts keepUnpaidReceivables"


async def run_reclaim(services, tenant_id, at):
    async with services.db.transaction(uuid.UUID(tenant_id)) as session:
        return await reclaim_neglected_accounts(session, uuid.UUID(tenant_id), at)


async def active_contract(client, admin, rep, account_id):
    """A contract of the rep's for 2 x 100 EUR + 20 % tax, accepted and activated (nothing paid)."""
    product = await create_product(client, admin, taxRate="20")
    quote = await create_quote(client, rep, account_id, lines=[{"productId": product["id"], "quantity": "2"}])
    sent = await ok(client, rep, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote")
    variables = {"id": quote["id"], "version": sent["quote"]["version"], "input": {}}
    contract = (await ok(client, rep, ACCEPT_QUOTE, variables, "acceptQuote"))["contract"]
    variables = {"id": contract["id"], "version": contract["version"]}
    await ok(client, rep, ACTIVATE_CONTRACT, variables, "activateContract")
    return contract


async def owner_of(client, admin, account):
    owner = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]["owner"]
    return owner["id"] if owner else None


async def test_reclaim_keeps_live_customers_and_the_rep_still_sees_their_accounts(client, services):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    now = datetime.now(UTC)
    names = ["Quiet", "Contracted", "Dealing", "Won"]
    accounts = {name: await create_account(client, admin, name=name, ownerId=rep.user_id) for name in names}
    contract = await active_contract(client, admin, rep, accounts["Contracted"]["id"])
    deal = await create_opportunity(client, rep, accounts["Dealing"]["id"])
    won = await create_opportunity(client, rep, accounts["Won"]["id"])
    await moved(client, rep, won, stage_named(await default_pipeline(client, rep), "Won")["id"])
    await set_pool_settings(client, admin, reclaimInactiveDays=10, warningDays=0)
    settings = (await client.execute(f"{{ poolSettings {{ {KEEP_FIELDS} }} }}", {}, admin.token))[
        "poolSettings"
    ]

    first = await run_reclaim(services, admin.tenant_id, now + timedelta(days=11))
    kept = {name: await owner_of(client, admin, account) for name, account in accounts.items()}

    assert settings == {
        "keepOpenOpportunities": True,
        "keepWonDays": 90,
        "keepActiveContracts": True,
        "keepUnpaidReceivables": True,
    }
    assert first == "reclaimed 1, warned 0"
    assert kept == {"Quiet": None, "Contracted": rep.user_id, "Dealing": rep.user_id, "Won": rep.user_id}

    # Turned off, each exemption lets the rule apply again; an unpaid signed contract still keeps its account.
    await set_pool_settings(
        client, admin, keepOpenOpportunities=False, keepWonDays=None, keepActiveContracts=False
    )
    second = await run_reclaim(services, admin.tenant_id, now + timedelta(days=11))
    after = {name: await owner_of(client, admin, account) for name, account in accounts.items()}
    view = await client.execute(REP_VIEW, {"contract": contract["id"], "deal": deal["id"]}, rep.token)
    # The won deal was 100 days ago by the job's clock: outside the default 90 days.
    await set_pool_settings(client, admin, keepWonDays=90, keepUnpaidReceivables=False)
    third = await run_reclaim(services, admin.tenant_id, now + timedelta(days=100))

    assert second == "reclaimed 2, warned 0"
    assert after == {"Quiet": None, "Contracted": rep.user_id, "Dealing": None, "Won": None}
    # The rep still owns the deal: its account (now in the pool) stays visible through it.
    assert view["opportunity"]["account"] == {"id": accounts["Dealing"]["id"], "name": "Dealing"}
    assert view["contract"]["account"] == {"id": accounts["Contracted"]["id"], "name": "Contracted"}
    assert third == "reclaimed 1, warned 0"
    view = await client.execute(REP_VIEW, {"contract": contract["id"], "deal": deal["id"]}, rep.token)
    assert view["contract"]["account"] == {"id": accounts["Contracted"]["id"], "name": "Contracted"}


async def test_another_reps_claim_does_not_hide_the_account_of_my_contract(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.add_member(admin, "sales", "other")
    account = await create_account(client, admin, name="Shared Co", ownerId=rep.user_id)
    contract = await active_contract(client, admin, rep, account["id"])
    deal = await create_opportunity(client, rep, account["id"])
    moved_away = await client.execute(
        "mutation($id: ID!, $input: UpdateAccountInput!) { updateAccount(id: $id, version: 1, input: $input)"
        " { errors { field code message } } }",
        {"id": account["id"], "input": {"ownerId": other.user_id}},
        admin.token,
    )

    view = await client.execute(REP_VIEW, {"contract": contract["id"], "deal": deal["id"]}, rep.token)
    direct = (await client.execute(ACCOUNT, {"id": account["id"]}, rep.token))["account"]
    outsider = await client.add_member(admin, "sales", "outsider")
    hidden = await client.execute(REP_VIEW, {"contract": contract["id"], "deal": deal["id"]}, outsider.token)

    assert moved_away["updateAccount"]["errors"] == []
    assert view["contract"]["account"]["name"] == "Shared Co"
    assert view["opportunity"]["account"]["name"] == "Shared Co"
    assert direct is None  # no longer theirs to open or change directly
    assert hidden == {"contract": None, "opportunity": None}


async def test_keep_settings_are_validated(client):
    admin = await client.sign_up()
    version = (await client.execute(POOL_SETTINGS, {}, admin.token))["poolSettings"]["version"]
    bad = (
        await client.execute(
            UPDATE_POOL_SETTINGS,
            {"version": version, "input": {"keepWonDays": 0, "keepActiveContracts": None}},
            admin.token,
        )
    )["updatePoolSettings"]
    assert error_pairs(bad) == [("keepWonDays", "INVALID"), ("keepActiveContracts", "INVALID")]


async def test_done_activities_cannot_be_dated_ahead_and_planned_ones_are_not_contact(client, services):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    now = datetime.now(UTC)
    planned_only = await create_account(client, admin, name="Planned only", ownerId=rep.user_id)
    called = await create_account(client, admin, name="Called", ownerId=rep.user_id)
    three_years = (now + timedelta(days=3 * 365)).isoformat()
    future_done = (
        await client.execute(
            CREATE_ACTIVITY,
            {
                "input": {
                    "kind": "CALL",
                    "subject": "Call",
                    "accountId": called["id"],
                    "occurredAt": three_years,
                    "done": True,
                }
            },
            rep.token,
        )
    )["createActivity"]
    skewed = await create_activity(
        client,
        rep,
        kind="CALL",
        accountId=called["id"],
        done=True,
        occurredAt=(now + timedelta(minutes=2)).isoformat(),
    )
    planned = await create_activity(
        client, rep, kind="CALL", accountId=planned_only["id"], occurredAt=three_years
    )
    logged = await create_activity(
        client, rep, kind="CALL", accountId=called["id"], occurredAt=(now - timedelta(hours=1)).isoformat()
    )
    made_done_ahead = (
        await client.execute(
            UPDATE_ACTIVITY,
            {"id": planned["id"], "version": 1, "input": {"done": True, "occurredAt": three_years}},
            rep.token,
        )
    )["updateActivity"]
    await set_pool_settings(client, admin, reclaimInactiveDays=30, warningDays=0)

    # Past the planned date, the follow-up that never happened is still no contact: the account returns.
    reclaimed = await run_reclaim(services, admin.tenant_id, now + timedelta(days=3 * 365 + 10))

    assert error_pairs(future_done) == [("occurredAt", "INVALID")]
    assert future_done["activity"] is None
    assert skewed["done"] is True
    assert (planned["done"], logged["done"]) == (False, True)
    assert error_pairs(made_done_ahead) == [("occurredAt", "INVALID")]
    assert reclaimed == "reclaimed 2, warned 0"
    assert await owner_of(client, admin, planned_only) is None


async def test_completing_a_planned_follow_up_ahead_of_its_date_dates_it_now(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    now = datetime.now(UTC)
    account = await create_account(client, admin, name="Followed up", ownerId=rep.user_id)
    next_week = (now + timedelta(days=7)).isoformat()
    planned = await create_activity(
        client, rep, kind="MEETING", accountId=account["id"], occurredAt=next_week
    )

    completed = (await client.execute(COMPLETE_ACTIVITY, {"id": planned["id"], "version": 1}, rep.token))[
        "completeActivity"
    ]
    occurred = datetime.fromisoformat(completed["activity"]["occurredAt"])

    assert planned["done"] is False
    assert completed["activity"]["done"] is True
    assert now <= occurred <= datetime.now(UTC)
