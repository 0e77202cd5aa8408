"""The pipeline board: a pipeline's live stages, each with the count and value of the opportunities the
caller may see in it. One grouped query serves every column; the cards come per stage from a loader
(one window query for the first page of every column), see `loaders.board_pages_by_stage_id`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.money.service import MissingRate, base_currency, missing_rates, rate_to_base_sql, shown, today
from graph.sales.pipeline.models import Opportunity, Pipeline, PipelineStage
from graph.sales.pipeline.opportunities import opportunity_scope, visible_opportunities
from graph.sales.pipeline.pipelines import default_pipeline, get_pipeline, live_stages
from graph.sales.pipeline.reports import use_custom_plans
from tenants.permissions import Actor


@dataclass(frozen=True)
class StageTotals:
    count: int
    amount: Decimal | None  # in the base currency, at today's rates; None when a rate is missing
    weighted_amount: Decimal | None
    unconverted_count: int  # opportunities without an exchange rate for their currency
    missing_currencies: tuple[str, ...] = ()  # their currencies


@dataclass(frozen=True)
class Board:
    pipeline: Pipeline
    stages: list[PipelineStage]
    totals: dict[uuid.UUID, StageTotals]
    currency: str
    owner_id: uuid.UUID | None
    missing_rates: list[MissingRate]


def board_conditions(actor: Actor, owner_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    conditions = [opportunity_scope(actor)]
    if owner_id is not None:
        conditions.append(Opportunity.owner_id == owner_id)
    return conditions


async def converted_totals(
    session: AsyncSession, group_column: Any, conditions: list[ColumnElement[bool]], currency: str
) -> dict[Any, StageTotals]:
    """Count, amount and weighted amount per `group_column`, converted at today's rates.

    Sums per (group, currency) first, so the rate lookup runs once per currency and group instead of
    once per opportunity.
    """
    per_currency = (
        select(
            group_column.label("group_key"),
            Opportunity.currency.label("currency"),
            func.count().label("count"),
            func.sum(Opportunity.amount).label("amount"),
            func.sum(Opportunity.amount * Opportunity.probability).label("weighted"),
        )
        .where(*conditions)
        .group_by(group_column, Opportunity.currency)
        .subquery()
    )
    return await to_base_totals(session, per_currency, currency)


async def to_base_totals(session: AsyncSession, per_currency: Any, currency: str) -> dict[Any, StageTotals]:
    """Converts per (group_key, currency) sums (count, amount, weighted) at today's rates.

    A group with an amount in a currency without a rate gets no amounts (None), not a partial sum, and
    names that currency.
    """
    rate = rate_to_base_sql(per_currency.c.currency, literal(today(), Date))
    missing = rate.is_(None)
    rows = await session.execute(
        select(
            per_currency.c.group_key,
            func.sum(per_currency.c.count),
            func.sum(per_currency.c.amount * rate),
            func.sum(per_currency.c.weighted * rate) / 100,
            func.coalesce(func.sum(per_currency.c.count).filter(missing), 0),
            func.array_agg(per_currency.c.currency).filter(missing),
        ).group_by(per_currency.c.group_key)
    )
    return {
        key: StageTotals(
            int(count),
            shown(amount, currency, complete=not unconverted),
            shown(weighted, currency, complete=not unconverted),
            int(unconverted),
            tuple(currencies or ()),
        )
        for key, count, amount, weighted, unconverted, currencies in rows
    }


async def pipeline_board(
    session: AsyncSession,
    actor: Actor,
    pipeline_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
) -> Board:
    visible_opportunities(actor)  # the read check
    await use_custom_plans(session)
    if pipeline_id is None:
        pipeline = await default_pipeline(session, actor)
    else:
        pipeline = await get_pipeline(session, actor, pipeline_id, "pipelineId")
    currency = await base_currency(session, actor.tenant_id)
    conditions = [*board_conditions(actor, owner_id), Opportunity.pipeline_id == pipeline.id]
    totals = await converted_totals(session, Opportunity.stage_id, conditions, currency)
    missing = missing_rates(
        currency, ((code, today()) for t in totals.values() for code in t.missing_currencies)
    )
    return Board(pipeline, await live_stages(session, pipeline.id), totals, currency, owner_id, missing)
