"""The typed report definition: which report kinds exist, the metrics and groupings each allows, and the
checks every definition passes before anything runs (the same for a query, a saved report and a widget).

A definition is data the server understands, never SQL or an expression: an enum of kinds, an enum of
metrics per kind, an enum of groupings, a time bucket, a period and filters (owner, team, custom-field
conditions in the list filters' own shape). `check_definition` refuses what a kind does not allow with
INVALID on the input path that names the fix.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.fields.query import Condition

MAX_RANGE_DAYS = 3 * 366 + 1
MAX_METRICS = 4
MAX_DAY_BUCKETS = 366


class ReportKind(StrEnum):
    SALES_PERFORMANCE = "sales_performance"
    FUNNEL = "funnel"
    FORECAST = "forecast"
    CUSTOMERS = "customers"
    RECEIVABLES = "receivables"
    PROJECTS = "projects"
    SERVICE = "service"
    CAMPAIGN_ROI = "campaign_roi"
    ACTIVITIES = "activities"


class Metric(StrEnum):
    # sales performance and forecast (opportunities, orders, contracts, payments, targets)
    WON_AMOUNT = "won_amount"
    WON_COUNT = "won_count"
    COLLECTED = "collected"
    OUTSTANDING = "outstanding"
    TARGET = "target"
    WEIGHTED_FORECAST = "weighted_forecast"
    BEST_CASE = "best_case"
    # funnel
    REACHED = "reached"
    CONVERSION_RATE = "conversion_rate"
    STAGE_DAYS = "stage_days"
    # customers
    NEW_CUSTOMERS = "new_customers"
    LOST_CUSTOMERS = "lost_customers"
    CHURN_RISK = "churn_risk"
    # receivables
    RECEIVABLE = "receivable"
    # projects
    BUDGET = "budget"
    LOGGED_HOURS = "logged_hours"
    UTILISATION = "utilisation"
    MATERIAL_COST = "material_cost"
    # service
    TICKETS_OPENED = "tickets_opened"
    SLA_ATTAINMENT = "sla_attainment"
    CSAT = "csat"
    NPS = "nps"
    # campaigns
    CAMPAIGN_COST = "campaign_cost"
    CAMPAIGN_LEADS = "campaign_leads"
    CAMPAIGN_WON_AMOUNT = "campaign_won_amount"
    RETURN_ON_SPEND = "return_on_spend"
    # activities
    ACTIVITY_COUNT = "activity_count"
    VISIT_COUNT = "visit_count"


class Grouping(StrEnum):
    NONE = "none"
    OWNER = "owner"
    TEAM = "team"
    STAGE = "stage"
    INDUSTRY = "industry"
    REGION = "region"
    SOURCE = "source"
    KIND = "kind"
    PRIORITY = "priority"
    CHANNEL = "channel"
    AGING_BUCKET = "aging_bucket"
    CAMPAIGN = "campaign"


class TimeBucket(StrEnum):
    NONE = "none"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class ChartKind(StrEnum):
    LINE = "line"
    BAR = "bar"
    STACKED_BAR = "stacked_bar"
    PIE = "pie"
    TABLE = "table"


class Measure(StrEnum):
    """How a metric's figures add up: counts and amounts are sums (a total adds the rounded figures),
    ratios and averages divide summed numerators by summed denominators (never average the averages)."""

    COUNT = "count"
    AMOUNT = "amount"
    RATIO = "ratio"
    AVERAGE = "average"


@dataclass(frozen=True)
class KindSpec:
    object_type: str  # the role object type whose read permission and record scope apply
    custom_object: str | None  # the object type whose custom fields filter it (None: no custom filters)
    metrics: dict[Metric, Measure]
    groupings: frozenset[Grouping]
    buckets: bool = True  # False: not split by time (receivables as of the period's last day, funnel, ROI)


KINDS: dict[ReportKind, KindSpec] = {
    ReportKind.SALES_PERFORMANCE: KindSpec(
        "opportunity",
        "opportunity",
        {
            Metric.WON_AMOUNT: Measure.AMOUNT,
            Metric.WON_COUNT: Measure.COUNT,
            Metric.COLLECTED: Measure.AMOUNT,
            Metric.OUTSTANDING: Measure.AMOUNT,
            Metric.TARGET: Measure.AMOUNT,
        },
        frozenset({Grouping.NONE, Grouping.OWNER, Grouping.TEAM}),
    ),
    ReportKind.FORECAST: KindSpec(
        "opportunity",
        "opportunity",
        {
            Metric.WEIGHTED_FORECAST: Measure.AMOUNT,
            Metric.BEST_CASE: Measure.AMOUNT,
            Metric.WON_AMOUNT: Measure.AMOUNT,
        },
        frozenset({Grouping.NONE, Grouping.OWNER, Grouping.TEAM}),
    ),
    ReportKind.FUNNEL: KindSpec(
        "opportunity",
        "opportunity",
        {
            Metric.REACHED: Measure.COUNT,
            Metric.CONVERSION_RATE: Measure.RATIO,
            Metric.STAGE_DAYS: Measure.AVERAGE,
        },
        frozenset({Grouping.STAGE}),
        buckets=False,
    ),
    ReportKind.CUSTOMERS: KindSpec(
        "account",
        "account",
        {
            Metric.NEW_CUSTOMERS: Measure.COUNT,
            Metric.LOST_CUSTOMERS: Measure.COUNT,
            Metric.CHURN_RISK: Measure.COUNT,
        },
        frozenset(
            {
                Grouping.NONE,
                Grouping.OWNER,
                Grouping.TEAM,
                Grouping.INDUSTRY,
                Grouping.REGION,
                Grouping.SOURCE,
            }
        ),
    ),
    ReportKind.RECEIVABLES: KindSpec(
        "contract",
        "contract",
        {Metric.RECEIVABLE: Measure.AMOUNT},
        frozenset({Grouping.AGING_BUCKET}),
        buckets=False,
    ),
    ReportKind.PROJECTS: KindSpec(
        "project",
        "project",
        {
            Metric.BUDGET: Measure.AMOUNT,
            Metric.LOGGED_HOURS: Measure.COUNT,
            Metric.UTILISATION: Measure.RATIO,
            Metric.MATERIAL_COST: Measure.AMOUNT,
        },
        frozenset({Grouping.NONE, Grouping.OWNER, Grouping.TEAM}),
    ),
    ReportKind.SERVICE: KindSpec(
        "ticket",
        "ticket",
        {
            Metric.TICKETS_OPENED: Measure.COUNT,
            Metric.SLA_ATTAINMENT: Measure.RATIO,
            Metric.CSAT: Measure.AVERAGE,
            Metric.NPS: Measure.AVERAGE,
        },
        frozenset({Grouping.NONE, Grouping.OWNER, Grouping.TEAM, Grouping.PRIORITY, Grouping.CHANNEL}),
    ),
    ReportKind.CAMPAIGN_ROI: KindSpec(
        "campaign",
        "campaign",
        {
            Metric.CAMPAIGN_COST: Measure.AMOUNT,
            Metric.CAMPAIGN_LEADS: Measure.COUNT,
            Metric.CAMPAIGN_WON_AMOUNT: Measure.AMOUNT,
            Metric.RETURN_ON_SPEND: Measure.RATIO,
        },
        frozenset({Grouping.CAMPAIGN, Grouping.CHANNEL}),
        buckets=False,
    ),
    ReportKind.ACTIVITIES: KindSpec(
        "activity",
        "activity",
        {Metric.ACTIVITY_COUNT: Measure.COUNT, Metric.VISIT_COUNT: Measure.COUNT},
        frozenset({Grouping.NONE, Grouping.OWNER, Grouping.TEAM, Grouping.KIND}),
    ),
}


class RelativePeriod(StrEnum):
    """A period that moves with the calendar (UTC), so a saved report or widget stays current."""

    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    THIS_MONTH = "this_month"
    THIS_QUARTER = "this_quarter"
    THIS_YEAR = "this_year"
    LAST_12_MONTHS = "last_12_months"


def month_start(year: int, month: int) -> date:
    """The first day of `month` (any integer: 13 is next January, 0 last December)."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_of(relative: RelativePeriod, today: date) -> tuple[date, date]:
    """[first day, day after the last) of `relative` on `today`: the last N days end with today; this
    month, quarter and year are the calendar's; the last 12 months are this one and the 11 before."""
    tomorrow = today + timedelta(days=1)
    if relative is RelativePeriod.LAST_7_DAYS:
        return today - timedelta(days=6), tomorrow
    if relative is RelativePeriod.LAST_30_DAYS:
        return today - timedelta(days=29), tomorrow
    if relative is RelativePeriod.THIS_MONTH:
        return month_start(today.year, today.month), month_start(today.year, today.month + 1)
    if relative is RelativePeriod.THIS_QUARTER:
        first = 3 * ((today.month - 1) // 3) + 1
        return month_start(today.year, first), month_start(today.year, first + 3)
    if relative is RelativePeriod.THIS_YEAR:
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    return month_start(today.year, today.month - 11), month_start(today.year, today.month + 1)


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Definition:
    """One report to compute: what the GraphQL input, a saved report and a widget all become."""

    kind: ReportKind
    metrics: tuple[Metric, ...]
    starts_on: date
    ends_on: date  # exclusive
    group_by: Grouping = Grouping.NONE
    bucket: TimeBucket = TimeBucket.NONE
    owner_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    custom: tuple[Condition, ...] = field(default_factory=tuple)
    relative: RelativePeriod | None = None  # the dates are this period's on the day they were read

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    def measure(self, metric: Metric) -> Measure:
        return self.spec.metrics[metric]


def check_definition(definition: Definition, path: str = "input") -> Definition:
    """Every error at once, each on the input field to change."""
    errors: list[DomainError] = []
    spec = definition.spec
    if not definition.metrics:
        errors.append(DomainError(ErrorCode.REQUIRED, "Ask for at least one metric.", f"{path}.metrics"))
    if len(definition.metrics) > MAX_METRICS:
        errors.append(
            DomainError(ErrorCode.INVALID, f"Ask for at most {MAX_METRICS} metrics.", f"{path}.metrics")
        )
    for index, metric in enumerate(definition.metrics):
        if metric not in spec.metrics:
            allowed = ", ".join(m.name for m in spec.metrics)
            errors.append(
                DomainError(
                    ErrorCode.INVALID,
                    f"{metric.name} is not a metric of {definition.kind.name} reports; use one of {allowed}.",
                    f"{path}.metrics.{index}",
                )
            )
    if len(set(definition.metrics)) != len(definition.metrics):
        errors.append(DomainError(ErrorCode.INVALID, "Each metric at most once.", f"{path}.metrics"))
    if definition.group_by not in spec.groupings:
        allowed = ", ".join(sorted(g.name for g in spec.groupings))
        errors.append(
            DomainError(
                ErrorCode.INVALID,
                f"{definition.kind.name} reports group by {allowed}.",
                f"{path}.groupBy",
            )
        )
    if definition.bucket is not TimeBucket.NONE and not spec.buckets:
        errors.append(
            DomainError(
                ErrorCode.INVALID,
                f"{definition.kind.name} reports are not split by time; use bucket NONE.",
                f"{path}.bucket",
            )
        )
    if (
        definition.bucket is TimeBucket.DAY
        and (definition.ends_on - definition.starts_on).days > MAX_DAY_BUCKETS
    ):
        errors.append(
            DomainError(
                ErrorCode.INVALID,
                f"Split by day at most {MAX_DAY_BUCKETS} days; use WEEK or MONTH.",
                f"{path}.bucket",
            )
        )
    if definition.ends_on <= definition.starts_on:
        errors.append(
            DomainError(ErrorCode.INVALID, "`to` must be after `from` (it is exclusive).", f"{path}.to")
        )
    elif (definition.ends_on - definition.starts_on).days > MAX_RANGE_DAYS:
        errors.append(DomainError(ErrorCode.INVALID, "Ask for at most three years at a time.", f"{path}.to"))
    if definition.custom and spec.custom_object is None:
        errors.append(
            DomainError(
                ErrorCode.INVALID,
                f"{definition.kind.name} reports take no custom-field conditions.",
                f"{path}.custom",
            )
        )
    if definition.owner_id is not None and definition.team_id is not None:
        errors.append(
            DomainError(ErrorCode.INVALID, "Filter by an owner or a team, not both.", f"{path}.teamId")
        )
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    return definition


# --- stored form (saved reports and widgets keep the definition as JSON, never as SQL) ---------------


def conditions_to_json(conditions: tuple[Condition, ...]) -> list[dict[str, Any]]:
    stored = []
    for condition in conditions:
        entry: dict[str, Any] = {"key": condition.key}
        for name in condition.given:
            value = getattr(condition, name)
            entry[name] = list(value) if name in ("in_", "range") and value is not None else value
        stored.append(entry)
    return stored


def conditions_from_json(stored: list[dict[str, Any]]) -> tuple[Condition, ...]:
    conditions = []
    for entry in stored:
        given = frozenset(name for name in entry if name != "key")
        values = {name: entry[name] for name in given}
        if "range" in values and values["range"] is not None:
            values["range"] = tuple(values["range"])
        conditions.append(Condition(key=entry["key"], given=given, **values))
    return tuple(conditions)


def definition_to_json(definition: Definition) -> dict[str, Any]:
    return {
        "kind": definition.kind.value,
        "metrics": [metric.value for metric in definition.metrics],
        "from": definition.starts_on.isoformat(),
        "to": definition.ends_on.isoformat(),
        "groupBy": definition.group_by.value,
        "bucket": definition.bucket.value,
        "ownerId": str(definition.owner_id) if definition.owner_id else None,
        "teamId": str(definition.team_id) if definition.team_id else None,
        "custom": conditions_to_json(definition.custom),
        "relative": definition.relative.value if definition.relative else None,
    }


def definition_from_json(stored: dict[str, Any], today: date | None = None) -> Definition:
    """A stored definition; a relative one gets its period's dates on `today` (default: today, UTC)."""
    relative = RelativePeriod(stored["relative"]) if stored.get("relative") else None
    if relative is not None:
        starts_on, ends_on = period_of(relative, today or utc_today())
    else:
        starts_on, ends_on = date.fromisoformat(stored["from"]), date.fromisoformat(stored["to"])
    return Definition(
        kind=ReportKind(stored["kind"]),
        metrics=tuple(Metric(metric) for metric in stored["metrics"]),
        starts_on=starts_on,
        ends_on=ends_on,
        relative=relative,
        group_by=Grouping(stored["groupBy"]),
        bucket=TimeBucket(stored["bucket"]),
        owner_id=uuid.UUID(stored["ownerId"]) if stored.get("ownerId") else None,
        team_id=uuid.UUID(stored["teamId"]) if stored.get("teamId") else None,
        custom=conditions_from_json(stored.get("custom") or []),
    )
