"""Pipeline reports in SQL: funnel, forecast and win rate, grouped in PostgreSQL and limited to the
opportunities the caller's role and record scope reach (the same predicate as every list).

Amounts are converted into the tenant's base currency with `rate_to_base_sql`, after summing per
currency and date, so the rate lookup runs once per (group, currency, date) rather than once per row.
An opportunity whose currency has no rate on its date is counted in `unconverted_count`; an amount it
is part of is None (never a partial sum or 0.00), and the report names the rate (`missing_rates`).
Rounding follows the money rule (`graph/money/service.py`): each figure shown is rounded once, and a
total row adds the rounded rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, cast, func, literal, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from graph.money.service import (
    MissingRate,
    base_currency,
    missing_rates,
    parsed_needs,
    rate_need_sql,
    rate_to_base_sql,
    shown,
    today,
)
from graph.sales.pipeline.models import Opportunity, Pipeline, PipelineStage
from graph.sales.pipeline.models import OpportunityCloseRollup as CloseRollup
from graph.sales.pipeline.opportunities import opportunity_scope, visible_opportunities
from graph.sales.pipeline.pipelines import default_pipeline, get_pipeline, live_stages
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Actor

MAX_RANGE_DAYS = 3 * 366 + 1


class Period(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class Grouping(StrEnum):
    PERIOD = "period"
    OWNER = "owner"


def check_range(start: date, end: date) -> None:
    if end <= start:
        raise DomainError(ErrorCode.INVALID, "`to` must be after `from` (it is exclusive).", "to")
    if (end - start).days > MAX_RANGE_DAYS:
        raise DomainError(ErrorCode.INVALID, "Ask for at most three years at a time.", "to")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# asyncpg prepares every statement, and after five runs PostgreSQL may switch a prepared statement to its
# generic plan, planned without the tenant, dates and ids. For these aggregates over a whole tenant that
# plan was measured 2-3x slower (funnel over 100k deals: 160 ms custom, 400-500 ms generic), so report
# requests ask for custom plans for the rest of their transaction (SET LOCAL ends with it).
FORCE_CUSTOM_PLANS = text("set local plan_cache_mode = force_custom_plan")


async def use_custom_plans(session: AsyncSession) -> None:
    await session.execute(FORCE_CUSTOM_PLANS)


async def report_pipeline(session: AsyncSession, actor: Actor, pipeline_id: uuid.UUID | None) -> Pipeline:
    if pipeline_id is None:
        return await default_pipeline(session, actor)
    return await get_pipeline(session, actor, pipeline_id, "pipelineId")


# --- funnel ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    stage: PipelineStage
    count: int  # cohort opportunities in this stage now
    amount: Decimal | None  # their amount in the base currency at today's rates; None without a rate
    reached: int  # cohort opportunities that got this far (see `funnel`)
    conversion_rate: float | None  # share of `reached` that also reached the next stage
    average_days: float | None  # average completed stay in this stage, in days


@dataclass(frozen=True)
class Funnel:
    pipeline: Pipeline
    currency: str
    total: int
    unconverted_count: int
    stages: list[FunnelStage]
    missing_rates: list[MissingRate]


async def funnel(
    session: AsyncSession,
    actor: Actor,
    pipeline_id: uuid.UUID | None,
    start: date,
    end: date,
    owner_id: uuid.UUID | None,
) -> Funnel:
    """The cohort is the pipeline's opportunities created in [start, end) that the caller may see.

    An opportunity *reached* an open or won stage when its history shows it in that stage or in a
    later one (by the stages' current order): one created straight into Proposal reached Prospecting
    too. A lost stage is reached only by entering it, and lost stages are outside the chain of
    conversion rates. Days in stage average the stays that ended (the opportunity moved on).
    """
    visible_opportunities(actor)
    check_range(start, end)
    await use_custom_plans(session)
    pipeline = await report_pipeline(session, actor, pipeline_id)
    currency = await base_currency(session, actor.tenant_id)
    stages = await live_stages(session, pipeline.id)
    cohort_conditions = [
        opportunity_scope(actor),
        Opportunity.pipeline_id == pipeline.id,
        Opportunity.created_at >= day_start(start),
        Opportunity.created_at < day_start(end),
    ]
    if owner_id is not None:
        cohort_conditions.append(Opportunity.owner_id == owner_id)
    chain = [stage for stage in stages if stage.kind != "lost"]
    groups, stays = await cohort_totals(session, cohort_conditions)
    reached = reached_counts(stages, chain, groups)
    rows = []
    for stage in stages:
        mine = [group for group in groups if group.stage_id == stage.id]
        rows.append(
            FunnelStage(
                stage=stage,
                count=sum(group.count for group in mine),
                amount=shown(
                    sum((group.amount for group in mine), Decimal(0)),
                    currency,
                    complete=not any(group.unconverted for group in mine),
                ),
                reached=reached[stage.id],
                conversion_rate=conversion(chain, reached, stage),
                average_days=in_days(stays.get(stage.id)),
            )
        )
    return Funnel(
        pipeline=pipeline,
        currency=currency,
        total=sum(group.count for group in groups),
        unconverted_count=sum(group.unconverted for group in groups),
        stages=rows,
        missing_rates=missing_rates(
            currency, ((code, today()) for group in groups for code in group.missing_currencies)
        ),
    )


@dataclass(frozen=True)
class PathGroup:
    """Cohort opportunities sharing a current stage and a set of entered stages."""

    stage_id: uuid.UUID
    entered: frozenset[uuid.UUID]
    count: int
    amount: Decimal  # base currency, unrounded; excludes those without a rate
    unconverted: int
    missing_currencies: frozenset[str]  # currencies of those without a rate


async def cohort_totals(
    session: AsyncSession, cohort_conditions: list[ColumnElement[bool]]
) -> tuple[list[PathGroup], dict[uuid.UUID, float]]:
    """Everything the funnel needs from one scan of the cohort.

    Each opportunity is joined to its finished stays (unnest with ordinality); it counts once, on its
    first stay row (or its only row when it has none), towards the groups of (current stage, stages
    entered, currency), converted at today's rates; every stay row counts towards its stage's average.
    Returns the groups and {stage id: average seconds of a finished stay}.
    """
    stay = (
        func.unnest(Opportunity.stay_stage_ids, Opportunity.stay_seconds)
        .table_valued("stage_id", "seconds", with_ordinality="ordinality")
        .render_derived()
    )
    once = func.coalesce(stay.c.ordinality, 1) == 1
    inner = (
        select(
            Opportunity.stage_id,
            Opportunity.entered_stage_ids,
            Opportunity.currency,
            stay.c.stage_id.label("stay_stage_id"),
            func.count().filter(once).label("count"),
            func.sum(Opportunity.amount).filter(once).label("amount"),
            func.count(stay.c.seconds).label("stays"),
            func.sum(stay.c.seconds).label("stay_seconds"),
        )
        .select_from(Opportunity)
        .outerjoin(stay, true())
        .where(*cohort_conditions)
        .group_by(Opportunity.stage_id, Opportunity.entered_stage_ids, Opportunity.currency, stay.c.stage_id)
        .subquery()
    )
    rate = rate_to_base_sql(inner.c.currency, literal(today(), Date))
    missing = rate.is_(None) & (inner.c.count > 0)
    rows = await session.execute(
        select(
            inner.c.stage_id,
            inner.c.entered_stage_ids,
            inner.c.stay_stage_id,
            func.sum(inner.c.count),
            func.coalesce(func.sum(inner.c.amount * rate), 0),
            func.coalesce(func.sum(inner.c.count).filter(missing), 0),
            func.array_agg(inner.c.currency).filter(missing),
            func.sum(inner.c.stays),
            func.sum(inner.c.stay_seconds),
        ).group_by(inner.c.stage_id, inner.c.entered_stage_ids, inner.c.stay_stage_id)
    )
    groups: dict[tuple[uuid.UUID, frozenset[uuid.UUID]], list[Any]] = {}
    stay_totals: dict[uuid.UUID, list[float]] = {}
    for stage_id, entered, stay_stage_id, count, amount, unconverted, currencies, stays, seconds in rows:
        group = groups.setdefault((stage_id, frozenset(entered)), [0, Decimal(0), 0, frozenset()])
        group[0] += int(count)
        group[1] += Decimal(amount)
        group[2] += int(unconverted)
        group[3] |= frozenset(currencies or ())
        if stay_stage_id is not None:
            total = stay_totals.setdefault(stay_stage_id, [0.0, 0.0])
            total[0] += float(seconds)
            total[1] += float(stays)
    return (
        [PathGroup(key[0], key[1], *values) for key, values in groups.items()],
        {stage_id: seconds / stays for stage_id, (seconds, stays) in stay_totals.items() if stays},
    )


def reached_counts(
    stages: list[PipelineStage], chain: list[PipelineStage], groups: list[PathGroup]
) -> dict[uuid.UUID, int]:
    """A chain stage is reached by the opportunities that entered it or any later chain stage; a lost
    stage by those that entered it."""
    reached: dict[uuid.UUID, int] = {}
    for stage in stages:
        if stage.kind == "lost":
            targets = {stage.id}
        else:
            targets = {s.id for s in chain if s.position >= stage.position}
        reached[stage.id] = sum(group.count for group in groups if group.entered & targets)
    return reached


def in_days(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 86400, 2)


def conversion(
    chain: list[PipelineStage], reached: dict[uuid.UUID, int], stage: PipelineStage
) -> float | None:
    if stage not in chain:
        return None
    index = chain.index(stage)
    if index + 1 >= len(chain) or not reached[stage.id]:
        return None
    return round(reached[chain[index + 1].id] / reached[stage.id], 4)


# --- forecast and win rate -------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRow:
    period_start: date | None
    owner_id: uuid.UUID | None
    open_count: int
    weighted_amount: Decimal | None  # None: part of it has no exchange rate
    best_case_amount: Decimal | None
    won_count: int
    closed_won_amount: Decimal | None
    unconverted_count: int


@dataclass(frozen=True)
class WinRateRow:
    period_start: date | None
    owner_id: uuid.UUID | None
    won_count: int
    lost_count: int
    won_amount: Decimal | None  # None: part of it has no exchange rate
    unconverted_count: int

    @property
    def win_rate(self) -> float | None:
        closed = self.won_count + self.lost_count
        return round(self.won_count / closed, 4) if closed else None


@dataclass(frozen=True)
class Report:
    currency: str
    rows: list[Any]
    total: Any
    missing_rates: list[MissingRate]


GROUP_KEYS = ("period_start", "owner_id")


def total_of(rows: list[Any], empty: Any) -> Any:
    """The total row: counts and rounded amounts of `rows` added up (an amount is None if any row's is);
    `empty` is the row of no opportunities, which gives the zeros and the type."""
    values: dict[str, Any] = {}
    for row_field in fields(empty):
        parts = [getattr(row, row_field.name) for row in rows]
        if row_field.name in GROUP_KEYS or any(part is None for part in parts):
            values[row_field.name] = None
        else:
            values[row_field.name] = sum(parts, getattr(empty, row_field.name))
    return type(empty)(**values)


def report(currency: str, rows: list[dict[str, Any]], measures: dict[str, Any], shaped: Any) -> Report:
    """Rows shaped, their total, and the rates they missed (each currency from its earliest date)."""
    empty = shaped(dict.fromkeys([*measures, "unconverted"], 0))
    missing = missing_rates(currency, parsed_needs(need for row in rows for need in row["missing"] or ()))
    shaped_rows = [shaped(row) for row in rows]
    return Report(currency, shaped_rows, total_of(shaped_rows, empty), missing)


def amount_of(values: dict[str, Any], name: str, currency: str, divisor: int = 1) -> Decimal | None:
    return shown(Decimal(values[name]) / divisor, currency, complete=not values.get(f"{name}_missing"))


def period_of(period: Period, day: Any) -> ColumnElement[date]:
    """First day of the month or quarter of `day` (a date expression)."""
    return cast(func.date_trunc(period.value, cast(day, DateTime())), Date)


async def rollup_report(
    session: AsyncSession,
    actor: Actor,
    start: date,
    end: date,
    pipeline_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
    statuses: tuple[str, ...],
) -> tuple[str, list[ColumnElement[bool]]]:
    """The checks every close-rollup report starts with (read permission, range, a visible pipeline), the
    tenant's base currency, and the conditions on the rollup rows of [start, end) with these statuses the
    caller's record scope reaches (skipping emptied rows)."""
    visible_opportunities(actor)
    check_range(start, end)
    if pipeline_id is not None:
        await get_pipeline(session, actor, pipeline_id, "pipelineId")
    conditions = [
        opportunity_scope(actor, CloseRollup),
        CloseRollup.opportunity_count > 0,
        CloseRollup.day >= start,
        CloseRollup.day < end,
        CloseRollup.status.in_(statuses),
    ]
    if pipeline_id is not None:
        conditions.append(CloseRollup.pipeline_id == pipeline_id)
    if owner_id is not None:
        conditions.append(CloseRollup.owner_id == owner_id)
    return await base_currency(session, actor.tenant_id), conditions


def rolled(measure: Any, status: str) -> ColumnElement[Any]:
    """The sum of a rollup measure over the rows of one status (null when there are none, so a missing
    rate marks only the amounts it is part of)."""
    return func.sum(measure).filter(CloseRollup.status == status)


async def grouped_in_base(
    session: AsyncSession,
    period: Period,
    group_by: set[Grouping],
    conditions: list[ColumnElement[bool]],
    measures: dict[str, Any],
    counted: list[str],
) -> list[dict[str, Any]]:
    """Runs `measures` (name: aggregate over close rollup rows) grouped by the requested keys, per
    currency and day first.

    Measures whose name is in `counted` are plain counts; the others are amounts converted with the
    rate in effect on the row's day, each with `<name>_missing` (true when part of it had no rate). Each
    result row also has `unconverted` (counts without a rate) and `missing` ("CUR yyyy-mm-dd" of the
    currencies and days without a rate). A measure is null for a (currency, day) without rows of its
    status (see `rolled`), so only the amounts a missing rate really touches are marked missing.
    """
    on_date = CloseRollup.day
    keys: list[Any] = []
    if Grouping.PERIOD in group_by:
        keys.append(period_of(period, on_date).label("period_start"))
    if Grouping.OWNER in group_by:
        keys.append(CloseRollup.owner_id.label("owner_id"))
    inner = (
        select(
            *keys,
            CloseRollup.currency.label("currency"),
            on_date.label("on_date"),
            *[
                (func.coalesce(aggregate, 0) if name in counted else aggregate).label(name)
                for name, aggregate in measures.items()
            ],
        )
        .where(*conditions)
        .group_by(*keys, CloseRollup.currency, on_date)
        .subquery()
    )
    rate = rate_to_base_sql(inner.c.currency, inner.c.on_date)
    outer_keys = [inner.c[key.name] for key in keys]
    all_counts = sum((inner.c[name] for name in counted[1:]), inner.c[counted[0]])
    missing = rate.is_(None)
    columns = [
        func.coalesce(func.sum(inner.c[name]), 0).label(name)
        if name in counted
        else func.coalesce(func.sum(inner.c[name] * rate), 0).label(name)
        for name in measures
    ]
    completeness = [
        func.coalesce(func.bool_or(missing & inner.c[name].is_not(None)), False).label(f"{name}_missing")
        for name in measures
        if name not in counted
    ]
    need = rate_need_sql(inner.c.currency, inner.c.on_date)
    rows = await session.execute(
        select(
            *outer_keys,
            *columns,
            *completeness,
            func.coalesce(func.sum(all_counts).filter(missing), 0).label("unconverted"),
            func.array_agg(need).filter(missing).label("missing"),
        )
        .group_by(*outer_keys)
        .order_by(*outer_keys)
    )
    return [dict(row._mapping) for row in rows]


async def forecast(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    start: date,
    end: date,
    group_by: set[Grouping],
    pipeline_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
) -> Report:
    """Open opportunities by expected close date in [start, end): weighted (amount x probability) and
    best case (full amount); plus the amount won, by the day it was won. Converted at the rate of that
    date (the latest known rate for future dates).

    Read from the close rollups (one row per day, status, pipeline, owner and currency): the same sums
    per currency and date the scan of the opportunities gave, so the same figures."""
    currency, conditions = await rollup_report(
        session, actor, start, end, pipeline_id, owner_id, ("open", "won")
    )
    measures = {
        "open_count": rolled(CloseRollup.opportunity_count, "open"),
        "weighted": rolled(CloseRollup.weighted_amount, "open"),
        "best_case": rolled(CloseRollup.amount, "open"),
        "won_count": rolled(CloseRollup.opportunity_count, "won"),
        "won": rolled(CloseRollup.amount, "won"),
    }
    rows = await grouped_in_base(session, period, group_by, conditions, measures, ["open_count", "won_count"])

    def shaped(values: dict[str, Any]) -> ForecastRow:
        return ForecastRow(
            period_start=values.get("period_start"),
            owner_id=values.get("owner_id"),
            open_count=int(values["open_count"]),
            weighted_amount=amount_of(values, "weighted", currency, 100),
            best_case_amount=amount_of(values, "best_case", currency),
            won_count=int(values["won_count"]),
            closed_won_amount=amount_of(values, "won", currency),
            unconverted_count=int(values["unconverted"]),
        )

    return report(currency, rows, measures, shaped)


async def win_rate(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    start: date,
    end: date,
    group_by: set[Grouping],
    pipeline_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
) -> Report:
    """Won and lost opportunities closed in [start, end), by the (UTC) day they closed, from the close
    rollups."""
    currency, conditions = await rollup_report(
        session, actor, start, end, pipeline_id, owner_id, ("won", "lost")
    )
    measures = {
        "won_count": rolled(CloseRollup.opportunity_count, "won"),
        "lost_count": rolled(CloseRollup.opportunity_count, "lost"),
        "won": rolled(CloseRollup.amount, "won"),
    }
    rows = await grouped_in_base(session, period, group_by, conditions, measures, ["won_count", "lost_count"])

    def shaped(values: dict[str, Any]) -> WinRateRow:
        return WinRateRow(
            period_start=values.get("period_start"),
            owner_id=values.get("owner_id"),
            won_count=int(values["won_count"]),
            lost_count=int(values["lost_count"]),
            won_amount=amount_of(values, "won", currency),
            unconverted_count=int(values["unconverted"]),
        )

    return report(currency, rows, measures, shaped)
