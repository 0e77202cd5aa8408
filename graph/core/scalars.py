"""Custom scalars shared by the areas, registered once in the schema's `scalar_map`.

Every scalar a client sends is parsed strictly here, and a value that does not parse raises
`ScalarInputError`: graphql-core reports it with the literal's location (or the variable's), and
`RequestLifecycle` gives it the code INVALID, so a client can tell a bad value from a server fault.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any, NewType

import dateutil.parser
import strawberry

from tenants.validation import DECIMAL_FORMAT_HINT, plain_decimal

MAX_SAFE_INTEGER = 2**53 - 1  # exact in every JSON parser

# GraphQL's Int stops at 2^31-1 (2 GiB); file sizes and quotas need more.
ByteCount = NewType("ByteCount", int)

# Dates far enough inside Python's and PostgreSQL's calendars that date arithmetic (a day after, a
# period's end, ages) never overflows, wide enough for birthdays and "until further notice" ends.
FIRST_DATE, LAST_DATE = dt.date(1000, 1, 1), dt.date(8999, 12, 31)
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
DATE_RANGE_HINT = f"between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}"


class ScalarInputError(ValueError):
    """A scalar value the client sent that does not parse; reported as a top-level INVALID error."""


def parse_byte_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise ScalarInputError(f"A byte count is a whole number from 0 to {MAX_SAFE_INTEGER}.")
    return value


def parse_decimal(value: Any) -> decimal.Decimal:
    """Strings (or JSON numbers) in plain decimal notation only: the money validator of the API."""
    try:
        return plain_decimal(value)
    except ValueError:
        raise ScalarInputError(f"Use a plain decimal number, {DECIMAL_FORMAT_HINT}.") from None


def parse_date(value: Any) -> dt.date:
    if not isinstance(value, str) or not DATE_TEXT.fullmatch(value):
        raise ScalarInputError(f"Use a date as YYYY-MM-DD, {DATE_RANGE_HINT}.")
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError as error:
        raise ScalarInputError(f"Not a calendar date ({error}); use YYYY-MM-DD.") from None
    return in_calendar(parsed, parsed)


def parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise ScalarInputError("Use an ISO 8601 date and time, e.g. 2026-03-31T14:00:00Z.")
    try:
        parsed = dateutil.parser.isoparse(value)
    except (ValueError, OverflowError) as error:
        raise ScalarInputError(f"Not an ISO 8601 date and time ({error}).") from None
    if parsed.tzinfo is None:
        # Without an offset the time is read as UTC: every instant the services compare is aware.
        parsed = parsed.replace(tzinfo=dt.UTC)
    return in_calendar(parsed.date(), parsed)


def in_calendar(day: dt.date, value: Any) -> Any:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ScalarInputError(f"Use a date {DATE_RANGE_HINT}.")
    return value


SCALAR_MAP = {
    ByteCount: strawberry.scalar(
        name="ByteCount",
        serialize=int,
        parse_value=parse_byte_count,
        description="A number of bytes: a whole JSON number from 0 to 2^53-1 (GraphQL's Int stops at 2 GiB).",
    ),
    decimal.Decimal: strawberry.scalar(
        name="Decimal",
        serialize=str,
        parse_value=parse_decimal,
        description=f"A decimal number as a string in plain notation, {DECIMAL_FORMAT_HINT}.",
    ),
    dt.date: strawberry.scalar(
        name="Date",
        serialize=dt.date.isoformat,
        parse_value=parse_date,
        description=f"A calendar date, YYYY-MM-DD, {DATE_RANGE_HINT}.",
    ),
    dt.datetime: strawberry.scalar(
        name="DateTime",
        serialize=dt.datetime.isoformat,
        parse_value=parse_datetime,
        description=f"A date and time in ISO 8601, {DATE_RANGE_HINT}; without an offset it is read as UTC.",
    ),
}
