"""Sales order rules (issue 15): orders from a quote or directly, the status flow, deliveries, payments.

- **From a quote** (`create_order_from_quote`): a sent quote (then accepted in the same transaction, its
  open deal won as `acceptQuote` does) or an already accepted one; lines, prices, the five discounts,
  tax and totals are copied as the quote froze them and never recomputed. One live order per quote (a
  cancelled order frees it; a partial unique index backs the rule).
- **Directly** (`create_order`): lines priced by the same code as a quote's (price lists, promotions,
  tiers, customer-type and cash discounts, tax; `graph.sales.commerce.quotes.reprice`) on the order date,
  then frozen the same way.
- **Status**: draft -> confirmed -> partially delivered -> delivered -> closed, or cancelled (from draft
  or confirmed, nothing delivered and nothing paid). Deliveries move confirmed/partially delivered by
  themselves; everything else is refused with INVALID_TRANSITION. A role that keeps `status` read-only
  may not confirm, close or cancel.
- **Deliveries** against order lines: delivered quantities never exceed the ordered quantity (stock-free:
  inventory belongs to an ERP). **Payments**: as on contracts (`payments.money`, `received_date`):
  positive up to the outstanding amount, refunds negative up to what was paid; only on a confirmed (or
  later, not cancelled) order.

Numbers come from the tenant's `sales_order` sequence (default `SO-{YYYY}-{SEQ:4}`). Every write takes
the order's row lock, so concurrent deliveries and payments queue instead of both passing a bound.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.money.service import quantize
from graph.sales.commerce import approval_rules, quotes, rules
from graph.sales.commerce.models import (
    PAYMENT_METHODS,
    QUOTE,
    SALES_ORDER,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderDelivery,
    SalesOrderLine,
    SalesOrderPayment,
)
from graph.sales.commerce.payments import money, received_date
from graph.sales.pipeline.moves import win_for_accepted_quote
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import check_builtin_writes
from tenants.ids import new_id
from tenants.numbering import next_number, register_sequence
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import optional_text

register_sequence("sales_order", "Sales orders", "SO-{YYYY}-{SEQ:4}")

ORDER_FIELDS = ("account_id", "owner_id", "status", "currency", "notes", "net_total", "tax_total", "total")
# Statuses that take deliveries, and those that take payments.
DELIVERING = ("confirmed", "partially_delivered")
PAYABLE = ("confirmed", "partially_delivered", "delivered", "closed")
# The header fields a direct order takes from its input (the rest of a quote's header does not apply).
DIRECT_HEADER = ("account_id", "currency", "customer_type", "cash_discount_percent", "owner_id", "notes")


def order_scope(actor: Actor) -> ColumnElement[bool]:
    return record_scope_clause(actor, SALES_ORDER, SalesOrder.owner_id) & (
        SalesOrder.tenant_id == actor.tenant_id
    )


def visible_orders(actor: Actor) -> Select[tuple[SalesOrder]]:
    actor.require(SALES_ORDER, Action.READ)
    return select(SalesOrder).where(order_scope(actor))


async def get_order(
    session: AsyncSession, actor: Actor, order_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> SalesOrder:
    statement = select(SalesOrder).where(order_scope(actor), SalesOrder.id == order_id)
    order = await session.scalar(statement.with_for_update() if lock else statement)
    if order is None:
        raise not_found("sales order", field)
    return order


async def order_lines(session: AsyncSession, order_id: uuid.UUID) -> list[SalesOrderLine]:
    return list(
        await session.scalars(
            select(SalesOrderLine)
            .where(SalesOrderLine.order_id == order_id)
            .order_by(SalesOrderLine.position, SalesOrderLine.id)
        )
    )


def copied_line(order: SalesOrder, line: QuoteLine) -> SalesOrderLine:
    """An order line with the priced quote line's figures, frozen from now on."""
    return SalesOrderLine(
        tenant_id=order.tenant_id,
        id=new_id(),
        order_id=order.id,
        position=line.position,
        product_id=line.product_id,
        description=line.description,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        line_discount_percent=line.line_discount_percent,
        promotion_percent=line.promotion_percent,
        volume_percent=line.volume_percent,
        customer_type_percent=line.customer_type_percent,
        cash_percent=line.cash_percent,
        tax_rate=line.tax_rate,
        gross_amount=line.gross_amount,
        discount_amount=line.discount_amount,
        net_amount=line.net_amount,
        tax_amount=line.tax_amount,
        total_amount=line.total_amount,
    )


