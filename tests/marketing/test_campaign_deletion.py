"""Deleting a campaign: what goes with it, what stays, and when it is refused (archive it instead)."""

from __future__ import annotations

import json
import uuid

from graph.marketing.sending import send_messages
from tests.crm.documents import create_contact
from tests.marketing.documents import (
    CAMPAIGN,
    CHECK_IN,
    add_cost,
    board,
    create_campaign,
    create_segment,
    error_pairs,
    invite,
    start,
)
from tests.marketing.test_messages import RecordingMail, send
from tests.notifications.support import at
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named
from tests.support import ok, relay_uuid
from tests.workday.documents import CLAIM, create_claim
from tests.workday.test_claim_costs import submitted
from tests.workday.test_expenses import define_expense_chain

DELETE = """
mutation($id: ID!, $version: Int!) {
  deleteCampaign(id: $id, version: $version) { deletedId errors { field code message } }
}"""
VERSION = "query($id: ID!) { campaign(id: $id) { version } }"
CONTACT = "query($id: ID!) { contact(id: $id) { id } }"
SEGMENT = "query($id: ID!) { segment(id: $id) { id } }"


async def version_of(client, member, campaign_id: str) -> int:
    return (await client.execute(VERSION, {"id": campaign_id}, member.token))["campaign"]["version"]


async def delete(client, member, campaign_id: str, version: int | None = None):
    given = version if version is not None else await version_of(client, member, campaign_id)
    return (await client.execute(DELETE, {"id": campaign_id, "version": given}, member.token))[
        "deleteCampaign"
    ]


async def checked_in_campaign(client, admin, tag: str):
    contact = await create_contact(
        client, admin, firstName="Grace", emails=[f"{tag}@del.example"], tags=[tag]
    )
    segment = await create_segment(client, admin, contacts={"tag": tag})
    campaign = await create_campaign(client, admin, name="Expo", currency="EUR", segmentId=segment["id"])
    await add_cost(client, admin, campaign["id"], "40")
    await start(client, admin, {**campaign, "version": await version_of(client, admin, campaign["id"])})
    await invite(client, admin, campaign["id"], segmentId=segment["id"])
    code = (await board(client, admin, campaign["id"]))["invitations"]["nodes"][0]["code"]
    checked = {"input": {"campaignId": campaign["id"], "code": code}}
    assert (await client.execute(CHECK_IN, checked, admin.token))["checkInInvitee"]["errors"] == []
    return contact, segment, campaign


async def test_deleting_takes_costs_invitations_touches_and_unsent_messages_and_unlinks_draft_claims(
    client, db
):
    admin = await client.sign_up()
    contact, segment, campaign = await checked_in_campaign(client, admin, "gone")
    draft = await create_claim(client, admin, campaignId=campaign["id"])
    unsent = await send(client, admin, campaign["id"])
    cancel = "mutation($id: ID!) { cancelCampaignMessage(id: $id) { errors { code } } }"
    await ok(client, admin, cancel, {"id": unsent["id"]}, "cancelCampaignMessage")

    stale = await delete(client, admin, campaign["id"], version=1)
    assert [code for _, code in error_pairs(stale)] == ["CONFLICT"]
    deleted = await ok(
        client,
        admin,
        DELETE,
        {"id": campaign["id"], "version": await version_of(client, admin, campaign["id"])},
        "deleteCampaign",
    )

    assert deleted["deletedId"] == campaign["id"]
    assert (await client.execute(CAMPAIGN, {"id": campaign["id"]}, admin.token))["campaign"] is None
    assert (await client.execute(CONTACT, {"id": contact["id"]}, admin.token))["contact"] is not None
    assert (await client.execute(SEGMENT, {"id": segment["id"]}, admin.token))["segment"] is not None
    claim = (await client.execute(CLAIM, {"id": draft["id"]}, admin.token))["node"]
    assert claim["status"] == "DRAFT"
    connection = await db.connect()
    campaign_id = uuid.UUID(relay_uuid(campaign["id"]))
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        for table in ("campaign_costs", "campaign_invitations", "campaign_touches", "campaign_messages"):
            found = await connection.fetchval(
                f"select count(*) from {table} where campaign_id = $1", campaign_id
            )
            assert found == 0, table
        linked = await connection.fetchval(
            "select campaign_id from expense_claims where id = $1", uuid.UUID(relay_uuid(draft["id"]))
        )
        assert linked is None
        action, changes = await connection.fetchrow(
            "select action, changes from audit_log where object_id = $1 order by created_at desc, id desc limit 1",
            campaign_id,
        )
    assert action == "campaign.delete"
    removed = json.loads(changes)["removed"][0]
    assert removed == {"cost_lines": 1, "invitations": 1, "touches": 1, "messages": 1, "material_links": 0}


async def test_a_campaign_that_brought_a_won_deal_or_sent_email_is_archived_not_deleted(client, services):
    admin = await client.sign_up()
    contact, _, won_campaign = await checked_in_campaign(client, admin, "won")
    roles = [{"contactId": contact["id"], "role": "DECISION_MAKER"}]
    deal = await create_opportunity(client, admin, name="After the expo", contacts=roles, amount="900")
    await moved(client, admin, deal, stage_named(await default_pipeline(client, admin), "Won")["id"])
    refused = await delete(client, admin, won_campaign["id"])
    assert error_pairs(refused) == [("id", "INVALID_TRANSITION")]
    assert "brought won deals" in refused["errors"][0]["message"]

    _, _, mailed = await checked_in_campaign(client, admin, "mailed")
    await send(client, admin, mailed["id"])
    assert error_pairs(await delete(client, admin, mailed["id"])) == [("id", "INVALID_TRANSITION")]
    tenant = uuid.UUID(admin.tenant_id)
    await send_messages(
        lambda: services.db.transaction(tenant), tenant, at("2030-01-01T09:00:00+00:00"), RecordingMail()
    )
    refused = await delete(client, admin, mailed["id"])
    assert error_pairs(refused) == [("id", "INVALID_TRANSITION")]
    assert "messages went out" in refused["errors"][0]["message"]


async def test_pending_claims_scope_and_permission_refuse(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    viewer = await client.add_member(admin, "viewer", "viewer")
    claimed = await create_campaign(client, admin, name="Claimed", currency="EUR")
    await define_expense_chain(client, admin, {"name": "Finance", "rule": "ANY", "userIds": [admin.user_id]})
    await submitted(client, admin, campaignId=claimed["id"])
    refused = await delete(client, admin, claimed["id"])
    assert error_pairs(refused) == [("id", "INVALID_TRANSITION")]
    assert "Expense claims" in refused["errors"][0]["message"]

    plain = await create_campaign(client, admin, name="Plain")
    assert error_pairs(await delete(client, rep, plain["id"], version=plain["version"])) == [
        ("id", "NOT_FOUND")
    ]
    denied = await client.refused(
        DELETE, {"id": plain["id"], "version": plain["version"]}, viewer.token, "deleteCampaign"
    )
    assert denied == [(None, "PERMISSION_DENIED")]
    other = await client.sign_up("Other tenant")
    assert error_pairs(await delete(client, other, plain["id"], version=plain["version"])) == [
        ("id", "NOT_FOUND")
    ]
    assert (await delete(client, admin, plain["id"]))["errors"] == []
