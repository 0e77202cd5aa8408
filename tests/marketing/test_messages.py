"""Bulk campaign email to a segment: a real SMTP server (aiosmtpd) receives only the people who did not opt
out; the unsubscribe link makes the next message skip them; send limits queue the excess for the next
window; a crash mid-batch neither sends twice nor loses the untried; another tenant sees nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from email.message import Message
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller

from gateway.jobs import run_one
from graph.marketing.messages import configure_unsubscribe
from graph.marketing.sending import send_campaign_messages, send_messages
from graph.notifications.channels import Channels, use_channels
from tenants.mail import Mail, MailUnavailable, SmtpSender
from tests.crm.documents import create_contact
from tests.identity.mailbox import Inbox, body
from tests.marketing.documents import (
    CHANGE_CAMPAIGN_STATUS,
    create_campaign,
    create_segment,
    error_pairs,
)
from tests.notifications.support import RecordingSms, at
from tests.sales.leads.documents import create_lead
from tests.servers import free_port
from tests.support import ok, relay_uuid

TOKEN = re.compile(r"crmu_[0-9a-f]{32}_[A-Za-z0-9_-]+")
MESSAGE_FIELDS = """
  id subject status recipientCount queuedCount sentCount failedCount skippedCount finishedAt
  recipients(first: 100) {
    nodes { status reason attempts sentAt unsubscribedAt address contact { id } lead { id } }
    pageInfo { hasNextPage endCursor }
  }
"""
SEND = f"""
mutation($input: SendCampaignMessageInput!) {{
  sendCampaignMessage(input: $input) {{ message {{ {MESSAGE_FIELDS} }} errors {{ field code message }} }}
}}"""
MESSAGE = f"""
query($id: ID!) {{ campaignMessage(id: $id) {{ {MESSAGE_FIELDS} }} }}"""
PAGE = """
query($id: ID!, $after: String, $statuses: [RecipientStatus!]) {
  campaignMessage(id: $id) {
    recipients(first: 2, after: $after, statuses: $statuses) {
      nodes { status contact { id } } pageInfo { hasNextPage endCursor }
    }
  }
}"""
CAMPAIGN_MESSAGES = """
query($id: ID!) { campaign(id: $id) { messages { nodes { id sentCount } } } }"""
CANCEL = """
mutation($id: ID!) {
  cancelCampaignMessage(id: $id) { message { status queuedCount skippedCount } errors { field code message } }
}"""
UNSUBSCRIBE = """
mutation($token: String!) { unsubscribe(token: $token) { unsubscribed errors { field code message } } }"""
OPT_OUT = """
mutation($id: ID!, $optedOut: Boolean!) {
  setEmailOptOut(id: $id, optedOut: $optedOut) { recordId emailOptOut errors { field code message } }
}"""
LIMITS = "query { marketingSendLimits { hourly daily version } }"
SET_LIMITS = """
mutation($input: SetMarketingSendLimitsInput!) {
  setMarketingSendLimits(input: $input) { limits { hourly daily version } errors { field code message } }
}"""
CONTACT = "query($id: ID!) { contact(id: $id) { id emailOptOut } }"
LEAD = "query($id: ID!) { lead(id: $id) { id emailOptOut } }"


class RecordingMail:
    """Keeps what it is handed; `crash_on`: the n-th send (1-based) dies like a killed process."""

    def __init__(self, crash_on: int | None = None, refuse: bool = False) -> None:
        self.sent: list[Mail] = []
        self.crash_on = crash_on
        self.refuse = refuse
        self.calls = 0

    async def send(self, mail: Mail) -> None:
        self.calls += 1
        if self.crash_on is not None and self.calls == self.crash_on:
            raise RuntimeError("killed")
        if self.refuse:
            raise MailUnavailable("421 try later")
        self.sent.append(mail)


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def channels(smtp) -> Iterator[Channels]:
    configured = Channels(
        mail=SmtpSender("127.0.0.1", smtp[1], "Fair <news@example.com>", security="none"), sms=RecordingSms()
    )
    previous = use_channels(configured)
    configure_unsubscribe("https://crm.example.com/unsubscribe?token={token}")
    yield configured
    configure_unsubscribe("")
    use_channels(previous)


async def send(client, member, campaign_id: str, **values: Any) -> dict[str, Any]:
    given = {"campaignId": campaign_id, "subject": "Hello {{ first_name }}", "body": "See you.", **values}
    return (await ok(client, member, SEND, {"input": given}, "sendCampaignMessage"))["message"]


async def message(client, member, message_id: str) -> dict[str, Any]:
    return (await client.execute(MESSAGE, {"id": message_id}, member.token))["campaignMessage"]


def statuses(found: dict[str, Any], by_contact: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    names = {contact_id: name for name, contact_id in by_contact.items()}
    return {
        names[node["contact"]["id"]]: (node["status"], node["reason"])
        for node in found["recipients"]["nodes"]
    }


def received(inbox: Inbox, to: str) -> list[Message]:
    return [mail for mail in inbox.messages if mail["To"] == to]


def run(services, member, now: str):
    tenant = uuid.UUID(member.tenant_id)
    return run_one(services.db, "marketing.messages", send_campaign_messages, tenant, at(now))


async def audience(client, admin, tag: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Five contacts tagged `tag`: two deliverable, one opted out by staff, one without an address, and one
    sharing Ada's address (in another case)."""
    people = {
        "ada": {"firstName": "Ada", "emails": [f"ada.{tag}@example.com"]},
        "bob": {"firstName": "Bob", "emails": [f"bob.{tag}@example.com"]},
        "cy": {"firstName": "Cy"},
        "dee": {"firstName": "Dee", "emails": [f"dee.{tag}@example.com"]},
        "twin": {"firstName": "Twin", "emails": [f"ADA.{tag}@example.com"]},
    }
    ids = {}
    for name, values in people.items():
        ids[name] = (await create_contact(client, admin, lastName="Fair", tags=[tag], **values))["id"]
    opted = await ok(client, admin, OPT_OUT, {"id": ids["dee"], "optedOut": True}, "setEmailOptOut")
    assert opted["emailOptOut"] is True
    segment = await create_segment(client, admin, contacts={"tag": tag})
    return ids, segment


