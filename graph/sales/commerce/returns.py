"""Returns and exchanges (issue 15): goods sent back against the delivered lines of one order.

- Only what was delivered and not yet returned comes back: per line, at most delivered - returned.
  Each line at most once per return; the order must be partially delivered, delivered or closed.
- The reason is a key of the tenant's `return_reasons` option list (admins edit it like any other).
- **Refund**: the lines' returned quantities grow and the order is worth less by the returned share of
  each line (net and tax in proportion; the return that takes a line's last unit takes exactly what
  is left of its net and tax, so a fully returned line nets to zero). What the customer paid beyond
  the new worth is refunded at once as a negative payment on the order (receivables and the customer
  totals net it). A refund that would leave more invoiced than the order is worth is refused: reverse
  (red-letter) an invoice first, so invoiced <= ordered always holds.
- **Replacement** (an exchange): the money does not move; the returned quantity is to be delivered
  again (the line's delivered quantity goes down and the order back to partially delivered). A closed
  order is not redelivered.
- Returns are records of what happened: the application role may insert them, never change them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import flush_versioned
from graph.money.service import quantize
from graph.sales.commerce import approval_rules, invoices, orders, rules
from graph.sales.commerce.models import (
    RETURN_RESOLUTIONS,
    SALES_ORDER,
    SalesOrder,
    SalesOrderLine,
    SalesOrderPayment,
    SalesReturn,
    SalesReturnLine,
)
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.numbering import next_number, register_sequence
from tenants.options import register_option_list, require_option
from tenants.permissions import Action, Actor
from tenants.validation import optional_text

register_sequence("sales_return", "Returns", "RET-{YYYY}-{SEQ:4}")
register_option_list(
    "return_reasons",
    "Return reasons",
    [
        ("defective", "Defective"),
        ("wrong_item", "Wrong item"),
        ("not_as_described", "Not as described"),
        ("damaged_in_transit", "Damaged in transit"),
        ("changed_mind", "Changed mind"),
        ("other", "Other"),
    ],
)

RETURNABLE = ("partially_delivered", "delivered", "closed")


async def refunded_so_far(
    session: AsyncSession, line_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Decimal, Decimal]]:
    """(net, tax) already taken back by refund returns, per order line."""
    rows = await session.execute(
        select(
            SalesReturnLine.order_line_id,
            func.sum(SalesReturnLine.net_amount),
            func.sum(SalesReturnLine.tax_amount),
        )
        .join(
            SalesReturn,
            (SalesReturn.tenant_id == SalesReturnLine.tenant_id)
            & (SalesReturn.id == SalesReturnLine.return_id),
        )
        .where(SalesReturnLine.order_line_id.in_(line_ids), SalesReturn.resolution == "refund")
        .group_by(SalesReturnLine.order_line_id)
    )
    return {line_id: (Decimal(net), Decimal(tax)) for line_id, net, tax in rows}


def returned_share(
    line: SalesOrderLine, quantity: Decimal, before: tuple[Decimal, Decimal], last: bool, currency: str
) -> tuple[Decimal, Decimal]:
    """(net, tax) of `quantity` of the line; the last units take exactly what is left."""
    if last:
        return line.net_amount - before[0], line.tax_amount - before[1]
    net = quantize(line.net_amount * quantity / line.quantity, currency)
    tax = quantize(line.tax_amount * quantity / line.quantity, currency)
    return net, tax


async def clean_lines(
    order: SalesOrder, lines: Sequence[Mapping[str, Any]], by_id: Mapping[uuid.UUID, SalesOrderLine]
) -> list[tuple[SalesOrderLine, Decimal]]:
    if not lines or len(lines) > len(by_id):
        raise DomainError(ErrorCode.INVALID, "Return 1 or more of the order's lines, each once.", "lines")
    cleaned: list[tuple[SalesOrderLine, Decimal]] = []
    for index, item in enumerate(lines):
        line = by_id.get(item.get("order_line_id"))  # type: ignore[arg-type]
        if line is None:
            raise not_found("line of this order", f"lines.{index}.orderLineId")
        if any(seen.id == line.id for seen, _ in cleaned):
            raise DomainError(ErrorCode.INVALID, "Each line is returned once.", f"lines.{index}.orderLineId")
        quantity = rules.quantity(item.get("quantity"), f"lines.{index}.quantity")
        returnable = line.delivered_quantity - line.returned_quantity
        if quantity > returnable:
            raise DomainError(
                ErrorCode.INVALID,
                f"Only {rules.plain(returnable)} of this line were delivered and not yet returned.",
                f"lines.{index}.quantity",
            )
        cleaned.append((line, quantity))
    return cleaned


async def create_return(
    session: AsyncSession,
    actor: Actor,
    order_id: uuid.UUID,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
) -> tuple[SalesOrder, SalesReturn]:
    actor.require(SALES_ORDER, Action.UPDATE)
    order = await orders.get_order(session, actor, order_id, "orderId", lock=True)
    if order.status not in RETURNABLE:
        raise rules.invalid_transition(
            f"Only delivered goods come back; this order is {order.status.replace('_', ' ')}.", "orderId"
        )
    resolution = values.get("resolution") or "refund"
    if resolution not in RETURN_RESOLUTIONS:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(RETURN_RESOLUTIONS)}.", "resolution")
    if resolution == "replacement" and order.status == "closed":
        raise rules.invalid_transition(
            "A closed order is not delivered again; return for a refund.", "resolution"
        )
    reason = values.get("reason")
    if not reason:
        raise DomainError(ErrorCode.REQUIRED, "Why is it returned? Give a return reason.", "reason")
    await require_option(session, actor.tenant_id, "return_reasons", reason, "reason")
    order_lines = {line.id: line for line in await orders.order_lines(session, order.id)}
    cleaned = await clean_lines(order, lines, order_lines)
    before = await refunded_so_far(session, [line.id for line, _ in cleaned])
    now = datetime.now(UTC)
    returned = SalesReturn(
        tenant_id=actor.tenant_id,
        id=new_id(),
        number=await next_number(session, actor.tenant_id, "sales_return", now),
        order_id=order.id,
        account_id=order.account_id,
        reason=reason,
        resolution=resolution,
        currency=order.currency,
        notes=optional_text(values.get("notes"), "notes", 10_000),
        returned_on=now.date(),
        created_by_id=actor.user_id,
    )
    rows = []
    for line, quantity in cleaned:
        last = resolution == "refund" and line.returned_quantity + quantity == line.quantity
        net, tax = returned_share(
            line, quantity, before.get(line.id, (Decimal(0), Decimal(0))), last, order.currency
        )
        rows.append(
            SalesReturnLine(
                tenant_id=actor.tenant_id,
                id=new_id(),
                return_id=returned.id,
                order_line_id=line.id,
                quantity=quantity,
                net_amount=net,
                tax_amount=tax,
                total_amount=net + tax,
            )
        )
        if resolution == "refund":
            line.returned_quantity = line.returned_quantity + quantity
        else:
            line.delivered_quantity = line.delivered_quantity - quantity
    returned.net_amount = sum((row.net_amount for row in rows), Decimal(0))
    returned.tax_amount = sum((row.tax_amount for row in rows), Decimal(0))
    returned.total_amount = returned.net_amount + returned.tax_amount
    payment = None
    if resolution == "refund":
        payment = await settle_refund(session, actor, order, returned, values)
    else:
        await session.flush()
        await orders.settle_delivery_status(session, actor, order)
    returned.refund_payment_id = payment.id if payment is not None else None
    returned.refunded_amount = -payment.amount if payment is not None else Decimal(0)
    session.add(returned)
    await session.flush()
    session.add_all(rows)
    await session.flush()
    await audit.record(
        session,
        actor,
        "sales_order.return",
        SALES_ORDER,
        order.id,
        {
            "return_id": [None, str(returned.id)],
            "number": [None, returned.number],
            "resolution": [None, resolution],
            "reason": [None, reason],
            "total_amount": [None, str(rules.plain(returned.total_amount))],
            "refunded_amount": [None, str(rules.plain(returned.refunded_amount))],
        },
    )
    return order, returned


async def settle_refund(
    session: AsyncSession, actor: Actor, order: SalesOrder, returned: SalesReturn, values: Mapping[str, Any]
) -> SalesOrderPayment | None:
    """The order is worth less by the return; what was paid beyond that comes back as a negative payment."""
    order.returned_amount = order.returned_amount + returned.total_amount
    order.returned_tax = order.returned_tax + returned.tax_amount
    invoiced, _tax = await invoices.counted_so_far(session, invoices.of_order(order))
    worth = orders.worth(order)
    if invoiced > worth:
        raise rules.invalid_transition(
            f"{quantize(invoiced, order.currency)} {order.currency} is invoiced and the order would be worth"
            f" {quantize(worth, order.currency)}; reverse (red-letter) an invoice first.",
            "lines",
        )
    due = min(returned.total_amount, order.paid_amount - worth)
    if due <= 0:
        order.updated_at = datetime.now(UTC)
        await flush_versioned(session, "sales order")
        return None
    previous = await session.scalar(
        select(func.max(SalesReturn.created_at)).where(
            SalesReturn.order_id == order.id, SalesReturn.id != returned.id
        )
    )
    await approval_rules.check_refund(session, order, quantize(due, order.currency), previous)
    refund = {
        "received_on": datetime.now(UTC).date(),
        "method": values.get("refund_method"),
        "reference": f"{returned.number}",
    }
    return await orders.add_payment(session, actor, order, refund, -due)
