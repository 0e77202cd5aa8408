"""Live sales boards: `pipelineChanged(pipelineId)` and `opportunityChanged(id)`.

Events come from `graph/sales/pipeline/opportunities.py` (created, updated, stage_changed, won, lost; the
pipeline area has no deletion of opportunities: a deal ends won or lost) and `pipelines.py`
(pipeline.updated: renamed, stages added, changed, reordered, archived). Each
opportunity event is re-read through the pipeline area's scoped loader, so a Sales user with scope "own"
hears only about their own deals.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.ids import decode_id, encode_id
from graph.live.context import LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream, not_found
from graph.sales.pipeline import loaders
from graph.sales.pipeline.models import OPPORTUNITY
from graph.sales.pipeline.types import Opportunity, Pipeline
from tenants.errors import DomainError

OPPORTUNITY_EVENTS = (
    "opportunity.created",
    "opportunity.updated",
    "opportunity.stage_changed",
    "opportunity.won",
    "opportunity.lost",
)
PIPELINE_UPDATED = "pipeline.updated"
HIDDEN = "opportunity.hidden"

Info = strawberry.Info[LiveContext, None]
PipelineId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the Pipeline to watch.")]
OpportunityId = Annotated[
    relay.GlobalID, strawberry.argument(description="Global id of the Opportunity to watch.")
]


@strawberry.type(
    description=(
        "One change on a pipeline board or to a deal, re-read for you when delivered. `type` is `subscribed` "
        "first (the subscription is live: load your board now), then `opportunity.created`, "
        "`opportunity.updated`, `opportunity.stage_changed` (also a reopen), `opportunity.won`, "
        "`opportunity.lost`, or `pipeline.updated` (stages or name changed: reload the columns); "
        "`opportunity.hidden` when a watched deal left your view (the stream then ends); `dropped` when "
        "events were lost (slow reader, server reconnect): refetch."
    )
)
class OpportunityChange:
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


def change(
    type_: str,
    *,
    pipeline_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    version: int | None = None,
    opportunity: Opportunity | None = None,
    pipeline: Pipeline | None = None,
) -> OpportunityChange:
    return OpportunityChange(
        type=type_,
        pipeline_id=encode_id("Pipeline", pipeline_id) if pipeline_id else None,
        opportunity_id=encode_id("Opportunity", opportunity_id) if opportunity_id else None,
        version=version,
        opportunity=opportunity,
        pipeline=pipeline,
        dropped=False,
    )


def dropped_change() -> OpportunityChange:
    return OpportunityChange(
        type=DROPPED_TYPE,
        pipeline_id=None,
        opportunity_id=None,
        version=None,
        opportunity=None,
        pipeline=None,
        dropped=True,
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


async def opportunity_change(context: LiveContext, event: Event) -> Delivery[OpportunityChange]:
    opportunity_id = event.id("opportunity")
    opportunity = await visible_opportunity(context, opportunity_id) if opportunity_id else None
    if opportunity is None:
        return Delivery(None)
    return Delivery(
        change(
            event.type,
            pipeline_id=opportunity.pipeline_id,
            opportunity_id=opportunity_id,
            version=event.version,
            opportunity=opportunity,
        )
    )


@strawberry.type
class SalesSubscription:
    @strawberry.subscription(
        description=(
            "Changes on one pipeline's board: its deals you may see (your role's record scope applies) and "
            "the pipeline itself. First item: `subscribed` with the pipeline."
        )
    )
    async def pipeline_changed(
        self, info: Info, pipeline_id: PipelineId
    ) -> AsyncGenerator[OpportunityChange, None]:
        watched = decoded(pipeline_id, "Pipeline")

        async def subscribed(context: LiveContext) -> OpportunityChange:
            pipeline = await tenant_pipeline(context, watched) if watched else None
            if pipeline is None:
                raise not_found("pipeline")
            return change(SUBSCRIBED, pipeline_id=watched, pipeline=pipeline)

        def accepts(event: Event) -> bool:
            if event.type == PIPELINE_UPDATED:
                return event.id("pipeline") == watched
            return event.type in OPPORTUNITY_EVENTS and event.id("pipeline") == watched

        async def deliver(context: LiveContext, event: Event) -> Delivery[OpportunityChange]:
            if event.type == PIPELINE_UPDATED:
                pipeline = await tenant_pipeline(context, watched) if watched else None
                return Delivery(
                    change(event.type, pipeline_id=watched, version=event.version, pipeline=pipeline)
                    if pipeline
                    else None
                )
            return await opportunity_change(context, event)

        async for item in live_stream(info, (OPPORTUNITY,), accepts, deliver, subscribed, dropped_change):
            yield item

    @strawberry.subscription(
        description=(
            "Changes to one deal you may see (NOT_FOUND otherwise). First item: `subscribed` with the deal "
            "as it is now."
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
            return change(
                SUBSCRIBED,
                pipeline_id=opportunity.pipeline_id,
                opportunity_id=watched,
                version=opportunity.version,
                opportunity=opportunity,
            )

        async def deliver(context: LiveContext, event: Event) -> Delivery[OpportunityChange]:
            delivery = await opportunity_change(context, event)
            if delivery.item is None:  # visible a moment ago: say so once, then stop
                return Delivery(change(HIDDEN, opportunity_id=watched), last=True)
            return delivery

        async for item in live_stream(
            info,
            (OPPORTUNITY,),
            lambda event: event.type in OPPORTUNITY_EVENTS and event.id("opportunity") == watched,
            deliver,
            subscribed,
            dropped_change,
        ):
            yield item