async def test_journey_segment_message_job_unsubscribe_and_the_next_message_skips(
    client, services, smtp, channels
):
    inbox, _ = smtp
    admin = await client.sign_up()
    ids, segment = await audience(client, admin, "journey")
    campaign = await create_campaign(
        client, admin, name="Autumn fair", channel="email", segmentId=segment["id"]
    )

    first = await send(
        client,
        admin,
        campaign["id"],
        subject="Hello {{ first_name }}",
        body="Dear {{ name }}, {{ campaign }}.",
    )

    assert (first["recipientCount"], first["queuedCount"], first["skippedCount"]) == (5, 2, 3)
    assert statuses(first, ids) == {
        "ada": ("QUEUED", None),
        "bob": ("QUEUED", None),
        "cy": ("SKIPPED", "no_address"),
        "dee": ("SKIPPED", "opted_out"),
        "twin": ("SKIPPED", "duplicate_address"),
    }
    outcome = await run(services, admin, "2030-01-01T09:00:00+00:00")
    assert outcome.summary == "sent 2, failed 0, skipped 0"
    assert (await run(services, admin, "2030-01-01T09:01:00+00:00")).summary == "sent 0, failed 0, skipped 0"

    ada_mail, bob_mail = (
        received(inbox, "ada.journey@example.com"),
        received(inbox, "bob.journey@example.com"),
    )
    assert len(ada_mail) == 1 and len(bob_mail) == 1
    assert [mail["To"] for mail in inbox.messages if "journey" in mail["To"]] == [
        "ada.journey@example.com",
        "bob.journey@example.com",
    ]
    assert ada_mail[0]["Subject"] == "Hello Ada"
    text = body(ada_mail[0]).replace("\r\n", "\n")
    assert text.startswith("Dear Ada Fair, Autumn fair.\n\n--\nTo stop receiving these emails, unsubscribe: ")
    token = TOKEN.search(text).group(0)
    assert ada_mail[0]["List-Unsubscribe"] == f"<https://crm.example.com/unsubscribe?token={token}>"
    assert ada_mail[0]["Message-ID"].startswith("<campaign-message-")
    done = await message(client, admin, first["id"])
    assert (done["status"], done["sentCount"], done["queuedCount"]) == ("DONE", 2, 0)
    assert done["finishedAt"] is not None
    assert statuses(done, ids)["ada"] == ("SENT", None)
    listed = (await client.execute(CAMPAIGN_MESSAGES, {"id": campaign["id"]}, admin.token))["campaign"]
    assert listed["messages"]["nodes"] == [{"id": first["id"], "sentCount": 2}]

    # Ada follows her link (no login); twice is harmless. Her twin (same address) is opted out with her.
    for _ in range(2):
        answer = (await client.execute(UNSUBSCRIBE, {"token": token}))["unsubscribe"]
        assert answer == {"unsubscribed": True, "errors": []}
    for name in ("ada", "twin"):
        contact = (await client.execute(CONTACT, {"id": ids[name]}, admin.token))["contact"]
        assert contact["emailOptOut"] is True
    unsubscribed = [node for node in (await message(client, admin, first["id"]))["recipients"]["nodes"]]
    assert sum(node["unsubscribedAt"] is not None for node in unsubscribed) == 1

    second = await send(client, admin, campaign["id"], subject="Last call")
    assert statuses(second, ids)["ada"] == ("SKIPPED", "opted_out")
    assert statuses(second, ids)["bob"] == ("QUEUED", None)
    assert (await run(services, admin, "2030-01-02T09:00:00+00:00")).summary == "sent 1, failed 0, skipped 0"
    assert len(received(inbox, "ada.journey@example.com")) == 1
    assert len(received(inbox, "bob.journey@example.com")) == 2

    forged = "crmu_" + uuid.UUID(admin.tenant_id).hex + "_" + "x" * 43
    for bad in (forged, "nonsense"):
        answer = (await client.execute(UNSUBSCRIBE, {"token": bad}))["unsubscribe"]
        assert error_pairs(answer) == [("token", "NOT_FOUND")]


