"""GraphQL types of campaign messages: the message with its counters, and each recipient's delivery status."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.loaders import by_id
from graph.core.nodes import live_node, load_by_id, resolve_by_ids
from graph.core.pagination import Connection, paginate
from graph.crm.loaders import contacts_by_id
from graph.crm.models import CONTACT
from graph.crm.types import Contact
from graph.marketing import messages
from graph.marketing import models as marketing_models
from graph.marketing.segment_types import Segment, segments_by_id
from graph.sales.leads.loaders import leads_by_id
from graph.sales.leads.models import LEAD
from graph.sales.leads.types import Lead

messages_by_id = by_id(marketing_models.CampaignMessage, marketing_models.CAMPAIGN, messages.message_scope)


@strawberry.enum(description="Where a message stands: SENDING until no recipient is queued, then DONE.")
class MessageStatus(Enum):
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


@strawberry.enum(description="How a campaign message goes out.")
class MessageChannel(Enum):
    EMAIL = "email"
    SMS = "sms"


@strawberry.enum(
    description="One recipient's copy: QUEUED (waiting, also for the send limits), SENDING (handed to the "
    "mail server or SMS provider by a running job), SENT, DELIVERED (an SMS the provider reported "
    "delivered), FAILED (see `reason`), SKIPPED (see `reason`: opted_out, no_address, duplicate_address, "
    "cancelled)."
)
class RecipientStatus(Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


assert {status.value for status in MessageStatus} == set(marketing_models.MESSAGE_STATUSES)
assert {status.value for status in RecipientStatus} == set(marketing_models.RECIPIENT_STATUSES)
assert {channel.value for channel in MessageChannel} == set(marketing_models.MESSAGE_CHANNELS)


@strawberry.type(description="One member of the message's segment and what happened to their copy.")
class MessageRecipient:
    status: RecipientStatus = strawberry.field(description="Where this copy stands.")
    reason: str | None = strawberry.field(
        description="Why SKIPPED (opted_out, no_address, duplicate_address, cancelled) or FAILED (the mail "
        "server's or SMS provider's answer, its delivery report, a template error, an SMS too long with the "
        "recipient's values, or an interrupted send that is not repeated)."
    )
    attempts: int = strawberry.field(description="Hand-overs tried (a refusing mail server is retried).")
    sent_at: datetime | None = strawberry.field(
        description="When the mail server or SMS provider took it (job clock)."
    )
    delivered_at: datetime | None = strawberry.field(
        description="SMS: when the provider reported it delivered (server clock)."
    )
    provider_id: str | None = strawberry.field(
        description="SMS: the provider's id of it (e.g. a Twilio SID)."
    )
    unsubscribed_at: datetime | None = strawberry.field(
        description="When this recipient followed the message's unsubscribe link."
    )
    row: strawberry.Private[marketing_models.MessageRecipient]
    channel: strawberry.Private[str] = "email"

    @classmethod
    def from_model(cls, row: marketing_models.MessageRecipient, channel: str = "email") -> MessageRecipient:
        return cls(
            status=RecipientStatus(row.status),
            reason=row.reason,
            attempts=row.attempts,
            sent_at=row.sent_at,
            delivered_at=row.delivered_at,
            provider_id=row.provider_id,
            unsubscribed_at=row.unsubscribed_at,
            row=row,
            channel=channel,
        )

    @strawberry.field(description="The contact (null for a lead, or a contact you may not see).")
    async def contact(self, info: Info) -> Contact | None:
        found = await live_node(info, "contacts_by_id", contacts_by_id, self.row.contact_id)
        return Contact.from_model(found) if found else None

    @strawberry.field(description="The lead (null for a contact, or a lead you may not see).")
    async def lead(self, info: Info) -> Lead | None:
        found = await load_by_id(info, "leads_by_id", leads_by_id, self.row.lead_id)
        return Lead.from_model(found) if found else None

    @strawberry.field(
        description="The address it was (or would be) sent to: an email address, or for SMS the number in "
        "E.164; null when you may not see the person or your role hides their emails (phones)."
    )
    async def address(self, info: Info) -> str | None:
        hidden = info.context.actor.permissions.hidden_fields
        by_sms = self.channel == "sms"
        if self.row.contact_id is not None:
            if ("phones" if by_sms else "emails") in hidden(CONTACT):
                return None
            person = await load_by_id(info, "contacts_by_id", contacts_by_id, self.row.contact_id)
        else:
            if ("phone" if by_sms else "email") in hidden(LEAD):
                return None
            person = await load_by_id(info, "leads_by_id", leads_by_id, self.row.lead_id)
        return self.row.address if person is not None else None


@strawberry.type(
    description="A bulk email or SMS of a campaign to a segment's contacts or leads, sent by the "
    "`marketing.messages` job in batches within the tenant's send limits; each recipient at most once."
)
class CampaignMessage(relay.Node):
    id: relay.NodeID[str]
    channel: MessageChannel = strawberry.field(description="EMAIL or SMS.")
    subject: str = strawberry.field(description="The subject template (empty for SMS).")
    body: str = strawberry.field(
        description="The body template (email: an unsubscribe link is always appended; SMS: the line "
        "`Reply STOP to opt out.`)."
    )
    status: MessageStatus = strawberry.field(description="Where the message stands.")
    recipient_count: int = strawberry.field(description="Members of the segment when it was created.")
    queued_count: int = strawberry.field(description="Not sent yet (QUEUED or SENDING).")
    sent_count: int = strawberry.field(description="SENT (for SMS: no delivery report yet).")
    delivered_count: int = strawberry.field(description="DELIVERED (SMS the provider reported delivered).")
    failed_count: int = strawberry.field(description="FAILED.")
    skipped_count: int = strawberry.field(description="SKIPPED.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    finished_at: datetime | None = strawberry.field(description="When nothing was left to send.")
    segment_id: strawberry.Private[uuid.UUID | None]
    row: strawberry.Private[marketing_models.CampaignMessage]

    @classmethod
    def from_model(cls, row: marketing_models.CampaignMessage) -> CampaignMessage:
        return cls(
            id=str(row.id),
            channel=MessageChannel(row.channel),
            subject=row.subject,
            body=row.body,
            status=MessageStatus(row.status),
            recipient_count=row.recipient_count,
            queued_count=row.queued_count,
            sent_count=row.sent_count,
            delivered_count=row.delivered_count,
            failed_count=row.failed_count,
            skipped_count=row.skipped_count,
            created_at=row.created_at,
            finished_at=row.finished_at,
            segment_id=row.segment_id,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CampaignMessage | None]:
        return await resolve_by_ids(info, "campaign_messages_by_id", messages_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The segment it went to (null if deleted or not yours to see).")
    async def segment(self, info: Info) -> Segment | None:
        found = await load_by_id(info, "segments_by_id", segments_by_id, self.segment_id)
        return Segment.from_model(found) if found else None

    @strawberry.field(description="The recipients by member id (keyset pages of at most 100).")
    async def recipients(
        self,
        info: Info,
        statuses: Annotated[
            list[RecipientStatus] | None, strawberry.argument(description="Only these statuses.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MessageRecipient]:
        session, actor = await info.context.session(), info.context.actor
        chosen = [status.value for status in statuses or []]
        statement = messages.recipients_statement(actor, self.row, chosen)
        channel = self.row.channel

        def shaped(row: marketing_models.MessageRecipient) -> MessageRecipient:
            return MessageRecipient.from_model(row, channel)

        return await paginate(session, statement, shaped, first, after, before, last)

    @strawberry.field(
        description="SMS: the segments one copy takes with sample values and the STOP line (160 GSM-7 or "
        "70 UCS-2 characters in one, 153/67 each when split; at most 10); null for email."
    )
    def sms_segments(self) -> int | None:
        return messages.sample_segments(self.row.body) if self.row.channel == "sms" else None
