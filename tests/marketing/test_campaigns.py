"""Campaigns: the journey, each refusal with its exact code and nothing written, record scope, money."""

from __future__ import annotations

from tests.marketing.documents import (
    ADD_COST,
    CAMPAIGN,
    CAMPAIGN_COSTS,
    CAMPAIGNS,
    CHANGE_CAMPAIGN_STATUS,
    CREATE_CAMPAIGN,
    NODE,
    REMOVE_COST,
    UPDATE_CAMPAIGN,
    add_cost,
    create_campaign,
    error_pairs,
)
from tests.support import ok

ADD_CHANNEL = """
mutation($key: String!) {
  addOption(input: {listKey: "campaign_channels", key: $key, label: "Trade press"}) { errors { code } }
}"""


async def test_a_campaign_in_cny_with_budget_costs_and_status_flow(client):
    admin = await client.sign_up("上海营销", locale="zh-CN", baseCurrency="CNY")

    campaign = await create_campaign(
        client,
        admin,
        name="春季展会",
        goal="200 qualified leads",
        plan="Booth at the Shanghai fair",
        channel="exhibition",
        startsOn="2027-03-01",
        endsOn="2027-03-03",
        budget="50000.5",
    )

    assert (campaign["currency"], campaign["budget"], campaign["actualCost"]) == ("CNY", "50000.50", "0.00")
    assert (campaign["status"], campaign["channel"], campaign["owner"]["id"]) == (
        "PLANNED",
        "exhibition",
        admin.user_id,
    )
    first = await add_cost(
        client, admin, campaign["id"], "12000.10", description="展位费", incurredOn="2026-11-01"
    )
    second = await add_cost(client, admin, campaign["id"], "800", description="Printing")
    assert first["cost"]["amount"] == "12000.10"
    assert (second["campaign"]["actualCost"], second["campaign"]["version"]) == ("12800.10", 3)

    read = (await client.execute(CAMPAIGN, {"id": campaign["id"]}, admin.token))["campaign"]
    assert (read["actualCost"], read["budget"], read["version"]) == ("12800.10", "50000.50", 3)
    costs = (await client.execute(CAMPAIGN_COSTS, {"id": campaign["id"]}, admin.token))["campaign"]["costs"]
    assert [c["description"] for c in costs["nodes"]] == ["展位费", "Printing"]
    node = (await client.execute(NODE, {"id": first["cost"]["id"]}, admin.token))["node"]
    assert node == {"id": first["cost"]["id"], "amount": "12000.10"}

    removed = await ok(client, admin, REMOVE_COST, {"id": second["cost"]["id"]}, "removeCampaignCost")
    assert (removed["campaign"]["actualCost"], removed["campaign"]["version"]) == ("12000.10", 4)

    moves = [("ACTIVE", 4), ("COMPLETED", 5)]
    for status, version in moves:
        variables = {"id": campaign["id"], "version": version, "status": status}
        moved = await ok(client, admin, CHANGE_CAMPAIGN_STATUS, variables, "changeCampaignStatus")
        assert moved["campaign"]["status"] == status


async def test_the_list_filters_and_orders_campaigns(client):
    admin = await client.sign_up()
    email = await create_campaign(client, admin, name="Newsletter", channel="email", budget="10")
    fair = await create_campaign(client, admin, name="Autumn fair", channel="event", startsOn="2027-09-01")
    await create_campaign(client, admin, name="Ads", channel="online_ads", startsOn="2027-01-01")
    await ok(
        client,
        admin,
        CHANGE_CAMPAIGN_STATUS,
        {"id": fair["id"], "version": 1, "status": "ACTIVE"},
        "changeCampaignStatus",
    )

    def names(data):
        return [node["name"] for node in data["campaigns"]["nodes"]]

    everything = await client.execute(CAMPAIGNS, {}, admin.token)
    assert names(everything) == ["Newsletter", "Autumn fair", "Ads"]
    by_name = await client.execute(CAMPAIGNS, {"orderBy": [{"field": "NAME"}]}, admin.token)
    assert names(by_name) == ["Ads", "Autumn fair", "Newsletter"]
    by_start = await client.execute(CAMPAIGNS, {"orderBy": [{"field": "STARTS_ON"}]}, admin.token)
    assert names(by_start) == ["Ads", "Autumn fair", "Newsletter"]
    active = await client.execute(CAMPAIGNS, {"filter": {"statuses": ["ACTIVE"]}}, admin.token)
    assert names(active) == ["Autumn fair"]
    emails = await client.execute(CAMPAIGNS, {"filter": {"channel": "EMAIL"}}, admin.token)
    assert [n["id"] for n in emails["campaigns"]["nodes"]] == [email["id"]]
    searched = await client.execute(CAMPAIGNS, {"filter": {"search": "FAIR"}}, admin.token)
    assert names(searched) == ["Autumn fair"]
    page = await client.execute(CAMPAIGNS, {"first": 2}, admin.token)
    rest = await client.execute(CAMPAIGNS, {"after": page["campaigns"]["pageInfo"]["endCursor"]}, admin.token)
    assert names(page) + names(rest) == names(everything)


