"""Campaign custom fields and field-level role rules, on the executor and on the compiled path."""

from __future__ import annotations

from tests.admin.documents import REASSIGN, assign, create_role, define_field, grants
from tests.marketing.documents import (
    CAMPAIGN,
    CAMPAIGNS,
    CHANGE_CAMPAIGN_STATUS,
    UPDATE_CAMPAIGN,
    create_campaign,
    error_pairs,
)
from tests.support import ok

REGIONS = {"options": [{"key": "east", "label": "East"}, {"key": "north", "label": "North"}]}
CUSTOM = """
query($filter: CampaignFilter, $orderBy: [CampaignOrder!]) {
  campaigns(filter: $filter, orderBy: $orderBy) { nodes { name customFields } }
}"""


async def test_campaigns_take_custom_fields_filters_and_sort_keys(client):
    admin = await client.sign_up()
    await define_field(
        client, admin, "campaign", "region", "SINGLE_SELECT", validation=REGIONS, filterable=True
    )
    await define_field(client, admin, "campaign", "leads_goal", "INTEGER", filterable=True)
    await create_campaign(client, admin, name="East fair", custom={"region": "east", "leads_goal": 200})
    north = await create_campaign(
        client, admin, name="North fair", custom={"region": "north", "leads_goal": 50}
    )
    await create_campaign(client, admin, name="No region")

    east = await client.execute(
        CUSTOM, {"filter": {"custom": [{"key": "region", "equals": "east"}]}}, admin.token
    )
    assert east["campaigns"]["nodes"] == [
        {"name": "East fair", "customFields": {"region": "east", "leads_goal": 200}}
    ]
    by_goal = await client.execute(
        CUSTOM, {"orderBy": [{"customField": "leads_goal", "direction": "DESC"}]}, admin.token
    )
    assert [n["name"] for n in by_goal["campaigns"]["nodes"]] == ["East fair", "North fair", "No region"]
    bad = await client.execute(
        UPDATE_CAMPAIGN,
        {"id": north["id"], "version": 1, "input": {"custom": {"region": "west"}}},
        admin.token,
    )
    assert error_pairs(bad["updateCampaign"]) == [("custom.region", "INVALID")]


async def test_a_role_may_hide_the_budget_and_keep_the_status_read_only(client):
    admin = await client.sign_up()
    rules = grants()
    rules.append(
        {
            "objectType": "campaign",
            "actions": ["READ", "UPDATE"],
            "scope": "ALL",
            "fields": [{"field": "budget", "access": "HIDDEN"}, {"field": "status", "access": "READ_ONLY"}],
        }
    )
    role = await create_role(client, admin, "field_staff", grants=rules)
    staff = await client.add_member(admin, "viewer", "staff")
    await assign(client, admin, staff, role)
    campaign = await create_campaign(client, admin, name="Secret budget", budget="90000", goal="Leads")

    listed = (await client.execute(CAMPAIGNS, {}, staff.token))["campaigns"]["nodes"]
    one = (await client.execute(CAMPAIGN, {"id": campaign["id"]}, staff.token))["campaign"]
    for seen in (listed[0], one):
        assert (seen["budget"], seen["goal"], seen["actualCost"]) == (None, "Leads", "0.00")
    assert (await client.execute(CAMPAIGN, {"id": campaign["id"]}, admin.token))["campaign"][
        "budget"
    ] == "90000.00"

    moves = {"id": campaign["id"], "version": 1, "status": "ACTIVE"}
    assert await client.refused(CHANGE_CAMPAIGN_STATUS, moves, staff.token, "changeCampaignStatus") == [
        ("status", "PERMISSION_DENIED")
    ]
    budget = {"id": campaign["id"], "version": 1, "input": {"budget": "1"}}
    assert await client.refused(UPDATE_CAMPAIGN, budget, staff.token, "updateCampaign") == [
        ("budget", "PERMISSION_DENIED")
    ]
    renamed = await ok(
        client,
        staff,
        UPDATE_CAMPAIGN,
        {"id": campaign["id"], "version": 1, "input": {"name": "Renamed"}},
        "updateCampaign",
    )
    assert (renamed["campaign"]["name"], renamed["campaign"]["budget"]) == ("Renamed", None)


async def test_a_departing_members_campaigns_are_reassigned(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    campaign = await create_campaign(client, rep, name="Rep's")

    moved = await ok(client, admin, REASSIGN, {"from": rep.user_id, "to": admin.user_id}, "reassignRecords")

    assert {"objectType": "campaign", "count": 1} in moved["reassigned"]
    read = (await client.execute(CAMPAIGN, {"id": campaign["id"]}, admin.token))["campaign"]
    assert (read["owner"]["id"], read["version"]) == (admin.user_id, 2)
