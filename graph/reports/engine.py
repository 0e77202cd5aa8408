"""Computes report definitions into chart-ready results, many definitions at once.

Round trips do not grow with the number of reports or rows: every fact metric of every definition
becomes one part of a single UNION ALL statement (grouped per series key, time bucket, currency and
day, then converted into the base currency with the rate of that day and summed per series and
bucket); labels are read with at most one statement each for members, teams and stages; the reports
computed by their own area (receivables, campaign ROI) run once per distinct period. A dashboard of any
number of widgets therefore costs a fixed handful of statements (tests/reports/test_dashboards.py).

Rounding follows the money rule: each amount shown (a series value) is rounded once; a series total and
a metric total add the rounded values. Ratios and averages divide the summed numerators by the summed
denominators (4 and 2 decimals). A figure that needs a missing exchange rate is null, never partial,
and the result names the rate.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import Date, Text, case, cast, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from graph.money.service import (
    MissingRate,
    missing_rates,
    parsed_needs,
    rate_need_sql,
    rate_to_base_sql,
    shown,
)
from graph.reports import special
from graph.reports.catalog import Definition, Grouping, Measure, Metric, TimeBucket, check_definition
from graph.reports.facts import owner_conditions
from graph.reports.models import ReportRefresh
from graph.reports.results import Bucket, MetricTotal, ReportResult, Series
from graph.reports.sources import hidden_metric, refuse_hidden_grouping, require_reads, source_of
from graph.reports.spans import next_bucket, truncate
from graph.sales.pipeline.models import PipelineStage
from tenants.errors import DomainError, ErrorCode
from tenants.fields.query import CustomQuery
from tenants.models import Membership, Team, Tenant, User
from tenants.permissions import Actor

RATIO = Decimal("0.0001")
AVERAGE = Decimal("0.01")
NO_GROUP = "none"


@dataclass
class Cell:
    """One (series key, bucket) of one metric: summed numerator and denominator in the base currency."""

    num: Decimal = Decimal(0)
    den: Decimal = Decimal(0)
    missing: bool = False


@dataclass
class Gathered:
    cells: dict[tuple[int, Metric], dict[tuple[str | None, date | None], Cell]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    needs: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


def bucket_starts(definition: Definition) -> list[date]:
    start, end, bucket = definition.starts_on, definition.ends_on, definition.bucket
    if bucket is TimeBucket.NONE:
        return [start]
    first = truncate(start, bucket)
    starts = []
    current = first
    while current < end:
        starts.append(current)
        current = next_bucket(current, bucket)
    return starts


def team_of(owner: Any, actor: Actor) -> Any:
    return (
        select(Membership.team_id)
        .where(Membership.tenant_id == actor.tenant_id, Membership.user_id == owner)
        .scalar_subquery()
    )


def fact_part(
    actor: Actor, index: int, definition: Definition, metric: Metric, custom: list[Any], build: Any
) -> Any:
    facts = build(actor, definition, custom).subquery()
    conditions = [facts.c.day >= definition.starts_on, facts.c.day < definition.ends_on]
    conditions += owner_conditions(actor, definition, facts.c.owner_id)
    grouping = definition.group_by
    if grouping is Grouping.NONE:
        key: Any = null()
    elif grouping is Grouping.OWNER:
        key = facts.c.owner_id
    elif grouping is Grouping.TEAM:
        key = team_of(facts.c.owner_id, actor)
    else:
        key = facts.c.dim
    key = cast(key, Text).label("key")
    if definition.bucket is TimeBucket.NONE:
        bucket: Any = cast(null(), Date).label("bucket")
    else:
        bucket = cast(func.date_trunc(definition.bucket.value, facts.c.day), Date).label("bucket")
    # Amounts are summed per day (the day's exchange rate converts them); other figures need no day.
    rate_day = facts.c.day if definition.measure(metric) is Measure.AMOUNT else cast(null(), Date)
    rate_day = rate_day.label("day")
    return (
        select(
            literal(index).label("report"),
            literal(metric.value).label("metric"),
            key,
            bucket,
            facts.c.currency,
            rate_day,
            func.sum(facts.c.num).label("num"),
            func.sum(facts.c.den).label("den"),
        )
        .where(*conditions)
        .group_by(key, bucket, facts.c.currency, rate_day)
    )


async def gather(session: AsyncSession, parts: list[Any]) -> Gathered:
    gathered = Gathered()
    if not parts:
        return gathered
    facts = union_all(*parts).subquery()
    # Figures without a currency (counts, hours, scores) are not converted: no rate is looked up for them.
    # The rate is looked up once per row: OFFSET 0 keeps the planner from folding this subquery into the
    # aggregates below, which would repeat the lookup for each of its uses.
    looked_up = case(
        (facts.c.currency.is_(None), literal(Decimal(1))),
        else_=rate_to_base_sql(facts.c.currency, facts.c.day),
    )
    rows = select(*facts.c, looked_up.label("rate")).offset(0).subquery()
    rate = rows.c.rate
    missing = rate.is_(None)
    factor = func.coalesce(rate, 1)  # a missing rate is flagged and its figure left out, never counted as 1
    statement = select(
        rows.c.report,
        rows.c.metric,
        rows.c.key,
        rows.c.bucket,
        func.sum(rows.c.num * factor).filter(~missing),
        func.sum(rows.c.den * factor).filter(~missing),
        func.bool_or(missing),
        func.array_agg(func.distinct(rate_need_sql(rows.c.currency, rows.c.day))).filter(missing),
    ).group_by(rows.c.report, rows.c.metric, rows.c.key, rows.c.bucket)
    for report, metric, key, bucket, num, den, lacking, needs in await session.execute(statement):
        gathered.cells[(report, Metric(metric))][(key, bucket)] = Cell(
            Decimal(num or 0), Decimal(den or 0), bool(lacking)
        )
        gathered.needs[report] += needs or []
    return gathered


@dataclass
class Labels:
    users: dict[str, str] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)
    stages: dict[str, PipelineStage] = field(default_factory=dict)


async def read_labels(session: AsyncSession, actor: Actor, wanted: dict[Grouping, set[str]]) -> Labels:
    """Names of the members, teams and stages the series are keyed by (one statement per kind)."""
    labels = Labels()
    ids = {grouping: {uuid.UUID(key) for key in keys if key} for grouping, keys in wanted.items()}
    if ids.get(Grouping.OWNER):
        rows = await session.execute(
            select(User.id, User.full_name)
            .join(Membership, (Membership.user_id == User.id) & (Membership.tenant_id == actor.tenant_id))
            .where(User.id.in_(ids[Grouping.OWNER]))
        )
        labels.users = {str(user_id): name for user_id, name in rows}
    if ids.get(Grouping.TEAM):
        rows = await session.execute(select(Team.id, Team.name).where(Team.id.in_(ids[Grouping.TEAM])))
        labels.teams = {str(team_id): name for team_id, name in rows}
    if ids.get(Grouping.STAGE):
        # Every stage of those stages' pipelines: the funnel's conversion needs the next stage too.
        pipelines = select(PipelineStage.pipeline_id).where(PipelineStage.id.in_(ids[Grouping.STAGE]))
        stages = await session.scalars(select(PipelineStage).where(PipelineStage.pipeline_id.in_(pipelines)))
        labels.stages = {str(stage.id): stage for stage in stages}
    return labels


def label_of(grouping: Grouping, key: str | None, labels: Labels) -> str:
    if grouping is Grouping.NONE:
        return "All"
    if key is None:
        return {Grouping.OWNER: "No owner", Grouping.TEAM: "No team"}.get(grouping, "Not set")
    if grouping is Grouping.OWNER:
        return labels.users.get(key, "Former member")
    if grouping is Grouping.TEAM:
        return labels.teams.get(key, "Deleted team")
    if grouping is Grouping.STAGE:
        stage = labels.stages.get(key)
        return stage.name if stage is not None else "Archived stage"
    return key


def figure(measure: Measure, cell: Cell, currency: str) -> Decimal | None:
    if cell.missing:
        return None
    if measure is Measure.AMOUNT:
        return shown(cell.num, currency)
    if measure is Measure.COUNT:
        return cell.num.normalize() if cell.num == cell.num.to_integral() else cell.num
    if not cell.den:
        return None
    return (cell.num / cell.den).quantize(RATIO if measure is Measure.RATIO else AVERAGE)


def summed(
    measure: Measure, cells: Sequence[Cell], values: Sequence[Decimal | None], currency: str
) -> Decimal | None:
    """A total: the rounded values added (counts, amounts) or the ratio of the sums (ratios, averages)."""
    if measure in (Measure.COUNT, Measure.AMOUNT):
        if any(value is None for value in values):
            return None
        total = sum((value for value in values if value is not None), Decimal(0))
        return shown(total, currency) if measure is Measure.AMOUNT else total
    together = Cell(
        sum((cell.num for cell in cells), Decimal(0)),
        sum((cell.den for cell in cells), Decimal(0)),
        any(cell.missing for cell in cells),
    )
    return figure(measure, together, currency)


def conversion_cells(
    cells: dict[tuple[str | None, date | None], Cell], labels: Labels
) -> dict[tuple[str | None, date | None], Cell]:
    """Funnel conversion per stage: deals that reached the next live open-or-won stage of the same
    pipeline over those that reached this one (lost stages and the last stage have none)."""
    reached = {key: cell.num for (key, _), cell in cells.items()}
    chains: dict[uuid.UUID, list[PipelineStage]] = defaultdict(list)
    for stage in labels.stages.values():
        if stage.kind != "lost" and stage.archived_at is None:
            chains[stage.pipeline_id].append(stage)
    converted: dict[tuple[str | None, date | None], Cell] = {}
    for chain in chains.values():
        chain.sort(key=lambda stage: stage.position)
        for this, following in pairwise(chain):
            converted[(str(this.id), None)] = Cell(
                reached.get(str(following.id), Decimal(0)), reached.get(str(this.id), Decimal(0))
            )
    return converted


def stage_order(key: str | None, labels: Labels) -> tuple[Any, ...]:
    stage = labels.stages.get(key or "")
    return (str(stage.pipeline_id), stage.position) if stage is not None else ("~", 0)


def shape(
    index: int,
    definition: Definition,
    currency: str,
    gathered: Gathered,
    hidden: set[Metric],
    labels: Labels,
    as_of: datetime,
    extra_missing: list[MissingRate],
) -> ReportResult:
    starts = bucket_starts(definition)
    buckets = [Bucket(start.isoformat(), start) for start in starts]
    series: list[Series] = []
    totals: list[MetricTotal] = []
    for metric in definition.metrics:
        measure = definition.measure(metric)
        if metric in hidden:
            totals.append(MetricTotal(metric, measure, None, hidden=True))
            continue
        cells = gathered.cells.get((index, metric), {})
        if metric is Metric.CONVERSION_RATE:
            cells = conversion_cells(cells, labels)
        by_key: dict[str | None, dict[date | None, Cell]] = defaultdict(dict)
        for (key, bucket), cell in cells.items():
            by_key[key][bucket] = cell
        if definition.group_by is Grouping.NONE and not by_key:
            by_key[None] = {}
        metric_cells: list[Cell] = []
        metric_values: list[Decimal | None] = []
        rows = []
        for key, per_bucket in by_key.items():
            aligned = [
                per_bucket.get(None if definition.bucket is TimeBucket.NONE else start, Cell())
                for start in starts
            ]
            values = [figure(measure, cell, currency) for cell in aligned]
            if measure in (Measure.RATIO, Measure.AVERAGE):
                values = [
                    value if cell.den or cell.missing else None
                    for value, cell in zip(values, aligned, strict=True)
                ]
            total = summed(measure, aligned, values, currency)
            rows.append(Series(metric, key, label_of(definition.group_by, key, labels), values, total))
            metric_cells += aligned
            metric_values.append(total)
        if definition.group_by is Grouping.STAGE:
            rows.sort(key=lambda row: stage_order(row.key, labels))
        else:
            rows.sort(key=lambda row: (row.key is None, row.label.lower(), row.key or ""))
        series += rows
        if metric is Metric.CONVERSION_RATE:
            metric_total = overall_conversion(gathered.cells.get((index, metric), {}), labels)
        else:
            metric_total = summed(measure, metric_cells, metric_values, currency)
        totals.append(MetricTotal(metric, measure, metric_total))
    missing = missing_rates(currency, parsed_needs(gathered.needs.get(index, [])))
    return ReportResult(
        definition, currency, buckets, series, totals, merge_missing(missing, extra_missing), as_of
    )


def overall_conversion(cells: dict[tuple[str | None, date | None], Cell], labels: Labels) -> Decimal | None:
    """Deals that reached each pipeline's last open-or-won stage over those that reached its first."""
    reached = {key: cell.num for (key, _), cell in cells.items()}
    chains: dict[uuid.UUID, list[PipelineStage]] = defaultdict(list)
    for stage in labels.stages.values():
        if stage.kind != "lost" and stage.archived_at is None:
            chains[stage.pipeline_id].append(stage)
    first = last = Decimal(0)
    for chain in chains.values():
        chain.sort(key=lambda stage: stage.position)
        first += reached.get(str(chain[0].id), Decimal(0))
        last += reached.get(str(chain[-1].id), Decimal(0))
    return (last / first).quantize(RATIO) if first else None


