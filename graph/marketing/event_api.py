"""Event board mutations: invite, confirm, check in, walk in, no-shows, responses. Thin resolvers."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.ids import decode_id, decode_optional_id
from graph.marketing import events
from graph.marketing.event_types import CampaignInvitation
from graph.marketing.types import Campaign
from graph.sales.leads.types import Lead

T = TypeVar("T")

InvitationId = Annotated[
    relay.GlobalID, strawberry.argument(description="Global id of a CampaignInvitation.")
]
CampaignId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Campaign.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


@strawberry.input(description="Who to invite: a segment's members (as you see them) and/or records by id.")
class InviteToCampaignInput:
    campaign_id: relay.GlobalID = strawberry.field(description="The Campaign (not completed or cancelled).")
    segment_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A Segment of contacts or leads; its members as you see them now."
    )
    contact_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Contacts you may see (with leadIds at most 500)."
    )
    lead_ids: list[relay.GlobalID] | None = strawberry.field(default=None, description="Leads you may see.")


@strawberry.input(
    description="How the invitee is recognised: give exactly one of code, qrPayload, invitationId."
)
class CheckInInput:
    campaign_id: relay.GlobalID = strawberry.field(description="The Campaign whose event it is.")
    code: str | None = strawberry.field(default=None, description="The invitee's check-in code.")
    qr_payload: str | None = strawberry.field(default=None, description="What the invitee's QR code holds.")
    invitation_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The CampaignInvitation a staff member picked from the board."
    )


@strawberry.input(description="Someone nobody invited: becomes a pool lead from the campaign, checked in.")
class WalkInInput:
    campaign_id: relay.GlobalID = strawberry.field(description="The Campaign whose event it is.")
    first_name: str | None = strawberry.field(default=None, description="Given name (max 100).")
    last_name: str | None = strawberry.field(default=None, description="Family name (max 100).")
    email: str | None = strawberry.field(default=None, description="Email address.")
    phone: str | None = strawberry.field(default=None, description="Phone number (max 40).")
    company_name: str | None = strawberry.field(default=None, description="Company (max 200).")
    title: str | None = strawberry.field(default=None, description="Job title (max 200).")


@strawberry.input(description="A response to a campaign by a lead or a contact: give exactly one.")
class RecordCampaignResponseInput:
    campaign_id: relay.GlobalID = strawberry.field(description="The Campaign responded to.")
    contact_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The Contact who responded."
    )
    lead_id: relay.GlobalID | None = strawberry.field(default=None, description="The Lead who responded.")


@strawberry.type(description="Result of inviteToCampaign or markNoShows: the campaign and how many changed.")
class CampaignBoardPayload:
    campaign: Campaign | None = strawberry.field(default=None, description="The campaign.")
    count: int = strawberry.field(default=0, description="Invitations added, or invitees marked no-show.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of an invitation change: the invitation, or errors.")
class CampaignInvitationPayload:
    invitation: CampaignInvitation | None = strawberry.field(default=None, description="The invitation.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of registerWalkIn: the checked-in invitation and the new pool lead.")
class WalkInPayload:
    invitation: CampaignInvitation | None = strawberry.field(
        default=None, description="The walk-in, checked in."
    )
    lead: Lead | None = strawberry.field(default=None, description="The lead it became.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type
class EventsMutation:
    @strawberry.mutation(
        description="Invite a segment's members and/or contacts and leads; repeats are skipped."
    )
    @mutation_payload(CampaignBoardPayload)
    async def invite_to_campaign(
        self, info: Info, input: Input[InviteToCampaignInput]
    ) -> CampaignBoardPayload:
        session, actor = await info.context.session(), info.context.actor
        campaign, count = await events.invite(
            session,
            actor,
            decode_id(input.campaign_id, "Campaign", "campaignId"),
            segment_id=decode_optional_id(input.segment_id, "Segment", "segmentId"),
            contact_ids=events.decode_ids(input.contact_ids, "Contact", "contactIds"),
            lead_ids=events.decode_ids(input.lead_ids, "Lead", "leadIds"),
        )
        return CampaignBoardPayload(campaign=Campaign.from_model(campaign), count=count)

    @strawberry.mutation(description="The invitee confirmed they will come (INVITED -> CONFIRMED).")
    @mutation_payload(CampaignInvitationPayload)
    async def confirm_invitation(
        self, info: Info, id: InvitationId, version: Version
    ) -> CampaignInvitationPayload:
        session, actor = await info.context.session(), info.context.actor
        invitation = await events.confirm(session, actor, decode_id(id, "CampaignInvitation"), version)
        return CampaignInvitationPayload(invitation=CampaignInvitation.from_model(invitation))

    @strawberry.mutation(description="Check an invitee in by code, QR payload or staff pick (once).")
    @mutation_payload(CampaignInvitationPayload)
    async def check_in_invitee(self, info: Info, input: Input[CheckInInput]) -> CampaignInvitationPayload:
        session, actor = await info.context.session(), info.context.actor
        how = {
            "code": input.code,
            "qr_payload": input.qr_payload,
            "invitation_id": decode_optional_id(input.invitation_id, "CampaignInvitation", "invitationId"),
        }
        campaign_id = decode_id(input.campaign_id, "Campaign", "campaignId")
        invitation = await events.check_in(session, actor, campaign_id, how)
        return CampaignInvitationPayload(invitation=CampaignInvitation.from_model(invitation))

    @strawberry.mutation(description="Register a walk-in: a new pool lead (source `campaign`), checked in.")
    @mutation_payload(WalkInPayload)
    async def register_walk_in(self, info: Info, input: Input[WalkInInput]) -> WalkInPayload:
        session, actor = await info.context.session(), info.context.actor
        values = {
            key: getattr(input, key)
            for key in ("first_name", "last_name", "email", "phone", "company_name", "title")
            if getattr(input, key) is not None
        }
        campaign_id = decode_id(input.campaign_id, "Campaign", "campaignId")
        invitation, lead = await events.walk_in(session, actor, campaign_id, values)
        return WalkInPayload(invitation=CampaignInvitation.from_model(invitation), lead=Lead.from_model(lead))

    @strawberry.mutation(description="After the event: every invitee not checked in becomes NO_SHOW.")
    @mutation_payload(CampaignBoardPayload)
    async def mark_no_shows(self, info: Info, campaign_id: CampaignId) -> CampaignBoardPayload:
        session, actor = await info.context.session(), info.context.actor
        campaign, count = await events.mark_no_shows(
            session, actor, decode_id(campaign_id, "Campaign", "campaignId")
        )
        return CampaignBoardPayload(campaign=Campaign.from_model(campaign), count=count)

    @strawberry.mutation(description="Record that a lead or contact responded to a campaign (attribution).")
    @mutation_payload(CampaignBoardPayload)
    async def record_campaign_response(
        self, info: Info, input: Input[RecordCampaignResponseInput]
    ) -> CampaignBoardPayload:
        session, actor = await info.context.session(), info.context.actor
        campaign_id = decode_id(input.campaign_id, "Campaign", "campaignId")
        await events.record_response(
            session,
            actor,
            campaign_id,
            decode_optional_id(input.contact_id, "Contact", "contactId"),
            decode_optional_id(input.lead_id, "Lead", "leadId"),
        )
        campaign = await events.get_campaign(session, actor, campaign_id, "campaignId")
        return CampaignBoardPayload(campaign=Campaign.from_model(campaign), count=1)
