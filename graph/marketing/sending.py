"""The sending job of campaign messages: batches within the tenant's send limits, each recipient at most once.

`crm jobs run --job marketing.messages` runs it per tenant. Each batch is claimed in a transaction of its
own (FOR UPDATE SKIP LOCKED: a second runner takes other rows): the recipients still allowed (nobody
opted out since the message was created) become `sending` with their unsubscribe token and the claim
time, and that is committed *before* anything is handed to the mail server. Each recipient's outcome
(`sent`, `failed` with the reason, or back to `queued` after a refused hand-over) is then committed on its
own with the message's counters. So a crash can leave at most the recipients of the batch in flight in
`sending`; the next run after LEASE closes them as failed ("interrupted") instead of sending again: a
campaign email goes out at most once per recipient (and its Message-ID, derived from message and
recipient, lets mail clients drop a copy should a server ever deliver one twice).

Send limits: a claim counts against the tenant's hourly and daily limits (marketing settings), over the
clock hour and UTC day of the job's clock. What exceeds them stays queued and goes out in the next
window's runs; nothing is refused. A mail server that refuses a hand-over ends the run (the rest waits
for the next run); a recipient is given up after MAX_ATTEMPTS refused hand-overs.

SMS go the same way through the process's `SmsSender` (graph/notifications/channels.py), within the same
limits: one budget of hand-overs per tenant for both channels (a limit protects the tenant's reputation
and bill with its providers and our outbound capacity; one pair of numbers is what a marketer can reason
about). Each SMS is its body with the recipient's values and the STOP line, refused as FAILED ("too
long") past MAX_SMS_SEGMENTS. The provider's message id is kept, and with CRM_SMS_STATUS_URL the SMS
asks for delivery reports (`record_delivery_report`: SENT -> DELIVERED or FAILED).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import Transactions, batched_job
from graph.crm.models import Contact
from graph.marketing.messages import (
    UNSUBSCRIBE,
    merge_values,
    new_unsubscribe_token,
    still_allowed,
)
from graph.marketing.models import Campaign, CampaignMessage, MessageRecipient
from graph.marketing.send_limits import send_limits
from graph.marketing.sms import (
    MAX_SMS_SEGMENTS,
    STATUS_REPORT,
    new_report_token,
    report_tenant,
    sms_length,
    too_long,
    with_footer,
)
from graph.notifications.channels import Sms, SmsSender, SmsUnavailable, configured_channels
from graph.notifications.templates import render
from graph.sales.leads.models import Lead
from tenants.errors import not_found
from tenants.mail import Mail, MailSender, MailUnavailable
from tenants.tokens import digest

log = logging.getLogger("crm.marketing")

BATCH = 50
MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=15)
INTERRUPTED = "interrupted while sending; not sent again, so it may or may not have arrived"
COUNTERS = ("queued", "sent", "delivered", "failed", "skipped")


@dataclass
class Claimed:
    recipient: MessageRecipient
    token: str
    subject: str
    body: str
    values: dict[str, Any]
    message_id: uuid.UUID
    channel: str = "email"
    report_token: str | None = None  # SMS: the token of its delivery-report URL


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: bool = False  # stopped by a send limit or a refusing mail server

    def summary(self) -> str:
        text = f"sent {self.sent}, failed {self.failed}, skipped {self.skipped}"
        return text + (", the rest waits" if self.waiting else "")


async def move_counts(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    message_id: uuid.UUID,
    moves: dict[str, int],
    now: datetime,
    source: str = "queued",
) -> None:
    """Recipients of a message moved from `source` (queued, or sent for a delivery report) to
    sent/delivered/failed/skipped (`moves`: counter -> how many); a message with none left queued is done."""
    total = sum(moves.values())
    change = {name: moves.get(name, 0) - (total if name == source else 0) for name in COUNTERS}
    queued = CampaignMessage.queued_count + change["queued"]
    await session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.tenant_id == tenant_id, CampaignMessage.id == message_id)
        .values(
            queued_count=queued,
            sent_count=CampaignMessage.sent_count + change["sent"],
            delivered_count=CampaignMessage.delivered_count + change["delivered"],
            failed_count=CampaignMessage.failed_count + change["failed"],
            skipped_count=CampaignMessage.skipped_count + change["skipped"],
            status=case(
                ((queued == 0) & (CampaignMessage.status == "sending"), "done"), else_=CampaignMessage.status
            ),
            finished_at=case(
                ((queued == 0) & (CampaignMessage.finished_at.is_(None)), now),
                else_=CampaignMessage.finished_at,
            ),
        )
    )


async def close_interrupted(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> int:
    """Recipients left `sending` by a crash: failed, never sent again."""
    rows = (
        await session.execute(
            update(MessageRecipient)
            .where(
                MessageRecipient.tenant_id == tenant_id,
                MessageRecipient.status == "sending",
                MessageRecipient.claimed_at < now - LEASE,
            )
            .values(status="failed", reason=INTERRUPTED)
            .returning(MessageRecipient.message_id)
        )
    ).all()
    per_message: dict[uuid.UUID, int] = {}
    for (message_id,) in rows:
        per_message[message_id] = per_message.get(message_id, 0) + 1
    for message_id, count in per_message.items():
        await move_counts(session, tenant_id, message_id, {"failed": count}, now)
    return len(rows)


async def quota(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> int:
    """How many more the tenant may hand over in this clock hour and UTC day."""
    limits = await send_limits(session, tenant_id)
    hour = now.replace(minute=0, second=0, microsecond=0)
    day = hour.replace(hour=0)
    claimed = MessageRecipient.claimed_at
    used_hour, used_day = (
        await session.execute(
            select(func.count().filter(claimed >= hour), func.count()).where(
                MessageRecipient.tenant_id == tenant_id, claimed >= day, claimed < day + timedelta(days=1)
            )
        )
    ).one()
    return max(0, min(limits.hourly - used_hour, limits.daily - used_day))


async def claim(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime, size: int
) -> tuple[list[Claimed], int]:
    """Up to `size` queued recipients of sending messages, claimed; returns them and how many were skipped
    because their person opted out meanwhile."""
    rows = (
        await session.execute(
            select(
                MessageRecipient,
                case(
                    (CampaignMessage.channel == "sms", still_allowed(tenant_id, "sms")),
                    else_=still_allowed(tenant_id, "email"),
                ),
                CampaignMessage.channel,
                CampaignMessage.subject,
                CampaignMessage.body,
                Campaign.name,
                func.coalesce(Contact.first_name, Lead.first_name),
                func.coalesce(Contact.last_name, Lead.last_name),
                Contact.full_name,
                Lead.company_name,
            )
            .join(
                CampaignMessage,
                (CampaignMessage.tenant_id == MessageRecipient.tenant_id)
                & (CampaignMessage.id == MessageRecipient.message_id),
            )
            .join(
                Campaign,
                (Campaign.tenant_id == CampaignMessage.tenant_id)
                & (Campaign.id == CampaignMessage.campaign_id),
            )
            .outerjoin(
                Contact,
                (Contact.tenant_id == MessageRecipient.tenant_id)
                & (Contact.id == MessageRecipient.contact_id),
            )
            .outerjoin(
                Lead, (Lead.tenant_id == MessageRecipient.tenant_id) & (Lead.id == MessageRecipient.lead_id)
            )
            .where(
                MessageRecipient.tenant_id == tenant_id,
                MessageRecipient.status == "queued",
                CampaignMessage.status == "sending",
            )
            .order_by(MessageRecipient.message_id, MessageRecipient.member_id)
            .limit(size)
            .with_for_update(of=MessageRecipient, skip_locked=True)
        )
    ).all()
    claimed: list[Claimed] = []
    skipped: dict[uuid.UUID, int] = {}
    for recipient, allowed, channel, subject, body, campaign, first, last, full, company in rows:
        if not allowed:
            recipient.status, recipient.reason = "skipped", "opted_out"
            skipped[recipient.message_id] = skipped.get(recipient.message_id, 0) + 1
            continue
        token = new_unsubscribe_token(tenant_id)
        recipient.status, recipient.claimed_at, recipient.token_digest = "sending", now, digest(token)
        recipient.attempts += 1
        report_token = None
        if channel == "sms" and STATUS_REPORT.url:
            report_token = new_report_token(tenant_id)
            recipient.report_digest = digest(report_token)
        person = {"first_name": first, "last_name": last, "full_name": full, "company": company}
        values = merge_values(recipient, person, campaign, channel)
        claimed.append(
            Claimed(recipient, token, subject, body, values, recipient.message_id, channel, report_token)
        )
    await session.flush()
    for message_id, count in skipped.items():
        await move_counts(session, tenant_id, message_id, {"skipped": count}, now)
    return claimed, sum(skipped.values())


def mail_for(item: Claimed) -> Mail:
    """The rendered message with its unsubscribe link (raises TemplateError/TypeError/ValueError)."""
    link = UNSUBSCRIBE.link(item.token)
    values = {**item.values, "unsubscribe_url": link}
    body = render(item.body, values).rstrip()
    footer = f"To stop receiving these emails, unsubscribe: {link}"
    return Mail(
        to=item.recipient.address or "",
        subject=render(item.subject, values),
        body=f"{body}\n\n--\n{footer}\n" if body else f"{footer}\n",
        message_id=f"<campaign-message-{item.message_id}-{item.recipient.member_id}@crm.invalid>",
        list_unsubscribe=link,
    )


def sms_for(item: Claimed) -> Sms:
    """The rendered text with its STOP line (raises TemplateError/TypeError/ValueError)."""
    values = {**item.values, "unsubscribe_url": UNSUBSCRIBE.link(item.token)}
    callback = STATUS_REPORT.link(item.report_token) if item.report_token else None
    return Sms(item.recipient.address or "", with_footer(render(item.body, values)), callback)


@dataclass
class Senders:
    mail: MailSender
    sms: SmsSender


async def send_one(senders: Senders, item: Claimed) -> tuple[str, str | None, str | None]:
    """('sent', None, provider id), ('failed', why, None) or ('queued', why, None): the server refused it,
    try again later."""
    try:
        message: Mail | Sms = mail_for(item) if item.channel == "email" else sms_for(item)
    except (TemplateError, TypeError, ValueError) as error:
        return "failed", f"template: {error}"[:500], None
    if isinstance(message, Sms):
        length = sms_length(message.text)
        if length.segments > MAX_SMS_SEGMENTS:
            return "failed", f"too long: {too_long(length)}"[:500], None
    try:
        if isinstance(message, Sms):
            provider_id = await senders.sms.send(message)
        else:
            await senders.mail.send(message)
            provider_id = None
    except (MailUnavailable, SmsUnavailable) as error:
        why = (str(error) or error.__class__.__name__)[:500]
        return ("failed" if item.recipient.attempts >= MAX_ATTEMPTS else "queued"), why, None
    return "sent", None, (provider_id or None)


async def record(
    transactions: Transactions,
    tenant_id: uuid.UUID,
    item: Claimed,
    status: str,
    why: str | None,
    now: datetime,
    provider_id: str | None = None,
) -> None:
    recipient = item.recipient
    this = (
        (MessageRecipient.tenant_id == tenant_id)
        & (MessageRecipient.message_id == recipient.message_id)
        & (MessageRecipient.member_id == recipient.member_id)
    )
    sent_at = now if status == "sent" else None
    async with transactions() as session:
        moved = await session.scalar(
            update(MessageRecipient)
            .where(this, MessageRecipient.status == "sending")
            .values(status=status, reason=why, sent_at=sent_at, provider_id=provider_id)
            .returning(MessageRecipient.member_id)
        )
        if moved is None:
            # The provider's delivery report came first and already moved (and counted) it.
            await session.execute(
                update(MessageRecipient).where(this).values(sent_at=sent_at, provider_id=provider_id)
            )
        elif status != "queued":
            await move_counts(session, tenant_id, recipient.message_id, {status: 1}, now)


async def release(transactions: Transactions, tenant_id: uuid.UUID, items: list[Claimed]) -> None:
    """Claimed but never tried: queued again, as if not claimed (the claim does not count against limits)."""
    if not items:
        return
    async with transactions() as session:
        for item in items:
            await session.execute(
                update(MessageRecipient)
                .where(
                    MessageRecipient.tenant_id == tenant_id,
                    MessageRecipient.message_id == item.message_id,
                    MessageRecipient.member_id == item.recipient.member_id,
                    MessageRecipient.status == "sending",
                )
                .values(
                    status="queued",
                    claimed_at=None,
                    token_digest=None,
                    report_digest=None,
                    attempts=MessageRecipient.attempts - 1,
                )
            )


async def send_messages(
    transactions: Transactions,
    tenant_id: uuid.UUID,
    now: datetime,
    mail_sender: MailSender,
    batch: int = BATCH,
    sms_sender: SmsSender | None = None,
) -> Outcome:
    """Sends what is queued within the limits; SMS through `sms_sender` (default: the process's)."""
    senders = Senders(mail_sender, sms_sender or configured_channels().sms)
    outcome = Outcome()
    async with transactions() as session:
        outcome.failed += await close_interrupted(session, tenant_id, now)
    while True:
        async with transactions() as session:
            allowed = await quota(session, tenant_id, now)
            if allowed == 0:
                queued = await session.scalar(
                    select(func.count()).where(
                        MessageRecipient.tenant_id == tenant_id, MessageRecipient.status == "queued"
                    )
                )
                outcome.waiting = bool(queued)
                return outcome
            claimed, skipped = await claim(session, tenant_id, now, min(batch, allowed))
        outcome.skipped += skipped
        if not claimed and not skipped:
            return outcome
        for position, item in enumerate(claimed):
            try:
                status, why, provider_id = await send_one(senders, item)
            except BaseException:
                # Going down mid-batch (cancelled, a bug): the copy in flight stays `sending` (never sent
                # again); the ones not yet tried go back to the queue. A hard kill skips this, and the
                # lease closes them all as interrupted.
                await release(transactions, tenant_id, claimed[position + 1 :])
                raise
            await record(transactions, tenant_id, item, status, why, now, provider_id)
            outcome.sent += status == "sent"
            outcome.failed += status == "failed"
            if status == "queued":
                # The mail server (or SMS provider) refuses hand-overs: stop here, the rest waits.
                log.warning("campaign %s of tenant %s refused: %s", item.channel, tenant_id, why)
                await release(transactions, tenant_id, claimed[position + 1 :])
                outcome.waiting = True
                return outcome


@batched_job("marketing.messages")
async def send_campaign_messages(transactions: Transactions, tenant_id: uuid.UUID, now: datetime) -> str:
    channels = configured_channels()
    outcome = await send_messages(transactions, tenant_id, now, channels.mail, sms_sender=channels.sms)
    return outcome.summary()


# The provider's final states (Twilio's names); others (queued, sending, sent, accepted...) change nothing.
FINAL_STATES = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}