def totals_of(source: Quote) -> dict[str, Any]:
    return {
        "currency": source.currency,
        "cash_discount_percent": source.cash_discount_percent,
        "gross_total": source.gross_total,
        "discount_total": source.discount_total,
        "net_total": source.net_total,
        "tax_total": source.tax_total,
        "total": source.total,
    }


async def insert_order(
    session: AsyncSession,
    actor: Actor,
    order: SalesOrder,
    lines: Sequence[QuoteLine],
    values: Mapping[str, Any],
    extra: Mapping[str, Any],
) -> SalesOrder:
    """Custom values, the order row, its lines and the audit entry (shared by both ways to create)."""
    custom = await apply_custom_values(session, actor, SALES_ORDER, order, values, creating=True)
    session.add(order)
    await session.flush()
    session.add_all(copied_line(order, line) for line in lines)
    await session.flush()
    after = rules.snapshot(order, ORDER_FIELDS)
    changes = {**audit.diff({}, after), "number": [None, order.number], **extra, **custom}
    await audit.record(session, actor, "sales_order.create", SALES_ORDER, order.id, changes)
    return order


def new_order(actor: Actor, number: str, now: datetime, **fields: Any) -> SalesOrder:
    return SalesOrder(
        tenant_id=actor.tenant_id,
        id=new_id(),
        number=number,
        status="draft",
        order_date=now.date(),
        created_by_id=actor.user_id,
        **fields,
    )


async def clean_notes_and_owner(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any]
) -> dict[str, Any]:
    subset = {key: values[key] for key in ("owner_id", "notes") if key in values}
    return await quotes.clean_header(session, actor, subset, None)


async def create_order(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]
) -> SalesOrder:
    """A direct order for an account, its lines priced as a quote's would be today."""
    actor.require(SALES_ORDER, Action.CREATE)
    if values.get("account_id") is None:
        raise DomainError(ErrorCode.REQUIRED, "An order is for an account.", "accountId")
    if not lines or len(lines) > quotes.MAX_LINES:
        raise DomainError(ErrorCode.INVALID, f"An order has 1 to {quotes.MAX_LINES} lines.", "lines")
    header = {key: values[key] for key in DIRECT_HEADER if key in values}
    cleaned = await quotes.clean_header(session, actor, {"currency": None, **header}, None)
    now = datetime.now(UTC)
    # A quote that is never written: the pricing code prices its lines exactly as it prices a quote's.
    pricing = Quote(
        tenant_id=actor.tenant_id,
        id=new_id(),
        currency=cleaned["currency"],
        customer_type=cleaned.get("customer_type"),
        quote_date=now.date(),
        cash_discount_percent=cleaned.get("cash_discount_percent", Decimal(0)),
    )
    priced = [
        await quotes.new_line(session, actor, pricing, line, index, f"lines.{index}")
        for index, line in enumerate(lines)
    ]
    await quotes.reprice(session, pricing, priced)
    order = new_order(
        actor,
        await next_number(session, actor.tenant_id, "sales_order", now),
        now,
        account_id=cleaned["account_id"],
        owner_id=cleaned.get("owner_id", actor.user_id),
        notes=cleaned.get("notes"),
        **totals_of(pricing),
    )
    return await insert_order(session, actor, order, priced, values, {})


