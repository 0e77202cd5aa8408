"""Time buckets, and the spans a job-built rollup is read in so that its cost follows the buckets shown,
not the days in the period.

A job-built rollup (`reports.refresh`) holds each figure three times: per day, per ISO week (Monday) and per
calendar month, each row on its span's first day (`grain`, `day`). A definition reads the fewest rows that
cover its period exactly: a whole month where the month lies inside the period and inside one of the
report's time buckets, then whole weeks on the same terms, then single days at the edges. A year by week
reads ~52 week rows per key instead of 365 day rows; a year by month ~12 plus the edge days. Every span
lies inside one bucket and starts inside the period, so the engine's bucketing of a fact's `day` and its
period filter place it exactly as they would place its days. Only figures without a currency use spans:
an amount is converted at its own day's rate, so it must stay a day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, false, or_

from graph.reports.catalog import Definition, TimeBucket

DAY, WEEK, MONTH = "day", "week", "month"
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


def fits(first: date, end: date, definition: Definition) -> bool:
    """A span [first, end) can stand for its days: inside the period and inside one bucket."""
    if first < definition.starts_on or end > definition.ends_on:
        return False
    bucket = definition.bucket
    return bucket is TimeBucket.NONE or truncate(first, bucket) == truncate(end - timedelta(days=1), bucket)


def spans(definition: Definition) -> list[tuple[str, date, date]]:
    """(grain, first span start, end of span starts) ranges that cover the period exactly, coarsest first
    wherever a span fits. A week is not taken across a month start that a month span could use."""
    chosen: list[tuple[str, date, date]] = []
    cursor = definition.starts_on
    while cursor < definition.ends_on:
        month_end = next_bucket(cursor, TimeBucket.MONTH)
        week_end = cursor + timedelta(days=7)
        if cursor.day == 1 and fits(cursor, month_end, definition):
            grain, end = MONTH, month_end
        elif (
            cursor.weekday() == 0
            and fits(cursor, week_end, definition)
            and (definition.bucket is TimeBucket.WEEK or week_end <= month_end)
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


def in_spans(grain_column: Any, day_column: Any, definition: Definition) -> Any:
    """The rollup rows that cover the definition's period: one range of span starts per grain run (the
    rollup's key leads with tenant, grain, day, so each range is one index range)."""
    ranges = [
        and_(grain_column == grain, day_column >= first, day_column < end)
        for grain, first, end in spans(definition)
    ]
    return or_(false(), *ranges)
