"""The spans a job-built or trigger-kept rollup is read in (graph/reports/spans.py): they cover a period's
days exactly once, each lies inside the period and inside one bucket, and they are as coarse as that
allows (a year by month is whole months plus edge days; by week, whole weeks plus edge days)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from graph.reports.catalog import Definition, Metric, ReportKind, TimeBucket
from graph.reports.spans import DAY, MONTH, WEEK, next_bucket, spans, truncate


def days_of(grain: str, first: date, end: date) -> list[tuple[date, date]]:
    """The (span start, span end) of each span a (grain, first, end) range stands for."""
    result, cursor = [], first
    while cursor < end:
        after = {DAY: cursor + timedelta(days=1), WEEK: cursor + timedelta(days=7)}.get(
            grain, next_bucket(cursor, TimeBucket.MONTH)
        )
        result.append((cursor, after))
        cursor = after
    return result


def test_spans_cover_every_day_once_inside_one_bucket():
    generator = random.Random(19)
    for _ in range(400):
        start = date(2025, 1, 1) + timedelta(days=generator.randrange(700))
        end = start + timedelta(days=generator.randrange(1, 366))
        bucket = generator.choice(list(TimeBucket))
        definition = Definition(ReportKind.ACTIVITIES, (Metric.ACTIVITY_COUNT,), start, end, bucket=bucket)
        covered: list[date] = []
        for grain, first, after in spans(definition):
            assert grain != MONTH or first.day == 1
            assert grain != WEEK or first.weekday() == 0
            for span_start, span_end in days_of(grain, first, after):
                assert start <= span_start and span_end <= end
                last = span_end - timedelta(days=1)
                assert bucket is TimeBucket.NONE or truncate(span_start, bucket) == truncate(last, bucket)
                covered += [span_start + timedelta(days=n) for n in range((span_end - span_start).days)]
        assert covered == [start + timedelta(days=n) for n in range((end - start).days)]


def test_a_year_reads_months_or_weeks_and_only_the_edges_as_days():
    start, end = date(2025, 12, 3), date(2026, 12, 4)
    monthly = Definition(ReportKind.FORECAST, (Metric.BEST_CASE,), start, end, bucket=TimeBucket.MONTH)
    assert spans(monthly) == [
        (DAY, date(2025, 12, 3), date(2025, 12, 8)),
        (WEEK, date(2025, 12, 8), date(2025, 12, 29)),
        (DAY, date(2025, 12, 29), date(2026, 1, 1)),
        (MONTH, date(2026, 1, 1), date(2026, 12, 1)),
        (DAY, date(2026, 12, 1), date(2026, 12, 4)),
    ]
    weekly = Definition(ReportKind.ACTIVITIES, (Metric.ACTIVITY_COUNT,), start, end, bucket=TimeBucket.WEEK)
    assert spans(weekly) == [
        (DAY, date(2025, 12, 3), date(2025, 12, 8)),
        (WEEK, date(2025, 12, 8), date(2026, 11, 30)),
        (DAY, date(2026, 11, 30), date(2026, 12, 4)),
    ]
    # Not bucketed: the week of 29 December would cross the month start, so its days are read.
    whole = Definition(ReportKind.ACTIVITIES, (Metric.ACTIVITY_COUNT,), start, date(2026, 1, 12))
    assert spans(whole) == [
        (DAY, date(2025, 12, 3), date(2025, 12, 8)),
        (WEEK, date(2025, 12, 8), date(2025, 12, 29)),
        (DAY, date(2025, 12, 29), date(2026, 1, 5)),
        (WEEK, date(2026, 1, 5), date(2026, 1, 12)),
    ]
    daily = Definition(ReportKind.ACTIVITIES, (Metric.ACTIVITY_COUNT,), start, end, bucket=TimeBucket.DAY)
    assert spans(daily) == [(DAY, start, end)]
