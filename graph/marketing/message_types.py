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


@strawberry.enum(
    description="One recipient's copy: QUEUED (waiting, also for the send limits), SENDING (handed to the "
    "mail server by a running job), SENT, FAILED (see `reason`), SKIPPED (see `reason`: opted_out, "
    "no_address, duplicate_address, cancelled)."
)
class RecipientStatus(Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


assert {status.value for status in MessageStatus} == set(marketing_models.MESSAGE_STATUSES)
assert {status.value for status in RecipientStatus} == set(marketing_models.RECIPIENT_STATUSES)


@strawberry.type(description="One member of the message's segment and what happened to their copy.")
class MessageRecipient:
    status: RecipientStatus = strawberry.field(description="Where this copy stands.")
    reason: str | None = strawberry.field(
        description="Why SKIPPED (opted_out, no_address, duplicate_address, cancelled) or FAILED (the mail "
        "server's answer, a template error, or an interrupted send that is not repeated)."
    )
    attempts: int = strawberry.field(description="Hand-overs tried (a refusing mail server is retried).")
    sent_at: datetime | None = strawberry.field(description="When the mail server took it (job clock).")
    unsubscribed_at: datetime | None = strawberry.field(
        description="When this recipient followed the message's unsubscribe link."
    )
    row: strawberry.Private[marketing_models.MessageRecipient]

    @classmethod
    def from_model(cls, row: marketing_models.MessageRecipient) -> MessageRecipient:
        return cls(
            status=RecipientStatus(row.status),
            reason=row.reason,
            attempts=row.attempts,
            sent_at=row.sent_at,
            unsubscribed_at=row.unsubscribed_at,
            row=row,
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
        description="The address it was (or would be) sent to; null when you may not see the person or "
        "your role hides their email."
    )
    async def address(self, info: Info) -> str | None:
        hidden = info.context.actor.permissions.hidden_fields
        if self.row.contact_id is not None:
            if "emails" in hidden(CONTACT):
                return None
            person = await load_by_id(info, "contacts_by_id", contacts_by_id, self.row.contact_id)
        else:
            if "email" in hidden(LEAD):
                return None
            person = await load_by_id(info, "leads_by_id", leads_by_id, self.row.lead_id)
        return self.row.address if person is not None else None


@strawberry.type(
    description="A bulk email of a campaign to a segment's contacts or leads, sent by the "
    "`marketing.messages` job in batches within the tenant's send limits; each recipient at most once."
)
class CampaignMessage(relay.Node):
    id: relay.NodeID[str]
    subject: str = strawberry.field(description="The subject template.")
    body: str = strawberry.field(description="The body template (an unsubscribe link is always appended).")
    status: MessageStatus = strawberry.field(description="Where the message stands.")
    recipient_count: int = strawberry.field(description="Members of the segment when it was created.")
    queued_count: int = strawberry.field(description="Not sent yet (QUEUED or SENDING).")
    sent_count: int = strawberry.field(description="SENT.")
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
            subject=row.subject,
            body=row.body,
            status=MessageStatus(row.status),
            recipient_count=row.recipient_count,
            queued_count=row.queued_count,
            sent_count=row.sent_count,
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
        return await paginate(session, statement, MessageRecipient.from_model, first, after, before, last)