async def record_delivery_report(
    session: AsyncSession, token: str, state: str, error_code: str | None, now: datetime
) -> MessageRecipient:
    """The provider reports the fate of one SMS: SENT (or SENDING, when the report beats the sender's own
    record) becomes DELIVERED or FAILED; a report on a recipient already final, or an intermediate state,
    changes nothing, so repeated reports are harmless."""
    tenant_id = report_tenant(token)
    recipient = await session.scalar(
        select(MessageRecipient)
        .where(MessageRecipient.tenant_id == tenant_id, MessageRecipient.report_digest == digest(token))
        .with_for_update()
    )
    if recipient is None:
        raise not_found("delivery report", "token")
    target = FINAL_STATES.get(state.strip().lower())
    if target is None or recipient.status not in ("sending", "sent"):
        return recipient
    source = "queued" if recipient.status == "sending" else "sent"  # sending still counts as queued
    recipient.status = target
    if target == "delivered":
        recipient.delivered_at = now
        recipient.reason = None
    else:
        code = (error_code or "").strip()[:20]
        recipient.reason = f"provider: {state.strip().lower()}" + (f" (error {code})" if code else "")
    await session.flush()
    await move_counts(session, tenant_id, recipient.message_id, {target: 1}, now, source=source)
    return recipient
