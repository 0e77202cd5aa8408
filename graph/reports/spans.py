"""Time buckets, and the spans a job-built rollup is read in so that its cost follows the buckets shown,
not the days in the period.

A job-built rollup (`reports.refresh`) holds each figure three times: per day, per ISO week (Monday) and per
calendar month, each row on its span's first day (`grain`, `day`). A definition reads the fewest rows that
cover its period exactly: a whole month where the month lies inside the period and inside one of the
report's time buckets, then whole weeks on the same terms, then single days at the edges. A year by week
reads ~52 week rows per key instead of 365 day rows; a year by month ~12 plus the edge days. Every span
lies inside one bucket and starts inside the period, so the engine's bucketing of a fact's `day` and its
period filter place it exactly as they would place its days. Only figures without a currency use spans:
an amount is converted at its own day's rate, so it must stay a day (the close rollups check when one rate
converts a whole span: graph/reports/sales_facts.py). A running total (the customers at risk) reads every
day before a date as whole years, then months, weeks and days (`spans_before`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, false, or_

from graph.reports.catalog import Definition, TimeBucket

DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"
GRAINS = (DAY, WEEK, MONTH)


def truncate(day: date, bucket: TimeBucket) -> date:
    if bucket is TimeBucket.DAY:
        return day
    if bucket is TimeBucket.WEEK:
        return day - timedelta(days=day.weekday())
    if bucket is TimeBucket.MONTH:
        return day.replace(day=1)
    if bucket is TimeBucket.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_bucket(day: date, bucket: TimeBucket) -> date:
    if bucket is TimeBucket.DAY:
        return day + timedelta(days=1)
    if bucket is TimeBucket.WEEK:
        return day + timedelta(days=7)
    months = {TimeBucket.MONTH: 1, TimeBucket.QUARTER: 3, TimeBucket.YEAR: 12}[bucket]
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def fits(first: date, end: date, starts_on: date, ends_on: date, bucket: TimeBucket) -> bool:
    """A span [first, end) can stand for its days: inside the period and inside one bucket."""
    if first < starts_on or end > ends_on:
        return False
    return bucket is TimeBucket.NONE or truncate(first, bucket) == truncate(end - timedelta(days=1), bucket)


def spans(definition: Definition) -> list[tuple[str, date, date]]:
    """(grain, first span start, end of span starts) ranges that cover the definition's period exactly."""
    return spans_between(definition.starts_on, definition.ends_on, definition.bucket)


def spans_between(starts_on: date, ends_on: date, bucket: TimeBucket) -> list[tuple[str, date, date]]:
    """(grain, first span start, end of span starts) ranges that cover [starts_on, ends_on) exactly,
    coarsest first wherever a span fits (inside the range and one `bucket`). A week is not taken across
    a month start that a month span could use."""
    chosen: list[tuple[str, date, date]] = []
    cursor = starts_on
    while cursor < ends_on:
        month_end = next_bucket(cursor, TimeBucket.MONTH)
        week_end = cursor + timedelta(days=7)
        if cursor.day == 1 and fits(cursor, month_end, starts_on, ends_on, bucket):
            grain, end = MONTH, month_end
        elif (
            cursor.weekday() == 0
            and fits(cursor, week_end, starts_on, ends_on, bucket)
            and (bucket is TimeBucket.WEEK or week_end <= month_end)
        ):
            grain, end = WEEK, week_end
        else:
            grain, end = DAY, cursor + timedelta(days=1)
        if chosen and chosen[-1][0] == grain and chosen[-1][2] == cursor:
            chosen[-1] = (grain, chosen[-1][1], end)
        else:
            chosen.append((grain, cursor, end))
        cursor = end
    return chosen


def spans_before(ends_on: date) -> list[tuple[str, date, date]]:
    """Ranges of year, month, week and day spans that cover every day before `ends_on`: the whole years
    before its year, then spans_between from the year's first day (at most ~11 months, 4 weeks and 6
    days), so a running total reads a few dozen rows per key however long the history."""
    year_start = date(ends_on.year, 1, 1)
    return [(YEAR, date.min, year_start), *spans_between(year_start, ends_on, TimeBucket.NONE)]


def in_spans(grain_column: Any, day_column: Any, definition: Definition) -> Any:
    """The rollup rows that cover the definition's period: one range of span starts per grain run (the
    rollup's key leads with tenant, grain, day, so each range is one index range)."""
    return in_ranges(grain_column, day_column, spans(definition))


def in_ranges(grain_column: Any, day_column: Any, ranges: list[tuple[str, date, date]]) -> Any:
    """The rollup rows whose spans start in the given (grain, first, end) ranges."""
    return or_(
        false(),
        *(and_(grain_column == grain, day_column >= first, day_column < end) for grain, first, end in ranges),
    )