async def test_bad_input_is_refused_with_the_field_and_nothing_is_written(client):
    admin = await client.sign_up(baseCurrency="JPY")
    cases = [
        ({"name": " ", "channel": "event"}, [("name", "REQUIRED")]),
        ({"name": "x", "channel": "carrier_pigeon"}, [("channel", "INVALID")]),
        ({"name": "x", "channel": "event", "currency": "XXY"}, [("currency", "INVALID")]),
        ({"name": "x", "channel": "event", "budget": "10.5"}, [("budget", "INVALID")]),
        ({"name": "x", "channel": "event", "budget": "-1"}, [("budget", "INVALID")]),
        (
            {"name": "x", "channel": "event", "startsOn": "2027-03-02", "endsOn": "2027-03-01"},
            [("endsOn", "INVALID")],
        ),
        ({"name": "x", "channel": "event", "ownerId": "VXNlcjpub3Q="}, [("ownerId", "NOT_FOUND")]),
    ]
    for given, expected in cases:
        payload = (await client.execute(CREATE_CAMPAIGN, {"input": given}, admin.token))["createCampaign"]
        assert (error_pairs(payload), payload["campaign"]) == (expected, None), given
    assert (await client.execute(CAMPAIGNS, {}, admin.token))["campaigns"]["nodes"] == []

    campaign = await create_campaign(client, admin, budget="1000")
    assert (campaign["currency"], campaign["budget"]) == ("JPY", "1000")
    await add_cost(client, admin, campaign["id"], "300")
    refusals = [
        (UPDATE_CAMPAIGN, {"id": campaign["id"], "version": 1, "input": {"name": "y"}}, "updateCampaign",
         [("version", "CONFLICT")]),
        (UPDATE_CAMPAIGN, {"id": campaign["id"], "version": 2, "input": {"currency": "EUR"}}, "updateCampaign",
         [("currency", "INVALID")]),
        (UPDATE_CAMPAIGN, {"id": campaign["id"], "version": 2, "input": {"ownerId": None}}, "updateCampaign",
         [("ownerId", "REQUIRED")]),
        (CHANGE_CAMPAIGN_STATUS, {"id": campaign["id"], "version": 2, "status": "COMPLETED"},
         "changeCampaignStatus", [("status", "INVALID_TRANSITION")]),
        (ADD_COST, {"input": {"campaignId": campaign["id"], "description": "x", "amount": "0"}},
         "addCampaignCost", [("amount", "INVALID")]),
        (ADD_COST, {"input": {"campaignId": campaign["id"], "description": "", "amount": "1"}},
         "addCampaignCost", [("description", "REQUIRED")]),
    ]  # fmt: skip
    for document, variables, name, expected in refusals:
        payload = (await client.execute(document, variables, admin.token))[name]
        assert error_pairs(payload) == expected, (name, variables)
    read = (await client.execute(CAMPAIGN, {"id": campaign["id"]}, admin.token))["campaign"]
    assert (read["name"], read["currency"], read["actualCost"], read["version"]) == (
        "Spring fair",
        "JPY",
        "300",
        2,
    )

    await ok(
        client,
        admin,
        CHANGE_CAMPAIGN_STATUS,
        {"id": campaign["id"], "version": 2, "status": "CANCELLED"},
        "changeCampaignStatus",
    )
    closed = await client.execute(
        ADD_COST, {"input": {"campaignId": campaign["id"], "description": "x", "amount": "5"}}, admin.token
    )
    assert error_pairs(closed["addCampaignCost"]) == [("campaignId", "INVALID_TRANSITION")]


async def test_a_tenant_adds_its_own_channel(client):
    admin = await client.sign_up()
    assert (await client.execute(ADD_CHANNEL, {"key": "trade_press"}, admin.token))["addOption"][
        "errors"
    ] == []

    campaign = await create_campaign(client, admin, channel="Trade_Press")

    assert campaign["channel"] == "trade_press"


async def test_record_scope_and_permissions(client, db):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.add_member(admin, "sales", "other")
    viewer = await client.add_member(admin, "viewer", "viewer")
    mine = await create_campaign(client, rep, name="Mine")
    theirs = await create_campaign(client, other, name="Theirs")
    cost = await add_cost(client, other, theirs["id"], "5")

    listed = (await client.execute(CAMPAIGNS, {}, rep.token))["campaigns"]["nodes"]
    assert [n["id"] for n in listed] == [mine["id"]]
    assert (await client.execute(CAMPAIGN, {"id": theirs["id"]}, rep.token))["campaign"] is None
    assert (await client.execute(NODE, {"id": cost["cost"]["id"]}, rep.token))["node"] is None
    attempts = [
        (UPDATE_CAMPAIGN, {"id": theirs["id"], "version": 2, "input": {"name": "x"}}, "updateCampaign", "id"),
        (ADD_COST, {"input": {"campaignId": theirs["id"], "description": "x", "amount": "1"}},
         "addCampaignCost", "campaignId"),
        (REMOVE_COST, {"id": cost["cost"]["id"]}, "removeCampaignCost", "id"),
    ]  # fmt: skip
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, rep.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name

    everything = (await client.execute(CAMPAIGNS, {}, viewer.token))["campaigns"]["nodes"]
    assert {n["name"] for n in everything} == {"Mine", "Theirs"}
    refused = await client.refused(
        CREATE_CAMPAIGN, {"input": {"name": "x", "channel": "event"}}, viewer.token, "createCampaign"
    )
    assert refused == [(None, "PERMISSION_DENIED")]
    read = (await client.execute(CAMPAIGN, {"id": theirs["id"]}, admin.token))["campaign"]
    assert (read["name"], read["actualCost"], read["version"]) == ("Theirs", "5.00", 2)