async def test_opt_out_between_queueing_and_sending_is_skipped_and_leads_are_reached(
    client, services, channels
):
    admin = await client.sign_up()
    reached = await create_lead(client, admin, lastName="Reached", email="reached@example.com")
    late = await create_lead(client, admin, lastName="Late", email="late@example.com")
    nowhere = await create_lead(client, admin, lastName="Nowhere")
    segment = await create_segment(client, admin, leads={})
    campaign = await create_campaign(client, admin, channel="email")
    queued = await send(client, admin, campaign["id"], segmentId=segment["id"], subject="Hi {{ last_name }}")
    reasons = {node["lead"]["id"]: (node["status"], node["reason"]) for node in queued["recipients"]["nodes"]}
    assert reasons == {
        reached["id"]: ("QUEUED", None),
        late["id"]: ("QUEUED", None),
        nowhere["id"]: ("SKIPPED", "no_address"),
    }

    await ok(client, admin, OPT_OUT, {"id": late["id"], "optedOut": True}, "setEmailOptOut")
    mail = RecordingMail()
    tenant = uuid.UUID(admin.tenant_id)
    transactions = lambda: services.db.transaction(tenant)  # noqa: E731
    outcome = await send_messages(transactions, tenant, at("2030-01-01T09:00:00+00:00"), mail)

    assert (outcome.sent, outcome.skipped) == (1, 1)
    assert [(sent.to, sent.subject) for sent in mail.sent] == [("reached@example.com", "Hi Reached")]
    after = await message(client, admin, queued["id"])
    assert (after["status"], after["sentCount"], after["skippedCount"]) == ("DONE", 1, 2)
    assert (await client.execute(LEAD, {"id": late["id"]}, admin.token))["lead"]["emailOptOut"] is True


