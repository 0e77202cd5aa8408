"""Input checks shared by the commerce services: percentages, quantities, prices, dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tenants.errors import DomainError, ErrorCode

MAX_AMOUNT = Decimal("99999999999999")  # numeric(18,4) holds 14 integer digits
MAX_QUANTITY = Decimal("9999999999")  # numeric(14,4) holds 10 integer digits
FOUR_PLACES = Decimal("0.0001")


def exact(value: Decimal, field: str) -> Decimal:
    """A finite Decimal with at most four decimal places (what the columns store exactly)."""
    try:
        if not value.is_finite():
            raise InvalidOperation
        if value != value.quantize(FOUR_PLACES):
            raise DomainError(ErrorCode.INVALID, "Use at most four decimal places.", field)
    except InvalidOperation:
        raise DomainError(ErrorCode.INVALID, "Not a number.", field) from None
    return value


def percent(value: Decimal | None, field: str) -> Decimal:
    """A percentage from 0 to 100 (null means 0)."""
    if value is None:
        return Decimal(0)
    value = exact(value, field)
    if value < 0 or value > 100:
        raise DomainError(ErrorCode.INVALID, "A percentage is between 0 and 100.", field)
    return value


def price(value: Decimal | None, field: str) -> Decimal:
    if value is None:
        raise DomainError(ErrorCode.REQUIRED, "A price is required.", field)
    value = exact(value, field)
    if value < 0:
        raise DomainError(ErrorCode.INVALID, "A price cannot be negative.", field)
    if value > MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, f"A price is at most {MAX_AMOUNT}.", field)
    return value


def quantity(value: Decimal | None, field: str) -> Decimal:
    if value is None:
        raise DomainError(ErrorCode.REQUIRED, "A quantity is required.", field)
    value = exact(value, field)
    if value <= 0:
        raise DomainError(ErrorCode.INVALID, "A quantity must be greater than zero.", field)
    if value > MAX_QUANTITY:
        raise DomainError(ErrorCode.INVALID, f"A quantity is at most {MAX_QUANTITY}.", field)
    return value


def date_range(start: date | None, end: date | None, field: str) -> None:
    if start is not None and end is not None and end < start:
        raise DomainError(ErrorCode.INVALID, "The end date cannot be before the start date.", field)


def valid_on(start: date | None, end: date | None, day: date) -> bool:
    """Validity windows include both ends; a missing end is open."""
    return (start is None or start <= day) and (end is None or day <= end)


def plain(value: Decimal) -> Decimal:
    """A stored numeric(…,4) without its padding zeros: 10.0000 -> 10, 0.2500 -> 0.25."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def snapshot(record: Any, fields: Iterable[str]) -> dict[str, Any]:
    """Field values for the audit diff; numbers without storage padding, so 100.0000 equals 100.00."""
    values = {name: getattr(record, name) for name in fields}
    return {name: plain(value) if isinstance(value, Decimal) else value for name, value in values.items()}


def invalid_transition(message: str, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.INVALID_TRANSITION, message, field)
