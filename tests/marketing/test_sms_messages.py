"""Campaign SMS to a segment, through a local HTTP server speaking Twilio's Messages API (the notification
tests' FakeTwilio): numbers in E.164 read in the tenant's region, SMS consent (own flag, a STOP for the
number reaching every duplicate), the shared send limits, delivery reports posted back to
`/hooks/sms/status/{token}`, bad input with the exact error, and another tenant that reaches nothing."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.jobs import run_one
from graph.marketing.messages import configure_unsubscribe
from graph.marketing.sending import send_campaign_messages
from graph.marketing.sms import configure_status_reports
from graph.notifications.channels import Channels, TwilioSms, use_channels
from tests.crm.documents import create_contact
from tests.marketing.documents import create_campaign, create_segment, error_pairs
from tests.notifications.support import at
from tests.notifications.test_sms import FakeTwilio
from tests.sales.leads.documents import create_lead
from tests.support import ok, relay_uuid

FIELDS = """
  id channel subject status recipientCount queuedCount sentCount deliveredCount failedCount skippedCount
  smsSegments
  recipients(first: 100) {
    nodes { status reason address providerId deliveredAt contact { id } lead { id } }
  }
"""
SEND = f"""
mutation($input: SendCampaignMessageInput!) {{
  sendCampaignMessage(input: $input) {{ message {{ {FIELDS} }} errors {{ field code message }} }}
}}"""
MESSAGE = f"query($id: ID!) {{ campaignMessage(id: $id) {{ {FIELDS} }} }}"
STOP = """
mutation($phone: String!) {
  recordSmsStop(phone: $phone) { phone contacts leads errors { field code message } }
}"""
SET_LIMITS = """
mutation($input: SetMarketingSendLimitsInput!) {
  setMarketingSendLimits(input: $input) { limits { hourly daily version } errors { field code message } }
}"""
UPDATE_CONTACT = """
mutation($id: ID!, $version: Int!, $input: UpdateContactInput!) {
  updateContact(id: $id, version: $version, input: $input) {
    contact { id smsOptOut version } errors { field code message }
  }
}"""
CONTACT = "query($id: ID!) { contact(id: $id) { id smsOptOut emailOptOut version } }"
LEAD = "query($id: ID!) { lead(id: $id) { id smsOptOut } }"
UNSUBSCRIBE = "mutation($token: String!) { unsubscribe(token: $token) { unsubscribed } }"
CAMPAIGN_VERSION = "query($id: ID!) { campaign(id: $id) { version } }"
DELETE_CAMPAIGN = """
mutation($id: ID!, $version: Int!) {
  deleteCampaign(id: $id, version: $version) { deletedId errors { field code message } }
}"""
TOKEN = re.compile(r"crmu_[0-9a-f]{32}_[A-Za-z0-9_-]+")
STATUS_URL = "http://testserver/hooks/sms/status/{token}"


@pytest.fixture(scope="module")
def twilio() -> Iterator[tuple[type[FakeTwilio], str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield FakeTwilio, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def sms(twilio) -> Iterator[type[FakeTwilio]]:
    handler, url = twilio
    handler.received, handler.status = [], 201
    previous = use_channels(Channels(sms=TwilioSms("AC9", "secret", "+15005550006", url)))
    configure_status_reports(STATUS_URL)
    yield handler
    configure_status_reports("")
    use_channels(previous)


def run(services, member, now: str):
    tenant = uuid.UUID(member.tenant_id)
    return run_one(services.db, "marketing.messages", send_campaign_messages, tenant, at(now))


async def send(client, member, campaign_id: str, **values: Any) -> dict[str, Any]:
    given = {"campaignId": campaign_id, "channel": "SMS", "body": "Hi {{ first_name }}", **values}
    return (await ok(client, member, SEND, {"input": given}, "sendCampaignMessage"))["message"]


async def message(client, member, message_id: str) -> dict[str, Any]:
    return (await client.execute(MESSAGE, {"id": message_id}, member.token))["campaignMessage"]


def by_person(found: dict[str, Any], ids: dict[str, str]) -> dict[str, tuple[str, str | None, str | None]]:
    names = {person_id: name for name, person_id in ids.items()}
    return {
        names[(node["contact"] or node["lead"])["id"]]: (node["status"], node["reason"], node["address"])
        for node in found["recipients"]["nodes"]
    }


async def set_sms_opt_out(client, member, contact_id: str, opted_out: bool | None) -> dict[str, Any]:
    version = (await client.execute(CONTACT, {"id": contact_id}, member.token))["contact"]["version"]
    variables = {"id": contact_id, "version": version, "input": {"smsOptOut": opted_out}}
    return (await client.execute(UPDATE_CONTACT, variables, member.token))["updateContact"]


async def report(client, callback: str, **form: str):
    return await client.http.post(urlsplit(callback).path, data=form)


async def test_journey_segment_sms_job_reports_stop_and_limits(client, services, sms):
    admin = await client.sign_up("Messe GmbH", locale="de-DE")
    people = {
        "ada": {"firstName": "Ada", "phones": ["+49 151 12345678"]},
        "bob": {"firstName": "Bob", "phones": ["030 1234567", "0160 1234567"]},  # a landline first
        "cy": {"firstName": "Cy", "emails": ["cy@example.com"]},
        "dee": {"firstName": "Dee", "phones": ["0152 23456789"]},
        "twin": {"firstName": "Twin", "phones": ["0151 12345678"]},  # Ada's number, written nationally
    }
    ids = {}
    for name, values in people.items():
        ids[name] = (await create_contact(client, admin, lastName="Sms", tags=["sms"], **values))["id"]
    opted = await set_sms_opt_out(client, admin, ids["dee"], True)
    assert opted["errors"] == [] and opted["contact"]["smsOptOut"] is True
    lead = await create_lead(client, admin, lastName="Lead", phone="0049 151 12345678")
    segment = await create_segment(client, admin, contacts={"tag": "sms"})
    campaign = await create_campaign(client, admin, name="Messe", channel="sms", segmentId=segment["id"])

    # No channel given: the campaign's `sms` channel decides.
    given = {"campaignId": campaign["id"], "body": "Hi {{ first_name }}, {{ campaign }} opens Monday."}
    first = (await ok(client, admin, SEND, {"input": given}, "sendCampaignMessage"))["message"]

    assert (first["channel"], first["subject"], first["smsSegments"]) == ("SMS", "", 1)
    assert (first["recipientCount"], first["queuedCount"], first["skippedCount"]) == (5, 2, 3)
    assert by_person(first, ids) == {
        "ada": ("QUEUED", None, "+4915112345678"),
        "bob": ("QUEUED", None, "+491601234567"),
        "cy": ("SKIPPED", "no_address", None),
        "dee": ("SKIPPED", "opted_out", "+4915223456789"),
        "twin": ("SKIPPED", "duplicate_address", "+4915112345678"),
    }
    assert (await run(services, admin, "2030-01-01T09:00:00+00:00")).summary == "sent 2, failed 0, skipped 0"
    assert (await run(services, admin, "2030-01-01T09:01:00+00:00")).summary == "sent 0, failed 0, skipped 0"
    forms = [entry["form"] for entry in sms.received]
    assert [(form["To"], form["Body"]) for form in forms] == [
        (["+4915112345678"], ["Hi Ada, Messe opens Monday.\nReply STOP to opt out."]),
        (["+491601234567"], ["Hi Bob, Messe opens Monday.\nReply STOP to opt out."]),
    ]
    callbacks = [form["StatusCallback"][0] for form in forms]
    assert all(url.startswith("http://testserver/hooks/sms/status/crmr_") for url in callbacks)
    sent = await message(client, admin, first["id"])
    assert (sent["status"], sent["sentCount"], sent["deliveredCount"]) == ("DONE", 2, 0)
    assert {node["providerId"] for node in sent["recipients"]["nodes"] if node["status"] == "SENT"} == {"SM1"}

    # The provider reports: Ada's delivered (twice is harmless), Bob's undelivered; "sent" changes nothing.
    for _ in range(2):
        answer = await report(client, callbacks[0], MessageSid="SM1", MessageStatus="delivered")
        assert (answer.status_code, answer.json()) == (200, {"status": "delivered"})
    assert (await report(client, callbacks[1], MessageStatus="sent")).json() == {"status": "sent"}
    failed = await report(client, callbacks[1], MessageStatus="undelivered", ErrorCode="30003")
    assert failed.json() == {"status": "failed"}
    reported = await message(client, admin, first["id"])
    assert (reported["sentCount"], reported["deliveredCount"], reported["failedCount"]) == (0, 1, 1)
    assert by_person(reported, ids)["bob"] == (
        "FAILED",
        "provider: undelivered (error 30003)",
        "+491601234567",
    )
    assert [node["deliveredAt"] is not None for node in reported["recipients"]["nodes"]][:1] == [True]
    forged = callbacks[0].rsplit("/", 1)[0] + "/crmr_" + uuid.UUID(admin.tenant_id).hex + "_" + "x" * 43
    assert (await report(client, forged, MessageStatus="delivered")).status_code == 404
    assert (await report(client, callbacks[0], Nothing="here")).status_code == 400

    # Ada replies STOP: every contact and lead with her number (however written) refuses SMS now.
    stopped = await ok(client, admin, STOP, {"phone": "+49 (151) 1234-5678"}, "recordSmsStop")
    assert (stopped["phone"], stopped["contacts"], stopped["leads"]) == ("+4915112345678", 2, 1)
    for name in ("ada", "twin"):
        contact = (await client.execute(CONTACT, {"id": ids[name]}, admin.token))["contact"]
        assert (contact["smsOptOut"], contact["emailOptOut"]) == (True, False)
    assert (await client.execute(LEAD, {"id": lead["id"]}, admin.token))["lead"]["smsOptOut"] is True

    # The next message skips them; one SMS an hour leaves Bob for the next hour, email or SMS alike.
    limits = {"input": {"hourly": 1, "daily": 10, "version": 0}}
    await ok(client, admin, SET_LIMITS, limits, "setMarketingSendLimits")
    second = await send(client, admin, campaign["id"])
    assert by_person(second, ids)["ada"][:2] == ("SKIPPED", "opted_out")
    assert by_person(second, ids)["twin"][:2] == ("SKIPPED", "opted_out")
    assert by_person(second, ids)["bob"][:2] == ("QUEUED", None)
    waiting = await run(services, admin, "2030-01-01T09:30:00+00:00")
    assert waiting.summary == "sent 0, failed 0, skipped 0, the rest waits"
    assert (await run(services, admin, "2030-01-01T10:00:00+00:00")).summary == "sent 1, failed 0, skipped 0"
    assert [entry["form"]["To"] for entry in sms.received[2:]] == [["+491601234567"]]

    # Dee accepts SMS again through the contact's own update.
    again = await set_sms_opt_out(client, admin, ids["dee"], False)
    assert again["contact"]["smsOptOut"] is False


async def test_bad_input_is_refused_with_the_exact_error(client, sms):
    admin = await client.sign_up("Shanghai Expo", locale="zh-CN")
    ada = await create_contact(client, admin, firstName="Ada", phones=["138 0013 8000"], tags=["cn"])
    await create_contact(client, admin, firstName="Bob", emails=["bob@example.com"], tags=["nophone"])
    phones = await create_segment(client, admin, contacts={"tag": "cn"})
    no_phones = await create_segment(client, admin, contacts={"tag": "nophone"})
    campaign = await create_campaign(client, admin, channel="sms", segmentId=phones["id"])

    async def errors(**values: Any) -> list[tuple[str | None, str]]:
        given = {"campaignId": campaign["id"], "channel": "SMS", "body": "Hi", **values}
        answer = await client.execute(SEND, {"input": given}, admin.token)
        return error_pairs(answer["sendCampaignMessage"])

    assert await errors(body="  ") == [("body", "REQUIRED")]
    assert await errors(subject="Hello") == [("subject", "INVALID")]
    assert await errors(body="x" * 1601) == [("body", "TOO_LONG")]
    # 1,500 GSM-7 characters and the STOP line: 1,523 septets, 10 segments of 153. One more is too long.
    assert await errors(body="x" * 1500) == []
    assert await errors(body="x" * 1508) == [("body", "TOO_LONG")]
    # `[` is in GSM-7's extension table: two septets. 740 of them and the STOP line are 1,503; 760, 1,543.
    assert await errors(body="[" * 740) == []
    assert await errors(body="[" * 760) == [("body", "TOO_LONG")]
    # Chinese is UCS-2: 600 characters and the STOP line are 623 units, ten segments of 67; 650 are 11.
    assert await errors(body="你" * 600) == []
    too_long = await client.execute(
        SEND, {"input": {"campaignId": campaign["id"], "body": "你" * 650}}, admin.token
    )
    [(field, code, text)] = [
        (error["field"], error["code"], error["message"])
        for error in too_long["sendCampaignMessage"]["errors"]
    ]
    assert (field, code) == ("body", "TOO_LONG")
    # The admin reads zh-CN (the tenant's locale): the whole message is translated, numbers kept.
    assert text == "使用示例值时过长：11 条短信分段（673 个 UCS-2 字符，分段时每段 67 个，含 STOP 行）；最多 10 段。"  # noqa: RUF001
    assert await errors(segmentId=no_phones["id"]) == [("segmentId", "INVALID")]
    chinese = await send(client, admin, campaign["id"], body="您好{{ first_name }}, 展会周一开幕。")
    assert (chinese["smsSegments"], chinese["recipients"]["nodes"][0]["address"]) == (1, "+8613800138000")
    invalid = await client.errors(
        SEND, {"input": {"campaignId": campaign["id"], "channel": "FAX", "body": "Hi"}}, admin.token
    )
    assert "Value 'FAX' does not exist in 'MessageChannel' enum" in invalid[0]["message"]
    null_flag = await set_sms_opt_out(client, admin, ada["id"], None)
    assert error_pairs(null_flag) == [("smsOptOut", "REQUIRED")]
    not_a_number = await client.execute(STOP, {"phone": "call me"}, admin.token)
    assert error_pairs(not_a_number["recordSmsStop"]) == [("phone", "INVALID")]
    viewer = await client.add_member(admin, "viewer", "viewer")
    assert await client.refused(STOP, {"phone": "13800138000"}, viewer.token, "recordSmsStop") == [
        (None, "PERMISSION_DENIED")
    ]


async def test_another_tenant_reaches_nothing(client, services, sms, db):
    a = await client.sign_up("Tenant A", locale="de-DE")
    ada = await create_contact(client, a, firstName="Ada", phones=["0151 99999999"], tags=["wall"])
    segment = await create_segment(client, a, contacts={"tag": "wall"})
    campaign = await create_campaign(client, a, channel="sms", segmentId=segment["id"])
    queued = await send(client, a, campaign["id"])
    await run(services, a, "2030-01-01T09:00:00+00:00")
    callback = sms.received[0]["form"]["StatusCallback"][0]
    b = await client.sign_up("Tenant B", locale="de-DE")

    # B's STOP for A's number and B's update of A's contact reach nothing; A's report token moved into
    # B's tenant finds nothing.
    stopped = await ok(client, b, STOP, {"phone": "+49 151 99999999"}, "recordSmsStop")
    assert (stopped["contacts"], stopped["leads"]) == (0, 0)
    update = await client.execute(
        UPDATE_CONTACT, {"id": ada["id"], "version": 1, "input": {"smsOptOut": True}}, b.token
    )
    assert error_pairs(update["updateContact"]) == [("id", "NOT_FOUND")]
    token = callback.rsplit("/", 1)[1]
    moved = "crmr_" + uuid.UUID(b.tenant_id).hex + token[len("crmr_") + 32 :]
    assert (
        await report(client, f"http://testserver/hooks/sms/status/{moved}", MessageStatus="failed")
    ).status_code == 404
    assert (await client.execute(CONTACT, {"id": ada["id"]}, a.token))["contact"]["smsOptOut"] is False
    assert (await client.execute(MESSAGE, {"id": queued["id"]}, b.token))["campaignMessage"] is None
    assert (await message(client, a, queued["id"]))["recipients"]["nodes"][0]["status"] == "SENT"

    # In SQL as the application role: B sees and changes none of A's new columns.
    contact_id = uuid.UUID(relay_uuid(ada["id"]))
    message_id = uuid.UUID(relay_uuid(queued["id"]))
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        assert (
            await connection.execute("update contacts set sms_opt_out = true where id = $1", contact_id)
            == "UPDATE 0"
        )
        assert (
            await connection.fetchval(
                "select count(*) from campaign_message_recipients where message_id = $1 and report_digest is not null",
                message_id,
            )
            == 0
        )
        assert (
            await connection.execute(
                "update campaign_message_recipients set status = 'delivered' where message_id = $1",
                message_id,
            )
            == "UPDATE 0"
        )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
        assert (
            await connection.fetchval(
                "select count(*) from campaign_message_recipients where message_id = $1 and report_digest is not null",
                message_id,
            )
            == 1
        )
        assert (
            await connection.fetchval("select sms_opt_out from contacts where id = $1", contact_id) is False
        )


async def test_sms_unsubscribe_link_late_opt_out_and_a_delivered_campaign_stays(client, services, sms):
    admin = await client.sign_up("Link GmbH", locale="de-DE")
    ada = await create_contact(client, admin, firstName="Ada", phones=["0151 11111111"], tags=["link"])
    late = await create_contact(client, admin, firstName="Late", phones=["0151 22222222"], tags=["link"])
    same = await create_lead(client, admin, lastName="Same", phone="+49 151 11111111")
    segment = await create_segment(client, admin, contacts={"tag": "link"})
    campaign = await create_campaign(client, admin, channel="sms", segmentId=segment["id"])
    queued = await send(client, admin, campaign["id"], body="Stop: {{ unsubscribe_url }}")
    assert queued["queuedCount"] == 2

    # Late opts out between queueing and sending: skipped at send time.
    assert (await set_sms_opt_out(client, admin, late["id"], True))["errors"] == []
    configure_unsubscribe("https://crm.example.com/u/{token}")
    try:
        outcome = await run(services, admin, "2030-01-01T09:00:00+00:00")
    finally:
        configure_unsubscribe("")
    assert outcome.summary == "sent 1, failed 0, skipped 1"
    [text] = sms.received[0]["form"]["Body"]
    token = TOKEN.search(text).group(0)
    assert text == f"Stop: https://crm.example.com/u/{token}\nReply STOP to opt out."
    answer = await report(client, sms.received[0]["form"]["StatusCallback"][0], MessageStatus="delivered")
    assert answer.json() == {"status": "delivered"}

    # A campaign whose SMS were delivered (none left merely SENT) keeps its history.
    version = (await client.execute(CAMPAIGN_VERSION, {"id": campaign["id"]}, admin.token))["campaign"]
    refused = await client.execute(DELETE_CAMPAIGN, {"id": campaign["id"], **version}, admin.token)
    assert error_pairs(refused["deleteCampaign"]) == [("id", "INVALID_TRANSITION")]

    # The link opts the number out: Ada and the lead with her number, for SMS only.
    assert (await client.execute(UNSUBSCRIBE, {"token": token}))["unsubscribe"]["unsubscribed"] is True
    contact = (await client.execute(CONTACT, {"id": ada["id"]}, admin.token))["contact"]
    assert (contact["smsOptOut"], contact["emailOptOut"]) == (True, False)
    assert (await client.execute(LEAD, {"id": same["id"]}, admin.token))["lead"]["smsOptOut"] is True
