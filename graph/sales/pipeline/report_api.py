"""Board and report queries of the pipeline area, with their GraphQL types.

`PipelineQuery` (api.py) inherits these fields, so the schema lists one root class for the area.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import RequestContext
from graph.core.filters import After, First
from graph.core.ids import decode_optional_id
from graph.core.pagination import Connection, page_size, paginate
from graph.crm.pages import connection_from_page
from graph.crm.types import owner
from graph.identity.types import User
from graph.money.service import quantize
from graph.sales.pipeline import board, loaders, reports
from graph.sales.pipeline.models import Opportunity as OpportunityModel
from graph.sales.pipeline.types import Opportunity, Pipeline, PipelineStage

Info = strawberry.Info[RequestContext, None]

OptionalPipelineId = Annotated[
    relay.GlobalID | None,
    strawberry.argument(description="Global id of a Pipeline; default: the tenant's default pipeline."),
]
OwnerFilter = Annotated[
    relay.GlobalID | None, strawberry.argument(description="Only opportunities owned by this User.")
]
FromDate = Annotated[date, strawberry.argument(description="First day (inclusive, UTC).")]
ToDate = Annotated[
    date, strawberry.argument(description="Last day (exclusive, UTC); at most 3 years after `from`.")
]


@strawberry.type(description="One column of a board: a stage, its totals and its cards.")
class BoardColumn:
    stage: PipelineStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="Opportunities you may see in this stage.")
    amount: Decimal = strawberry.field(description="Their total amount in the base currency (today's rates).")
    weighted_amount: Decimal = strawberry.field(description="Sum of amount times probability, base currency.")
    unconverted_count: int = strawberry.field(
        description="Opportunities left out of the amounts: no exchange rate for their currency."
    )
    pipeline_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(
        description="The cards, biggest amount first; page each column with `after`. Prefer the column's "
        "`count` to `totalCount` (which costs one COUNT per column)."
    )
    async def opportunities(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Opportunity]:
        session = await info.context.session()
        stage_id = uuid.UUID(self.stage.id)
        column = loaders.board_statement(info.context, self.owner_id).where(
            OpportunityModel.pipeline_id == self.pipeline_id, OpportunityModel.stage_id == stage_id
        )
        if after is not None:
            ordering = [key.desc() if descending else key for key, descending in loaders.BOARD_ORDER]
            return await paginate(session, column.order_by(*ordering), Opportunity.from_model, first, after)
        size = page_size(first)
        loader = info.context.loader("board_pages_by_stage_id", loaders.board_pages_by_stage_id)
        rows = await loader.load((self.pipeline_id, stage_id, size, self.owner_id))
        return connection_from_page(rows, size, Opportunity.from_model, session, column)


@strawberry.type(description="A pipeline as a board: its live stages in order, with totals and cards.")
class PipelineBoard:
    pipeline: Pipeline = strawberry.field(description="The pipeline.")
    currency: str = strawberry.field(description="The tenant's base currency, of every amount here.")
    columns: list[BoardColumn] = strawberry.field(description="One per live stage, in order.")


@strawberry.type(description="One stage of a funnel.")
class FunnelStage:
    stage: PipelineStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="Opportunities of the cohort in this stage now.")
    amount: Decimal = strawberry.field(description="Their amount in the base currency (today's rates).")
    reached: int = strawberry.field(
        description="Opportunities of the cohort that got at least this far (for a lost stage: entered it)."
    )
    conversion_rate: float | None = strawberry.field(
        description="Share (0-1) of `reached` that also reached the next open/won stage; null for the last "
        "stage, lost stages, or when none reached this one."
    )
    average_days_in_stage: float | None = strawberry.field(
        description="Average days spent in this stage by the stays that ended; null when none ended."
    )


@strawberry.type(description="Opportunities created in a date range, followed through a pipeline's stages.")
class Funnel:
    pipeline: Pipeline = strawberry.field(description="The pipeline.")
    currency: str = strawberry.field(description="The base currency of every amount.")
    total: int = strawberry.field(description="Opportunities in the cohort.")
    unconverted_count: int = strawberry.field(description="Cohort opportunities without an exchange rate.")
    stages: list[FunnelStage] = strawberry.field(description="The live stages in order.")


@strawberry.type
class PipelineReportQuery:
    @strawberry.field(
        description="A pipeline's board: each live stage with count, amounts and its first cards (one "
        "query for all columns); only opportunities you may see."
    )
    async def pipeline_board(
        self, info: Info, pipeline_id: OptionalPipelineId = None, owner_id: OwnerFilter = None
    ) -> PipelineBoard:
        session, actor = await info.context.session(), info.context.actor
        result = await board.pipeline_board(
            session,
            actor,
            decode_optional_id(pipeline_id, "Pipeline", "pipelineId"),
            decode_optional_id(owner_id, "User", "ownerId"),
        )
        zero = quantize(Decimal(0), result.currency)
        empty = board.StageTotals(0, zero, zero, 0)
        columns = []
        for stage in result.stages:
            totals = result.totals.get(stage.id, empty)
            columns.append(
                BoardColumn(
                    stage=PipelineStage.from_model(stage),
                    count=totals.count,
                    amount=totals.amount,
                    weighted_amount=totals.weighted_amount,
                    unconverted_count=totals.unconverted_count,
                    pipeline_id=result.pipeline.id,
                    owner_id=result.owner_id,
                )
            )
        return PipelineBoard(
            pipeline=Pipeline.from_model(result.pipeline), currency=result.currency, columns=columns
        )

    @strawberry.field(
        description="Funnel of the opportunities created in [from, to) that you may see: per stage the count "
        "and amount now, how many reached it, the conversion to the next stage and the days spent in it."
    )
    async def funnel(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from", description="First creation day (UTC).")],
        to: ToDate,
        pipeline_id: OptionalPipelineId = None,
        owner_id: OwnerFilter = None,
    ) -> Funnel:
        session, actor = await info.context.session(), info.context.actor
        result = await reports.funnel(
            session,
            actor,
            decode_optional_id(pipeline_id, "Pipeline", "pipelineId"),
            from_,
            to,
            decode_optional_id(owner_id, "User", "ownerId"),
        )
        return Funnel(
            pipeline=Pipeline.from_model(result.pipeline),
            currency=result.currency,
            total=result.total,
            unconverted_count=result.unconverted_count,
            stages=[
                FunnelStage(
                    stage=PipelineStage.from_model(row.stage),
                    count=row.count,
                    amount=row.amount,
                    reached=row.reached,
                    conversion_rate=row.conversion_rate,
                    average_days_in_stage=row.average_days,
                )
                for row in result.stages
            ],
        )


async def member(info: Info, user_id: uuid.UUID | None) -> User | None:
    return await owner(info, user_id) if user_id else None
