"""Recurring calendar items: RFC 5545 RRULEs through python-dateutil, validated and expanded with bounds.

Only DAILY and coarser frequencies are accepted (a SECONDLY rule would make every calendar read expand
millions of occurrences); a window is at most MAX_WINDOW long and yields at most MAX_OCCURRENCES.
Occurrences repeat the first item's UTC start time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice

from dateutil.rrule import rrule, rrulestr

from tenants.errors import DomainError, ErrorCode

MAX_RULE = 500
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_WINDOW = timedelta(days=366)
MAX_OCCURRENCES = 1000


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
) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) of each occurrence that overlaps [window_start, window_end)."""
    duration = ends_at - starts_at
    if rule_text is None:
        if starts_at < window_end and starts_at + duration >= window_start:
            yield starts_at, ends_at
        return
    rule = parse_rule(rule_text, starts_at)
    for start in islice(rule.xafter(window_start - duration, inc=True), MAX_OCCURRENCES):
        if start >= window_end:
            return
        yield start, start + duration