async def test_send_limits_queue_the_excess_for_the_next_window(client, services):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    for number in range(4):
        await create_contact(
            client, admin, firstName=f"P{number}", emails=[f"p{number}@limits.example"], tags=["lim"]
        )
    segment = await create_segment(client, admin, contacts={"tag": "lim"})
    campaign = await create_campaign(client, admin, channel="email", segmentId=segment["id"])
    assert (await client.execute(LIMITS, {}, admin.token))["marketingSendLimits"] == {
        "hourly": 1000,
        "daily": 10000,
        "version": 0,
    }
    bad = {"input": {"hourly": -1, "daily": 10_000_001, "version": 0}}
    refused = (await client.execute(SET_LIMITS, bad, admin.token))["setMarketingSendLimits"]
    assert error_pairs(refused) == [("hourly", "INVALID"), ("daily", "INVALID")]
    by_rep = {"input": {"hourly": 1, "daily": 1, "version": 0}}
    refused_rep = await client.refused(SET_LIMITS, by_rep, rep.token, "setMarketingSendLimits")
    assert refused_rep == [(None, "PERMISSION_DENIED")]
    limits = {"input": {"hourly": 2, "daily": 3, "version": 0}}
    saved = await ok(client, admin, SET_LIMITS, limits, "setMarketingSendLimits")
    assert saved["limits"] == {"hourly": 2, "daily": 3, "version": 1}
    stale = (await client.execute(SET_LIMITS, limits, admin.token))["setMarketingSendLimits"]
    assert error_pairs(stale) == [(None, "CONFLICT")]

    queued = await send(client, admin, campaign["id"])
    mail, tenant = RecordingMail(), uuid.UUID(admin.tenant_id)
    transactions = lambda: services.db.transaction(tenant)  # noqa: E731
    sent_per_run = []
    for now in ("09:10", "09:50", "10:05", "11:00"):
        outcome = await send_messages(transactions, tenant, at(f"2030-01-01T{now}:00+00:00"), mail, batch=10)
        sent_per_run.append((outcome.sent, outcome.waiting))
    assert sent_per_run == [(2, True), (0, True), (1, True), (0, True)]
    outcome = await send_messages(transactions, tenant, at("2030-01-02T00:00:00+00:00"), mail, batch=10)
    assert (outcome.sent, outcome.waiting) == (1, False)
    assert sorted(sent.to for sent in mail.sent) == [f"p{number}@limits.example" for number in range(4)]
    assert (await message(client, admin, queued["id"]))["status"] == "DONE"


