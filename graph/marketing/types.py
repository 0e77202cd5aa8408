"""GraphQL types of the campaigns. Every nested object comes through a per-request DataLoader."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.nodes import load_by_id, resolve_by_ids
from graph.core.pagination import Connection, connection_of, paginate
from graph.identity.types import User, owner
from graph.marketing import loaders
from graph.marketing import models as marketing_models
from graph.marketing.event_types import CampaignInvitation, EventBoard, InvitationStatus
from graph.marketing.events import board_statement
from graph.marketing.message_types import CampaignMessage
from graph.marketing.messages import campaign_messages_statement
from graph.marketing.segment_types import Segment, segments_by_id
from graph.money.service import quantize


@strawberry.enum(description="Where a campaign stands: PLANNED -> ACTIVE -> COMPLETED; or CANCELLED.")
class CampaignStatus(Enum):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


assert {status.value for status in CampaignStatus} == set(marketing_models.CAMPAIGN_STATUSES)


@strawberry.type(description="One actual cost of a campaign, in the campaign's currency.")
class CampaignCost(relay.Node):
    id: relay.NodeID[str]
    description: str = strawberry.field(description="What was paid for.")
    amount: Decimal = strawberry.field(description="The amount, in the campaign's currency.")
    incurred_on: date = strawberry.field(description="The day the cost arose.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    campaign_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, cost: marketing_models.CampaignCost) -> CampaignCost:
        return cls(
            id=str(cost.id),
            description=cost.description,
            amount=quantize(cost.amount, cost.currency),
            incurred_on=cost.incurred_on,
            created_at=cost.created_at,
            campaign_id=cost.campaign_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CampaignCost | None]:
        """Cost lines of campaigns you may see."""
        return await resolve_by_ids(
            info, "campaign_costs_by_id", loaders.costs_by_id, node_ids, cls.from_model
        )


@strawberry.type(description="A marketing campaign: goal, plan, channel, period, budget and actual costs.")
class Campaign(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = marketing_models.CAMPAIGN
    id: relay.NodeID[str]
    name: str = strawberry.field(description="What the campaign is called.")
    goal: str | None = strawberry.field(description="What it should achieve (null when hidden).")
    plan: str | None = strawberry.field(description="How it will be run (null when hidden).")
    channel: str = strawberry.field(description="Key of the tenant's `campaign_channels` option list.")
    status: CampaignStatus = strawberry.field(description="Where the campaign stands.")
    starts_on: date | None = strawberry.field(description="First day of the campaign.")
    ends_on: date | None = strawberry.field(description="Last day of the campaign.")
    currency: str = strawberry.field(description="ISO 4217 code of the budget and the cost lines.")
    budget: Decimal | None = strawberry.field(
        description="Planned spend, rounded to the currency's minor unit (null when hidden from your role)."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    owner_id: strawberry.Private[uuid.UUID]
    segment_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, campaign: marketing_models.Campaign) -> Campaign:
        return cls(
            id=str(campaign.id),
            name=campaign.name,
            goal=campaign.goal,
            plan=campaign.plan,
            channel=campaign.channel,
            status=CampaignStatus(campaign.status),
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            currency=campaign.currency,
            budget=quantize(campaign.budget, campaign.currency),
            created_at=campaign.created_at,
            updated_at=campaign.updated_at,
            version=campaign.version,
            owner_id=campaign.owner_id,
            segment_id=campaign.segment_id,
            custom=campaign.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Campaign | None]:
        return await resolve_by_ids(
            info, "campaigns_by_id", loaders.campaigns_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="The member responsible for the campaign.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)

    @strawberry.field(description="The segment it targets (null if none or not yours to see).")
    async def segment(self, info: Info) -> Segment | None:
        found = await load_by_id(info, "segments_by_id", segments_by_id, self.segment_id)
        return Segment.from_model(found) if found else None

    @strawberry.field(description="Sum of the cost lines, rounded to the currency's minor unit.")
    async def actual_cost(self, info: Info) -> Decimal:
        spent = await info.context.loader("campaign_spent", loaders.spent_by_campaign_id).load(
            uuid.UUID(self.id)
        )
        return quantize(spent, self.currency)

    @strawberry.field(description="The event board: how many invitees stand where.")
    async def event_board(self, info: Info) -> EventBoard:
        counts = await info.context.loader("campaign_boards", loaders.boards_by_campaign_id).load(
            uuid.UUID(self.id)
        )
        return EventBoard(
            invited=counts.get("invited", 0),
            confirmed=counts.get("confirmed", 0),
            checked_in=counts.get("checked_in", 0),
            no_show=counts.get("no_show", 0),
            walk_ins=counts.get("walk_ins", 0),
        )

    @strawberry.field(description="The invitees, in the order they were invited.")
    async def invitations(
        self,
        info: Info,
        statuses: Annotated[
            list[InvitationStatus] | None, strawberry.argument(description="Only these statuses.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CampaignInvitation]:
        session, actor = await info.context.session(), info.context.actor
        chosen = [status.value for status in statuses or []]
        statement = board_statement(actor, uuid.UUID(self.id), chosen)
        return await paginate(session, statement, CampaignInvitation.from_model, first, after, before, last)

    @strawberry.field(description="The campaign's bulk messages, oldest first.")
    async def messages(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[CampaignMessage]:
        session, actor = await info.context.session(), info.context.actor
        statement = campaign_messages_statement(actor, uuid.UUID(self.id))
        return await paginate(session, statement, CampaignMessage.from_model, first, after, before, last)

    @strawberry.field(description="The cost lines, oldest first (by the day they arose).")
    async def costs(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[CampaignCost]:
        loader = info.context.loader("campaign_costs", loaders.costs_by_campaign_id)
        rows = await loader.load(uuid.UUID(self.id))
        found = [CampaignCost.from_model(row) for row in rows]
        return connection_of(found, lambda cost: cost.id, first, after, last, before)
