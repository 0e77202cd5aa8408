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
    send_limits,
    still_allowed,
)
from graph.marketing.models import Campaign, CampaignMessage, MessageRecipient
from graph.notifications.channels import configured_channels
from graph.notifications.templates import render
from graph.sales.leads.models import Lead
from tenants.mail import Mail, MailSender, MailUnavailable
from tenants.tokens import digest

log = logging.getLogger("crm.marketing")

BATCH = 50
MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=15)
INTERRUPTED = "interrupted while sending; not sent again, so it may or may not have arrived"


@dataclass
class Claimed:
    recipient: MessageRecipient
    token: str
    subject: str
    body: str
    values: dict[str, Any]
    message_id: uuid.UUID


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
    session: AsyncSession, tenant_id: uuid.UUID, message_id: uuid.UUID, moves: dict[str, int], now: datetime
) -> None:
    """Queued recipients of a message became sent/failed/skipped (`moves`: counter -> how many); a message
    with none left queued is done."""
    total = sum(moves.values())
    queued = CampaignMessage.queued_count - total
    await session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.tenant_id == tenant_id, CampaignMessage.id == message_id)
        .values(
            queued_count=queued,
            sent_count=CampaignMessage.sent_count + moves.get("sent", 0),
            failed_count=CampaignMessage.failed_count + moves.get("failed", 0),
            skipped_count=CampaignMessage.skipped_count + moves.get("skipped", 0),
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
                still_allowed(tenant_id),
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
    for recipient, allowed, subject, body, campaign, first, last, full, company in rows:
        if not allowed:
            recipient.status, recipient.reason = "skipped", "opted_out"
            skipped[recipient.message_id] = skipped.get(recipient.message_id, 0) + 1
            continue
        token = new_unsubscribe_token(tenant_id)
        recipient.status, recipient.claimed_at, recipient.token_digest = "sending", now, digest(token)
        recipient.attempts += 1
        person = {"first_name": first, "last_name": last, "full_name": full, "company": company}
        values = merge_values(recipient, person, campaign)
        claimed.append(Claimed(recipient, token, subject, body, values, recipient.message_id))
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


async def send_one(mail_sender: MailSender, item: Claimed) -> tuple[str, str | None]:
    """('sent', None), ('failed', why) or ('queued', why): the server refused it, try again later."""
    try:
        mail = mail_for(item)
    except (TemplateError, TypeError, ValueError) as error:
        return "failed", f"template: {error}"[:500]
    try:
        await mail_sender.send(mail)
    except MailUnavailable as error:
        why = (str(error) or error.__class__.__name__)[:500]
        return ("failed" if item.recipient.attempts >= MAX_ATTEMPTS else "queued"), why
    return "sent", None


async def record(
    transactions: Transactions,
    tenant_id: uuid.UUID,
    item: Claimed,
    status: str,
    why: str | None,
    now: datetime,
) -> None:
    recipient = item.recipient
    async with transactions() as session:
        await session.execute(
            update(MessageRecipient)
            .where(
                MessageRecipient.tenant_id == tenant_id,
                MessageRecipient.message_id == recipient.message_id,
                MessageRecipient.member_id == recipient.member_id,
            )
            .values(status=status, reason=why, sent_at=now if status == "sent" else None)
        )
        if status != "queued":
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
                    attempts=MessageRecipient.attempts - 1,
                )
            )


async def send_messages(
    transactions: Transactions,
    tenant_id: uuid.UUID,
    now: datetime,
    mail_sender: MailSender,
    batch: int = BATCH,
) -> Outcome:
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
                status, why = await send_one(mail_sender, item)
            except BaseException:
                # Going down mid-batch (cancelled, a bug): the copy in flight stays `sending` (never sent
                # again); the ones not yet tried go back to the queue. A hard kill skips this, and the
                # lease closes them all as interrupted.
                await release(transactions, tenant_id, claimed[position + 1 :])
                raise
            await record(transactions, tenant_id, item, status, why, now)
            outcome.sent += status == "sent"
            outcome.failed += status == "failed"
            if status == "queued":
                # The mail server refuses hand-overs: stop here, the rest waits for the next run.
                log.warning("campaign mail of tenant %s refused by the mail server: %s", tenant_id, why)
                await release(transactions, tenant_id, claimed[position + 1 :])
                outcome.waiting = True
                return outcome


@batched_job("marketing.messages")
async def send_campaign_messages(transactions: Transactions, tenant_id: uuid.UUID, now: datetime) -> str:
    outcome = await send_messages(transactions, tenant_id, now, configured_channels().mail)
    return outcome.summary()
