"""Pipeline queries and mutations. Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry
from sqlalchemy import func, select
from strawberry import relay

import graph.sales.pipeline.documents  # noqa: F401 - registers the area's document link targets
from graph.admin.lists import custom_page
from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id
from graph.core.pagination import Connection, connection_of
from graph.sales.pipeline import competitors, loaders, moves, opportunities, pipelines
from graph.sales.pipeline import models as sales
from graph.sales.pipeline.filters import (
    OpportunityFilter,
    OpportunityOrder,
    opportunity_conditions,
    opportunity_ordering,
)
from graph.sales.pipeline.inputs import (
    AddPipelineStageInput,
    CompetitorPayload,
    CreateCompetitorInput,
    CreateOpportunityInput,
    CreatePipelineInput,
    OpportunityPayload,
    PipelinePayload,
    PipelineStagePayload,
    UpdateCompetitorInput,
    UpdateOpportunityInput,
    UpdatePipelineStageInput,
    given_values,
)
from graph.sales.pipeline.models import COMPETITOR
from graph.sales.pipeline.report_api import PipelineReportQuery
from graph.sales.pipeline.types import Competitor, Opportunity, Pipeline, PipelineStage
from tenants.errors import DomainError
from tenants.permissions import Action

T = TypeVar("T")

Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]
OpportunityId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of an Opportunity.")]
PipelineId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Pipeline.")]
StageId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a PipelineStage.")]
CompetitorId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Competitor.")]


@strawberry.input(description="Conditions on competitors.")
class CompetitorFilter:
    include_archived: bool = strawberry.field(default=False, description="Archived ones too.")


@strawberry.type
class PipelineQuery(PipelineReportQuery):
    @strawberry.field(description="The tenant's pipelines, the default one first, then by name.")
    async def pipelines(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Pipeline]:
        session, actor = await info.context.session(), info.context.actor
        rows = await session.scalars(
            select(sales.Pipeline)
            .where(sales.Pipeline.tenant_id == actor.tenant_id)
            .order_by(sales.Pipeline.is_default.desc(), func.lower(sales.Pipeline.name), sales.Pipeline.id)
        )
        found = [Pipeline.from_model(row) for row in rows]
        return connection_of(found, lambda pipeline: pipeline.id, first, after, last, before)

    @strawberry.field(description="One pipeline; null if missing.")
    async def pipeline(self, info: Info, id: PipelineId) -> Pipeline | None:
        info.context.actor  # noqa: B018 - authenticated callers only
        try:
            pipeline_id = decode_id(id, "Pipeline")
        except DomainError:
            return None
        record = await info.context.loader("pipelines_by_id", loaders.pipelines_by_id).load(pipeline_id)
        return Pipeline.from_model(record) if record else None

    @strawberry.field(description="The competitor list by name; archived ones only when asked.")
    async def competitors(
        self,
        info: Info,
        filter: Annotated[CompetitorFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Competitor]:
        session, actor = await info.context.session(), info.context.actor
        actor.require(COMPETITOR, Action.READ)
        statement = select(sales.Competitor).where(sales.Competitor.tenant_id == actor.tenant_id)
        if filter is None or not filter.include_archived:
            statement = statement.where(sales.Competitor.archived_at.is_(None))
        rows = await session.scalars(
            statement.order_by(func.lower(sales.Competitor.name), sales.Competitor.id)
        )
        found = [Competitor.from_model(row) for row in rows]
        return connection_of(found, lambda competitor: competitor.id, first, after, last, before)

    @strawberry.field(description="Opportunities you may see (your role's scope on their owner).")
    async def opportunities(
        self,
        info: Info,
        filter: Annotated[OpportunityFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[OpportunityOrder] | None,
            strawberry.argument(description="Sort keys; default CREATED_AT DESC."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Opportunity]:
        statement = opportunities.visible_opportunities(info.context.actor).where(
            *opportunity_conditions(filter)
        )
        return await custom_page(
            info,
            sales.OPPORTUNITY,
            sales.Opportunity,
            statement,
            filter,
            order_by,
            opportunity_ordering,
            Opportunity.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One opportunity; null if missing or not yours to see.")
    async def opportunity(self, info: Info, id: OpportunityId) -> Opportunity | None:
        try:
            opportunity_id = decode_id(id, "Opportunity")
        except DomainError:
            return None
        loader = info.context.loader("opportunities_by_id", loaders.opportunities_by_id)
        record = await loader.load(opportunity_id)
        return Opportunity.from_model(record) if record else None


@strawberry.type
class PipelineMutation:
    @strawberry.mutation(description="Create a pipeline with its stages (needs MANAGE_SETTINGS).")
    @mutation_payload(PipelinePayload)
    async def create_pipeline(self, info: Info, input: Input[CreatePipelineInput]) -> PipelinePayload:
        session, actor = await info.context.session(), info.context.actor
        stages = [{"name": s.name, "probability": s.probability, "kind": s.kind.value} for s in input.stages]
        pipeline = await pipelines.create_pipeline(session, actor, input.name, stages)
        return PipelinePayload(pipeline=Pipeline.from_model(pipeline))

    @strawberry.mutation(description="Rename a pipeline (needs MANAGE_SETTINGS).")
    @mutation_payload(PipelinePayload)
    async def rename_pipeline(
        self,
        info: Info,
        id: PipelineId,
        version: Version,
        name: Annotated[str, strawberry.argument(description="The new name (1-200 characters).")],
    ) -> PipelinePayload:
        session, actor = await info.context.session(), info.context.actor
        pipeline = await pipelines.rename_pipeline(session, actor, decode_id(id, "Pipeline"), version, name)
        return PipelinePayload(pipeline=Pipeline.from_model(pipeline))

    @strawberry.mutation(
        description="Add a stage to a pipeline (needs MANAGE_SETTINGS); pass the pipeline's version."
    )
    @mutation_payload(PipelineStagePayload)
    async def add_pipeline_stage(
        self, info: Info, pipeline_id: PipelineId, version: Version, input: Input[AddPipelineStageInput]
    ) -> PipelineStagePayload:
        session, actor = await info.context.session(), info.context.actor
        values = {
            "name": input.name,
            "probability": input.probability,
            "kind": input.kind.value,
            "position": input.position,
        }
        stage = await pipelines.add_stage(
            session, actor, decode_id(pipeline_id, "Pipeline", "pipelineId"), version, values
        )
        return PipelineStagePayload(stage=PipelineStage.from_model(stage))

    @strawberry.mutation(
        description="Rename a stage or change its default probability (needs MANAGE_SETTINGS)."
    )
    @mutation_payload(PipelineStagePayload)
    async def update_pipeline_stage(
        self, info: Info, id: StageId, version: Version, input: Input[UpdatePipelineStageInput]
    ) -> PipelineStagePayload:
        session, actor = await info.context.session(), info.context.actor
        values = {"name": input.name, "probability": input.probability}
        stage = await pipelines.update_stage(session, actor, decode_id(id, "PipelineStage"), version, values)
        return PipelineStagePayload(stage=PipelineStage.from_model(stage))

    @strawberry.mutation(
        description="Put a pipeline's live stages in a new order: list every one exactly once "
        "(needs MANAGE_SETTINGS)."
    )
    @mutation_payload(PipelinePayload)
    async def reorder_pipeline_stages(
        self,
        info: Info,
        pipeline_id: PipelineId,
        version: Version,
        stage_ids: Annotated[
            list[relay.GlobalID], strawberry.argument(description="Every live stage's id, in the new order.")
        ],
    ) -> PipelinePayload:
        session, actor = await info.context.session(), info.context.actor
        ids = [decode_id(stage_id, "PipelineStage", "stageIds") for stage_id in stage_ids]
        pipeline = await pipelines.reorder_stages(
            session, actor, decode_id(pipeline_id, "Pipeline", "pipelineId"), version, ids
        )
        return PipelinePayload(pipeline=Pipeline.from_model(pipeline))

    @strawberry.mutation(
        description="Archive a stage that holds no open opportunity; the pipeline keeps an open, "
        "a won and a lost stage."
    )
    @mutation_payload(PipelineStagePayload)
    async def archive_pipeline_stage(self, info: Info, id: StageId, version: Version) -> PipelineStagePayload:
        session, actor = await info.context.session(), info.context.actor
        stage = await pipelines.archive_stage(session, actor, decode_id(id, "PipelineStage"), version)
        return PipelineStagePayload(stage=PipelineStage.from_model(stage))

    @strawberry.mutation(description="Add a competitor to the tenant's list.")
    @mutation_payload(CompetitorPayload)
    async def create_competitor(self, info: Info, input: Input[CreateCompetitorInput]) -> CompetitorPayload:
        session, actor = await info.context.session(), info.context.actor
        competitor = await competitors.create_competitor(session, actor, given_values(input))
        return CompetitorPayload(competitor=Competitor.from_model(competitor))

    @strawberry.mutation(description="Change the given fields of a competitor.")
    @mutation_payload(CompetitorPayload)
    async def update_competitor(
        self, info: Info, id: CompetitorId, version: Version, input: Input[UpdateCompetitorInput]
    ) -> CompetitorPayload:
        session, actor = await info.context.session(), info.context.actor
        competitor = await competitors.update_competitor(
            session, actor, decode_id(id, "Competitor"), version, given_values(input)
        )
        return CompetitorPayload(competitor=Competitor.from_model(competitor))

    @strawberry.mutation(description="Archive a competitor: it stays on past deals, no new links.")
    @mutation_payload(CompetitorPayload)
    async def archive_competitor(self, info: Info, id: CompetitorId, version: Version) -> CompetitorPayload:
        session, actor = await info.context.session(), info.context.actor
        competitor = await competitors.archive_competitor(
            session, actor, decode_id(id, "Competitor"), version
        )
        return CompetitorPayload(competitor=Competitor.from_model(competitor))

    @strawberry.mutation(description="Create an opportunity in an open stage (needs opportunity create).")
    @mutation_payload(OpportunityPayload)
    async def create_opportunity(
        self, info: Info, input: Input[CreateOpportunityInput]
    ) -> OpportunityPayload:
        session, actor = await info.context.session(), info.context.actor
        opportunity = await opportunities.create_opportunity(session, actor, given_values(input))
        return OpportunityPayload(opportunity=Opportunity.from_model(opportunity))

    @strawberry.mutation(description="Change the given fields of an opportunity (not its stage).")
    @mutation_payload(OpportunityPayload)
    async def update_opportunity(
        self, info: Info, id: OpportunityId, version: Version, input: Input[UpdateOpportunityInput]
    ) -> OpportunityPayload:
        session, actor = await info.context.session(), info.context.actor
        opportunity = await opportunities.update_opportunity(
            session, actor, decode_id(id, "Opportunity"), version, given_values(input)
        )
        return OpportunityPayload(opportunity=Opportunity.from_model(opportunity))

    @strawberry.mutation(
        description="Move an open opportunity to another live stage of its pipeline. A LOST stage needs "
        "`lostReason` (a key of the loss_reasons option list); WON/LOST close it (set closedAt). A closed "
        "opportunity must be reopened first. INVALID_TRANSITION otherwise."
    )
    @mutation_payload(OpportunityPayload)
    async def move_opportunity(
        self,
        info: Info,
        id: OpportunityId,
        stage_id: StageId,
        version: Version,
        lost_reason: Annotated[
            str | None, strawberry.argument(description="Required for a LOST stage, refused otherwise.")
        ] = None,
        probability: Annotated[
            int | None,
            strawberry.argument(description="0-100 to override the new stage's default (open stages only)."),
        ] = None,
    ) -> OpportunityPayload:
        session, actor = await info.context.session(), info.context.actor
        opportunity = await moves.move_opportunity(
            session,
            actor,
            decode_id(id, "Opportunity"),
            version,
            decode_id(stage_id, "PipelineStage", "stageId"),
            lost_reason,
            probability,
        )
        return OpportunityPayload(opportunity=Opportunity.from_model(opportunity))

    @strawberry.mutation(
        description="Reopen a won or lost opportunity: into `stageId` (an open stage) or else the stage it "
        "was in before it closed."
    )
    @mutation_payload(OpportunityPayload)
    async def reopen_opportunity(
        self,
        info: Info,
        id: OpportunityId,
        version: Version,
        stage_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="An open PipelineStage; optional.")
        ] = None,
    ) -> OpportunityPayload:
        session, actor = await info.context.session(), info.context.actor
        opportunity = await moves.reopen_opportunity(
            session,
            actor,
            decode_id(id, "Opportunity"),
            version,
            decode_optional_id(stage_id, "PipelineStage", "stageId"),
        )
        return OpportunityPayload(opportunity=Opportunity.from_model(opportunity))
