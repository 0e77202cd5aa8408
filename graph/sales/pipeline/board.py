"""The pipeline board: a pipeline's live stages, each with the count and value of the opportunities the
caller may see in it. One grouped query over the stage rollups (a few rows per stage: one per owner and
currency, kept by triggers in every writing transaction, see migration 0150) serves every column, with
the record scope as a predicate on the rollup's owner; the cards come per stage from a loader (one window
query for the first page of every column), see `loaders.board_pages_by_stage_id`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.money.service import base_currency, quantize, rate_to_base_sql
from graph.sales.pipeline.models import OpportunityStageRollup as Rollup
from graph.sales.pipeline.models import Pipeline, PipelineStage
from graph.sales.pipeline.opportunities import opportunity_scope, visible_opportunities
from graph.sales.pipeline.pipelines import default_pipeline, get_pipeline, live_stages
from tenants.permissions import Actor


@dataclass(frozen=True)
class StageTotals:
    count: int
    amount: Decimal  # in the base currency, at today's rates
    weighted_amount: Decimal
    unconverted_count: int  # opportunities left out of the amounts for want of an exchange rate


@dataclass(frozen=True)
class Board:
    pipeline: Pipeline
    stages: list[PipelineStage]
    totals: dict[uuid.UUID, StageTotals]
    currency: str
    owner_id: uuid.UUID | None


def board_conditions(actor: Actor, owner_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    conditions = [opportunity_scope(actor, Rollup), Rollup.opportunity_count > 0]
    if owner_id is not None:
        conditions.append(Rollup.owner_id == owner_id)
    return conditions


def totals_statement(
    stage: Any, currency: Any, count: Any, amount: Any, weighted: Any, conditions: list[ColumnElement[bool]]
) -> Select[Any]:
    """(stage, count, amount, weighted amount / 100, unconverted count) per stage, converted at today's
    rates after summing per stage and currency, so the rate lookup runs once per currency and stage.

    The board passes the stage rollups' columns and sums; `bench/rollup_reads.py` passes the
    opportunities' (`count(*)`, ...) to time the scan the rollups replaced."""
    per_currency = (
        select(
            stage.label("group_key"),
            currency.label("currency"),
            count.label("count"),
            amount.label("amount"),
            weighted.label("weighted"),
        )
        .where(*conditions)
        .group_by(stage, currency)
        .subquery()
    )
    rate = rate_to_base_sql(per_currency.c.currency, func.current_date())
    return select(
        per_currency.c.group_key,
        func.sum(per_currency.c.count),
        func.coalesce(func.sum(per_currency.c.amount * rate), 0),
        func.coalesce(func.sum(per_currency.c.weighted * rate), 0) / 100,
        func.coalesce(func.sum(per_currency.c.count).filter(rate.is_(None)), 0),
    ).group_by(per_currency.c.group_key)


def rollup_totals_statement(conditions: list[ColumnElement[bool]]) -> Select[Any]:
    """The board's totals from the stage rollups (one row per stage, owner and currency)."""
    return totals_statement(
        Rollup.stage_id,
        Rollup.currency,
        func.sum(Rollup.opportunity_count),
        func.sum(Rollup.amount),
        func.sum(Rollup.weighted_amount),
        conditions,
    )


async def converted_totals(
    session: AsyncSession, conditions: list[ColumnElement[bool]], currency: str
) -> dict[Any, StageTotals]:
    rows = await session.execute(rollup_totals_statement(conditions))
    return {
        key: StageTotals(int(count), quantize(amount, currency), quantize(weighted, currency), int(missing))
        for key, count, amount, weighted, missing in rows
    }


async def pipeline_board(
    session: AsyncSession,
    actor: Actor,
    pipeline_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
) -> Board:
    visible_opportunities(actor)  # the read check
    if pipeline_id is None:
        pipeline = await default_pipeline(session, actor)
    else:
        pipeline = await get_pipeline(session, actor, pipeline_id, "pipelineId")
    currency = await base_currency(session, actor.tenant_id)
    conditions = [*board_conditions(actor, owner_id), Rollup.pipeline_id == pipeline.id]
    totals = await converted_totals(session, conditions, currency)
    return Board(pipeline, await live_stages(session, pipeline.id), totals, currency, owner_id)
