"""Recurring calendar items: RFC 5545 RRULEs through python-dateutil, validated and expanded with bounds.

Only DAILY and coarser frequencies are accepted (a SECONDLY rule would make every calendar read expand
millions of occurrences); a window is at most MAX_WINDOW long and yields at most MAX_OCCURRENCES.
A rule is expanded in the item's IANA time zone (a tz-aware dtstart), so a weekly 09:00 meeting in
Europe/Berlin stays at 09:00 local across daylight-saving changes; occurrences are returned as UTC instants.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from tenants.errors import DomainError, ErrorCode

MAX_RULE = 500
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_WINDOW = timedelta(days=366)
MAX_OCCURRENCES = 1000
MAX_ZONE = 64


def zone_of(name: str, field: str = "timeZone") -> ZoneInfo:
    """The IANA zone called `name` (e.g. Europe/Berlin), or INVALID on `field`."""
    if not name or len(name) > MAX_ZONE:
        raise DomainError(ErrorCode.INVALID, "An IANA time zone, e.g. Europe/Berlin.", field)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(ErrorCode.INVALID, "An IANA time zone, e.g. Europe/Berlin.", field) from None


def parse_rule(text: str, starts_at: datetime, field: str = "recurrence") -> rrule:
    body = text.strip()
    body = body[len("RRULE:") :] if body.upper().startswith("RRULE:") else body
    if len(body) > MAX_RULE:
        raise DomainError(ErrorCode.TOO_LONG, f"A recurrence rule is at most {MAX_RULE} characters.", field)
    parts = dict(part.split("=", 1) for part in body.upper().split(";") if "=" in part)
    if parts.get("FREQ") not in FREQUENCIES:
        raise DomainError(ErrorCode.INVALID, f"FREQ must be one of {', '.join(FREQUENCIES)}.", field)
    try:
        rule = rrulestr(body, dtstart=starts_at)
    except (ValueError, TypeError) as error:
        raise DomainError(ErrorCode.INVALID, f"Not a valid RRULE: {error}.", field) from None
    assert isinstance(rule, rrule)  # a single RRULE line, never a set
    return rule


def clean_rule(text: str | None, starts_at: datetime) -> str | None:
    """The rule as stored (without the RRULE: prefix), or None."""
    if text is None or not text.strip():
        return None
    parse_rule(text, starts_at)
    body = text.strip()
    return body[len("RRULE:") :] if body.upper().startswith("RRULE:") else body


def check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise DomainError(ErrorCode.INVALID, "`to` must be after `from`.", "to")
    if end - start > MAX_WINDOW:
        raise DomainError(ErrorCode.INVALID, f"A window is at most {MAX_WINDOW.days} days.", "to")


def occurrences(
    starts_at: datetime,
    ends_at: datetime,
    rule_text: str | None,
    window_start: datetime,
    window_end: datetime,
    time_zone: str = "UTC",
) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) in UTC of each occurrence that overlaps [window_start, window_end); a rule repeats
    the first start's wall-clock time in `time_zone`."""
    duration = ends_at - starts_at
    if rule_text is None:
        if starts_at < window_end and starts_at + duration >= window_start:
            yield starts_at, ends_at
        return
    rule = parse_rule(rule_text, starts_at.astimezone(ZoneInfo(time_zone)))
    for local_start in islice(rule.xafter(window_start - duration, inc=True), MAX_OCCURRENCES):
        start = local_start.astimezone(UTC)
        if start >= window_end:
            return
        yield start, start + duration
