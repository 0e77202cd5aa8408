"""Bulk email or SMS of a campaign to a segment: the message, its recipients, opt-out and the tenant's send
limits.

`create_message` freezes the audience: one `INSERT ... SELECT` writes a recipient row per member of the
segment as its creator sees it, already `skipped` with a reason when the person opted out of the channel
(their own flag, or any contact or lead of the tenant with that address or number), has no address, or
shares the address with an earlier member (by id). The primary key (tenant, message, member) makes each
recipient exist once. The sending job (`sending.py`) then sends the queued ones in batches within the
tenant's hourly and daily limits (one budget for both channels).

Email: contacts' first email, leads' email; opt-out is `email_opt_out`. SMS (`channel = 'sms'`, the
default for a campaign of the `sms` channel): each member's first number that can take SMS, in E.164, read
in the tenant's region (sms.py: numbers are parsed in Python, so the members' rows pass through the
process once, and go back in one INSERT ... SELECT over arrays); opt-out is `sms_opt_out`, compared by the
number's duplicate key; a segment in which nobody has such a number is refused (INVALID on segmentId:
almost surely the wrong segment). An SMS has no subject; its body is at most 1,600 characters and with
sample values and the STOP line at most 10 segments (sms.py counts GSM-7 and UCS-2).

Templates are the notification templates' sandboxed Jinja2 subset (graph/notifications/templates.py):
values and if/else only, checked when the message is created; merge fields are `first_name`,
`last_name`, `name`, `email` (email), `phone` (SMS), `company` (a lead's), `campaign` and
`unsubscribe_url`. Every email ends with an unsubscribe link whose token (`crmu_<tenant hex>_<random>`,
stored as its SHA-256) finds the recipient; following it (`unsubscribe`, no login) sets `email_opt_out`
on that person and on every contact and lead of the tenant with the same address, so the next message
skips them. An SMS ends with "Reply STOP to opt out." (the link fits no SMS; a template may still quote
`unsubscribe_url`, which then sets `sms_opt_out` on the person and everyone with the number); the STOP
itself arrives through `recordSmsStop` (sms.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from graph.crm.contacts import get_contact
from graph.crm.models import CONTACT, Contact
from graph.marketing.campaigns import campaign_scope, get_campaign, require_open
from graph.marketing.consent import OPT_OUTS, opt_out, someone_opted_out
from graph.marketing.models import (
    CAMPAIGN,
    MESSAGE_CHANNELS,
    Campaign,
    CampaignMessage,
    MessageRecipient,
)
from graph.marketing.segments import get_segment, member_ids
from graph.marketing.sms import (
    MAX_SMS_BODY,
    MAX_SMS_SEGMENTS,
    sms_address,
    sms_length,
    tenant_region,
    too_long,
    with_footer,
)
from graph.notifications.templates import check_template, render
from graph.sales.leads.leads import get_lead, require_editable
from graph.sales.leads.models import LEAD, Lead
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.ids import new_id
from tenants.permissions import Action, Actor
from tenants.tokens import digest, tenant_token, token_tenant

UNSUBSCRIBE_PREFIX = "crmu_"
MAX_SUBJECT = 1000
MAX_BODY = 20_000
SKIP_REASONS = ("opted_out", "no_address", "duplicate_address", "cancelled")
SAMPLE = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+4915112345678",
    "company": "Analytical Engines",
    "campaign": "Spring fair",
}


@dataclass
class Unsubscribe:
    """Where the unsubscribe link points: `url` with `{token}` replaced (CRM_UNSUBSCRIBE_URL); empty, the
    message carries the bare token (development)."""

    url: str = ""

    def link(self, token: str) -> str:
        return self.url.replace("{token}", token) if self.url else token


UNSUBSCRIBE = Unsubscribe()


def configure_unsubscribe(url: str) -> None:
    """Set by the gateway from CRM_UNSUBSCRIBE_URL (jobs receive no services)."""
    UNSUBSCRIBE.url = url


def new_unsubscribe_token(tenant_id: uuid.UUID) -> str:
    return tenant_token(UNSUBSCRIBE_PREFIX, tenant_id)


def unsubscribe_tenant(token: str) -> uuid.UUID:
    tenant_id = token_tenant(UNSUBSCRIBE_PREFIX, token)
    if tenant_id is None:
        raise not_found("unsubscribe link", "token")
    return tenant_id


def message_scope(actor: Actor) -> ColumnElement[bool]:
    """Messages of the campaigns the actor sees."""
    in_scope = select(Campaign.id).where(campaign_scope(actor))
    return (CampaignMessage.tenant_id == actor.tenant_id) & CampaignMessage.campaign_id.in_(in_scope)


async def get_message(
    session: AsyncSession, actor: Actor, message_id: uuid.UUID, field: str = "id"
) -> CampaignMessage:
    actor.require(CAMPAIGN, Action.READ)
    message = await session.scalar(
        select(CampaignMessage).where(message_scope(actor), CampaignMessage.id == message_id)
    )
    if message is None:
        raise not_found("campaign message", field)
    return message


def audience(actor: Actor, target: str, ids: Select[Any]) -> Select[Any]:
    """(member_id, contact_id, lead_id, address, opted_out) of the members; address trimmed, may be null."""
    model = Contact if target == "contact" else Lead
    raw = Contact.emails[1] if target == "contact" else Lead.email
    address = func.nullif(func.btrim(raw), "")
    opted_out = model.email_opt_out | someone_opted_out(actor.tenant_id, "email", address)
    return select(
        model.id.label("member_id"),
        (model.id if target == "contact" else cast(null(), Uuid)).label("contact_id"),
        (model.id if target == "lead" else cast(null(), Uuid)).label("lead_id"),
        address.label("address"),
        opted_out.label("opted_out"),
    ).where(model.tenant_id == actor.tenant_id, model.id.in_(ids.scalar_subquery()))


async def sms_audience(
    session: AsyncSession, actor: Actor, target: str, ids: Select[Any]
) -> tuple[Select[Any], int]:
    """The members as `audience` gives them, for SMS: the address is the first number that can take SMS
    (sms.py; read in Python, which knows the numbering plans), opted out by the person's own flag or by
    anyone with that number. Returns the rows and how many members have an address."""
    model = Contact if target == "contact" else Lead
    phones = Contact.phones if target == "contact" else func.array_remove(array([Lead.phone]), null())
    rows = (
        await session.execute(
            select(model.id, phones, model.sms_opt_out).where(
                model.tenant_id == actor.tenant_id, model.id.in_(ids.scalar_subquery())
            )
        )
    ).all()
    region = await tenant_region(session, actor.tenant_id)
    members = [member_id for member_id, _numbers, _opted_out in rows]
    own = [bool(opted_out) for _member_id, _numbers, opted_out in rows]
    # About 40 µs a number: a big segment's parsing runs off the event loop.
    addresses = await asyncio.to_thread(
        lambda: [sms_address(list(numbers or []), region) for _member_id, numbers, _opted_out in rows]
    )
    given = select(
        func.unnest(bindparam("members", members, type_=ARRAY(Uuid))).label("member_id"),
        func.unnest(bindparam("addresses", addresses, type_=ARRAY(Text))).label("address"),
        func.unnest(bindparam("own_opt_outs", own, type_=ARRAY(Boolean))).label("own_opt_out"),
    ).subquery("given")
    member = given.c.member_id
    people = select(
        member.label("member_id"),
        (member if target == "contact" else cast(null(), Uuid)).label("contact_id"),
        (member if target == "lead" else cast(null(), Uuid)).label("lead_id"),
        given.c.address.label("address"),
        (given.c.own_opt_out | someone_opted_out(actor.tenant_id, "sms", given.c.address)).label("opted_out"),
    )
    return people, sum(address is not None for address in addresses)


def recipient_rows(
    actor: Actor, message_id: uuid.UUID, people_rows: Select[Any], channel: str
) -> Select[Any]:
    """The recipient rows: queued, or skipped with the first reason that applies (addresses compared
    case-blind for email, as E.164 for SMS)."""
    people = people_rows.subquery("people")
    key = func.lower(people.c.address) if channel == "email" else people.c.address
    rank = func.row_number().over(partition_by=key, order_by=people.c.member_id)
    ranked = select(people, rank.label("rank")).subquery("ranked")
    reason = case(
        (ranked.c.address.is_(None), "no_address"),
        (ranked.c.opted_out, "opted_out"),
        (ranked.c.rank > 1, "duplicate_address"),
        else_=null(),
    )
    return select(
        literal(actor.tenant_id),
        literal(message_id),
        ranked.c.member_id,
        ranked.c.contact_id,
        ranked.c.lead_id,
        ranked.c.address,
        case((reason.is_(None), "queued"), else_="skipped"),
        reason,
    )


def check_texts(channel: str, subject: str | None, body: str) -> None:
    """All templates at once: the sandboxed subset, a trial render with sample values, and per channel an
    email's subject, or an SMS's text (no subject) within MAX_SMS_SEGMENTS with its STOP line."""
    errors = []
    if channel == "email":
        if not (subject or "").strip():
            errors.append(DomainError(ErrorCode.REQUIRED, "A message needs a subject.", "subject"))
        templates = [(subject, "subject", MAX_SUBJECT), (body, "body", MAX_BODY)]
    else:
        if subject:
            errors.append(DomainError(ErrorCode.INVALID, "An SMS has no subject; leave it out.", "subject"))
        if not (body or "").strip():
            errors.append(DomainError(ErrorCode.REQUIRED, "An SMS needs a text.", "body"))
        templates = [(body, "body", MAX_SMS_BODY)]
    for source, field, limit in templates:
        try:
            check_template(source or "", field, limit)
            rendered = render(source or "", SAMPLE)
        except DomainError as error:
            errors.append(error)
            continue
        except (TemplateError, TypeError, ValueError) as error:
            errors.append(
                DomainError(ErrorCode.INVALID, f"The template fails on sample values: {error}.", field)
            )
            continue
        length = sms_length(with_footer(rendered))
        if channel == "sms" and rendered.strip() and length.segments > MAX_SMS_SEGMENTS:
            errors.append(
                DomainError(ErrorCode.TOO_LONG, f"Too long with sample values: {too_long(length)}.", field)
            )
    if errors:
        raise ValidationErrors(errors)


def sample_segments(body: str) -> int | None:
    """The SMS segments of a text with the sample values and the STOP line (None if it does not render)."""
    try:
        return sms_length(with_footer(render(body, SAMPLE))).segments
    except (TemplateError, TypeError, ValueError, DomainError):
        return None


async def create_message(
    session: AsyncSession,
    actor: Actor,
    campaign_id: uuid.UUID,
    segment_id: uuid.UUID | None,
    subject: str | None,
    body: str,
    now: datetime,
    channel: str | None = None,
) -> CampaignMessage:
    """A message of an open campaign to a contact or lead segment (default: the campaign's own), its
    recipients written at once; the sending job sends it. The channel defaults to SMS for a campaign of
    the `sms` channel, email otherwise."""
    actor.require(CAMPAIGN, Action.UPDATE)
    campaign = await get_campaign(session, actor, campaign_id, "campaignId", lock=True)
    require_open(campaign)
    channel = channel or ("sms" if campaign.channel == "sms" else "email")
    if channel not in MESSAGE_CHANNELS:
        raise DomainError(ErrorCode.INVALID, f"Send by {' or '.join(MESSAGE_CHANNELS)}.", "channel")
    check_texts(channel, subject, body)
    chosen = segment_id or campaign.segment_id
    if chosen is None:
        raise DomainError(
            ErrorCode.REQUIRED, "Name a segment; the campaign has no target segment.", "segmentId"
        )
    segment = await get_segment(session, actor, chosen, "segmentId")
    if segment.target not in ("contact", "lead"):
        raise DomainError(
            ErrorCode.INVALID, "Messages go to contact or lead segments, not to accounts.", "segmentId"
        )
    ids = await member_ids(session, actor, segment)
    if channel == "sms":
        people, reachable = await sms_audience(session, actor, segment.target, ids)
        if reachable == 0:
            raise DomainError(
                ErrorCode.INVALID,
                "No member of this segment has a number that can take SMS; choose a segment with mobile "
                "numbers.",
                "segmentId",
            )
    else:
        people = audience(actor, segment.target, ids)
    message = CampaignMessage(
        tenant_id=actor.tenant_id,
        id=new_id(),
        campaign_id=campaign.id,
        segment_id=segment.id,
        channel=channel,
        subject=subject or "",
        body=body,
        status="sending",
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    columns = ["tenant_id", "message_id", "member_id", "contact_id", "lead_id", "address", "status", "reason"]
    await session.execute(
        insert(MessageRecipient).from_select(columns, recipient_rows(actor, message.id, people, channel))
    )
    counts = dict(
        (
            await session.execute(
                select(MessageRecipient.status, func.count())
                .where(
                    MessageRecipient.tenant_id == actor.tenant_id, MessageRecipient.message_id == message.id
                )
                .group_by(MessageRecipient.status)
            )
        ).all()
    )
    message.queued_count, message.skipped_count = counts.get("queued", 0), counts.get("skipped", 0)
    message.recipient_count = message.queued_count + message.skipped_count
    if message.queued_count == 0:
        message.status, message.finished_at = "done", now
    await session.flush()
    changes = {
        "channel": [None, channel],
        "subject": [None, subject],
        "segment_id": [None, str(segment.id)],
        "recipients": [None, message.recipient_count],
    }
    await audit.record(session, actor, "campaign.message_create", CAMPAIGN, campaign.id, changes)
    return message


async def cancel_message(
    session: AsyncSession, actor: Actor, message_id: uuid.UUID, now: datetime
) -> CampaignMessage:
    """Stop a message: its queued recipients become skipped (cancelled); what was sent stays sent."""
    actor.require(CAMPAIGN, Action.UPDATE)
    message = await get_message(session, actor, message_id)
    await session.refresh(message, with_for_update=True)
    if message.status != "sending":
        raise DomainError(ErrorCode.INVALID_TRANSITION, f"This message is already {message.status}.", "id")
    cancelled = (
        await session.execute(
            update(MessageRecipient)
            .where(
                MessageRecipient.tenant_id == actor.tenant_id,
                MessageRecipient.message_id == message.id,
                MessageRecipient.status == "queued",
            )
            .values(status="skipped", reason="cancelled")
            .returning(MessageRecipient.member_id)
        )
    ).all()
    message.queued_count -= len(cancelled)
    message.skipped_count += len(cancelled)
    message.status, message.finished_at = "cancelled", now
    await session.flush()
    changes = {"status": ["sending", "cancelled"], "cancelled_recipients": [None, len(cancelled)]}
    await audit.record(session, actor, "campaign.message_cancel", CAMPAIGN, message.campaign_id, changes)
    return message


def campaign_messages_statement(actor: Actor, campaign_id: uuid.UUID) -> Select[Any]:
    """A campaign's messages, oldest first (ids are time-ordered)."""
    return (
        select(CampaignMessage)
        .where(message_scope(actor), CampaignMessage.campaign_id == campaign_id)
        .order_by(CampaignMessage.id)
    )


def recipients_statement(actor: Actor, message: CampaignMessage, statuses: list[str] | None) -> Select[Any]:
    """A message's recipients in member-id order (the primary key: keyset pages)."""
    statement = select(MessageRecipient).where(
        MessageRecipient.tenant_id == actor.tenant_id, MessageRecipient.message_id == message.id
    )
    if statuses:
        statement = statement.where(MessageRecipient.status.in_(statuses))
    return statement.order_by(MessageRecipient.member_id)


# -- opt-out -----------------------------------------------------------------------------------------


async def unsubscribe(session: AsyncSession, token: str, now: datetime) -> MessageRecipient:
    """The recipient behind an unsubscribe link opts out (again: nothing more happens)."""
    tenant_id = unsubscribe_tenant(token)
    recipient = await session.scalar(
        select(MessageRecipient)
        .where(MessageRecipient.tenant_id == tenant_id, MessageRecipient.token_digest == digest(token))
        .with_for_update()
    )
    if recipient is None:
        raise not_found("unsubscribe link", "token")
    if recipient.unsubscribed_at is None:
        recipient.unsubscribed_at = now
        channel = await session.scalar(
            select(CampaignMessage.channel).where(
                CampaignMessage.tenant_id == tenant_id, CampaignMessage.id == recipient.message_id
            )
        )
        flag = "sms_opt_out" if channel == "sms" else "email_opt_out"
        person = {"contact_id": recipient.contact_id} if recipient.contact_id else {}
        if recipient.contact_id is not None:
            await session.execute(
                update(Contact)
                .where(Contact.tenant_id == tenant_id, Contact.id == recipient.contact_id)
                .values({flag: True})
            )
        else:
            person = {"lead_id": recipient.lead_id}
            await session.execute(
                update(Lead)
                .where(Lead.tenant_id == tenant_id, Lead.id == recipient.lead_id)
                .values({flag: True})
            )
        if recipient.address and channel == "sms":
            await opt_out(session, tenant_id, "sms", recipient.address)
        elif recipient.address:
            await opt_out(session, tenant_id, "email", recipient.address)
        changes = {flag: [False, True], **{k: [None, str(v)] for k, v in person.items()}}
        await audit.record(
            session,
            None,
            "marketing.unsubscribe",
            "campaign_message",
            recipient.message_id,
            changes,
            tenant_id=tenant_id,
            user_id=None,
        )
    await session.flush()
    return recipient


async def set_email_opt_out(
    session: AsyncSession, actor: Actor, object_type: str, record_id: uuid.UUID, opted_out: bool
) -> Contact | Lead:
    """Staff record a person's wish (update right on the contact or lead, in scope). Opting out also covers
    the other contacts and leads with the person's addresses; opting in again is for this record only."""
    record: Contact | Lead
    if object_type == CONTACT:
        actor.require(CONTACT, Action.UPDATE)
        record = await get_contact(session, actor, record_id)
        addresses = list(record.emails or [])
    else:
        actor.require(LEAD, Action.UPDATE)
        record = await get_lead(session, actor, record_id, lock=True)
        require_editable(actor, record)
        addresses = [record.email] if record.email else []
    before = record.email_opt_out
    record.email_opt_out = opted_out
    await session.flush()
    if opted_out:
        for address in addresses:
            await opt_out(session, actor.tenant_id, "email", address)
    await audit.record(
        session,
        actor,
        "marketing.email_opt_out",
        object_type,
        record.id,
        {"email_opt_out": [before, opted_out]},
    )
    return record


def merge_values(
    recipient: MessageRecipient, person: Mapping[str, Any], campaign: str, channel: str = "email"
) -> dict[str, Any]:
    first, last = person.get("first_name") or "", person.get("last_name") or ""
    address = recipient.address or ""
    return {
        "first_name": first,
        "last_name": last,
        "name": person.get("full_name") or " ".join(part for part in (first, last) if part),
        "email": address if channel == "email" else "",
        "phone": address if channel == "sms" else "",
        "company": person.get("company") or "",
        "campaign": campaign,
    }


def still_allowed(tenant_id: uuid.UUID, channel: str) -> ColumnElement[bool]:
    """For the sender: the recipient's person has not opted out of the channel since the message was
    created (nor has anyone with the same address or number)."""
    contact, lead = aliased(Contact), aliased(Lead)
    _, contact_column, _, lead_column = OPT_OUTS[channel]
    contact_flag, lead_flag = getattr(contact, contact_column), getattr(lead, lead_column)
    contact_ok = MessageRecipient.contact_id.is_(None) | ~exists(
        select(literal(1))
        .select_from(contact)
        .where(contact.tenant_id == tenant_id, contact.id == MessageRecipient.contact_id, contact_flag)
    )
    lead_ok = MessageRecipient.lead_id.is_(None) | ~exists(
        select(literal(1))
        .select_from(lead)
        .where(lead.tenant_id == tenant_id, lead.id == MessageRecipient.lead_id, lead_flag)
    )
    return and_(contact_ok, lead_ok, ~someone_opted_out(tenant_id, channel, MessageRecipient.address))
