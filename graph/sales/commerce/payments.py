"""Payment plans, received payments and deliveries of a contract; they follow the contract's permissions
(read to see them, update to record them) and take the contract's row lock, so concurrent recorders
queue instead of both passing the "not more than outstanding" check.

- A payment plan is a list of installments (due date, amount) that must add up to the contract amount;
  setting it replaces the previous plan. Without a plan the whole amount is due on the start date.
- A payment is money received: dated today or earlier (future ones are installments of the plan), on a
  signed contract (active, or completed for a refund; a draft takes none). It is positive and at most
  the outstanding amount. A refund is recorded as a negative payment of at most what was paid so far;
  it lowers the paid amount (and reopens a completed contract).
- Amounts have at most the currency's minor digits (no sub-cent payments in EUR).
- Owed as of a date (`owed_on`, the one rule behind `Contract.overdueAmount` and the receivables
  report): nothing before the contract was accepted or once it is cancelled; otherwise each installment
  minus the payments received by that date (filling the earliest installments first). Overdue: what of
  it was due before that date, never below zero.
- Deliveries: the non-cancelled deliveries of a line never exceed its ordered quantity; only delivered
  ones count towards completion. A contract is complete when every line is delivered and it is paid.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.money.service import quantize
from graph.sales.commerce import rules
from graph.sales.commerce.contracts import get_contract, settle_status
from graph.sales.commerce.models import (
    CONTRACT,
    DELIVERY_STATUSES,
    PAYMENT_METHODS,
    Contract,
    ContractLine,
    Delivery,
    Installment,
    Payment,
)
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Action, Actor
from tenants.validation import money_amount, optional_text

MAX_INSTALLMENTS = 120
OPEN_STATUSES = ("draft", "active", "completed")
SIGNED_STATUSES = ("active", "completed")
# Tenants have no time zone yet: a date is "today or earlier" when it is so somewhere on Earth (UTC+14).
LATEST_OFFSET = timedelta(hours=14)


def money(value: Decimal | None, currency: str, field: str, *, allow_negative: bool = False) -> Decimal:
    """An amount in `currency` with no more digits than its minor unit."""
    if value is None:
        raise DomainError(ErrorCode.REQUIRED, "An amount is required.", field)
    value = money_amount(value, currency, field)
    if value == 0 or (value < 0 and not allow_negative):
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", field)
    if abs(value) > rules.MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, f"An amount is at most {rules.MAX_AMOUNT}.", field)
    return value


def require_open(contract: Contract) -> None:
    if contract.status not in OPEN_STATUSES:
        raise rules.invalid_transition(
            f"This contract is {contract.status}; nothing more can be recorded on it."
        )


async def installments_of(session: AsyncSession, contract_id: uuid.UUID) -> list[Installment]:
    return list(
        await session.scalars(
            select(Installment)
            .where(Installment.contract_id == contract_id)
            .order_by(Installment.due_date, Installment.position)
        )
    )


async def set_payment_plan(
    session: AsyncSession,
    actor: Actor,
    contract_id: uuid.UUID,
    version: int,
    installments: Sequence[tuple[date | None, Decimal | None]],
) -> Contract:
    actor.require(CONTRACT, Action.UPDATE)
    contract = await get_contract(session, actor, contract_id, lock=True)
    check_version(contract, version, "contract")
    if contract.status not in ("draft", "active"):
        raise rules.invalid_transition(f"The payment plan of a {contract.status} contract is final.")
    if not installments or len(installments) > MAX_INSTALLMENTS:
        raise DomainError(
            ErrorCode.INVALID, f"A plan has 1 to {MAX_INSTALLMENTS} installments.", "installments"
        )
    cleaned: list[tuple[date, Decimal]] = []
    for index, (due_date, amount) in enumerate(installments):
        if due_date is None:
            raise DomainError(
                ErrorCode.REQUIRED, "Each installment has a due date.", f"installments.{index}.dueDate"
            )
        cleaned.append((due_date, money(amount, contract.currency, f"installments.{index}.amount")))
    total = sum((amount for _, amount in cleaned), Decimal(0))
    if total != contract.amount:
        raise DomainError(
            ErrorCode.INVALID,
            f"The installments add up to {total} {contract.currency}; the contract amount is"
            f" {quantize(contract.amount, contract.currency)} {contract.currency}.",
            "installments",
        )
    before = [(str(i.due_date), str(i.amount)) for i in await installments_of(session, contract.id)]
    await session.execute(delete(Installment).where(Installment.contract_id == contract.id))
    session.add_all(
        Installment(
            tenant_id=actor.tenant_id,
            contract_id=contract.id,
            position=index,
            due_date=due_date,
            amount=amount,
        )
        for index, (due_date, amount) in enumerate(cleaned)
    )
    contract.updated_at = func.now()
    await flush_versioned(session, "contract")
    await session.refresh(contract)
    after = [(due_date.isoformat(), str(amount)) for due_date, amount in cleaned]
    await audit.record(
        session, actor, "contract.set_payment_plan", CONTRACT, contract.id, {"installments": [before, after]}
    )
    return contract


async def record_payment(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, values: Mapping[str, Any]
) -> tuple[Contract, Payment]:
    actor.require(CONTRACT, Action.UPDATE)
    contract = await get_contract(session, actor, contract_id, "contractId", lock=True)
    require_open(contract)
    if contract.status not in SIGNED_STATUSES:
        raise rules.invalid_transition(
            f"This contract is a {contract.status}; activate it (activateContract) once signed to record"
            " payments.",
            "contractId",
        )
    received_on = received_date(values.get("received_on"))
    amount = money(values.get("amount"), contract.currency, "amount", allow_negative=True)
    outstanding = quantize(contract.amount - contract.paid_amount, contract.currency)
    paid = quantize(contract.paid_amount, contract.currency)
    if amount > outstanding:
        raise DomainError(
            ErrorCode.INVALID,
            f"Only {outstanding} {contract.currency} is outstanding; a payment cannot exceed it.",
            "amount",
        )
    if -amount > paid:
        raise DomainError(
            ErrorCode.INVALID, f"A refund cannot exceed the {paid} {contract.currency} paid so far.", "amount"
        )
    method = values.get("method") or "bank_transfer"
    if method not in PAYMENT_METHODS:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(PAYMENT_METHODS)}.", "method")
    payment = Payment(
        tenant_id=actor.tenant_id,
        contract_id=contract.id,
        received_on=received_on,
        amount=amount,
        method=method,
        reference=optional_text(values.get("reference"), "reference", 200),
        recorded_by_id=actor.user_id,
    )
    session.add(payment)
    before = contract.paid_amount
    contract.paid_amount = before + amount
    await flush_versioned(session, "contract")
    await audit.record(
        session,
        actor,
        "contract.refund" if amount < 0 else "contract.payment",
        CONTRACT,
        contract.id,
        {
            "payment_id": [None, str(payment.id)],
            "amount": [None, str(rules.plain(amount))],
            "received_on": [None, payment.received_on.isoformat()],
            "method": [None, method],
            "paid_amount": [str(rules.plain(before)), str(rules.plain(contract.paid_amount))],
        },
    )
    await settle_status(session, actor, contract)
    return contract, payment


def received_date(value: date | None) -> date:
    if value is None:
        raise DomainError(ErrorCode.REQUIRED, "When was it received?", "receivedOn")
    if value > (datetime.now(UTC) + LATEST_OFFSET).date():
        raise DomainError(
            ErrorCode.INVALID,
            "A payment is recorded once received, dated today or earlier; plan future ones with"
            " setPaymentPlan.",
            "receivedOn",
        )
    return value


async def line_for_delivery(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, field: str = "contractLineId"
) -> tuple[Contract, ContractLine]:
    """The line and its (locked) contract; a contract outside the actor's scope is NOT_FOUND on `field`."""
    line = await session.get(ContractLine, (actor.tenant_id, line_id))
    if line is None:
        raise not_found("contract line", field)
    contract = await get_contract(session, actor, line.contract_id, field, lock=True)
    return contract, line