def merge_missing(*lists: list[MissingRate]) -> list[MissingRate]:
    earliest: dict[tuple[str, str], date] = {}
    for entries in lists:
        for entry in entries:
            key = (entry.currency, entry.base_currency)
            earliest[key] = min(entry.needed_from, earliest.get(key, entry.needed_from))
    return [MissingRate(currency, base, on) for (currency, base), on in sorted(earliest.items())]


def prepare(actor: Actor, definition: Definition, path: str) -> None:
    """Everything that may refuse a definition for this actor, before any figure is read: the input
    (catalog.check_definition), read permission on what each metric reads, and groupings by a field
    the role hides."""
    check_definition(definition, path)
    try:
        if special.handles(definition):
            special.require_reads(actor, definition)
            return
        for metric in definition.metrics:
            source = source_of(definition, metric)
            assert source is not None  # check_definition admits only catalogued metrics
            require_reads(actor, definition, source)
    except DomainError as error:
        # The report as a whole is what the caller may not see: say so on its kind.
        raise DomainError(
            error.code, f"You may not see {definition.kind.name} reports: {error.message}", f"{path}.kind"
        ) from None
    for index, metric in enumerate(definition.metrics):
        source = source_of(definition, metric)
        assert source is not None
        refuse_hidden_grouping(actor, definition, source, path)
        if definition.custom and source.model is None:
            raise DomainError(
                ErrorCode.INVALID,
                f"{metric.name} takes no custom-field conditions.",
                f"{path}.metrics.{index}",
            )


