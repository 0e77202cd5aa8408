"""Business hours: SLA targets count working minutes of the tenant's week, skipping its holidays.

A `WorkWeek` is the tenant's working day per ISO weekday (minutes after local midnight, one span a day),
its offset from UTC and its holidays (local dates). Pure functions, no I/O: `add_working_minutes` finds
when a target falls due, `working_minutes_between` measures what is left when a paused clock resumes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.service.models import ServiceHoliday, ServiceSettings
from tenants.errors import DomainError, ErrorCode

# Monday-Friday 09:00-18:00 (UTC unless the tenant sets an offset).
DEFAULT_WEEK: dict[int, tuple[int, int]] = {day: (9 * 60, 18 * 60) for day in range(1, 6)}
DEFAULT_REOPEN_WINDOW_DAYS = 7
# A target that needs more than this many calendar days to fall due is a configuration error.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class WorkWeek:
    hours: Mapping[int, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_WEEK))
    utc_offset_minutes: int = 0
    holidays: frozenset[date] = frozenset()

    def span(self, day: date) -> tuple[datetime, datetime] | None:
        """The working span of local `day` in UTC, or None when it is not a working day."""
        hours = self.hours.get(day.isoweekday())
        if hours is None or day in self.holidays:
            return None
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(
            minutes=self.utc_offset_minutes
        )
        return midnight + timedelta(minutes=hours[0]), midnight + timedelta(minutes=hours[1])

    def local_day(self, moment: datetime) -> date:
        return (moment + timedelta(minutes=self.utc_offset_minutes)).date()


def add_working_minutes(week: WorkWeek, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` working minutes after `start`."""
    remaining = timedelta(minutes=minutes)
    day = week.local_day(start)
    for _ in range(MAX_DAYS):
        span = week.span(day)
        if span is not None:
            begin = max(span[0], start)
            if begin < span[1]:
                available = span[1] - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise DomainError(ErrorCode.INVALID, "The working week leaves no time to meet this target.", "week")


def working_minutes_between(week: WorkWeek, start: datetime, end: datetime) -> float:
    """Working minutes from `start` to `end` (0 when `end` is not later)."""
    if end <= start:
        return 0.0
    total = timedelta()
    day = week.local_day(start)
    last = week.local_day(end)
    while day <= last:
        span = week.span(day)
        if span is not None:
            begin, finish = max(span[0], start), min(span[1], end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 60


def parse_week(data: Mapping[str, Any]) -> dict[int, tuple[int, int]]:
    return {int(day): (int(span[0]), int(span[1])) for day, span in data.items()}


def clean_week(spans: Iterable[tuple[int, int, int]]) -> dict[str, list[int]]:
    """(ISO weekday, start minute, end minute) triples into the stored form; one span per day."""
    week: dict[str, list[int]] = {}
    for weekday, start, end in spans:
        if not 1 <= weekday <= 7:
            raise DomainError(ErrorCode.INVALID, "Weekdays are 1 (Monday) to 7 (Sunday).", "week")
        if not 0 <= start < end <= 24 * 60:
            raise DomainError(
                ErrorCode.INVALID, "A working day starts before it ends, within 00:00-24:00.", "week"
            )
        if str(weekday) in week:
            raise DomainError(ErrorCode.INVALID, "Give each weekday at most once.", "week")
        week[str(weekday)] = [start, end]
    if not week:
        raise DomainError(ErrorCode.INVALID, "Give at least one working day.", "week")
    return week


async def service_settings(session: AsyncSession, tenant_id: uuid.UUID) -> ServiceSettings | None:
    return await session.scalar(select(ServiceSettings).where(ServiceSettings.tenant_id == tenant_id))


def week_columns(tenant_id: uuid.UUID) -> list[Any]:
    """The week, its offset and the holidays as scalar subqueries (for a statement that reads more)."""
    own = ServiceSettings.tenant_id == tenant_id
    holidays = select(func.array_agg(ServiceHoliday.day)).where(ServiceHoliday.tenant_id == tenant_id)
    return [
        select(ServiceSettings.week).where(own).scalar_subquery(),
        select(ServiceSettings.utc_offset_minutes).where(own).scalar_subquery(),
        holidays.scalar_subquery(),
    ]


def week_of(week: Mapping[str, Any] | None, offset: int | None, holidays: Iterable[date] | None) -> WorkWeek:
    """The WorkWeek of `week_columns`' values (the default week when the tenant has set none)."""
    days = frozenset(holidays or ())
    if week is None:
        return WorkWeek(holidays=days)
    return WorkWeek(parse_week(week), offset or 0, days)


async def work_week(session: AsyncSession, tenant_id: uuid.UUID) -> WorkWeek:
    """The tenant's week (the default when it has set none) with its holidays: one statement."""
    week, offset, holidays = (await session.execute(select(*week_columns(tenant_id)))).one()
    return week_of(week, offset, holidays)