async def refresh_delivered(session: AsyncSession, line: ContractLine) -> tuple[Decimal, Decimal]:
    """(delivered, booked): quantities of delivered and of non-cancelled deliveries of the line."""
    delivered, booked = (
        await session.execute(
            select(
                func.coalesce(func.sum(Delivery.quantity).filter(Delivery.status == "delivered"), 0),
                func.coalesce(func.sum(Delivery.quantity).filter(Delivery.status != "cancelled"), 0),
            ).where(Delivery.contract_line_id == line.id)
        )
    ).one()
    line.delivered_quantity = delivered
    return Decimal(delivered), Decimal(booked)


async def record_delivery(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, values: Mapping[str, Any]
) -> tuple[Contract, Delivery]:
    actor.require(CONTRACT, Action.UPDATE)
    contract, line = await line_for_delivery(session, actor, line_id)
    require_open(contract)
    quantity = rules.quantity(values.get("quantity"), "quantity")
    status = values.get("status") or "delivered"
    if status not in ("pending", "delivered"):
        raise DomainError(ErrorCode.INVALID, "A new delivery is pending or delivered.", "status")
    if values.get("delivered_on") is None:
        raise DomainError(ErrorCode.REQUIRED, "Give the delivery date.", "deliveredOn")
    _, booked = await refresh_delivered(session, line)
    if booked + quantity > line.quantity:
        raise DomainError(
            ErrorCode.INVALID,
            f"Only {rules.plain(line.quantity - booked)} of {rules.plain(line.quantity)} remain to deliver"
            " on this line.",
            "quantity",
        )
    delivery = Delivery(
        tenant_id=actor.tenant_id,
        contract_id=contract.id,
        contract_line_id=line.id,
        quantity=quantity,
        delivered_on=values["delivered_on"],
        status=status,
        recorded_by_id=actor.user_id,
    )
    session.add(delivery)
    await session.flush()
    await refresh_delivered(session, line)
    await session.flush()
    await audit.record(
        session,
        actor,
        "contract.delivery",
        CONTRACT,
        contract.id,
        {
            "delivery_id": [None, str(delivery.id)],
            "contract_line_id": [None, str(line.id)],
            "quantity": [None, str(quantity)],
            "status": [None, status],
        },
    )
    await settle_status(session, actor, contract)
    return contract, delivery


