"""What a report answers: chart-ready series (one per metric and group, values aligned with the buckets)
with their totals, in the tenant's base currency, and when the figures were read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from graph.money.service import MissingRate
from graph.reports.catalog import Definition, Measure, Metric


@dataclass(frozen=True)
class Bucket:
    label: str
    starts_on: date


@dataclass
class Series:
    metric: Metric
    key: str | None
    label: str
    values: list[Decimal | None]
    total: Decimal | None


@dataclass
class MetricTotal:
    metric: Metric
    measure: Measure
    value: Decimal | None
    hidden: bool = False


@dataclass
class ReportResult:
    definition: Definition
    currency: str
    buckets: list[Bucket]
    series: list[Series]
    totals: list[MetricTotal]
    missing_rates: list[MissingRate]
    as_of: datetime
