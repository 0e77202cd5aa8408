"""A quote may name an opportunity of its own account that the caller may see; the database refuses any
other reference (composite foreign key, so not across tenants either)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.admin.documents import assign, create_role, grants
from tests.crm.documents import create_account
from tests.crm.sql import raw_id
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    CREATE_QUOTE,
    QUOTES,
    SEND_QUOTE,
    UPDATE_QUOTE,
    create_quote,
    error_pairs,
    ok,
)
from tests.sales.pipeline.documents import (
    OPPORTUNITY,
    create_opportunity,
    default_pipeline,
    moved,
    stage_named,
)

AUDIT = """
query($id: ID!) { auditLog(filter: {objectId: $id}, first: 10) { edges { node { action changes } } } }"""
WITH_OPPORTUNITY = """
query($id: ID!) { quote(id: $id) { opportunityId opportunity { id name account { id } } } }"""


async def test_quote_links_an_opportunity_of_its_account(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Buyer")
    opportunity = await create_opportunity(client, admin, account["id"], name="Big deal")
    quote = await create_quote(client, admin, account["id"], opportunityId=opportunity["id"])

    linked = (await client.execute(WITH_OPPORTUNITY, {"id": quote["id"]}, admin.token))["quote"]
    assert linked["opportunityId"] == opportunity["id"]
    assert (linked["opportunity"]["name"], linked["opportunity"]["account"]["id"]) == (
        "Big deal",
        account["id"],
    )

    await create_quote(client, admin, account["id"])
    by_deal = (await client.execute(QUOTES, {"filter": {"opportunityId": opportunity["id"]}}, admin.token))[
        "quotes"
    ]
    assert [e["node"]["id"] for e in by_deal["edges"]] == [quote["id"]]

    cleared = await ok(
        client,
        admin,
        UPDATE_QUOTE,
        {"id": quote["id"], "version": quote["version"], "input": {"opportunityId": None}},
        "updateQuote",
    )
    assert cleared["quote"]["opportunityId"] is None


async def test_foreign_or_mismatched_opportunities_are_refused(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")
    account = await create_account(client, admin, name="Buyer")
    elsewhere = await create_opportunity(client, admin, name="Other account's deal")
    foreign = await create_opportunity(client, other, name="Other tenant's deal")
    rep_account = await create_account(client, rep, name="Rep's buyer")
    admins_deal_on_rep_account = await create_opportunity(
        client, admin, rep_account["id"], name="Admin's deal"
    )

    cases = [
        (admin, account["id"], elsewhere["id"], [("opportunityId", "INVALID")]),
        (admin, account["id"], foreign["id"], [("opportunityId", "NOT_FOUND")]),
        (admin, account["id"], account["id"], [("opportunityId", "NOT_FOUND")]),
        (rep, rep_account["id"], admins_deal_on_rep_account["id"], [("opportunityId", "NOT_FOUND")]),
    ]
    for member, account_id, opportunity_id, expected in cases:
        variables = {"input": {"accountId": account_id, "currency": "EUR", "opportunityId": opportunity_id}}
        payload = (await client.execute(CREATE_QUOTE, variables, member.token))["createQuote"]
        assert error_pairs(payload) == expected, opportunity_id


async def test_sql_refuses_a_quote_pointing_at_another_tenants_opportunity(client, db):
    a = await client.sign_up("Tenant A")
    foreign = await create_opportunity(client, a)
    b = await client.sign_up("Tenant B")
    b_account = await create_account(client, b)
    b_quote = await create_quote(client, b, b_account["id"])
    connection = await db.connect()

    for opportunity_id in (raw_id(foreign["id"]), uuid.uuid4()):
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
                await connection.execute(
                    "update quotes set opportunity_id = $1 where id = $2",
                    opportunity_id,
                    raw_id(b_quote["id"]),
                )


async def accept(client, member, quote):
    variables = {"id": quote["id"], "version": quote["version"], "input": None}
    return await ok(client, member, ACCEPT_QUOTE, variables, "acceptQuote")


async def sent_quote_for(client, member, account_id, opportunity_id):
    quote = await create_quote(
        client,
        member,
        account_id,
        opportunityId=opportunity_id,
        lines=[{"description": "Setup", "quantity": "1", "unitPrice": "100", "taxRate": "0"}],
    )
    return (
        await ok(client, member, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote")
    )["quote"]


async def test_accepting_a_quote_wins_its_open_opportunity(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    account = await create_account(client, rep, name="Buyer")
    opportunity = await create_opportunity(client, rep, account["id"], name="Big deal")
    quote = await sent_quote_for(client, rep, account["id"], opportunity["id"])

    await accept(client, rep, quote)

    won = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, rep.token))["opportunity"]
    assert (won["status"], won["stage"]["name"], won["probability"], won["version"]) == ("WON", "Won", 100, 2)
    assert won["closedAt"] is not None
    last = won["stageHistory"][-1]
    assert (last["fromStage"]["name"], last["toStage"]["name"], last["actor"]["id"]) == (
        "Prospecting",
        "Won",
        rep.user_id,
    )
    log = (await client.execute(AUDIT, {"id": opportunity["id"]}, admin.token))["auditLog"]["edges"]
    assert [e["node"]["action"] for e in log] == ["opportunity.move", "opportunity.create"]
    assert log[0]["node"]["changes"]["status"] == ["open", "won"]


async def test_accepting_leaves_closed_or_unmovable_opportunities_alone(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    account = await create_account(client, admin, name="Buyer")
    lost = await create_opportunity(client, admin, account["id"], name="Lost deal")
    lost = await moved(client, admin, lost, stage_named(pipeline, "Lost")["id"], lostReason="price")
    await accept(client, admin, await sent_quote_for(client, admin, account["id"], lost["id"]))
    after = (await client.execute(OPPORTUNITY, {"id": lost["id"]}, admin.token))["opportunity"]
    assert (after["status"], after["stage"]["name"], after["version"]) == ("LOST", "Lost", lost["version"])

    # A billing clerk may accept quotes but not move deals: the acceptance stands, the deal stays open.
    clerk = await client.add_member(admin, "sales", "clerk")
    full = {"actions": ["READ", "CREATE", "UPDATE"], "scope": "ALL", "fields": []}
    role_grants = [
        *grants("ALL"),
        *({"objectType": t, **full} for t in ("quote", "contract", "product")),
        {"objectType": "opportunity", "actions": ["READ"], "scope": "ALL", "fields": []},
    ]
    await assign(client, admin, clerk, await create_role(client, admin, "clerk", grants=role_grants))
    open_deal = await create_opportunity(client, admin, account["id"], name="Open deal")
    quote = await sent_quote_for(client, admin, account["id"], open_deal["id"])
    assert (await accept(client, clerk, quote))["quote"]["status"] == "ACCEPTED"
    still = (await client.execute(OPPORTUNITY, {"id": open_deal["id"]}, admin.token))["opportunity"]
    assert (still["status"], still["version"]) == ("OPEN", open_deal["version"])
