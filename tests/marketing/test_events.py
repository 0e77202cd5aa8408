"""The event board: invitations from a segment, confirmation, check-in three ways, walk-ins, no-shows."""

from __future__ import annotations

from tests.crm.documents import create_contact
from tests.marketing.documents import (
    CHECK_IN,
    CONFIRM,
    INVITE,
    NO_SHOWS,
    RESPONSE,
    WALK_IN,
    board,
    create_campaign,
    create_segment,
    error_pairs,
    invite,
    start,
)
from tests.sales.leads.documents import create_lead
from tests.support import ok


async def fair(client, admin, visitors: int = 3):
    contacts = [
        (await create_contact(client, admin, firstName=f"V{i}", tags=["fair"]))["id"] for i in range(visitors)
    ]
    segment = await create_segment(client, admin, "Fair visitors", contacts={"tag": "fair"})
    campaign = await create_campaign(client, admin, name="Expo", segmentId=segment["id"])
    await start(client, admin, campaign)
    return contacts, segment, campaign


async def test_invite_confirm_check_in_walk_in_and_no_shows(client):
    admin = await client.sign_up()
    contacts, segment, campaign = await fair(client, admin)
    lead = await create_lead(client, admin, lastName="Invited lead")

    assert await invite(client, admin, campaign["id"], segmentId=segment["id"], leadIds=[lead["id"]]) == 4
    assert await invite(client, admin, campaign["id"], segmentId=segment["id"]) == 0
    invitations = (await board(client, admin, campaign["id"]))["invitations"]["nodes"]
    assert {i["contact"]["id"] for i in invitations if i["contact"]} == set(contacts)
    by_contact = {i["contact"]["id"]: i for i in invitations if i["contact"]}
    first, second, third = (by_contact[c] for c in contacts)
    assert len({i["code"] for i in invitations}) == 4 and all(len(i["code"]) == 16 for i in invitations)

    confirmed = await ok(client, admin, CONFIRM, {"id": first["id"], "version": 1}, "confirmInvitation")
    assert (confirmed["invitation"]["status"], confirmed["invitation"]["version"]) == ("CONFIRMED", 2)
    by_code = await ok(
        client,
        admin,
        CHECK_IN,
        {"input": {"campaignId": campaign["id"], "code": first["code"].lower()}},
        "checkInInvitee",
    )
    by_qr = await ok(
        client,
        admin,
        CHECK_IN,
        {"input": {"campaignId": campaign["id"], "qrPayload": second["qrPayload"]}},
        "checkInInvitee",
    )
    assert (by_code["invitation"]["status"], by_code["invitation"]["checkInMethod"]) == ("CHECKED_IN", "CODE")
    assert (by_qr["invitation"]["checkInMethod"], by_qr["invitation"]["checkedInBy"]["id"]) == (
        "QR",
        admin.user_id,
    )

    walked = await ok(
        client,
        admin,
        WALK_IN,
        {
            "input": {
                "campaignId": campaign["id"],
                "firstName": "Wal",
                "lastName": "Kin",
                "companyName": "Drop-in",
            }
        },
        "registerWalkIn",
    )
    assert (walked["lead"]["source"], walked["lead"]["inPool"], walked["lead"]["fullName"]) == (
        "campaign",
        True,
        "Wal Kin",
    )
    assert (walked["invitation"]["status"], walked["invitation"]["checkInMethod"]) == (
        "CHECKED_IN",
        "WALK_IN",
    )
    assert walked["invitation"]["lead"]["id"] == walked["lead"]["id"]

    marked = await ok(client, admin, NO_SHOWS, {"id": campaign["id"]}, "markNoShows")
    assert marked["count"] == 2
    seen = await board(client, admin, campaign["id"], ["NO_SHOW"])
    assert seen["eventBoard"] == {"invited": 0, "confirmed": 0, "checkedIn": 3, "noShow": 2, "walkIns": 1}
    assert {i["id"] for i in seen["invitations"]["nodes"]} == {third["id"]} | {
        i["id"] for i in invitations if i["lead"]
    }
    late = await client.execute(
        CHECK_IN, {"input": {"campaignId": campaign["id"], "invitationId": third["id"]}}, admin.token
    )
    assert error_pairs(late["checkInInvitee"]) == [("invitationId", "INVALID_TRANSITION")]


