"""Board and report queries of the pipeline area, with their GraphQL types.

`PipelineQuery` (api.py) inherits these fields, so the schema lists one root class for the area.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_optional_id
from graph.core.pages import connection_from_page
from graph.core.pagination import Connection, page_size, paginate
from graph.identity.types import User, owner
from graph.money.service import quantize
from graph.money.types import MissingRate, missing_rate_list
from graph.sales.pipeline import board, loaders, reports
from graph.sales.pipeline.models import Opportunity as OpportunityModel
from graph.sales.pipeline.types import Opportunity, Pipeline, PipelineStage

NO_RATE = " Null (never 0.00) when part of it has no exchange rate; `missingRates` names the rate."
MISSING_RATES = "Exchange rates this report needed and lacks; the figures that needed them are null."

OptionalPipelineId = Annotated[
    relay.GlobalID | None,
    strawberry.argument(description="Global id of a Pipeline; default: the tenant's default pipeline."),
]
OwnerFilter = Annotated[
    relay.GlobalID | None, strawberry.argument(description="Only opportunities owned by this User.")
]
ToDate = Annotated[
    date, strawberry.argument(description="Last day (exclusive, UTC); at most 3 years after `from`.")
]


@strawberry.type(description="One column of a board: a stage, its totals and its cards.")
class BoardColumn:
    stage: PipelineStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="Opportunities you may see in this stage.")
    amount: Decimal | None = strawberry.field(
        description="Their total amount in the base currency (today's rates)." + NO_RATE
    )
    weighted_amount: Decimal | None = strawberry.field(
        description="Sum of amount times probability, base currency." + NO_RATE
    )
    unconverted_count: int = strawberry.field(
        description="Opportunities whose currency has no exchange rate today (the amounts are then null)."
    )
    pipeline_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(
        description="The cards, biggest amount first; page each column with `after`. Prefer the column's "
        "`count` to `totalCount` (which costs one COUNT per column)."
    )
    async def opportunities(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Opportunity]:
        session = await info.context.session()
        stage_id = uuid.UUID(self.stage.id)
        column = loaders.board_statement(info.context, self.owner_id).where(
            OpportunityModel.pipeline_id == self.pipeline_id, OpportunityModel.stage_id == stage_id
        )
        if after is not None or last is not None or before is not None:
            ordering = [key.desc() if descending else key for key, descending in loaders.BOARD_ORDER]
            ordered = column.order_by(*ordering)
            return await paginate(session, ordered, Opportunity.from_model, first, after, before, last)
        size = page_size(first)
        loader = info.context.loader("board_pages_by_stage_id", loaders.board_pages_by_stage_id)
        rows = await loader.load((self.pipeline_id, stage_id, size, self.owner_id))
        return connection_from_page(rows, size, Opportunity.from_model, session, column)


@strawberry.type(description="A pipeline as a board: its live stages in order, with totals and cards.")
class PipelineBoard:
    pipeline: Pipeline = strawberry.field(description="The pipeline.")
    currency: str = strawberry.field(description="The tenant's base currency, of every amount here.")
    columns: list[BoardColumn] = strawberry.field(description="One per live stage, in order.")
    missing_rates: list[MissingRate] = strawberry.field(description=MISSING_RATES)


@strawberry.type(description="One stage of a funnel.")
class FunnelStage:
    stage: PipelineStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="Opportunities of the cohort in this stage now.")
    amount: Decimal | None = strawberry.field(
        description="Their amount in the base currency (today's rates)." + NO_RATE
    )
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
    missing_rates: list[MissingRate] = strawberry.field(description=MISSING_RATES)


@strawberry.enum(description="Calendar periods reports group by (UTC).")
class ReportPeriod(Enum):
    MONTH = "month"
    QUARTER = "quarter"


@strawberry.enum(description="What report rows are grouped by.")
class ReportGrouping(Enum):
    PERIOD = "period"
    OWNER = "owner"


@strawberry.type(description="Forecast figures of one group (or of all, as the total).")
class ForecastRow:
    period_start: date | None = strawberry.field(description="First day of the period; null unless grouped.")
    open_count: int = strawberry.field(description="Open opportunities expected to close in the group.")
    weighted_amount: Decimal | None = strawberry.field(
        description="Sum of amount x probability of the open ones." + NO_RATE
    )
    best_case_amount: Decimal | None = strawberry.field(
        description="Sum of the open ones' full amounts." + NO_RATE
    )
    won_count: int = strawberry.field(description="Opportunities won in the group (by the day they closed).")
    closed_won_amount: Decimal | None = strawberry.field(description="Their amount." + NO_RATE)
    unconverted_count: int = strawberry.field(
        description="Opportunities without an exchange rate on their date (their amounts are null)."
    )
    owner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The owner; null unless grouped by OWNER.")
    async def owner(self, info: Info) -> User | None:
        return await member(info, self.owner_id)


@strawberry.type(description="Weighted and best-case pipeline plus closed-won, in the base currency.")
class Forecast:
    currency: str = strawberry.field(description="The tenant's base currency.")
    rows: list[ForecastRow] = strawberry.field(description="One per group, by period then owner.")
    total: ForecastRow = strawberry.field(description="All groups together: the rows added up.")
    missing_rates: list[MissingRate] = strawberry.field(description=MISSING_RATES)


@strawberry.type(description="Won and lost opportunities of one group (or of all, as the total).")
class WinRateRow:
    period_start: date | None = strawberry.field(description="First day of the period; null unless grouped.")
    won_count: int = strawberry.field(description="Won in the group.")
    lost_count: int = strawberry.field(description="Lost in the group.")
    win_rate: float | None = strawberry.field(description="won / (won + lost), 0-1; null when none closed.")
    won_amount: Decimal | None = strawberry.field(
        description="Amount won, base currency at the closing day's rate." + NO_RATE
    )
    unconverted_count: int = strawberry.field(
        description="Closed deals without an exchange rate on their day."
    )
    owner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The owner; null unless grouped by OWNER.")
    async def owner(self, info: Info) -> User | None:
        return await member(info, self.owner_id)


@strawberry.type(description="Win rate of closed opportunities, in the base currency.")
class WinRate:
    currency: str = strawberry.field(description="The tenant's base currency.")
    rows: list[WinRateRow] = strawberry.field(description="One per group, by period then owner.")
    total: WinRateRow = strawberry.field(description="All groups together: the rows added up.")
    missing_rates: list[MissingRate] = strawberry.field(description=MISSING_RATES)


def forecast_row(row: reports.ForecastRow) -> ForecastRow:
    return ForecastRow(
        period_start=row.period_start,
        open_count=row.open_count,
        weighted_amount=row.weighted_amount,
        best_case_amount=row.best_case_amount,
        won_count=row.won_count,
        closed_won_amount=row.closed_won_amount,
        unconverted_count=row.unconverted_count,
        owner_id=row.owner_id,
    )


def win_rate_row(row: reports.WinRateRow) -> WinRateRow:
    return WinRateRow(
        period_start=row.period_start,
        won_count=row.won_count,
        lost_count=row.lost_count,
        win_rate=row.win_rate,
        won_amount=row.won_amount,
        unconverted_count=row.unconverted_count,
        owner_id=row.owner_id,
    )


Period = Annotated[ReportPeriod, strawberry.argument(description="MONTH (default) or QUARTER.")]
GroupBy = Annotated[
    list[ReportGrouping] | None,
    strawberry.argument(description="PERIOD, OWNER, both or none (just the total); default PERIOD."),
]


def report_arguments(
    period: ReportPeriod,
    group_by: list[ReportGrouping] | None,
    pipeline_id: relay.GlobalID | None,
    owner_id: relay.GlobalID | None,
) -> dict[str, object]:
    return {
        "period": reports.Period(period.value),
        "group_by": {
            reports.Grouping(g.value) for g in (group_by if group_by is not None else [ReportGrouping.PERIOD])
        },
        "pipeline_id": decode_optional_id(pipeline_id, "Pipeline", "pipelineId"),
        "owner_id": decode_optional_id(owner_id, "User", "ownerId"),
    }


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
            pipeline=Pipeline.from_model(result.pipeline),
            currency=result.currency,
            columns=columns,
            missing_rates=missing_rate_list(result.missing_rates),
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
        actor = info.context.actor
        async with info.context.report_session() as session:  # a scan: the replica's, when there is one
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
            missing_rates=missing_rate_list(result.missing_rates),
        )

    @strawberry.field(
        description="Forecast from the opportunities you may see: open ones by expected close date in "
        "[from, to) (weighted and best case) and those won in it, by period and/or owner, in the base "
        "currency at the rate of each date."
    )
    async def forecast(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from", description="First day (inclusive, UTC).")],
        to: ToDate,
        period: Period = ReportPeriod.MONTH,
        group_by: GroupBy = None,
        pipeline_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this Pipeline; default: all.")
        ] = None,
        owner_id: OwnerFilter = None,
    ) -> Forecast:
        session, actor = await info.context.session(), info.context.actor
        result = await reports.forecast(
            session, actor, start=from_, end=to, **report_arguments(period, group_by, pipeline_id, owner_id)
        )
        return Forecast(
            currency=result.currency,
            rows=[forecast_row(row) for row in result.rows],
            total=forecast_row(result.total),
            missing_rates=missing_rate_list(result.missing_rates),
        )

    @strawberry.field(
        description="Win rate of the opportunities you may see that closed in [from, to): won, lost and "
        "won / (won + lost), by owner and/or period (default: by owner)."
    )
    async def win_rate(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from", description="First day (inclusive, UTC).")],
        to: ToDate,
        period: Period = ReportPeriod.MONTH,
        group_by: Annotated[
            list[ReportGrouping] | None,
            strawberry.argument(description="PERIOD, OWNER, both or none; default OWNER."),
        ] = None,
        pipeline_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this Pipeline; default: all.")
        ] = None,
        owner_id: OwnerFilter = None,
    ) -> WinRate:
        session, actor = await info.context.session(), info.context.actor
        grouping = group_by if group_by is not None else [ReportGrouping.OWNER]
        result = await reports.win_rate(
            session, actor, start=from_, end=to, **report_arguments(period, grouping, pipeline_id, owner_id)
        )
        return WinRate(
            currency=result.currency,
            rows=[win_rate_row(row) for row in result.rows],
            total=win_rate_row(result.total),
            missing_rates=missing_rate_list(result.missing_rates),
        )


async def member(info: Info, user_id: uuid.UUID | None) -> User | None:
    return await owner(info, user_id) if user_id else None