async def set_delivery_status(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID, version: int, status: str
) -> tuple[Contract, Delivery]:
    """pending -> delivered | cancelled, delivered -> cancelled (a return); cancelled is final."""
    actor.require(CONTRACT, Action.UPDATE)
    delivery = await session.get(Delivery, (actor.tenant_id, delivery_id))
    if delivery is None:
        raise not_found("delivery")
    contract, line = await line_for_delivery(session, actor, delivery.contract_line_id, "id")
    check_version(delivery, version, "delivery")
    require_open(contract)
    if status not in DELIVERY_STATUSES:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(DELIVERY_STATUSES)}.", "status")
    allowed = {"pending": ("delivered", "cancelled"), "delivered": ("cancelled",)}
    if status not in allowed.get(delivery.status, ()):
        raise rules.invalid_transition(f"A {delivery.status} delivery cannot become {status}.", "status")
    before = delivery.status
    delivery.status = status
    await flush_versioned(session, "delivery")
    await refresh_delivered(session, line)
    await session.flush()
    await audit.record(
        session,
        actor,
        "contract.delivery_status",
        CONTRACT,
        contract.id,
        {"delivery_id": [str(delivery.id), str(delivery.id)], "status": [before, status]},
    )
    await settle_status(session, actor, contract)
    return contract, delivery


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    due_date: date
    unpaid: Decimal


def unpaid_schedule(contract: Contract, installments: Sequence[Installment], paid: Decimal) -> list[Due]:
    """What is still unpaid of each installment, payments filling the earliest first.

    Without a plan the whole amount is one installment due on the start date.
    """
    plan = [(i.due_date, i.amount) for i in installments] or [(contract.start_date, contract.amount)]
    remaining_paid = paid
    result = []
    for due_date, amount in sorted(plan, key=lambda item: item[0]):
        covered = min(amount, max(remaining_paid, Decimal(0)))
        remaining_paid -= covered
        result.append(Due(due_date, amount - covered))
    return result


def accepted_by(contract: Contract, as_of: date) -> bool:
    """Accepted on or before `as_of` (UTC day) and not cancelled: the contracts that owe anything then."""
    return contract.status != "cancelled" and contract.created_at.astimezone(UTC).date() <= as_of


def paid_by(payments: Iterable[Payment], as_of: date) -> Decimal:
    """Payments minus refunds received on or before `as_of`."""
    return sum((payment.amount for payment in payments if payment.received_on <= as_of), Decimal(0))


def owed_on(
    contract: Contract, installments: Sequence[Installment], paid_then: Decimal, as_of: date
) -> list[Due]:
    """What the contract still owed on `as_of`, per installment; `paid_then` is `paid_by(..., as_of)`."""
    if not accepted_by(contract, as_of):
        return []
    return unpaid_schedule(contract, installments, paid_then)


def overdue_amount(schedule: Sequence[Due], as_of: date) -> Decimal:
    """Unpaid installments due before `as_of`: the receivables buckets past "current", added up."""
    return sum((due.unpaid for due in schedule if due.due_date < as_of), Decimal(0))
