"""Receivables as of a date: what each customer still owes on its open contracts, aged by how long each
unpaid installment has been due, converted into the tenant's base currency.

What a contract owes comes from `payments.owed_on`, the rule `Contract.overdueAmount` uses too: only
contracts accepted on or before `as_of` and payments received on or before it count, so a report for a
past date reads the same tomorrow, and cancelled contracts owe nothing. Buckets by days past the due
date: current (not yet due, or due that day), 1-30, 31-60, 61-90, 90+; the buckets past current add up to
the contracts' `overdueAmount(asOf)`. Conversion uses the exchange rate in effect on `as_of`; by the money
rule each customer's bucket is converted exactly and rounded once, and customer and grand totals add the
rounded buckets. A currency without a rate does not fail the report: the buckets (and totals) it is part
of are None, the customer and the report name the missing rate, and every other figure answers.
Visibility follows contract read permission and record scope.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.money.service import MissingRate, base_currency, missing_rates, rate_on, shown
from graph.sales.commerce.contracts import visible_contracts
from graph.sales.commerce.models import Contract, Installment, Payment
from graph.sales.commerce.payments import owed_on
from tenants.permissions import Actor

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")


def bucket_of(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "days_1_30"
    if days_overdue <= 60:
        return "days_31_60"
    if days_overdue <= 90:
        return "days_61_90"
    return "days_over_90"


@dataclass
class Aging:
    """Amounts per bucket; None for a bucket that needed a missing exchange rate."""

    amounts: dict[str, Decimal | None] = field(default_factory=lambda: dict.fromkeys(BUCKETS, Decimal(0)))

    @property
    def total(self) -> Decimal | None:
        return add_known(self.amounts.values())

    def add(self, other: Aging) -> None:
        for bucket in BUCKETS:
            self.amounts[bucket] = add_known([self.amounts[bucket], other.amounts[bucket]])


def add_known(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """The sum, or None when any part is unknown."""
    parts = list(amounts)
    return None if any(part is None for part in parts) else sum(parts, Decimal(0))  # type: ignore[arg-type]


@dataclass
class CustomerReceivable:
    account_id: uuid.UUID
    contract_count: int
    aging: Aging
    missing_rates: list[MissingRate]


@dataclass
class Receivables:
    as_of: date
    currency: str
    customers: list[CustomerReceivable]
    totals: Aging
    missing_rates: list[MissingRate]


async def receivables(
    session: AsyncSession, actor: Actor, as_of: date, conditions: Sequence[ColumnElement[bool]] = ()
) -> Receivables:
    """`conditions` narrow the contracts further (the reports' owner, team and custom-field filters);
    they never widen the caller's record scope."""
    # Accepted on or before as_of: created before the end of that day (UTC).
    end_of_day = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    contracts = list(
        await session.scalars(
            visible_contracts(actor)
            .where(
                *conditions,
                Contract.status != "cancelled",
                Contract.created_at < end_of_day,
                # Owed now, or paid (partly) after as_of: the rest were settled by then and owe nothing.
                (Contract.paid_amount < Contract.amount)
                | exists().where(
                    Payment.tenant_id == Contract.tenant_id,
                    Payment.contract_id == Contract.id,
                    Payment.received_on > as_of,
                ),
            )
            .order_by(Contract.account_id, Contract.id)
        )
    )
    ids = [contract.id for contract in contracts]
    paid = (
        dict(
            (
                await session.execute(
                    select(Payment.contract_id, func.sum(Payment.amount))
                    .where(Payment.contract_id.in_(ids), Payment.received_on <= as_of)
                    .group_by(Payment.contract_id)
                )
            ).all()
        )
        if ids
        else {}
    )
    plans: dict[uuid.UUID, list[Installment]] = defaultdict(list)
    if ids:
        for installment in await session.scalars(select(Installment).where(Installment.contract_id.in_(ids))):
            plans[installment.contract_id].append(installment)

    # (account, currency) -> aging in that currency
    native: dict[tuple[uuid.UUID, str], Aging] = defaultdict(Aging)
    counts: dict[uuid.UUID, int] = defaultdict(int)
    for contract in contracts:
        schedule = owed_on(contract, plans[contract.id], Decimal(paid.get(contract.id) or 0), as_of)
        if not any(due.unpaid for due in schedule):
            continue
        counts[contract.account_id] += 1
        aging = native[(contract.account_id, contract.currency)]
        for due in schedule:
            aging.amounts[bucket_of((as_of - due.due_date).days)] += due.unpaid

    base = await base_currency(session, actor.tenant_id)
    rates = {
        currency: await rate_on(session, actor.tenant_id, currency, as_of)
        for currency in sorted({currency for _, currency in native})
    }
    # account -> bucket -> exact amount in the base currency, None once a part of it had no rate
    exact: dict[uuid.UUID, dict[str, Decimal | None]] = defaultdict(
        lambda: dict.fromkeys(BUCKETS, Decimal(0))
    )
    lacking: dict[uuid.UUID, set[str]] = defaultdict(set)
    for (account_id, currency), aging in native.items():
        rate = rates[currency]
        for bucket, amount in aging.amounts.items():
            if not amount:
                continue
            if rate is None:
                exact[account_id][bucket] = None
                lacking[account_id].add(currency)
            else:
                exact[account_id][bucket] = add_known([exact[account_id][bucket], amount * rate])
    totals = Aging()
    customers = []
    for account_id, amounts in exact.items():
        aging = Aging(
            {bucket: shown(value, base, complete=value is not None) for bucket, value in amounts.items()}
        )
        totals.add(aging)
        needs = [(currency, as_of) for currency in lacking[account_id]]
        customers.append(
            CustomerReceivable(account_id, counts[account_id], aging, missing_rates(base, needs))
        )
    # Largest first; a customer whose total is unknown after the known ones.
    customers.sort(key=lambda row: (row.aging.total is None, -(row.aging.total or 0), str(row.account_id)))
    everything_lacking = [(currency, as_of) for currencies in lacking.values() for currency in currencies]
    return Receivables(as_of, base, customers, totals, missing_rates(base, everything_lacking))
