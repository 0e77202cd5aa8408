"""Another tenant, holding this tenant's ids, sees and changes nothing: through the API and in SQL."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.crm.documents import create_contact
from tests.crm.sql import raw_id
from tests.marketing.documents import (
    ADD_COST,
    BOARD,
    CAMPAIGN,
    CAMPAIGNS,
    CHANGE_CAMPAIGN_STATUS,
    CHECK_IN,
    CONFIRM,
    CREATE_CAMPAIGN,
    CREATE_PRODUCT,
    DELETE_SEGMENT,
    FREEZE_SEGMENT,
    INVITE,
    NO_SHOWS,
    NODE,
    PRODUCTS,
    REMOVE_COST,
    RESPONSE,
    SEGMENT,
    UNFREEZE_SEGMENT,
    UPDATE_CAMPAIGN,
    UPDATE_PRODUCT,
    UPDATE_SEGMENT,
    WALK_IN,
    WIN_LOSS,
    add_cost,
    board,
    create_campaign,
    create_segment,
    error_pairs,
    invite,
    start,
)
from tests.sales.pipeline.test_opportunities import create_competitor
from tests.support import ok


async def tenant_a(client):
    a = await client.sign_up("Tenant A")
    contact = await create_contact(client, a, firstName="Ada", tags=["fair"])
    segment = await create_segment(client, a, frozen=True, contacts={"tag": "fair"})
    campaign = await create_campaign(client, a, segmentId=segment["id"])
    cost = (await add_cost(client, a, campaign["id"], "10"))["cost"]
    await start(client, a, {**campaign, "version": 2})
    await invite(client, a, campaign["id"], segmentId=segment["id"])
    invitation = (await board(client, a, campaign["id"]))["invitations"]["nodes"][0]
    check_in = {"input": {"campaignId": campaign["id"], "code": invitation["code"]}}
    assert (await client.execute(CHECK_IN, check_in, a.token))["checkInInvitee"]["errors"] == []
    rival = await create_competitor(client, a)
    variables = {"input": {"competitorId": rival["id"], "name": "Globex CRM"}}
    product = (await ok(client, a, CREATE_PRODUCT, variables, "createCompetitorProduct"))["product"]
    records = {
        "rival": rival,
        "product": product,
        "campaign": campaign,
        "cost": cost,
        "segment": segment,
        "contact": contact,
        "invitation": invitation,
    }
    return a, records


async def test_other_tenant_sees_and_changes_nothing_through_the_api(client):
    a, records = await tenant_a(client)
    b = await client.sign_up("Tenant B")
    b_campaign = await create_campaign(client, b, name="B's")
    await start(client, b, b_campaign)
    campaign_id, cost_id = records["campaign"]["id"], records["cost"]["id"]
    segment_id = records["segment"]["id"]
    b_segment = await create_segment(client, b, contacts={"tag": "fair"})
    await create_contact(client, b, firstName="Bea", tags=["fair"])

    assert (await client.execute(CAMPAIGN, {"id": campaign_id}, b.token))["campaign"] is None
    assert (await client.execute(SEGMENT, {"id": segment_id}, b.token))["segment"] is None
    assert (await client.execute(SEGMENT, {"id": b_segment["id"]}, b.token))["segment"]["memberCount"] == 1
    invitation = records["invitation"]
    assert (await client.execute(PRODUCTS, {"all": True}, b.token))["competitorProducts"]["nodes"] == []
    assert (await client.execute(WIN_LOSS, {}, b.token))["competitorWinLoss"]["competitors"] == []
    for record_id in (campaign_id, cost_id, segment_id, invitation["id"], records["product"]["id"]):
        assert (await client.execute(NODE, {"id": record_id}, b.token))["node"] is None
    listed = (await client.execute(CAMPAIGNS, {}, b.token))["campaigns"]["nodes"]
    assert [n["id"] for n in listed] == [b_campaign["id"]]
    attempts = [
        (UPDATE_CAMPAIGN, {"id": campaign_id, "version": 3, "input": {"name": "x"}}, "updateCampaign", "id"),
        (CHANGE_CAMPAIGN_STATUS, {"id": campaign_id, "version": 3, "status": "COMPLETED"}, "changeCampaignStatus",
         "id"),
        (ADD_COST, {"input": {"campaignId": campaign_id, "description": "x", "amount": "1"}}, "addCampaignCost",
         "campaignId"),
        (REMOVE_COST, {"id": cost_id}, "removeCampaignCost", "id"),
        (UPDATE_SEGMENT, {"id": segment_id, "version": 1, "input": {"name": "x"}}, "updateSegment", "id"),
        (FREEZE_SEGMENT, {"id": segment_id, "version": 1}, "freezeSegment", "id"),
        (DELETE_SEGMENT, {"id": segment_id, "version": 1}, "deleteSegment", "id"),
        (UNFREEZE_SEGMENT, {"id": segment_id, "version": 1}, "unfreezeSegment", "id"),
        (CREATE_CAMPAIGN, {"input": {"name": "x", "channel": "event", "segmentId": segment_id}}, "createCampaign",
         "segmentId"),
        (CONFIRM, {"id": invitation["id"], "version": 1}, "confirmInvitation", "id"),
        (CHECK_IN, {"input": {"campaignId": campaign_id, "code": invitation["code"]}}, "checkInInvitee", "campaignId"),
        (CHECK_IN, {"input": {"campaignId": b_campaign["id"], "code": invitation["code"]}}, "checkInInvitee", "code"),
        (CHECK_IN, {"input": {"campaignId": b_campaign["id"], "invitationId": invitation["id"]}}, "checkInInvitee",
         "invitationId"),
        (INVITE, {"input": {"campaignId": campaign_id, "segmentId": b_segment["id"]}}, "inviteToCampaign",
         "campaignId"),
        (INVITE, {"input": {"campaignId": b_campaign["id"], "segmentId": segment_id}}, "inviteToCampaign",
         "segmentId"),
        (INVITE, {"input": {"campaignId": b_campaign["id"], "contactIds": [records["contact"]["id"]]}},
         "inviteToCampaign", "contactIds.0"),
        (NO_SHOWS, {"id": campaign_id}, "markNoShows", "campaignId"),
        (WALK_IN, {"input": {"campaignId": campaign_id, "lastName": "x"}}, "registerWalkIn", "campaignId"),
        (RESPONSE, {"input": {"campaignId": b_campaign["id"], "contactId": records["contact"]["id"]}},
         "recordCampaignResponse", "contactId"),
        (CREATE_PRODUCT, {"input": {"competitorId": records["rival"]["id"], "name": "x"}}, "createCompetitorProduct",
         "competitorId"),
        (UPDATE_PRODUCT, {"id": records["product"]["id"], "version": 1, "input": {"name": "x"}},
         "updateCompetitorProduct", "id"),
    ]  # fmt: skip
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, b.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name

    seen_by_a = (await client.execute(CAMPAIGN, {"id": campaign_id}, a.token))["campaign"]
    assert (seen_by_a["name"], seen_by_a["status"], seen_by_a["actualCost"], seen_by_a["version"]) == (
        "Spring fair",
        "ACTIVE",
        "10.00",
        3,
    )
    board_of_a = (await client.execute(BOARD, {"id": campaign_id}, a.token))["campaign"]["eventBoard"]
    assert board_of_a == {"invited": 0, "confirmed": 0, "checkedIn": 1, "noShow": 0, "walkIns": 0}
    assert (await client.execute(BOARD, {"id": b_campaign["id"]}, b.token))["campaign"]["eventBoard"][
        "checkedIn"
    ] == 0


def sql_rows(records):
    """table -> (key column, value in tenant A, an insert for tenant A's id as tenant B)."""
    campaign = raw_id(records["campaign"]["id"])
    return {
        "campaigns": (
            "id",
            campaign,
            "insert into campaigns (tenant_id, id, name, channel, currency, owner_id)"
            " select $1, gen_random_uuid(), 'x', 'event', 'USD', user_id from memberships limit 1",
        ),
        "campaign_costs": (
            "id",
            raw_id(records["cost"]["id"]),
            f"insert into campaign_costs (tenant_id, id, campaign_id, description, amount, currency, incurred_on)"
            f" values ($1, gen_random_uuid(), '{campaign}', 'x', 1, 'USD', current_date)",
        ),
        "segments": (
            "id",
            raw_id(records["segment"]["id"]),
            "insert into segments (tenant_id, id, name, target, owner_id)"
            " select $1, gen_random_uuid(), 'x', 'contact', user_id from memberships limit 1",
        ),
        "campaign_invitations": (
            "id",
            raw_id(records["invitation"]["id"]),
            f"insert into campaign_invitations (tenant_id, id, campaign_id, lead_id, code)"
            f" values ($1, gen_random_uuid(), '{campaign}', gen_random_uuid(), 'X')",
        ),
        "campaign_touches": (
            "contact_id",
            raw_id(records["contact"]["id"]),
            f"insert into campaign_touches (tenant_id, id, campaign_id, contact_id, kind, touched_at)"
            f" values ($1, gen_random_uuid(), '{campaign}', gen_random_uuid(), 'response', now())",
        ),
        "competitor_products": (
            "id",
            raw_id(records["product"]["id"]),
            f"insert into competitor_products (tenant_id, id, competitor_id, name)"
            f" values ($1, gen_random_uuid(), '{raw_id(records['rival']['id'])}', 'x')",
        ),
        "segment_members": (
            "member_id",
            raw_id(records["contact"]["id"]),
            f"insert into segment_members (tenant_id, segment_id, member_id)"
            f" values ($1, '{raw_id(records['segment']['id'])}', gen_random_uuid())",
        ),
    }


async def test_sql_wall_hides_and_protects_marketing_rows(client, db):
    a, records = await tenant_a(client)
    b = await client.sign_up("Tenant B")
    rows = sql_rows(records)
    connection = await db.connect()

    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        for table, (column, value, _) in rows.items():
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 0
            update = f"update {table} set tenant_id = tenant_id where {column} = $1"
            assert await connection.execute(update, value) == "UPDATE 0", table
            assert await connection.execute(f"delete from {table} where {column} = $1", value) == "DELETE 0"
    for table, (_, _, insert) in rows.items():
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
                await connection.execute(insert, uuid.UUID(a.tenant_id))
    async with connection.transaction():
        for table in rows:
            assert await connection.fetchval(f"select count(*) from {table}") == 0, table
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
        for table, (column, value, _) in rows.items():
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 1
