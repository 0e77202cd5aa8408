"""Money rules every area shares: currency codes, rounding, conversion into the tenant's base currency.

The rounding rule, the only one (every service and report uses `quantize` below):
- places: the currency's minor unit (2 digits for EUR and CNY, 0 for JPY, 3 for KWD; Babel's CLDR data);
- mode: half-up, i.e. away from zero on a tie (2.345 -> 2.35, -2.345 -> -2.35), like most invoices;
- when: arithmetic stays exact (Decimal in Python, numeric in SQL, never float) and a figure is rounded
  once, where it is shown: a quote line's gross, net and tax; a converted report figure (a board column,
  a funnel stage, a forecast row, a receivables bucket of one customer); a total is the sum of the
  rounded figures shown beneath it (quote totals add the lines, a receivables customer adds its buckets,
  report totals add their rows), so every document adds up on screen;
- input: every amount a caller gives (payments, installments, budgets, expenses, cost rates, deal amounts,
  currency custom fields) must already have at most the minor digits and is refused otherwise, never
  silently rounded (`tenants.validation.money_amount`, the one validator); unit prices and exchange
  rates are not amounts and may carry up to four decimals (sub-cent prices).

Conversion multiplies by the rate in effect on the relevant date (the latest rate whose `effective_on`
is on or before it). Rates are stored as "1 unit of currency = rate units of base currency". A figure
that needs a rate the tenant has not entered is not converted: reports show it as null and name the
missing rate (`MissingRate`), never as 0.00, and still answer everything else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from babel.numbers import list_currencies
from sqlalchemy import ColumnElement, Text, and_, case, cast, func, literal, null, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from graph.money.models import ExchangeRate
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.locales import validate_currency
from tenants.models import Tenant
from tenants.permissions import Actor, Capability
from tenants.validation import minor_units, plain_decimal

MAX_RATE = Decimal("1e9")


@cache
def _unusual_minor_units() -> dict[str, int]:
    return {code: units for code in list_currencies() if (units := minor_units(code)) != 2}


def shown_sql(exact: Any, currency: Any, complete: Any) -> ColumnElement[str]:
    """`shown` in SQL, as the text Strawberry gives a Decimal: rounded half away from zero (PostgreSQL's
    `round` on numeric) to the currency's minor units, NULL when incomplete."""
    places = case(
        *((currency == code, units) for code, units in sorted(_unusual_minor_units().items())), else_=2
    )
    rounded = func.round(func.coalesce(exact, 0), places)
    return case((complete, cast(rounded, Text)), else_=null())


def quantize(amount: Decimal, currency: str) -> Decimal:
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def parse_amount(value: Any, field: str, *, allow_negative: bool = False) -> Decimal:
    try:
        amount = plain_decimal(value)
    except ValueError as error:
        raise DomainError(ErrorCode.INVALID, str(error), field) from None
    if not amount.is_finite():
        raise DomainError(ErrorCode.INVALID, "An amount must be a finite number.", field)
    if amount < 0 and not allow_negative:
        raise DomainError(ErrorCode.INVALID, "An amount cannot be negative.", field)
    return amount


async def base_currency(session: AsyncSession, tenant_id: uuid.UUID) -> str:
    """The tenant's base currency, read once per transaction (a dashboard's reports each asked for it:
    three statements for one value); `set_base_currency` forgets it."""
    transaction = session.sync_session.get_transaction()
    known = session.info.get(BASE_CURRENCY)
    if known is not None and known[0] is transaction and known[1] == tenant_id:
        return known[2]
    currency = (await session.scalar(select(Tenant.base_currency).where(Tenant.id == tenant_id))) or "USD"
    session.info[BASE_CURRENCY] = (transaction, tenant_id, currency)
    return currency


BASE_CURRENCY = "money.base_currency"  # session.info key: (transaction, tenant id, currency)


async def rate_on(session: AsyncSession, tenant_id: uuid.UUID, currency: str, on: date) -> Decimal | None:
    if currency == await base_currency(session, tenant_id):
        return Decimal(1)
    return await session.scalar(
        select(ExchangeRate.rate)
        .where(
            ExchangeRate.tenant_id == tenant_id,
            ExchangeRate.currency == currency,
            ExchangeRate.effective_on <= on,
        )
        .order_by(ExchangeRate.effective_on.desc())
        .limit(1)
    )


def today() -> date:
    """Today in UTC: the day whose rate "today's rate" means."""
    return datetime.now(UTC).date()


def shown(exact: Any, currency: str, *, complete: bool = True) -> Decimal | None:
    """A converted figure as reports show it: rounded once, or None when part of it had no rate."""
    return quantize(Decimal(exact or 0), currency) if complete else None


