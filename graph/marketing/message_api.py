"""Campaign messages, send limits and opt-out: queries and mutations (rules in messages.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry import relay

import graph.marketing.sending  # noqa: F401 - registers the marketing.messages job
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.ids import decode_id, decode_optional_id
from graph.crm.models import CONTACT
from graph.marketing import messages, send_limits, sms
from graph.marketing.message_types import CampaignMessage, MessageChannel, messages_by_id
from graph.sales.leads.models import LEAD
from tenants.errors import DomainError, ErrorCode

MessageId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a CampaignMessage.")]


@strawberry.input(description="A bulk email or SMS of a campaign to a contact or lead segment.")
class SendCampaignMessageInput:
    campaign_id: relay.GlobalID = strawberry.field(
        description="The campaign (you may update it; not completed or cancelled)."
    )
    segment_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A contact or lead segment; default: the campaign's own segment."
    )
    channel: MessageChannel | None = strawberry.field(
        default=None,
        description="EMAIL or SMS; default: SMS for a campaign of the `sms` channel, EMAIL otherwise. SMS go "
        "to each member's first number that can take SMS (E.164, read in the tenant's region).",
    )
    subject: str | None = strawberry.field(
        default=None,
        description="Email: the subject template (required, max 1,000): values and if/else only, e.g. "
        "`Hello {{ first_name }}`. Merge fields: first_name, last_name, name, email, phone, company, "
        "campaign, unsubscribe_url. SMS: leave it out.",
    )
    body: str = strawberry.field(
        description="Plain-text body template, same fields. Email: max 20,000, an unsubscribe link is "
        "always appended. SMS: required, max 1,600, and with sample values and the appended `Reply STOP to "
        "opt out.` at most 10 segments (160 GSM-7 or 70 UCS-2 characters in one, 153/67 when split)."
    )


@strawberry.type(description="Result of a campaign message mutation.")
class CampaignMessagePayload:
    message: CampaignMessage | None = strawberry.field(default=None, description="The message.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="The tenant's send limits of campaign messages.")
class MarketingSendLimits:
    hourly: int = strawberry.field(description="Emails and SMS (together) handed over per clock hour (UTC).")
    daily: int = strawberry.field(
        description="Emails and SMS per UTC day. Beyond either limit recipients stay QUEUED for the next "
        "window."
    )
    version: int = strawberry.field(description="Pass to setMarketingSendLimits (0: the defaults).")


@strawberry.input(description="New send limits.")
class SetMarketingSendLimitsInput:
    hourly: int = strawberry.field(description="Per clock hour, 0 to 1,000,000 (0 pauses sending).")
    daily: int = strawberry.field(description="Per UTC day, 0 to 10,000,000.")
    version: int = strawberry.field(description="The version you read (0 for the defaults).")


@strawberry.type(description="Result of setMarketingSendLimits.")
class MarketingSendLimitsPayload:
    limits: MarketingSendLimits | None = strawberry.field(default=None, description="The limits now.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of unsubscribe.")
class UnsubscribePayload:
    unsubscribed: bool = strawberry.field(
        default=False, description="True: this address receives no more campaign email from the tenant."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of recordSmsStop.")
class SmsStopPayload:
    phone: str | None = strawberry.field(default=None, description="The number, in E.164 when valid.")
    contacts: int = strawberry.field(default=0, description="Contacts that now refuse marketing SMS.")
    leads: int = strawberry.field(default=0, description="Leads that now refuse marketing SMS.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of setEmailOptOut.")
class EmailOptOutPayload:
    record_id: relay.GlobalID | None = strawberry.field(default=None, description="The Contact or Lead.")
    email_opt_out: bool | None = strawberry.field(default=None, description="Its opt-out now.")
    errors: list[UserError] = payload_errors()


def limits_view(limits: send_limits.SendLimits) -> MarketingSendLimits:
    return MarketingSendLimits(hourly=limits.hourly, daily=limits.daily, version=limits.version)


@strawberry.type
class MessagesQuery:
    @strawberry.field(
        description="One campaign message; null if missing or its campaign is not yours to see."
    )
    async def campaign_message(self, info: Info, id: MessageId) -> CampaignMessage | None:
        try:
            message_id = decode_id(id, "CampaignMessage")
        except DomainError:
            return None
        record = await info.context.loader("campaign_messages_by_id", messages_by_id).load(message_id)
        return CampaignMessage.from_model(record) if record else None

    @strawberry.field(description="The tenant's send limits of campaign messages (any member may read them).")
    async def marketing_send_limits(self, info: Info) -> MarketingSendLimits:
        actor = info.context.actor
        return limits_view(await send_limits.send_limits(await info.context.session(), actor.tenant_id))


@strawberry.type
class MessagesMutation:
    @strawberry.mutation(
        description="Queue a bulk email to a segment's members as you see them now; the `marketing.messages` "
        "job sends it. Opted-out people, missing and repeated addresses are SKIPPED at once."
    )
    @mutation_payload(CampaignMessagePayload)
    async def send_campaign_message(
        self, info: Info, input: Annotated[SendCampaignMessageInput, strawberry.argument(description="What.")]
    ) -> CampaignMessagePayload:
        session, actor = await info.context.session(), info.context.actor
        message = await messages.create_message(
            session,
            actor,
            decode_id(input.campaign_id, "Campaign", "campaignId"),
            decode_optional_id(input.segment_id, "Segment", "segmentId"),
            input.subject,
            input.body,
            datetime.now(UTC),
            input.channel.value if input.channel else None,
        )
        return CampaignMessagePayload(message=CampaignMessage.from_model(message))

    @strawberry.mutation(
        description="Stop a SENDING message: its queued recipients become SKIPPED (cancelled)."
    )
    @mutation_payload(CampaignMessagePayload)
    async def cancel_campaign_message(self, info: Info, id: MessageId) -> CampaignMessagePayload:
        session, actor = await info.context.session(), info.context.actor
        message = await messages.cancel_message(
            session, actor, decode_id(id, "CampaignMessage"), datetime.now(UTC)
        )
        return CampaignMessagePayload(message=CampaignMessage.from_model(message))

    @strawberry.mutation(description="Set the tenant's send limits (capability manage_settings).")
    @mutation_payload(MarketingSendLimitsPayload)
    async def set_marketing_send_limits(
        self,
        info: Info,
        input: Annotated[SetMarketingSendLimitsInput, strawberry.argument(description="Limits.")],
    ) -> MarketingSendLimitsPayload:
        session, actor = await info.context.session(), info.context.actor
        limits = await send_limits.set_send_limits(session, actor, input.hourly, input.daily, input.version)
        return MarketingSendLimitsPayload(limits=limits_view(limits))

    @strawberry.mutation(
        description="A STOP reply to a campaign SMS, as the tenant's SMS gateway integration (an API key) or "
        "staff report it: every contact and lead of the tenant with that number (`+49 151 ...` and `0151 "
        "...` are one) gets `smsOptOut`. Needs update on campaigns. INVALID for something not a number."
    )
    @mutation_payload(SmsStopPayload)
    async def record_sms_stop(
        self,
        info: Info,
        phone: Annotated[str, strawberry.argument(description="The number the STOP came from.")],
    ) -> SmsStopPayload:
        session, actor = await info.context.session(), info.context.actor
        number, contacts, leads = await sms.record_sms_stop(session, actor, phone)
        return SmsStopPayload(phone=number, contacts=contacts, leads=leads)

    @strawberry.mutation(
        description="Follow a campaign email's or SMS's unsubscribe link (no login needed): the address or "
        "number gets no more campaign email (SMS); again is harmless. NOT_FOUND for an unknown token."
    )
    @mutation_payload(UnsubscribePayload, savepoint=False)
    async def unsubscribe(
        self, info: Info, token: Annotated[str, strawberry.argument(description="The link's token.")]
    ) -> UnsubscribePayload:
        async with info.context.db.transaction(messages.unsubscribe_tenant(token)) as session:
            await messages.unsubscribe(session, token, datetime.now(UTC))
        return UnsubscribePayload(unsubscribed=True)

    @strawberry.mutation(
        description="Record that a contact or lead refuses (or accepts again) marketing email; opting out "
        "also covers the tenant's other contacts and leads with the same address. Needs update on the "
        "record."
    )
    @mutation_payload(EmailOptOutPayload)
    async def set_email_opt_out(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A Contact or a Lead.")],
        opted_out: Annotated[bool, strawberry.argument(description="True: no marketing email.")],
    ) -> EmailOptOutPayload:
        session, actor = await info.context.session(), info.context.actor
        kinds = {"Contact": CONTACT, "Lead": LEAD}
        if id.type_name not in kinds:
            raise DomainError(ErrorCode.NOT_FOUND, "Expected the id of a Contact or a Lead.", "id")
        record = await messages.set_email_opt_out(
            session, actor, kinds[id.type_name], decode_id(id, id.type_name), opted_out
        )
        return EmailOptOutPayload(record_id=id, email_opt_out=record.email_opt_out)
