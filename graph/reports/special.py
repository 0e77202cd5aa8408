"""The reports their own area already computes, reshaped into series rather than computed twice:
receivables aging (graph/sales/commerce/receivables.py, as of the period's last day) and campaign ROI
(graph/marketing/attribution.py, last-touch, over the campaigns running in the period).

Both take the owner, team and custom-field filters every report takes, as conditions on the records the
area's report starts from, inside the caller's record scope of them (the area applies it):
- receivables: the contracts, whose owner is the rep the contract (order) is credited to, the same owner
  sales performance credits its collected and outstanding amounts to; custom fields are the contract's;
- campaign ROI: the campaigns, by the campaign's owner and custom fields (the leads and deals attributed
  to them are counted inside the caller's lead and opportunity scopes, as marketing's report does).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession

from graph.marketing import attribution
from graph.marketing.campaigns import visible_campaigns
from graph.marketing.models import CAMPAIGN, Campaign
from graph.money.service import shown
from graph.reports.catalog import Definition, Grouping, Metric, ReportKind, conditions_to_json
from graph.reports.facts import owner_conditions, snapshot_day
from graph.reports.results import Bucket, MetricTotal, ReportResult, Series
from graph.sales.commerce.models import CONTRACT, Contract
from graph.sales.commerce.receivables import BUCKETS, receivables
from graph.sales.leads.models import LEAD
from graph.sales.pipeline.models import OPPORTUNITY
from tenants.fields.query import CustomQuery
from tenants.permissions import Action, Actor

AGING_LABELS = {
    "current": "Current",
    "days_1_30": "1-30 days",
    "days_31_60": "31-60 days",
    "days_61_90": "61-90 days",
    "days_over_90": "Over 90 days",
}
RATIO = Decimal("0.0001")


def handles(definition: Definition) -> bool:
    return definition.kind in (ReportKind.RECEIVABLES, ReportKind.CAMPAIGN_ROI)


def rounded(value: Decimal | None, currency: str) -> Decimal | None:
    """The receivables' figures are rounded already; this gives an empty bucket its minor digits too."""
    return None if value is None else shown(value, currency)


def require_reads(actor: Actor, definition: Definition) -> None:
    """What the area's own report requires (it checks again itself)."""
    if definition.kind is ReportKind.RECEIVABLES:
        actor.require(CONTRACT, Action.READ)
    else:
        actor.require(CAMPAIGN, Action.READ)
        actor.require(LEAD, Action.READ)
        actor.require(OPPORTUNITY, Action.READ)


def added(values: list[Decimal | None]) -> Decimal | None:
    return None if any(value is None for value in values) else sum(values, Decimal(0))  # type: ignore[arg-type]


def filters_key(definition: Definition) -> tuple[object, ...]:
    custom = json.dumps(conditions_to_json(definition.custom), sort_keys=True, default=str)
    return (definition.owner_id, definition.team_id, custom)


async def filters(
    session: AsyncSession,
    actor: Actor,
    definition: Definition,
    model: type[Contract] | type[Campaign],
    cache: dict[tuple[object, ...], Any],
    path: str,
) -> list[ColumnElement[bool]]:
    """The owner or team filter on the model's owner and the custom-field conditions on its custom
    fields (the list filters' rules: a field the caller's role hides is not filterable)."""
    conditions = owner_conditions(actor, definition, model.owner_id)
    if definition.custom:
        object_type = definition.spec.custom_object
        assert object_type is not None  # both kinds name theirs in the catalogue
        key = ("custom", object_type)
        if key not in cache:
            cache[key] = await CustomQuery.load(session, actor, object_type, model)
        conditions += cache[key].conditions(list(definition.custom), f"{path}.custom")
    return conditions


async def compute(
    session: AsyncSession,
    actor: Actor,
    definition: Definition,
    currency: str,
    cache: dict[tuple[object, ...], Any],
    path: str = "input",
) -> ReportResult:
    """`cache` keeps the areas' reports per period and filters for the other definitions of the same
    evaluation, so a dashboard asks each area once per distinct period and filters, whatever its number
    of widgets."""
    as_of = datetime.now(UTC)
    bucket = [Bucket(definition.starts_on.isoformat(), definition.starts_on)]
    if definition.kind is ReportKind.RECEIVABLES:
        key: tuple[object, ...] = (definition.kind, snapshot_day(definition), *filters_key(definition))
        if key not in cache:
            conditions = await filters(session, actor, definition, Contract, cache, path)
            cache[key] = await receivables(session, actor, snapshot_day(definition), conditions)
        report = cache[key]
        amounts = {name: rounded(report.totals.amounts[name], currency) for name in BUCKETS}
        series = [
            Series(Metric.RECEIVABLE, name, AGING_LABELS[name], [amounts[name]], amounts[name])
            for name in BUCKETS
        ]
        measure = definition.measure(Metric.RECEIVABLE)
        total = MetricTotal(Metric.RECEIVABLE, measure, added(list(amounts.values())))
        return ReportResult(definition, currency, bucket, series, [total], report.missing_rates, as_of)
    key = (definition.kind, definition.starts_on, definition.ends_on, *filters_key(definition))
    if key not in cache:
        running = visible_campaigns(actor).where(
            or_(Campaign.starts_on.is_(None), Campaign.starts_on < definition.ends_on),
            or_(Campaign.ends_on.is_(None), Campaign.ends_on >= definition.starts_on),
            *await filters(session, actor, definition, Campaign, cache, path),
        )
        cache[key] = await attribution.campaign_performance(session, actor, "last_touch", running)
    roi = cache[key]
    if definition.group_by is Grouping.CAMPAIGN:
        groups = [(str(campaign.id), campaign.name, figures) for campaign, figures in roi.campaigns]
    else:
        groups = [(channel, channel, figures) for channel, figures in roi.channels]
    everything = attribution.Performance()
    for _, figures in roi.channels:
        everything.add(figures)
    series, totals = [], []
    for metric in definition.metrics:
        values = [(key, label, metric_of(metric, figures)) for key, label, figures in groups]
        series += [Series(metric, key, label, [value], value) for key, label, value in values]
        if metric is Metric.RETURN_ON_SPEND:
            total = metric_of(metric, everything)
        else:
            total = added([value for _, _, value in values])
        totals.append(MetricTotal(metric, definition.measure(metric), total))
    return ReportResult(definition, currency, bucket, series, totals, roi.missing, as_of)


def metric_of(metric: Metric, figures: attribution.Performance) -> Decimal | None:
    if metric is Metric.CAMPAIGN_COST:
        return figures.cost
    if metric is Metric.CAMPAIGN_LEADS:
        return Decimal(figures.leads)
    if metric is Metric.CAMPAIGN_WON_AMOUNT:
        return figures.won_amount
    return figures.return_on_spend