async def test_a_crash_mid_batch_neither_sends_twice_nor_loses_the_untried(client, services):
    admin = await client.sign_up()
    for number in range(5):
        await create_contact(
            client, admin, firstName=f"C{number}", emails=[f"c{number}@crash.example"], tags=["crash"]
        )
    segment = await create_segment(client, admin, contacts={"tag": "crash"})
    campaign = await create_campaign(client, admin, channel="email", segmentId=segment["id"])
    queued = await send(client, admin, campaign["id"])
    tenant = uuid.UUID(admin.tenant_id)
    transactions = lambda: services.db.transaction(tenant)  # noqa: E731
    crashing = RecordingMail(crash_on=3)

    with pytest.raises(RuntimeError, match="killed"):
        await send_messages(transactions, tenant, at("2030-01-01T09:00:00+00:00"), crashing, batch=10)
    midway = await message(client, admin, queued["id"])
    assert [node["status"] for node in midway["recipients"]["nodes"]] == [
        "SENT",
        "SENT",
        "SENDING",
        "QUEUED",
        "QUEUED",
    ]

    resumed = RecordingMail()
    outcome = await send_messages(transactions, tenant, at("2030-01-01T09:05:00+00:00"), resumed, batch=10)
    assert outcome.sent == 2 and outcome.failed == 0
    later = await send_messages(transactions, tenant, at("2030-01-01T09:30:00+00:00"), resumed, batch=10)
    assert (later.sent, later.failed) == (0, 1)
    everyone = crashing.sent + resumed.sent
    assert sorted(mail.to for mail in everyone) == [
        "c0@crash.example",
        "c1@crash.example",
        "c3@crash.example",
        "c4@crash.example",
    ]
    final = await message(client, admin, queued["id"])
    assert (final["status"], final["sentCount"], final["failedCount"]) == ("DONE", 4, 1)
    interrupted = [node for node in final["recipients"]["nodes"] if node["status"] == "FAILED"]
    assert interrupted[0]["reason"].startswith("interrupted while sending")

    # A mail server refusing hand-overs: each run stops at the first refusal and the others wait; the
    # recipient refused is tried again on the next run and given up after 3 attempts.
    again = await send(client, admin, campaign["id"], subject="Again")
    refusing = RecordingMail(refuse=True)
    for minute in range(3):
        stopped = await send_messages(transactions, tenant, at(f"2030-01-01T10:0{minute}:00+00:00"), refusing)
        assert stopped.waiting is True
    refused = await message(client, admin, again["id"])
    assert refused["failedCount"] == 1 and refused["queuedCount"] == 4 and refusing.calls == 4
    assert [node["attempts"] for node in refused["recipients"]["nodes"] if node["status"] == "FAILED"] == [3]


