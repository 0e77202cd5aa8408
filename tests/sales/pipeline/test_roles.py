"""Roles on opportunities: viewers read only; a sales rep (own scope) neither sees nor moves others' deals."""

from __future__ import annotations

from tests.crm.documents import ACCOUNT, create_contact
from tests.crm.sql import put_in_team
from tests.sales.pipeline.documents import (
    CREATE_OPPORTUNITY,
    NODE,
    OPPORTUNITIES,
    OPPORTUNITY,
    REOPEN,
    UPDATE_OPPORTUNITY,
    create_account,
    create_opportunity,
    default_pipeline,
    error_pairs,
    move,
    moved,
    stage_named,
)

DENIED = [(None, "PERMISSION_DENIED")]


async def test_viewer_reads_but_cannot_create_update_or_move(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    pipeline = await default_pipeline(client, admin)
    account = await create_account(client, admin)
    opportunity = await create_opportunity(client, admin, account["id"])

    created = await client.refused(
        CREATE_OPPORTUNITY,
        {"input": {"name": "X", "accountId": account["id"]}},
        viewer.token,
        "createOpportunity",
    )
    updated = await client.refused(
        UPDATE_OPPORTUNITY,
        {"id": opportunity["id"], "version": 1, "input": {"name": "X"}},
        viewer.token,
        "updateOpportunity",
    )
    moved_payload = await move(client, viewer, opportunity, stage_named(pipeline, "Proposal")["id"])
    reopened = await client.refused(
        REOPEN, {"id": opportunity["id"], "version": 1}, viewer.token, "reopenOpportunity"
    )
    assert created == updated == reopened == DENIED
    assert moved_payload["refused"] and error_pairs(moved_payload) == DENIED

    seen = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, viewer.token))["opportunity"]
    assert (seen["name"], seen["version"]) == ("Deal", 1)
    listed = (await client.execute(OPPORTUNITIES, {}, viewer.token))["opportunities"]
    assert listed["totalCount"] == 1


async def test_sales_rep_with_own_scope_sees_and_moves_only_own_deals(client):
    admin = await client.sign_up()
    alice = await client.add_member(admin, "sales", "alice")
    bob = await client.add_member(admin, "sales", "bob")
    pipeline = await default_pipeline(client, admin)
    proposal = stage_named(pipeline, "Proposal")["id"]
    alices = await create_opportunity(client, alice, name="Alice deal")
    bobs_account = await create_account(client, bob, name="Bob Co")
    bobs = await create_opportunity(client, bob, bobs_account["id"], name="Bob deal")

    listed = (await client.execute(OPPORTUNITIES, {}, alice.token))["opportunities"]
    assert [e["node"]["name"] for e in listed["edges"]] == ["Alice deal"]
    assert (await client.execute(OPPORTUNITY, {"id": bobs["id"]}, alice.token))["opportunity"] is None
    assert (await client.execute(NODE, {"id": bobs["id"]}, alice.token))["node"] is None
    assert error_pairs(await move(client, alice, bobs, proposal)) == [("id", "NOT_FOUND")]
    update = (
        await client.execute(
            UPDATE_OPPORTUNITY, {"id": bobs["id"], "version": 1, "input": {"name": "Mine"}}, alice.token
        )
    )["updateOpportunity"]
    assert error_pairs(update) == [("id", "NOT_FOUND")]
    # Nor can she open a deal on an account she cannot see.
    on_bobs_account = (
        await client.execute(
            CREATE_OPPORTUNITY, {"input": {"name": "X", "accountId": bobs_account["id"]}}, alice.token
        )
    )["createOpportunity"]
    assert error_pairs(on_bobs_account) == [("accountId", "NOT_FOUND")]

    assert (await moved(client, alice, alices, proposal))["stage"]["name"] == "Proposal"
    by_admin = (await client.execute(OPPORTUNITY, {"id": bobs["id"]}, admin.token))["opportunity"]
    assert (by_admin["name"], by_admin["version"], by_admin["stage"]["name"]) == (
        "Bob deal",
        1,
        "Prospecting",
    )


async def test_manager_sees_the_team_and_hidden_contacts_stay_hidden(client, db):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    alice = await client.add_member(admin, "sales", "alice")
    outsider = await client.add_member(admin, "sales", "outsider")
    await put_in_team(db, admin.tenant_id, "East", manager.user_id, alice.user_id)
    secret = await create_contact(client, admin, lastName="Secret")
    account = await create_account(client, admin)
    await create_opportunity(
        client,
        admin,
        account["id"],
        name="Team deal",
        ownerId=alice.user_id,
        contacts=[{"contactId": secret["id"], "role": "USER"}],
    )
    await create_opportunity(client, admin, account["id"], name="Other deal", ownerId=outsider.user_id)

    listed = (await client.execute(OPPORTUNITIES, {}, manager.token))["opportunities"]
    assert [e["node"]["name"] for e in listed["edges"]] == ["Team deal"]
    alices = (await client.execute(OPPORTUNITIES, {}, alice.token))["opportunities"]["edges"][0]["node"]
    detail = (await client.execute(OPPORTUNITY, {"id": alices["id"]}, alice.token))["opportunity"]
    # Alice owns the deal but not the admin's contact: it is left out, not leaked. The deal's account is
    # the customer she sells to: shown through her deal (read-only), as after an owner change.
    assert detail["contacts"] == [] and detail["account"]["id"] == account["id"]
    assert (await client.execute(ACCOUNT, {"id": account["id"]}, alice.token))["account"] is None