async def base_currency_with_plan_settings(session: AsyncSession, actor: Actor) -> str:
    """The tenant's base currency, and the report's plan settings for the rest of the transaction, in one
    round trip.

    asyncpg prepares every statement, and after five runs of one PostgreSQL may switch it to a generic
    plan, planned without the tenant, dates and ids. For the facts statement that plan grows with the
    tenant: sales by rep, monthly on the 200,000-deal bench tenant took 11 ms generic against 5 ms custom
    (1,000 deals: 3 ms either way). Planning each report again costs about a millisecond. And no parallel
    workers: the statement reads rollup rows in the hundreds, and starting two workers took 10 ms of a
    13 ms statement on the big tenant (customers by industry) and none on the small one, where the
    planner did not choose them."""
    custom_plans = func.set_config("plan_cache_mode", "force_custom_plan", True)
    serial = func.set_config("max_parallel_workers_per_gather", "0", True)
    row = (
        await session.execute(
            select(Tenant.base_currency, custom_plans, serial).where(Tenant.id == actor.tenant_id)
        )
    ).first()
    return (row[0] if row is not None else None) or "USD"


async def rollup_refreshes(
    session: AsyncSession, actor: Actor, definitions: Sequence[tuple[Definition, str]]
) -> dict[str, datetime]:
    """When each job-built rollup the definitions could read was last rebuilt (absent: never, so the
    live tables are read). One statement, and none when no definition could use a rollup."""
    names = set()
    for definition, _ in definitions:
        if special.handles(definition) or definition.custom:
            continue
        for metric in definition.metrics:
            source = source_of(definition, metric)
            if source is not None and source.rollup is not None:
                names.add(source.rollup[0])
    if not names:
        return {}
    rows = await session.execute(
        select(ReportRefresh.source, ReportRefresh.refreshed_at).where(
            ReportRefresh.tenant_id == actor.tenant_id, ReportRefresh.source.in_(names)
        )
    )
    return {name: moment for name, moment in rows}


