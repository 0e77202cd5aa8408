"""Receivables as of a date: what each customer still owes on its open contracts, aged by how long each
unpaid installment has been due, converted into the tenant's base currency.

Only contracts accepted on or before `as_of` and payments received on or before it count, so a report
for a past date reads the same tomorrow. Buckets by days past the due date: current (not yet due, or
due that day), 1-30, 31-60, 61-90, 90+. Conversion uses the exchange rate in effect on `as_of`, one
conversion per customer, currency and bucket (each rounded half-up to the base currency's minor unit);
customer and grand totals add the converted buckets. A missing rate is an error naming the currency.
Cancelled contracts owe nothing. Visibility follows contract read permission and record scope.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.money.service import base_currency, to_base
from graph.sales.commerce.contracts import visible_contracts
from graph.sales.commerce.models import Contract, Installment, Payment
from graph.sales.commerce.payments import unpaid_schedule
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
    amounts: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, Decimal(0)))

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))

    def add(self, other: Aging) -> None:
        for bucket in BUCKETS:
            self.amounts[bucket] += other.amounts[bucket]


@dataclass
class CustomerReceivable:
    account_id: uuid.UUID
    contract_count: int
    aging: Aging


@dataclass
class Receivables:
    as_of: date
    currency: str
    customers: list[CustomerReceivable]
    totals: Aging


async def receivables(session: AsyncSession, actor: Actor, as_of: date) -> Receivables:
    # Accepted on or before as_of: created before the end of that day (UTC).
    end_of_day = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
    contracts = list(
        await session.scalars(
            visible_contracts(actor)
            .where(
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
        schedule = unpaid_schedule(contract, plans[contract.id], Decimal(paid.get(contract.id) or 0))
        if not any(due.unpaid for due in schedule):
            continue
        counts[contract.account_id] += 1
        aging = native[(contract.account_id, contract.currency)]
        for due in schedule:
            aging.amounts[bucket_of((as_of - due.due_date).days)] += due.unpaid

    base = await base_currency(session, actor.tenant_id)
    per_customer: dict[uuid.UUID, Aging] = defaultdict(Aging)
    for (account_id, currency), aging in native.items():
        converted = Aging()
        for bucket, amount in aging.amounts.items():
            if amount:
                converted.amounts[bucket] = await to_base(session, actor.tenant_id, amount, currency, as_of)
        per_customer[account_id].add(converted)
    totals = Aging()
    customers = []
    for account_id, aging in per_customer.items():
        totals.add(aging)
        customers.append(CustomerReceivable(account_id, counts[account_id], aging))
    customers.sort(key=lambda customer: (-customer.aging.total, str(customer.account_id)))
    return Receivables(as_of=as_of, currency=base, customers=customers, totals=totals)
