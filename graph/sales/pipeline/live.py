"""Live pipeline screens: `opportunitiesChanged` (a board or list that updates itself).

Events come from the opportunity services (`opportunity.created`, `opportunity.updated`,
`opportunity.stage_changed`, `opportunity.won`, `opportunity.lost`); each is re-read through the scoped
`opportunities_by_id` loader under the subscriber's own tenant and role, so a sales rep with scope "own" hears
only about their own deals.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry
from strawberry import relay

from graph.core.ids import encode_id
from graph.live.context import LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream
from graph.sales.pipeline import loaders
from graph.sales.pipeline.events import OPPORTUNITY_EVENTS
from graph.sales.pipeline.models import OPPORTUNITY
from graph.sales.pipeline.types import Opportunity


@strawberry.type(
    description=(
        "One change to an opportunity, re-read for you when delivered. `type` is `subscribed` first (the "
        "subscription is live: load your board now), then `opportunity.created`, `opportunity.updated`, "
        "`opportunity.stage_changed`, `opportunity.won` or `opportunity.lost` (`opportunity.hidden` from "
        "`opportunityChanged` when the deal left your view); `dropped` when events were lost (slow reader, "
        "reconnect): refetch."
    )
)
class OpportunityChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    opportunity_id: relay.GlobalID | None = strawberry.field(
        description="The opportunity concerned; null for `subscribed` and `dropped`."
    )
    version: int | None = strawberry.field(description="The version the change produced.")
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as you may see it now; null for `subscribed` and `dropped`."
    )
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


def dropped_change() -> OpportunityChange:
    return OpportunityChange(
        type=DROPPED_TYPE, opportunity_id=None, version=None, opportunity=None, dropped=True
    )


async def opportunity_change(context: LiveContext, event: Event) -> Delivery[OpportunityChange]:
    opportunity_id: uuid.UUID | None = event.id("opportunity")
    if opportunity_id is None:
        return Delivery(None)
    record = await context.loader("opportunities_by_id", loaders.opportunities_by_id).load(opportunity_id)
    if record is None:  # not (or no longer) yours to see
        return Delivery(None)
    return Delivery(
        OpportunityChange(
            type=event.type,
            opportunity_id=encode_id("Opportunity", opportunity_id),
            version=event.version,
            opportunity=Opportunity.from_model(record),
            dropped=False,
        )
    )


Info = strawberry.Info[LiveContext, None]


@strawberry.type
class PipelineSubscription:
    @strawberry.subscription(
        description=(
            "Changes to every opportunity you may see (your role's record scope applies), moves included. "
            "First item: `subscribed`."
        )
    )
    async def opportunities_changed(self, info: Info) -> AsyncGenerator[OpportunityChange, None]:
        async def subscribed(_context: LiveContext) -> OpportunityChange:
            return OpportunityChange(
                type=SUBSCRIBED, opportunity_id=None, version=None, opportunity=None, dropped=False
            )

        async for change in live_stream(
            info,
            (OPPORTUNITY,),
            lambda event: event.type in OPPORTUNITY_EVENTS,
            opportunity_change,
            subscribed,
            dropped_change,
        ):
            yield change
