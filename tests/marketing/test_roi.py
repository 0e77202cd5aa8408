"""Attribution and ROI through GraphQL, checked against an independent computation of the same figures.

The journey: segment -> invitations -> check-ins -> walk-ins in the lead pool -> one converted and won ->
the report shows the won amount against the cost, first touch and last touch, per campaign and channel.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tests.crm.documents import create_contact
from tests.marketing.documents import (
    CHECK_IN,
    RESPONSE,
    WALK_IN,
    add_cost,
    board,
    create_campaign,
    create_segment,
    invite,
    performance,
    start,
)
from tests.sales.leads.documents import CHANGE_STATUS, CONVERT_LEAD, create_lead
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named
from tests.sales.pipeline.reporting import set_rate
from tests.support import ok

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def expected_report(campaigns, touches, leads, won, model):
    """The figures computed from what the test did, without the server: `touches` are (lead, campaign)
    in the order they happened; `leads` lead -> qualified?; `won` lead -> won amount in the base currency."""
    credited: dict[str, str] = {}
    for lead, campaign in touches:
        if model == "LAST_TOUCH" or lead not in credited:
            credited[lead] = campaign
    rows = {}
    for name, cost in campaigns.items():
        mine = [lead for lead, campaign in credited.items() if campaign == name]
        won_amount = sum((won[lead] for lead in mine if lead in won), Decimal(0))
        rows[name] = {
            "cost": money(cost),
            "leads": len(mine),
            "qualifiedLeads": sum(1 for lead in mine if leads[lead]),
            "opportunities": sum(1 for lead in mine if lead in won),
            "wonDeals": sum(1 for lead in mine if lead in won),
            "wonAmount": money(won_amount),
            "costPerLead": money(cost / len(mine)) if mine else None,
            "returnOnSpend": str((won_amount / cost).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)),
        }
    return rows


def figures(row):
    return {key: value for key, value in row.items() if key not in ("campaign", "channel")}


async def test_the_journey_from_segment_to_won_deal_shows_in_roi(client):
    admin = await client.sign_up("展会公司", baseCurrency="CNY")
    await set_rate(client, admin, "USD", "2026-01-01", "7.1")
    for index in range(2):
        await create_contact(client, admin, firstName=f"Visitor{index}", tags=["fair"])
    segment = await create_segment(client, admin, "Fair visitors", contacts={"tag": "fair"})
    expo = await create_campaign(
        client, admin, name="Expo", channel="event", segmentId=segment["id"], budget="20000"
    )
    ads = await create_campaign(client, admin, name="Ads", channel="online_ads", currency="USD")
    await add_cost(client, admin, expo["id"], "10000.00")
    await add_cost(client, admin, expo["id"], "500.5")
    await add_cost(client, admin, ads["id"], "1000.01")
    await start(client, admin, {**expo, "version": 3})
    await start(client, admin, {**ads, "version": 2})

    assert await invite(client, admin, expo["id"], segmentId=segment["id"]) == 2
    invitation = (await board(client, admin, expo["id"]))["invitations"]["nodes"][0]
    checked = {"input": {"campaignId": expo["id"], "qrPayload": invitation["qrPayload"]}}
    assert (await client.execute(CHECK_IN, checked, admin.token))["checkInInvitee"]["errors"] == []
    walk_ins = []
    for first, last in (("伟", "王"), ("娜", "李")):
        given = {
            "campaignId": expo["id"],
            "firstName": first,
            "lastName": last,
            "companyName": f"{last}氏科技",
        }
        walked = await ok(client, admin, WALK_IN, {"input": given}, "registerWalkIn")
        assert walked["lead"]["inPool"] is True
        walk_ins.append(walked["lead"])
    web = await create_lead(client, admin, lastName="Zhao")
    for campaign in (ads, expo):
        response = {"input": {"campaignId": campaign["id"], "leadId": web["id"]}}
        assert (await client.execute(RESPONSE, response, admin.token))["recordCampaignResponse"][
            "errors"
        ] == []

    wang = walk_ins[0]
    qualified = {"id": wang["id"], "version": 1, "status": "QUALIFIED"}
    await ok(client, admin, CHANGE_STATUS, qualified, "changeLeadStatus")
    converted = await ok(
        client,
        admin,
        CONVERT_LEAD,
        {
            "id": wang["id"],
            "version": 2,
            "input": {"createOpportunity": {"amount": "30000.25", "currency": "CNY"}},
        },
        "convertLead",
    )
    deal = converted["opportunity"]
    pipeline = await default_pipeline(client, admin)
    await moved(client, admin, {**deal, "version": 1}, stage_named(pipeline, "Won")["id"])
    # An Ads touch after the conversion does not move the credit for the won deal.
    late = {"input": {"campaignId": ads["id"], "leadId": wang["id"]}}
    assert (await client.execute(RESPONSE, late, admin.token))["recordCampaignResponse"]["errors"] == []

    costs = {"Expo": Decimal("10000.00") + Decimal("500.5"), "Ads": Decimal("1000.01") * Decimal("7.1")}
    touches = [(wang["id"], "Expo"), (walk_ins[1]["id"], "Expo"), (web["id"], "Ads"), (web["id"], "Expo")]
    leads = {wang["id"]: True, walk_ins[1]["id"]: False, web["id"]: False}
    won = {wang["id"]: Decimal("30000.25")}
    for model in ("LAST_TOUCH", "FIRST_TOUCH"):
        report = await performance(client, admin, model)
        expected = expected_report(costs, touches, leads, won, model)

        assert (report["currency"], report["model"], report["missingRates"]) == ("CNY", model, [])
        assert {row["campaign"]["name"]: figures(row) for row in report["campaigns"]} == expected, model
        by_channel = {row["channel"]: figures(row) for row in report["channels"]}
        assert by_channel == {"event": expected["Expo"], "online_ads": expected["Ads"]}
        total_cost = Decimal(expected["Expo"]["cost"]) + Decimal(expected["Ads"]["cost"])
        assert report["total"]["cost"] == money(total_cost)
        assert report["total"]["wonAmount"] == "30000.25"
        assert report["total"]["leads"] == 3

    last = await performance(client, admin, "LAST_TOUCH")
    expo_row = next(row for row in last["campaigns"] if row["campaign"]["name"] == "Expo")
    assert (expo_row["cost"], expo_row["leads"], expo_row["wonAmount"], expo_row["returnOnSpend"]) == (
        "10500.50",
        3,
        "30000.25",
        "2.8570",
    )
    only_event = await performance(client, admin, "LAST_TOUCH", channel="event")
    assert [row["campaign"]["name"] for row in only_event["campaigns"]] == ["Expo"]


async def test_a_missing_rate_makes_the_figure_null_and_says_which(client):
    admin = await client.sign_up(baseCurrency="CNY")
    campaign = await create_campaign(client, admin, name="Berlin", currency="EUR")
    await add_cost(client, admin, campaign["id"], "100", incurredOn="2026-11-01")
    await add_cost(client, admin, campaign["id"], "50", incurredOn="2026-10-15")
    await create_campaign(client, admin, name="Local", budget="10")

    report = await performance(client, admin)

    rows = {row["campaign"]["name"]: row for row in report["campaigns"]}
    assert (rows["Berlin"]["cost"], rows["Berlin"]["costPerLead"], rows["Berlin"]["returnOnSpend"]) == (
        None,
        None,
        None,
    )
    assert (rows["Local"]["cost"], rows["Local"]["returnOnSpend"]) == ("0.00", None)
    assert report["total"]["cost"] is None
    assert report["missingRates"] == [
        {"fromCurrency": "EUR", "toCurrency": "CNY", "neededFrom": "2026-10-15"}
    ]
    await set_rate(client, admin, "EUR", "2026-10-01", "7.8")
    fixed = await performance(client, admin)
    assert {row["campaign"]["name"]: row["cost"] for row in fixed["campaigns"]} == {
        "Berlin": "1170.00",
        "Local": "0.00",
    }


async def test_leads_are_counted_in_the_callers_scope(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    campaign = await create_campaign(client, rep, name="Rep's")
    await start(client, rep, campaign)
    own = await create_lead(client, rep, lastName="Mine", ownerId=rep.user_id)
    others = await create_lead(client, admin, lastName="Admin's", ownerId=admin.user_id)
    for lead, member in ((own, rep), (others, admin)):
        response = {"input": {"campaignId": campaign["id"], "leadId": lead["id"]}}
        assert (await client.execute(RESPONSE, response, member.token))["recordCampaignResponse"][
            "errors"
        ] == []
    assert await create_campaign(client, admin, name="Admin's")

    seen_by_rep = await performance(client, rep)
    seen_by_admin = await performance(client, admin)

    assert [(row["campaign"]["name"], row["leads"]) for row in seen_by_rep["campaigns"]] == [("Rep's", 1)]
    assert [(row["campaign"]["name"], row["leads"]) for row in seen_by_admin["campaigns"]] == [
        ("Admin's", 0),
        ("Rep's", 2),
    ]


async def test_an_opportunity_is_credited_through_its_contacts_touches_before_it_was_opened(client):
    admin = await client.sign_up()
    contact = await create_contact(client, admin, firstName="Grace", tags=["fair"])
    segment = await create_segment(client, admin, contacts={"tag": "fair"})
    expo = await create_campaign(client, admin, name="Expo", segmentId=segment["id"])
    await start(client, admin, expo)
    roles = [{"contactId": contact["id"], "role": "DECISION_MAKER"}]
    before = await create_opportunity(client, admin, name="Opened before", contacts=roles, amount="100")
    await invite(client, admin, expo["id"], segmentId=segment["id"])
    code = (await board(client, admin, expo["id"]))["invitations"]["nodes"][0]["code"]
    checked = {"input": {"campaignId": expo["id"], "code": code}}
    assert (await client.execute(CHECK_IN, checked, admin.token))["checkInInvitee"]["errors"] == []
    after = await create_opportunity(client, admin, name="Opened after", contacts=roles, amount="2500")
    pipeline = await default_pipeline(client, admin)
    for deal in (before, after):
        await moved(client, admin, deal, stage_named(pipeline, "Won")["id"])

    row = (await performance(client, admin))["campaigns"][0]

    assert (row["leads"], row["opportunities"], row["wonDeals"], row["wonAmount"]) == (0, 1, 1, "2500.00")