async def evaluate(
    session: AsyncSession, actor: Actor, definitions: Sequence[tuple[Definition, str]]
) -> list[ReportResult]:
    """Every definition (with the input path its errors name) computed together; the first refusal
    (bad input, a permission) fails the call with its typed error before any figure is read."""
    queries: dict[str, CustomQuery] = {}
    parts: list[Any] = []
    hidden: dict[int, set[Metric]] = defaultdict(set)
    specials: dict[int, ReportResult] = {}
    for definition, path in definitions:
        prepare(actor, definition, path)
    currency = await base_currency_with_plan_settings(session, actor)
    refreshed = await rollup_refreshes(session, actor, definitions)
    as_of = datetime.now(UTC)
    as_of_by_index: dict[int, datetime] = {}
    # Metrics of one definition computed from the same source and summed alike (the funnel's reached
    # deals and conversion) are read once: the first one's figures serve the others.
    first_reader: dict[tuple[int, int, bool], Metric] = {}  # (definition, id of the source, an amount?)
    same_figures: dict[tuple[int, Metric], Metric] = {}
    for index, (definition, path) in enumerate(definitions):
        if special.handles(definition):
            continue
        for metric in definition.metrics:
            source = source_of(definition, metric)
            assert source is not None  # prepare admits only catalogued metrics
            if hidden_metric(actor, source):
                hidden[index].add(metric)
                continue
            shared = (index, id(source), definition.measure(metric) is Measure.AMOUNT)
            if shared in first_reader:
                same_figures[(index, metric)] = first_reader[shared]
                continue
            first_reader[shared] = metric
            build = source.build
            if source.rollup is not None and not definition.custom and source.rollup[0] in refreshed:
                build = source.rollup[1]
                as_of_by_index[index] = min(as_of_by_index.get(index, as_of), refreshed[source.rollup[0]])
            custom: list[Any] = []
            if definition.custom:
                object_type = definition.spec.custom_object
                assert object_type is not None
                if object_type not in queries:
                    queries[object_type] = await CustomQuery.load(session, actor, object_type, source.model)
                custom = queries[object_type].conditions(list(definition.custom), f"{path}.custom")
            parts.append(fact_part(actor, index, definition, metric, custom, build))
    cache: dict[tuple[object, ...], Any] = {}
    for index, (definition, path) in enumerate(definitions):
        if special.handles(definition):
            specials[index] = await special.compute(session, actor, definition, currency, cache, path)
    gathered = await gather(session, parts)
    for (index, metric), read_as in same_figures.items():
        gathered.cells[(index, metric)] = gathered.cells[(index, read_as)]
    wanted: dict[Grouping, set[str]] = defaultdict(set)
    for (index, _), cells in gathered.cells.items():
        grouping = definitions[index][0].group_by
        if grouping in (Grouping.OWNER, Grouping.TEAM, Grouping.STAGE):
            wanted[grouping].update(key for key, _ in cells if key)
    labels = await read_labels(session, actor, wanted)
    results = []
    for index, (definition, _) in enumerate(definitions):
        if index in specials:
            results.append(specials[index])
        else:
            moment = as_of_by_index.get(index, as_of)
            results.append(shape(index, definition, currency, gathered, hidden[index], labels, moment, []))
    return results