async def create_order_from_quote(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> SalesOrder:
    """An order with the quote's frozen lines and totals; a sent quote is accepted in the same step."""
    actor.require(SALES_ORDER, Action.CREATE)
    quote = await quotes.get_quote(session, actor, quote_id, "quoteId", lock=True)
    check_version(quote, version, "quote")
    now = datetime.now(UTC)
    if quote.status == "sent":
        actor.require(QUOTE, Action.UPDATE)  # ordering a sent quote accepts it
    if quote.status not in ("sent", "accepted"):
        raise rules.invalid_transition(
            f"Only a sent or accepted quote is ordered; this one is {quote.status}.", "quoteId"
        )
    if quote.status == "sent" and quote.valid_until < now.date():
        raise DomainError(
            ErrorCode.EXPIRED, f"Quote {quote.number} expired on {quote.valid_until}.", "quoteId"
        )
    existing = await session.scalar(
        select(SalesOrder.number).where(SalesOrder.quote_id == quote.id, SalesOrder.status != "cancelled")
    )
    if existing is not None:
        raise rules.invalid_transition(
            f"Quote {quote.number} is already ordered ({existing}); cancel that order first.", "quoteId"
        )
    cleaned = await clean_notes_and_owner(session, actor, values)
    order = new_order(
        actor,
        await next_number(session, actor.tenant_id, "sales_order", now),
        now,
        quote_id=quote.id,
        account_id=quote.account_id,
        owner_id=cleaned.get("owner_id", quote.owner_id),
        notes=cleaned.get("notes"),
        **totals_of(quote),
    )
    lines = await quotes.quote_lines(session, quote.id)
    await insert_order(session, actor, order, lines, values, {"quote_id": [None, str(quote.id)]})
    if quote.status == "sent":
        await quotes.transition(session, actor, quote, "accepted", decided_at=now)
        if quote.opportunity_id is not None:
            await win_for_accepted_quote(session, actor, quote.opportunity_id)
    return order


async def update_order(
    session: AsyncSession, actor: Actor, order_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> SalesOrder:
    """Owner, notes and custom values; the lines and amounts are frozen."""
    actor.require(SALES_ORDER, Action.UPDATE)
    order = await get_order(session, actor, order_id)
    check_version(order, version, "sales order")
    if order.status in ("closed", "cancelled"):
        raise rules.invalid_transition(f"A {order.status} order can no longer change.")
    cleaned = await clean_notes_and_owner(session, actor, values)
    before = rules.snapshot(order, ORDER_FIELDS)
    for key, value in cleaned.items():
        setattr(order, key, value)
    custom = await apply_custom_values(session, actor, SALES_ORDER, order, values, creating=False)
    order.updated_at = datetime.now(UTC)
    await flush_versioned(session, "sales order")
    changes = audit.diff(before, rules.snapshot(order, ORDER_FIELDS)) | custom
    await audit.record(session, actor, "sales_order.update", SALES_ORDER, order.id, changes)
    return order


# --- status flow -----------------------------------------------------------------------------


async def change_status(session: AsyncSession, actor: Actor, order: SalesOrder, status: str) -> SalesOrder:
    before = order.status
    order.status = status
    now = datetime.now(UTC)
    stamp = {"confirmed": "confirmed_at", "closed": "closed_at", "cancelled": "cancelled_at"}.get(status)
    if stamp is not None:
        setattr(order, stamp, now)
    order.updated_at = now
    await flush_versioned(session, "sales order")
    await audit.record(
        session, actor, f"sales_order.{status}", SALES_ORDER, order.id, {"status": [before, status]}
    )
    return order


async def order_for_status_change(
    session: AsyncSession, actor: Actor, order_id: uuid.UUID, version: int, allowed: Sequence[str], to: str
) -> SalesOrder:
    actor.require(SALES_ORDER, Action.UPDATE)
    check_builtin_writes(actor, SALES_ORDER, {"status": to})
    order = await get_order(session, actor, order_id, lock=True)
    check_version(order, version, "sales order")
    if order.status not in allowed:
        shown = order.status.replace("_", " ")
        raise rules.invalid_transition(f"A {shown} order cannot become {to.replace('_', ' ')}.", "id")
    return order


async def confirm_order(session: AsyncSession, actor: Actor, order_id: uuid.UUID, version: int) -> SalesOrder:
    order = await order_for_status_change(session, actor, order_id, version, ("draft",), "confirmed")
    return await change_status(session, actor, order, "confirmed")


async def close_order(session: AsyncSession, actor: Actor, order_id: uuid.UUID, version: int) -> SalesOrder:
    order = await order_for_status_change(session, actor, order_id, version, ("delivered",), "closed")
    return await change_status(session, actor, order, "closed")


async def cancel_order(session: AsyncSession, actor: Actor, order_id: uuid.UUID, version: int) -> SalesOrder:
    order = await order_for_status_change(
        session, actor, order_id, version, ("draft", "confirmed"), "cancelled"
    )
    if order.paid_amount != 0:
        raise rules.invalid_transition("Refund the payments received before cancelling the order.", "id")
    await approval_rules.check_cancellation(session, order)
    return await change_status(session, actor, order, "cancelled")


async def settle_delivery_status(session: AsyncSession, actor: Actor, order: SalesOrder) -> None:
    """Confirmed -> partially delivered -> delivered as the lines are delivered."""
    lines = await order_lines(session, order.id)
    if all(line.delivered_quantity >= line.quantity for line in lines):
        status = "delivered"
    elif any(line.delivered_quantity > 0 for line in lines):
        status = "partially_delivered"
    else:
        status = "confirmed"
    if status != order.status:
        await change_status(session, actor, order, status)


# --- deliveries and payments -----------------------------------------------------------------


async def line_and_order(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, field: str
) -> tuple[SalesOrder, SalesOrderLine]:
    """The line and its (locked) order; an order outside the actor's scope is NOT_FOUND on `field`."""
    line = await session.get(SalesOrderLine, (actor.tenant_id, line_id))
    if line is None:
        raise not_found("sales order line", field)
    order = await get_order(session, actor, line.order_id, field, lock=True)
    await session.refresh(line)
    return order, line


async def record_delivery(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, values: Mapping[str, Any]
) -> tuple[SalesOrder, SalesOrderDelivery]:
    actor.require(SALES_ORDER, Action.UPDATE)
    order, line = await line_and_order(session, actor, line_id, "orderLineId")
    if order.status not in DELIVERING:
        raise rules.invalid_transition(
            f"Only a confirmed order is delivered; this one is {order.status.replace('_', ' ')}.",
            "orderLineId",
        )
    quantity = rules.quantity(values.get("quantity"), "quantity")
    if values.get("delivered_on") is None:
        raise DomainError(ErrorCode.REQUIRED, "Give the delivery date.", "deliveredOn")
    remaining = line.quantity - line.delivered_quantity
    if quantity > remaining:
        raise DomainError(
            ErrorCode.INVALID,
            f"Only {rules.plain(remaining)} of {rules.plain(line.quantity)} remain to deliver on this line.",
            "quantity",
        )
    delivery = SalesOrderDelivery(
        tenant_id=actor.tenant_id,
        id=new_id(),
        order_id=order.id,
        order_line_id=line.id,
        quantity=quantity,
        delivered_on=values["delivered_on"],
        recorded_by_id=actor.user_id,
    )
    session.add(delivery)
    line.delivered_quantity = line.delivered_quantity + quantity
    await session.flush()
    await audit.record(
        session,
        actor,
        "sales_order.delivery",
        SALES_ORDER,
        order.id,
        {
            "delivery_id": [None, str(delivery.id)],
            "order_line_id": [None, str(line.id)],
            "quantity": [None, str(quantity)],
        },
    )
    await settle_delivery_status(session, actor, order)
    return order, delivery


async def add_payment(
    session: AsyncSession, actor: Actor, order: SalesOrder, values: Mapping[str, Any], amount: Decimal
) -> SalesOrderPayment:
    """Writes a payment (or a refund, negative) the caller has bounded, and the order's paid amount."""
    method = values.get("method") or "bank_transfer"
    if method not in PAYMENT_METHODS:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(PAYMENT_METHODS)}.", "method")
    payment = SalesOrderPayment(
        tenant_id=actor.tenant_id,
        id=new_id(),
        order_id=order.id,
        received_on=received_date(values.get("received_on")),
        amount=amount,
        method=method,
        reference=optional_text(values.get("reference"), "reference", 200),
        recorded_by_id=actor.user_id,
    )
    session.add(payment)
    before = order.paid_amount
    order.paid_amount = before + amount
    order.updated_at = datetime.now(UTC)
    await flush_versioned(session, "sales order")
    await audit.record(
        session,
        actor,
        "sales_order.refund" if amount < 0 else "sales_order.payment",
        SALES_ORDER,
        order.id,
        {
            "payment_id": [None, str(payment.id)],
            "amount": [None, str(rules.plain(amount))],
            "paid_amount": [str(rules.plain(before)), str(rules.plain(order.paid_amount))],
        },
    )
    return payment


def worth(order: SalesOrder) -> Decimal:
    """What the customer owes for the order in all: its total less what returns took back."""
    return order.total - order.returned_amount


def outstanding(order: SalesOrder) -> Decimal:
    return quantize(worth(order) - order.paid_amount, order.currency)


async def record_payment(
    session: AsyncSession, actor: Actor, order_id: uuid.UUID, values: Mapping[str, Any]
) -> tuple[SalesOrder, SalesOrderPayment]:
    actor.require(SALES_ORDER, Action.UPDATE)
    order = await get_order(session, actor, order_id, "orderId", lock=True)
    if order.status not in PAYABLE:
        raise rules.invalid_transition(
            f"This order is {order.status}; a confirmed order takes payments.", "orderId"
        )
    received_date(values.get("received_on"))
    amount = money(values.get("amount"), order.currency, "amount", allow_negative=True)
    owed = outstanding(order)
    paid = quantize(order.paid_amount, order.currency)
    if amount > owed:
        raise DomainError(
            ErrorCode.INVALID,
            f"Only {owed} {order.currency} is outstanding; a payment cannot exceed it.",
            "amount",
        )
    if -amount > paid:
        raise DomainError(
            ErrorCode.INVALID, f"A refund cannot exceed the {paid} {order.currency} paid so far.", "amount"
        )
    return order, await add_payment(session, actor, order, values, amount)
