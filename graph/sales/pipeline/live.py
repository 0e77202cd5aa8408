"""Live pipeline screens: `opportunitiesChanged` (a board or list that updates itself),
`pipelineChanged(pipelineId)` (one pipeline's board) and `opportunityChanged(id)`.

Events come from the opportunity services (`opportunity.created`, `opportunity.updated`,
`opportunity.stage_changed`, `opportunity.won`, `opportunity.lost`, see events.py; the pipeline area has no
deletion of opportunities: a deal ends won or lost) and `pipelines.py` (`pipeline.updated`: renamed, stages
added, changed, reordered, archived); each opportunity is re-read through the scoped `opportunities_by_id`
loader under the subscriber's own tenant and role, so a sales rep with scope "own" hears only about their
own deals.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.ids import decode_id, encode_id
from graph.live.context import Info, LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream, not_found
from graph.sales.pipeline import loaders
from graph.sales.pipeline.events import OPPORTUNITY_EVENTS
from graph.sales.pipeline.models import OPPORTUNITY
from graph.sales.pipeline.types import Opportunity, Pipeline
from tenants.errors import DomainError


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


PIPELINE_UPDATED = "pipeline.updated"
HIDDEN = "opportunity.hidden"

PipelineId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the Pipeline to watch.")]
OpportunityId = Annotated[
    relay.GlobalID, strawberry.argument(description="Global id of the Opportunity to watch.")
]


@strawberry.type(
    description=(
        "One change on a pipeline board, re-read for you when delivered. `type` is `subscribed` "
        "first (the subscription is live: load your board now), then `opportunity.created`, "
        "`opportunity.updated`, `opportunity.stage_changed` (also a reopen), `opportunity.won`, "
        "`opportunity.lost`, or `pipeline.updated` (stages or name changed: reload the columns); `dropped` "
        "when events were lost (slow reader, server reconnect): refetch."
    )
)
class PipelineBoardChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    pipeline_id: relay.GlobalID | None = strawberry.field(description="The pipeline concerned.")
    opportunity_id: relay.GlobalID | None = strawberry.field(
        description="The deal concerned; null for pipeline changes, `subscribed` (board) and `dropped`."
    )
    version: int | None = strawberry.field(description="The record version the change produced.")
    opportunity: Opportunity | None = strawberry.field(
        description="The deal as you may see it now; null when not applicable."
    )
    pipeline: Pipeline | None = strawberry.field(
        description="The pipeline as it is now, for `subscribed` and `pipeline.updated`."
    )
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


def board_change(
    type_: str,
    *,
    pipeline_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    version: int | None = None,
    opportunity: Opportunity | None = None,
    pipeline: Pipeline | None = None,
) -> PipelineBoardChange:
    return PipelineBoardChange(
        type=type_,
        pipeline_id=encode_id("Pipeline", pipeline_id) if pipeline_id else None,
        opportunity_id=encode_id("Opportunity", opportunity_id) if opportunity_id else None,
        version=version,
        opportunity=opportunity,
        pipeline=pipeline,
        dropped=False,
    )


def dropped_board_change() -> PipelineBoardChange:
    return PipelineBoardChange(
        type=DROPPED_TYPE,
        pipeline_id=None,
        opportunity_id=None,
        version=None,
        opportunity=None,
        pipeline=None,
        dropped=True,
    )


def deal_change(
    type_: str, opportunity_id: uuid.UUID | None, version: int | None, opportunity: Opportunity | None
) -> OpportunityChange:
    return OpportunityChange(
        type=type_,
        opportunity_id=encode_id("Opportunity", opportunity_id) if opportunity_id else None,
        version=version,
        opportunity=opportunity,
        dropped=False,
    )


def dropped_deal_change() -> OpportunityChange:
    return OpportunityChange(
        type=DROPPED_TYPE, opportunity_id=None, version=None, opportunity=None, dropped=True
    )


async def visible_opportunity(context: LiveContext, opportunity_id: uuid.UUID) -> Opportunity | None:
    record = await context.loader("opportunities_by_id", loaders.opportunities_by_id).load(opportunity_id)
    return Opportunity.from_model(record) if record is not None else None


async def tenant_pipeline(context: LiveContext, pipeline_id: uuid.UUID) -> Pipeline | None:
    record = await context.loader("pipelines_by_id", loaders.pipelines_by_id).load(pipeline_id)
    return Pipeline.from_model(record) if record is not None else None


def decoded(global_id: relay.GlobalID, type_name: str) -> uuid.UUID | None:
    try:
        return decode_id(global_id, type_name)
    except DomainError:
        return None  # reported as NOT_FOUND once subscribed, like any invisible record


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

    @strawberry.subscription(
        description=(
            "Changes on one pipeline's board: its deals you may see (your role's record scope applies) and "
            "the pipeline itself. First item: `subscribed` with the pipeline."
        )
    )
    async def pipeline_changed(
        self, info: Info, pipeline_id: PipelineId
    ) -> AsyncGenerator[PipelineBoardChange, None]:
        watched = decoded(pipeline_id, "Pipeline")

        async def subscribed(context: LiveContext) -> PipelineBoardChange:
            pipeline = await tenant_pipeline(context, watched) if watched else None
            if pipeline is None:
                raise not_found("pipeline")
            return board_change(SUBSCRIBED, pipeline_id=watched, pipeline=pipeline)

        def accepts(event: Event) -> bool:
            if event.id("pipeline") != watched:
                return False
            return event.type == PIPELINE_UPDATED or event.type in OPPORTUNITY_EVENTS

        async def deliver(context: LiveContext, event: Event) -> Delivery[PipelineBoardChange]:
            if event.type == PIPELINE_UPDATED:
                pipeline = await tenant_pipeline(context, watched) if watched else None
                if pipeline is None:
                    return Delivery(None)
                return Delivery(
                    board_change(event.type, pipeline_id=watched, version=event.version, pipeline=pipeline)
                )
            opportunity_id = event.id("opportunity")
            opportunity = await visible_opportunity(context, opportunity_id) if opportunity_id else None
            if opportunity is None:
                return Delivery(None)
            return Delivery(
                board_change(
                    event.type,
                    pipeline_id=watched,
                    opportunity_id=opportunity_id,
                    version=event.version,
                    opportunity=opportunity,
                )
            )

        async for item in live_stream(
            info, (OPPORTUNITY,), accepts, deliver, subscribed, dropped_board_change
        ):
            yield item

    @strawberry.subscription(
        description=(
            "Changes to one deal you may see (NOT_FOUND otherwise). First item: `subscribed` with the deal "
            "as it is now; `opportunity.hidden` (then the end of the stream) when it leaves your view."
        )
    )
    async def opportunity_changed(
        self, info: Info, id: OpportunityId
    ) -> AsyncGenerator[OpportunityChange, None]:
        watched = decoded(id, "Opportunity")

        async def subscribed(context: LiveContext) -> OpportunityChange:
            opportunity = await visible_opportunity(context, watched) if watched else None
            if opportunity is None:
                raise not_found("opportunity")
            return deal_change(SUBSCRIBED, watched, opportunity.version, opportunity)

        async def deliver(context: LiveContext, event: Event) -> Delivery[OpportunityChange]:
            opportunity = await visible_opportunity(context, watched) if watched else None
            if opportunity is None:  # visible a moment ago: say so once, then stop
                return Delivery(deal_change(HIDDEN, watched, None, None), last=True)
            return Delivery(deal_change(event.type, watched, event.version, opportunity))

        async for item in live_stream(
            info,
            (OPPORTUNITY,),
            lambda event: event.type in OPPORTUNITY_EVENTS and event.id("opportunity") == watched,
            deliver,
            subscribed,
            dropped_deal_change,
        ):
            yield item
