"""The pipeline board: a pipeline's live stages, each with the count and value of the opportunities the
caller may see in it. One grouped query over the stage rollups (a few rows per stage: one per owner and
currency, kept by triggers in every writing transaction, see migration 0150) serves every column, with
the record scope as a predicate on the rollup's owner, in the same statement as the pipeline, its live
stages and the base currency; the cards come per stage from a loader (one window query for the first page
of every column), see `loaders.board_pages_by_stage_id`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.money.service import MissingRate, missing_rates, rate_to_base_sql, shown, today
from graph.sales.pipeline.models import OpportunityStageRollup as Rollup
from graph.sales.pipeline.models import Pipeline, PipelineStage
from graph.sales.pipeline.opportunities import opportunity_scope, visible_opportunities
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Tenant
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
    conditions = [opportunity_scope(actor, Rollup), Rollup.opportunity_count > 0]
    if owner_id is not None:
        conditions.append(Rollup.owner_id == owner_id)
    return conditions


def totals_statement(
    stage: Any,
    currency: Any,
    count: Any,
    amount: Any,
    weighted: Any,
    conditions: list[ColumnElement[bool]],
    on_date: Any = None,
) -> Select[Any]:
    """(stage, count, amount, weighted amount / 100, unconverted count, missing currencies) per stage,
    converted at today's rates after summing per stage and currency, so the rate lookup runs once per
    currency and stage. A stage with an amount in a currency without a rate gets no amounts (null, not a
    partial sum) and names that currency.

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
    rate = rate_to_base_sql(per_currency.c.currency, literal(today(), Date) if on_date is None else on_date)
    missing = rate.is_(None)
    return select(
        per_currency.c.group_key.label("stage_id"),
        func.sum(per_currency.c.count).label("count"),
        func.sum(per_currency.c.amount * rate).label("amount"),
        (func.sum(per_currency.c.weighted * rate) / 100).label("weighted"),
        func.coalesce(func.sum(per_currency.c.count).filter(missing), 0).label("unconverted"),
        func.array_agg(per_currency.c.currency).filter(missing).label("missing_currencies"),
    ).group_by(per_currency.c.group_key)


def rollup_totals_statement(conditions: list[ColumnElement[bool]], on_date: Any = None) -> Select[Any]:
    """The board's totals from the stage rollups (one row per stage, owner and currency), converted at
    the rates of `on_date` (an SQL date; default today)."""
    return totals_statement(
        Rollup.stage_id,
        Rollup.currency,
        func.sum(Rollup.opportunity_count),
        func.sum(Rollup.amount),
        func.sum(Rollup.weighted_amount),
        conditions,
        on_date,
    )


async def pipeline_board(
    session: AsyncSession,
    actor: Actor,
    pipeline_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
) -> Board:
    """The pipeline (the default one unless named), its live stages, the base currency and the totals, in
    one statement: the totals depend only on rollup rows, so nothing needs a second round trip."""
    visible_opportunities(actor)  # the read check
    which = Pipeline.is_default.is_(True) if pipeline_id is None else Pipeline.id == pipeline_id
    chosen = select(Pipeline.id).where(Pipeline.tenant_id == actor.tenant_id, which)
    totals = rollup_totals_statement([*board_conditions(actor, owner_id), Rollup.pipeline_id.in_(chosen)])
    totals_of = totals.subquery()
    rows = (
        await session.execute(
            select(
                Pipeline,
                PipelineStage,
                select(Tenant.base_currency).where(Tenant.id == actor.tenant_id).scalar_subquery(),
                *[
                    totals_of.c[name]
                    for name in ("count", "amount", "weighted", "unconverted", "missing_currencies")
                ],
            )
            .join(
                PipelineStage,
                (PipelineStage.tenant_id == Pipeline.tenant_id) & (PipelineStage.pipeline_id == Pipeline.id),
            )
            .outerjoin(totals_of, totals_of.c.stage_id == PipelineStage.id)
            .where(Pipeline.tenant_id == actor.tenant_id, which, PipelineStage.archived_at.is_(None))
            .order_by(PipelineStage.position, PipelineStage.id)
        )
    ).all()
    if not rows:  # a pipeline always keeps live stages: no row means no such pipeline
        if pipeline_id is None:
            raise DomainError(
                ErrorCode.REQUIRED, "This tenant has no default pipeline; name one.", "pipelineId"
            )
        raise not_found("pipeline", "pipelineId")
    currency = rows[0][2] or "USD"
    totals_by_stage = {
        stage.id: StageTotals(
            int(count),
            shown(amount, currency, complete=not unconverted),
            shown(weighted, currency, complete=not unconverted),
            int(unconverted),
            tuple(currencies or ()),
        )
        for _, stage, _, count, amount, weighted, unconverted, currencies in rows
        if count is not None
    }
    missing = missing_rates(
        currency, ((code, today()) for t in totals_by_stage.values() for code in t.missing_currencies)
    )
    return Board(rows[0][0], [row[1] for row in rows], totals_by_stage, currency, owner_id, missing)