@dataclass(frozen=True)
class MissingRate:
    """A rate a report needed and the tenant has not entered: 1 `currency` = ? `base_currency`.

    A rate effective on or before `needed_from` (the earliest date the report needed) covers them all.
    """

    currency: str
    base_currency: str
    needed_from: date


def rate_need_sql(currency: Any, on_date: Any) -> ColumnElement[str]:
    """A (currency, date) a report needed a rate for, as SQL text to aggregate: 'CUR yyyy-mm-dd'."""
    return func.concat(currency, " ", func.to_char(on_date, "YYYY-MM-DD"))


def parsed_needs(values: Iterable[str | None]) -> Iterator[tuple[str, date]]:
    """The (currency, date) pairs of `rate_need_sql` values."""
    for value in values:
        if value:
            currency, day = value.split(" ")
            yield currency, date.fromisoformat(day)


def missing_rates(base: str, needs: Iterable[tuple[str, date]]) -> list[MissingRate]:
    """One entry per currency, with the earliest date it was needed on, by currency code."""
    earliest: dict[str, date] = {}
    for currency, on in needs:
        earliest[currency] = min(on, earliest.get(currency, on))
    return [MissingRate(currency, base, on) for currency, on in sorted(earliest.items())]


def rate_to_base_sql(currency_column: Any, on_date_column: Any) -> ColumnElement[Decimal]:
    """Per-row rate for reports that convert in SQL: 1 for the base currency, NULL when missing.

    Reads the request's tenant setting (`app.tenant_id`), the same one RLS enforces.
    """
    current_tenant = cast(func.nullif(func.current_setting("app.tenant_id", True), ""), UUID)
    tenant_base = select(Tenant.base_currency).where(Tenant.id == current_tenant).scalar_subquery()
    latest_rate = (
        select(ExchangeRate.rate)
        .where(
            and_(
                ExchangeRate.tenant_id == current_tenant,
                ExchangeRate.currency == currency_column,
                ExchangeRate.effective_on <= on_date_column,
            )
        )
        .order_by(ExchangeRate.effective_on.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((currency_column == tenant_base, literal(Decimal(1))), else_=latest_rate)


# --- administration --------------------------------------------------------------------------


async def set_base_currency(session: AsyncSession, actor: Actor, code: str) -> str:
    """Changing the base currency does not rewrite rates: they must then be quoted against the new one."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    currency = validate_currency(code, "currency")
    tenant = await session.get(Tenant, actor.tenant_id)
    assert tenant is not None  # the actor's own tenant always exists inside its wall
    before, tenant.base_currency = tenant.base_currency, currency
    await session.flush()
    session.info.pop(BASE_CURRENCY, None)
    await audit.record(
        session, actor, "tenant.set_base_currency", "tenant", tenant.id, {"base_currency": [before, currency]}
    )
    return currency


async def set_exchange_rate(
    session: AsyncSession, actor: Actor, currency: str, effective_on: date, rate: Any
) -> ExchangeRate:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    code = validate_currency(currency)
    if code == await base_currency(session, actor.tenant_id):
        raise DomainError(
            ErrorCode.INVALID, f"{code} is the base currency; its rate is always 1.", "currency"
        )
    value = parse_amount(rate, "rate")
    if value == 0 or value > MAX_RATE:
        raise DomainError(ErrorCode.INVALID, "A rate is greater than 0 and at most 1e9.", "rate")
    existing = await session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.tenant_id == actor.tenant_id,
            ExchangeRate.currency == code,
            ExchangeRate.effective_on == effective_on,
        )
    )
    before = existing.rate if existing else None
    if existing is None:
        existing = ExchangeRate(
            tenant_id=actor.tenant_id, currency=code, effective_on=effective_on, rate=value
        )
        session.add(existing)
    else:
        existing.rate = value
    await session.flush()
    await audit.record(
        session,
        actor,
        "exchange_rate.set",
        "exchange_rate",
        existing.id,
        {"currency": [None, code], "effective_on": [None, effective_on], "rate": [before, value]},
    )
    return existing


async def delete_exchange_rate(session: AsyncSession, actor: Actor, rate_id: uuid.UUID) -> ExchangeRate:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    existing = await session.get(ExchangeRate, (actor.tenant_id, rate_id))
    if existing is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No exchange rate with this id.", "id")
    await session.delete(existing)
    await session.flush()
    await audit.record(
        session, actor, "exchange_rate.delete", "exchange_rate", rate_id, {"rate": [existing.rate, None]}
    )
    return existing
