"""Checks shared by the project services: money, currencies, dates, status transitions, snapshots."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.money.service import base_currency, parse_amount, quantize, validate_currency
from tenants.errors import DomainError, ErrorCode
from tenants.validation import money_amount

__all__ = [
    "check_version",
    "collect",
    "currency_code",
    "date_order",
    "flush_versioned",
    "money",
    "require_transition",
    "snapshot",
    "tenant_currency",
]

MAX_MONEY = Decimal("1e16")


def money(
    value: Decimal | None, currency: str, field: str, *, positive: bool = False, signed: bool = False
) -> Decimal | None:
    """At most the currency's minor digits (more are refused); negative only when `signed`, zero refused
    when `positive`."""
    if value is None:
        return None
    # Validated, then written with the currency's minor digits (100 -> 100.00: the same figure).
    amount = quantize(
        money_amount(parse_amount(value, field, allow_negative=True), currency, field), currency
    )
    if abs(amount) >= MAX_MONEY:
        raise DomainError(ErrorCode.INVALID, "The amount is too large.", field)
    if amount < 0 and not signed:
        raise DomainError(ErrorCode.INVALID, "The amount cannot be negative.", field)
    if positive and amount <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", field)
    return amount


def currency_code(value: str | None, field: str = "currency") -> str:
    return validate_currency(value, field)


async def tenant_currency(session: AsyncSession, tenant_id: uuid.UUID) -> str:
    return await base_currency(session, tenant_id)


def date_order(start: date | None, end: date | None, field: str) -> None:
    if start is not None and end is not None and end < start:
        raise DomainError(ErrorCode.INVALID, "The end date cannot be before the start date.", field)


def require_transition(
    transitions: Mapping[str, frozenset[str]], current: str, target: str, what: str, field: str = "status"
) -> None:
    allowed = transitions.get(current, frozenset())
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "none"
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A {what} cannot move from {current} to {target}; allowed from {current}: {options}.",
            field,
        )
