"""GraphQL types of reports: the typed definition input (enums, dates, ids, custom-field conditions in the
list filters' shape) and the chart-ready result."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from graph.admin.filters import CustomFieldCondition, custom_conditions
from graph.core.ids import decode_optional_id
from graph.money.types import MissingRate, missing_rate_list
from graph.reports import catalog, results
from tenants.errors import DomainError, ErrorCode

ReportKind = strawberry.enum(
    catalog.ReportKind,
    description="A built-in report: what it counts, whose record scope applies (see README, Reports).",
)
ReportMetric = strawberry.enum(
    catalog.Metric,
    name="ReportMetric",
    description="A figure a report kind computes; each kind allows its own (see ReportKind).",
)
ReportGroupBy = strawberry.enum(
    catalog.Grouping,
    name="ReportGroupBy",
    description="What a report's series are: one per owner, team, stage, category, or one.",
)
TimeBucket = strawberry.enum(
    catalog.TimeBucket,
    name="ReportTimeBucket",
    description="How a series is split over time (NONE: one value).",
)
RelativePeriod = strawberry.enum(
    catalog.RelativePeriod,
    description="A period that moves with the calendar (UTC): a saved report stays current.",
)
ChartKind = strawberry.enum(catalog.ChartKind, description="How a widget is drawn.")
MetricMeasure = strawberry.enum(
    catalog.Measure,
    name="ReportMeasure",
    description="How a metric adds up: COUNT and AMOUNT totals add the values shown; RATIO and AVERAGE "
    "totals divide the summed numerators by the summed denominators.",
)


@strawberry.input(description="A report to compute: a typed definition, never SQL or an expression.")
class ReportInput:
    kind: catalog.ReportKind = strawberry.field(description="Which built-in report.")
    metrics: list[catalog.Metric] = strawberry.field(
        description="1-4 metrics of that kind; each gives its own series. Another kind's metric is INVALID "
        "on `metrics.<index>`."
    )
    from_: date | None = strawberry.field(
        default=None, name="from", description="First day of the period (UTC); give from and to, or relative."
    )
    to: date | None = strawberry.field(
        default=None, description="Day after the period (exclusive); after `from`, at most 3 years on."
    )
    relative: catalog.RelativePeriod | None = strawberry.field(
        default=None, description="Instead of from/to: a period that moves with the calendar (saved reports)."
    )
    group_by: catalog.Grouping = strawberry.field(
        default=catalog.Grouping.NONE, description="One series per owner, team, stage or category."
    )
    bucket: catalog.TimeBucket = strawberry.field(
        default=catalog.TimeBucket.NONE, description="Split each series by day, week, month, quarter or year."
    )
    owner_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Only this User's figures: those of the records they own (deals, orders and contracts "
        "for sales performance and forecast; the contract for RECEIVABLES, the rep sales performance "
        "credits its collected and outstanding amounts to; the campaign for CAMPAIGN_ROI; the account for "
        "CUSTOMERS; the manager for PROJECTS; the assignee for SERVICE; the author for ACTIVITIES). Inside "
        "your record scope only: someone outside it gives empty figures. Not with teamId.",
    )
    team_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Only the figures of this Team's members (owners as for ownerId), inside your record "
        "scope. Not with ownerId.",
    )
    custom: list[CustomFieldCondition] | None = strawberry.field(
        default=None,
        description="Conditions on the custom fields of the report's records (as in the list filters): "
        "the deals', accounts', projects', tickets' or activities' own; RECEIVABLES: the contract's; "
        "CAMPAIGN_ROI: the campaign's.",
    )

    def to_definition(self, path: str = "input") -> catalog.Definition:
        if self.relative is not None:
            if self.from_ is not None or self.to is not None:
                raise DomainError(
                    ErrorCode.INVALID, "Give from and to, or relative, not both.", f"{path}.relative"
                )
            starts_on, ends_on = catalog.period_of(self.relative, catalog.utc_today())
        elif self.from_ is None or self.to is None:
            missing = "from" if self.from_ is None else "to"
            raise DomainError(ErrorCode.REQUIRED, "Give from and to, or relative.", f"{path}.{missing}")
        else:
            starts_on, ends_on = self.from_, self.to
        return catalog.Definition(
            kind=self.kind,
            metrics=tuple(self.metrics),
            starts_on=starts_on,
            ends_on=ends_on,
            relative=self.relative,
            group_by=self.group_by,
            bucket=self.bucket,
            owner_id=decode_optional_id(self.owner_id, "User", f"{path}.ownerId"),
            team_id=decode_optional_id(self.team_id, "Team", f"{path}.teamId"),
            custom=tuple(custom_conditions(self.custom)),
        )


@strawberry.type(description="One time bucket of a report (the period itself when not split by time).")
class ReportBucket:
    label: str = strawberry.field(description="The bucket's first day, ISO 8601 (a chart's x-axis label).")
    starts_on: date = strawberry.field(description="The bucket's first day.")


@strawberry.type(description="One line, bar group or slice: a metric for one group, a value per bucket.")
class ReportSeries:
    metric: catalog.Metric = strawberry.field(description="The metric.")
    key: str | None = strawberry.field(
        description="The group: a User's or Team's UUID, a stage UUID, a category key; null for no group."
    )
    label: str = strawberry.field(description="The group's display name.")
    values: list[Decimal | None] = strawberry.field(
        description="One value per bucket, in `buckets` order (amounts in the base currency, rounded once). "
        "Null: needs a missing exchange rate, or a ratio/average with nothing to divide."
    )
    total: Decimal | None = strawberry.field(
        description="The series over the whole period: the values added (counts, amounts) or the ratio of "
        "the sums (ratios, averages)."
    )


@strawberry.type(description="A metric over every series and bucket.")
class ReportTotal:
    metric: catalog.Metric = strawberry.field(description="The metric.")
    measure: catalog.Measure = strawberry.field(description="How it adds up.")
    value: Decimal | None = strawberry.field(description="The total; null when hidden or a rate is missing.")
    hidden: bool = strawberry.field(
        description="True when your role hides a field the metric reads: it is not computed (no series)."
    )


@strawberry.type(
    description="A computed report: chart-ready series with totals, in the tenant's base currency."
)
class ReportResult:
    kind: catalog.ReportKind = strawberry.field(description="The report.")
    currency: str = strawberry.field(description="The base currency of every amount.")
    as_of: datetime = strawberry.field(
        description="When the figures were read; every source is current as of this instant."
    )
    buckets: list[ReportBucket] = strawberry.field(description="The x-axis.")
    series: list[ReportSeries] = strawberry.field(description="Per metric, per group.")
    totals: list[ReportTotal] = strawberry.field(description="Per metric, in the order asked.")
    missing_rates: list[MissingRate] = strawberry.field(
        description="Exchange rates the figures needed and lack; those figures are null."
    )

    @classmethod
    def from_result(cls, result: results.ReportResult) -> ReportResult:
        return cls(
            kind=result.definition.kind,
            currency=result.currency,
            as_of=result.as_of,
            buckets=[
                ReportBucket(label=bucket.label, starts_on=bucket.starts_on) for bucket in result.buckets
            ],
            series=[
                ReportSeries(metric=s.metric, key=s.key, label=s.label, values=s.values, total=s.total)
                for s in result.series
            ],
            totals=[
                ReportTotal(metric=t.metric, measure=t.measure, value=t.value, hidden=t.hidden)
                for t in result.totals
            ],
            missing_rates=missing_rate_list(result.missing_rates),
        )