async def test_bad_input_is_refused_with_the_exact_error(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    contacts = await create_segment(client, admin, contacts={"tag": "x"})
    accounts = await create_segment(client, admin, accounts={"tag": "x"})
    campaign = await create_campaign(client, admin, channel="email")

    async def errors(member, **values: Any) -> list[tuple[str | None, str]]:
        given = {"campaignId": campaign["id"], "subject": "Hi", "body": "Text", **values}
        return error_pairs(
            (await client.execute(SEND, {"input": given}, member.token))["sendCampaignMessage"]
        )

    assert await errors(
        admin, segmentId=contacts["id"], subject=" ", body="{% for x in y %}{% endfor %}"
    ) == [
        ("subject", "REQUIRED"),
        ("body", "INVALID"),
    ]
    assert await errors(admin, segmentId=contacts["id"], body="{{ name|attr('x') }}") == [("body", "INVALID")]
    assert await errors(admin) == [("segmentId", "REQUIRED")]
    assert await errors(admin, segmentId=accounts["id"]) == [("segmentId", "INVALID")]
    assert await errors(admin, segmentId=campaign["id"]) == [("segmentId", "NOT_FOUND")]
    assert await errors(rep, segmentId=contacts["id"]) == [("campaignId", "NOT_FOUND")]
    variables = {"id": campaign["id"], "version": campaign["version"], "status": "CANCELLED"}
    await ok(client, admin, CHANGE_CAMPAIGN_STATUS, variables, "changeCampaignStatus")
    assert await errors(admin, segmentId=contacts["id"]) == [("campaignId", "INVALID_TRANSITION")]
    wrong = await client.execute(OPT_OUT, {"id": campaign["id"], "optedOut": True}, admin.token)
    assert error_pairs(wrong["setEmailOptOut"]) == [("id", "NOT_FOUND")]


async def test_cancel_and_keyset_pages_of_recipients(client):
    admin = await client.sign_up()
    made = [
        (await create_contact(client, admin, firstName=f"K{n}", emails=[f"k{n}@pages.example"], tags=["pg"]))[
            "id"
        ]
        for n in range(5)
    ]
    segment = await create_segment(client, admin, contacts={"tag": "pg"})
    campaign = await create_campaign(client, admin, channel="email", segmentId=segment["id"])
    queued = await send(client, admin, campaign["id"])
    seen, after = [], None
    while True:
        page = (await client.execute(PAGE, {"id": queued["id"], "after": after}, admin.token))[
            "campaignMessage"
        ]
        seen += [node["contact"]["id"] for node in page["recipients"]["nodes"]]
        if not page["recipients"]["pageInfo"]["hasNextPage"]:
            break
        after = page["recipients"]["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(made) and len(seen) == 5

    cancelled = await ok(client, admin, CANCEL, {"id": queued["id"]}, "cancelCampaignMessage")
    assert cancelled["message"] == {"status": "CANCELLED", "queuedCount": 0, "skippedCount": 5}
    again = (await client.execute(CANCEL, {"id": queued["id"]}, admin.token))["cancelCampaignMessage"]
    assert error_pairs(again) == [("id", "INVALID_TRANSITION")]
    only = await client.execute(PAGE, {"id": queued["id"], "statuses": ["QUEUED"]}, admin.token)
    assert only["campaignMessage"]["recipients"]["nodes"] == []


async def test_another_tenant_sees_and_changes_nothing(client, services, db):
    a = await client.sign_up("Tenant A")
    ada = await create_contact(client, a, firstName="Ada", emails=["ada@wall.example"], tags=["wall"])
    segment = await create_segment(client, a, contacts={"tag": "wall"})
    campaign = await create_campaign(client, a, channel="email", segmentId=segment["id"])
    queued = await send(client, a, campaign["id"])
    await ok(
        client, a, SET_LIMITS, {"input": {"hourly": 5, "daily": 5, "version": 0}}, "setMarketingSendLimits"
    )
    mail, tenant = RecordingMail(), uuid.UUID(a.tenant_id)
    await send_messages(
        lambda: services.db.transaction(tenant), tenant, at("2030-01-01T09:00:00+00:00"), mail
    )
    token = TOKEN.search(mail.sent[0].body).group(0)
    b = await client.sign_up("Tenant B")

    assert (await client.execute(MESSAGE, {"id": queued["id"]}, b.token))["campaignMessage"] is None
    node = await client.execute("query($id: ID!) { node(id: $id) { id } }", {"id": queued["id"]}, b.token)
    assert node["node"] is None
    cancel = (await client.execute(CANCEL, {"id": queued["id"]}, b.token))["cancelCampaignMessage"]
    assert error_pairs(cancel) == [("id", "NOT_FOUND")]
    opt = (await client.execute(OPT_OUT, {"id": ada["id"], "optedOut": True}, b.token))["setEmailOptOut"]
    assert error_pairs(opt) == [("id", "NOT_FOUND")]
    assert (await client.execute(LIMITS, {}, b.token))["marketingSendLimits"]["hourly"] == 1000
    # A's token with B's tenant part finds nothing in B.
    moved = "crmu_" + uuid.UUID(b.tenant_id).hex + token[len("crmu_") + 32 :]
    assert error_pairs((await client.execute(UNSUBSCRIBE, {"token": moved}))["unsubscribe"]) == [
        ("token", "NOT_FOUND")
    ]
    assert (await client.execute(CONTACT, {"id": ada["id"]}, a.token))["contact"]["emailOptOut"] is False

    message_id = uuid.UUID(relay_uuid(queued["id"]))
    tables = {
        "campaign_messages": ("id", message_id),
        "campaign_message_recipients": ("message_id", message_id),
        "marketing_settings": ("tenant_id", uuid.UUID(a.tenant_id)),
    }
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        for table, (column, value) in tables.items():
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 0
            assert (
                await connection.execute(
                    f"update {table} set tenant_id = tenant_id where {column} = $1", value
                )
                == "UPDATE 0"
            )
            assert await connection.execute(f"delete from {table} where {column} = $1", value) == "DELETE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
            await connection.execute(
                "insert into marketing_settings (tenant_id, hourly_send_limit, daily_send_limit) values ($1, 1, 1)",
                uuid.UUID(a.tenant_id),
            )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
        for table, (column, value) in tables.items():
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 1