async def test_check_in_refusals_change_nothing(client):
    admin = await client.sign_up()
    _, segment, campaign = await fair(client, admin, visitors=1)
    other = await create_campaign(client, admin, name="Other")
    await invite(client, admin, campaign["id"], segmentId=segment["id"])
    invitation = (await board(client, admin, campaign["id"]))["invitations"]["nodes"][0]
    other_qr = invitation["qrPayload"].replace(campaign["id"], other["id"])
    cases = [
        ({"code": "NOPE"}, [("code", "NOT_FOUND")]),
        ({"qrPayload": "hello"}, [("qrPayload", "INVALID")]),
        ({"qrPayload": other_qr}, [("qrPayload", "INVALID")]),
        ({"qrPayload": f"CRMCHECKIN1:not base64!:{invitation['code']}"}, [("qrPayload", "INVALID")]),
        ({"qrPayload": f"CRMCHECKIN1:{segment['id']}:{invitation['code']}"}, [("qrPayload", "INVALID")]),
        ({}, [("code", "INVALID")]),
        ({"code": invitation["code"], "invitationId": invitation["id"]}, [("code", "INVALID")]),
    ]
    for given, expected in cases:
        payload = await client.execute(
            CHECK_IN, {"input": {"campaignId": campaign["id"], **given}}, admin.token
        )
        assert error_pairs(payload["checkInInvitee"]) == expected, given
    wrong_campaign = await client.execute(
        CHECK_IN, {"input": {"campaignId": other["id"], "code": invitation["code"]}}, admin.token
    )
    assert error_pairs(wrong_campaign["checkInInvitee"]) == [("code", "NOT_FOUND")]
    assert (await board(client, admin, campaign["id"]))["eventBoard"]["invited"] == 1


async def test_invitation_refusals(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    viewer = await client.add_member(admin, "viewer", "viewer")
    _, segment, campaign = await fair(client, admin, visitors=1)
    accounts = await create_segment(client, admin, "Accounts", accounts={})
    hidden = await create_contact(client, admin, firstName="Hidden")
    mine = await create_campaign(client, rep, name="Rep's")
    planned = await create_campaign(client, admin, name="Planned")
    cases = [
        (campaign["id"], {}, [("segmentId", "REQUIRED")], admin),
        (campaign["id"], {"segmentId": accounts["id"]}, [("segmentId", "INVALID")], admin),
        (mine["id"], {"contactIds": [hidden["id"]]}, [("contactIds.0", "NOT_FOUND")], rep),
        (mine["id"], {"segmentId": segment["id"]}, [("segmentId", "NOT_FOUND")], rep),
        (campaign["id"], {"segmentId": segment["id"]}, [("campaignId", "NOT_FOUND")], rep),
    ]
    for campaign_id, given, expected, member in cases:
        payload = await client.execute(INVITE, {"input": {"campaignId": campaign_id, **given}}, member.token)
        assert error_pairs(payload["inviteToCampaign"]) == expected, given
    no_shows = await client.execute(NO_SHOWS, {"id": planned["id"]}, admin.token)
    assert error_pairs(no_shows["markNoShows"]) == [("campaignId", "INVALID_TRANSITION")]
    refused = await client.refused(
        INVITE,
        {"input": {"campaignId": campaign["id"], "segmentId": segment["id"]}},
        viewer.token,
        "inviteToCampaign",
    )
    assert refused == [(None, "PERMISSION_DENIED")]
    both = await client.execute(RESPONSE, {"input": {"campaignId": campaign["id"]}}, admin.token)
    assert error_pairs(both["recordCampaignResponse"]) == [("contactId", "INVALID")]
    assert (await board(client, admin, campaign["id"]))["eventBoard"]["invited"] == 0
