"""Invoice records (issue 15): VAT special (增值税专用发票) or ordinary invoices against one sales order or
one contract, and the receivables view of invoiced against paid.

- An invoice follows its order's or contract's permissions, as payments do: reading needs the parent
  visible, requesting and moving it needs update on the parent (and takes the parent's row lock, so two
  requests cannot both pass the bound).
- **Invoiced <= contracted**: the invoices of a parent that are not reversed never add up to more than
  it is worth (a contract's amount; an order's total less what returns took back). An invoice's tax is
  the parent's tax share of its amount, and the invoice that completes the parent takes exactly the tax
  left, so a fully invoiced parent's invoices add up to its net and tax to the cent.
- Status: requested -> issued (with the official invoice number, unique per tenant, and the date) ->
  sent, or reversed (红字冲销; from issued or sent with a reason; a request is withdrawn the same way).
  A reversed invoice no longer counts against the bound.
- Only a confirmed (or later, not cancelled) order and an active or completed contract are invoiced.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.money.service import quantize
from graph.sales.commerce import orders, rules
from graph.sales.commerce.contracts import contract_scope, get_contract
from graph.sales.commerce.models import (
    CONTRACT,
    INVOICE_KINDS,
    SALES_ORDER,
    Contract,
    Payment,
    SalesInvoice,
    SalesOrder,
    SalesOrderPayment,
    SalesReturn,
)
from graph.sales.commerce.payments import money
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.numbering import next_number, register_sequence
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

register_sequence("invoice", "Invoices", "INV-{YYYY}-{SEQ:4}")

INVOICEABLE_ORDERS = ("confirmed", "partially_delivered", "delivered", "closed")
INVOICEABLE_CONTRACTS = ("active", "completed")
# Invoices that count: everything not reversed (a request reserves its amount too).
COUNTED = ("requested", "issued", "sent")
# Invoices the receivables view calls invoiced: issued to the customer.
ISSUED = ("issued", "sent")


@dataclass(frozen=True)
class Parent:
    """The order or contract an invoice is against, with what it is worth and its tax in all."""

    object_type: str
    record: SalesOrder | Contract
    worth: Decimal
    tax: Decimal

    @property
    def currency(self) -> str:
        return self.record.currency


def of_order(order: SalesOrder) -> Parent:
    return Parent(SALES_ORDER, order, orders.worth(order), order.tax_total - order.returned_tax)


def of_contract(contract: Contract) -> Parent:
    return Parent(CONTRACT, contract, contract.amount, contract.tax_total)


def invoice_scope(actor: Actor) -> ColumnElement[bool]:
    """Invoices whose order or contract the actor may read and see."""
    conditions = []
    if actor.permissions.can(SALES_ORDER, Action.READ):
        visible = select(SalesOrder.id).where(orders.order_scope(actor))
        conditions.append(SalesInvoice.order_id.in_(visible))
    if actor.permissions.can(CONTRACT, Action.READ):
        visible = select(Contract.id).where(contract_scope(actor))
        conditions.append(SalesInvoice.contract_id.in_(visible))
    return (
        (SalesInvoice.tenant_id == actor.tenant_id) & or_(*conditions)
        if conditions
        else SalesInvoice.id.is_(None)
    )


def visible_invoices(actor: Actor) -> Select[tuple[SalesInvoice]]:
    return select(SalesInvoice).where(invoice_scope(actor))


async def parent_of(
    session: AsyncSession,
    actor: Actor,
    order_id: uuid.UUID | None,
    contract_id: uuid.UUID | None,
    action: Action,
    field_prefix: str = "",
) -> Parent:
    """The invoice's parent, visible to the actor with `action` on it, row-locked."""
    if order_id is not None:
        actor.require(SALES_ORDER, action)
        return of_order(await orders.get_order(session, actor, order_id, f"{field_prefix}orderId", lock=True))
    actor.require(CONTRACT, action)
    field = f"{field_prefix}contractId"
    return of_contract(await get_contract(session, actor, contract_id, field, lock=True))  # type: ignore[arg-type]


async def counted_so_far(session: AsyncSession, parent: Parent) -> tuple[Decimal, Decimal]:
    """(amount, tax) of the parent's invoices that are not reversed."""
    column = SalesInvoice.order_id if parent.object_type == SALES_ORDER else SalesInvoice.contract_id
    amount, tax = (
        await session.execute(
            select(
                func.coalesce(func.sum(SalesInvoice.amount), 0),
                func.coalesce(func.sum(SalesInvoice.tax_amount), 0),
            ).where(column == parent.record.id, SalesInvoice.status.in_(COUNTED))
        )
    ).one()
    return Decimal(amount), Decimal(tax)


def require_invoiceable(parent: Parent, field: str) -> None:
    allowed = INVOICEABLE_ORDERS if parent.object_type == SALES_ORDER else INVOICEABLE_CONTRACTS
    if parent.record.status not in allowed:
        what = "order" if parent.object_type == SALES_ORDER else "contract"
        raise rules.invalid_transition(
            f"A {parent.record.status.replace('_', ' ')} {what} is not invoiced; it must be"
            f" {' or '.join(s.replace('_', ' ') for s in allowed)}.",
            field,
        )


async def request_invoice(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> SalesInvoice:
    order_id, contract_id = values.get("order_id"), values.get("contract_id")
    if (order_id is None) == (contract_id is None):
        raise DomainError(ErrorCode.INVALID, "Invoice either one order or one contract.", "orderId")
    parent = await parent_of(session, actor, order_id, contract_id, Action.UPDATE)
    field = "orderId" if order_id is not None else "contractId"
    require_invoiceable(parent, field)
    kind = values.get("kind")
    if kind not in INVOICE_KINDS:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(INVOICE_KINDS)}.", "kind")
    invoiced, taxed = await counted_so_far(session, parent)
    remaining = quantize(parent.worth - invoiced, parent.currency)
    given = values.get("amount")
    amount = remaining if given is None else money(given, parent.currency, "amount")
    if amount <= 0 or amount > remaining:
        raise DomainError(
            ErrorCode.INVALID,
            f"Only {max(remaining, Decimal(0))} {parent.currency} remains to invoice: the invoices cannot"
            " add up to more than the order or contract is worth.",
            "amount",
        )
    if amount == remaining:
        tax = parent.tax - taxed  # the last invoice takes exactly the tax left
    else:
        tax = quantize(amount * parent.tax / parent.worth, parent.currency) if parent.worth else Decimal(0)
    tax = min(max(tax, Decimal(0)), amount)
    now = datetime.now(UTC)
    invoice = SalesInvoice(
        tenant_id=actor.tenant_id,
        id=new_id(),
        number=await next_number(session, actor.tenant_id, "invoice", now),
        order_id=order_id,
        contract_id=contract_id,
        account_id=parent.record.account_id,
        kind=kind,
        status="requested",
        currency=parent.currency,
        amount=amount,
        tax_amount=tax,
        buyer_name=optional_text(values.get("buyer_name"), "buyerName", 200),
        buyer_tax_id=optional_text(values.get("buyer_tax_id"), "buyerTaxId", 40),
        requested_by_id=actor.user_id,
    )
    session.add(invoice)
    await session.flush()
    await audit.record(
        session,
        actor,
        "invoice.request",
        parent.object_type,
        parent.record.id,
        {
            "invoice_id": [None, str(invoice.id)],
            "number": [None, invoice.number],
            "amount": [None, str(rules.plain(amount))],
            "tax_amount": [None, str(rules.plain(tax))],
        },
    )
    return invoice


async def get_invoice(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, action: Action
) -> tuple[Parent, SalesInvoice]:
    """The invoice and its (locked) parent; one whose parent the actor may not reach is NOT_FOUND."""
    invoice = await session.get(SalesInvoice, (actor.tenant_id, invoice_id))
    if invoice is None:
        raise not_found("invoice")
    try:
        parent = await parent_of(session, actor, invoice.order_id, invoice.contract_id, action)
    except DomainError as error:
        if error.code is ErrorCode.NOT_FOUND:
            raise not_found("invoice") from None
        raise
    await session.refresh(invoice)
    return parent, invoice


async def change_status(
    session: AsyncSession,
    actor: Actor,
    invoice_id: uuid.UUID,
    version: int,
    allowed: tuple[str, ...],
    to: str,
    changes: Mapping[str, Any],
) -> SalesInvoice:
    parent, invoice = await get_invoice(session, actor, invoice_id, Action.UPDATE)
    check_version(invoice, version, "invoice")
    if invoice.status not in allowed:
        raise rules.invalid_transition(f"A {invoice.status} invoice cannot become {to}.", "id")
    before = {"status": invoice.status, **{key: getattr(invoice, key) for key in changes}}
    invoice.status = to
    for key, value in changes.items():
        setattr(invoice, key, value)
    invoice.updated_at = datetime.now(UTC)
    await flush_versioned(session, "invoice")
    after = {"status": to, **changes}
    await audit.record(
        session,
        actor,
        f"invoice.{to}",
        parent.object_type,
        parent.record.id,
        {"invoice_id": [str(invoice.id), str(invoice.id)], **audit.diff(before, after)},
    )
    return invoice


async def issue_invoice(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> SalesInvoice:
    number = required_text(values.get("invoice_number") or "", "invoiceNumber", 40)
    issued_on: date = values.get("invoice_date") or datetime.now(UTC).date()
    taken = await session.scalar(
        select(SalesInvoice.number).where(
            SalesInvoice.tenant_id == actor.tenant_id,
            SalesInvoice.invoice_number == number,
            SalesInvoice.id != invoice_id,
        )
    )
    if taken is not None:
        raise DomainError(
            ErrorCode.DUPLICATE, f"Invoice number {number} is already on {taken}.", "invoiceNumber"
        )
    changes = {"invoice_number": number, "invoice_date": issued_on}
    return await change_status(session, actor, invoice_id, version, ("requested",), "issued", changes)


async def send_invoice(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, version: int
) -> SalesInvoice:
    changes = {"sent_at": datetime.now(UTC)}
    return await change_status(session, actor, invoice_id, version, ("issued",), "sent", changes)


async def reverse_invoice(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, version: int, reason: str | None
) -> SalesInvoice:
    """Red-letter reversal of an issued or sent invoice (a reason is required), or a withdrawn request."""
    _parent, invoice = await get_invoice(session, actor, invoice_id, Action.UPDATE)
    if invoice.status in ISSUED and not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "A red-letter reversal needs a reason.", "reason")
    changes = {"reversed_at": datetime.now(UTC), "reversal_reason": optional_text(reason, "reason", 2000)}
    return await change_status(session, actor, invoice_id, version, (*COUNTED,), "reversed", changes)


# --- receivables: invoiced against paid ------------------------------------------------------


@dataclass
class CustomerBalance:
    """One customer's documents in one currency: what was ordered (orders and contracts, less returns),
    returned (refund returns), invoiced (issued or sent), paid (payments less refunds) and refunded."""

    account_id: uuid.UUID
    currency: str
    ordered: Decimal = Decimal(0)
    returned: Decimal = Decimal(0)
    invoiced: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)

    @property
    def uninvoiced(self) -> Decimal:
        return self.ordered - self.invoiced

    @property
    def invoiced_unpaid(self) -> Decimal:
        return self.invoiced - self.paid


async def customer_balances(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID | None = None
) -> list[CustomerBalance]:
    """Per customer and currency, over the orders and contracts the actor may see (not cancelled, past
    draft); each figure is a sum of stored, already rounded amounts."""
    balances: dict[tuple[uuid.UUID, str], CustomerBalance] = {}

    def entry(account: uuid.UUID, currency: str) -> CustomerBalance:
        return balances.setdefault((account, currency), CustomerBalance(account, currency))

    def only(column: Any) -> list[Any]:
        return [column == account_id] if account_id is not None else []

    if actor.permissions.can(SALES_ORDER, Action.READ):
        rows = await session.execute(
            select(
                SalesOrder.account_id,
                SalesOrder.currency,
                func.sum(SalesOrder.total - SalesOrder.returned_amount),
                func.sum(SalesOrder.paid_amount),
                func.sum(SalesOrder.returned_amount),
            )
            .where(
                orders.order_scope(actor),
                SalesOrder.status.in_(INVOICEABLE_ORDERS),
                *only(SalesOrder.account_id),
            )
            .group_by(SalesOrder.account_id, SalesOrder.currency)
        )
        for account, currency, ordered, paid, returned in rows:
            balance = entry(account, currency)
            balance.ordered += ordered
            balance.paid += paid
            balance.returned += returned
        refunds = (
            select(SalesOrder.account_id, SalesOrder.currency, func.sum(SalesOrderPayment.amount))
            .join(
                SalesOrderPayment,
                (SalesOrderPayment.tenant_id == SalesOrder.tenant_id)
                & (SalesOrderPayment.order_id == SalesOrder.id),
            )
            .where(
                orders.order_scope(actor),
                SalesOrder.status.in_(INVOICEABLE_ORDERS),
                SalesOrderPayment.amount < 0,
                *only(SalesOrder.account_id),
            )
            .group_by(SalesOrder.account_id, SalesOrder.currency)
        )
        for account, currency, refunded in await session.execute(refunds):
            entry(account, currency).refunded -= refunded
    if actor.permissions.can(CONTRACT, Action.READ):
        rows = await session.execute(
            select(
                Contract.account_id,
                Contract.currency,
                func.sum(Contract.amount),
                func.sum(Contract.paid_amount),
            )
            .where(
                contract_scope(actor), Contract.status.in_(INVOICEABLE_CONTRACTS), *only(Contract.account_id)
            )
            .group_by(Contract.account_id, Contract.currency)
        )
        for account, currency, ordered, paid in rows:
            balance = entry(account, currency)
            balance.ordered += ordered
            balance.paid += paid
        refunds = (
            select(Contract.account_id, Contract.currency, func.sum(Payment.amount))
            .join(Payment, (Payment.tenant_id == Contract.tenant_id) & (Payment.contract_id == Contract.id))
            .where(
                contract_scope(actor),
                Contract.status.in_(INVOICEABLE_CONTRACTS),
                Payment.amount < 0,
                *only(Contract.account_id),
            )
            .group_by(Contract.account_id, Contract.currency)
        )
        for account, currency, refunded in await session.execute(refunds):
            entry(account, currency).refunded -= refunded
    rows = await session.execute(
        select(SalesInvoice.account_id, SalesInvoice.currency, func.sum(SalesInvoice.amount))
        .where(invoice_scope(actor), SalesInvoice.status.in_(ISSUED), *only(SalesInvoice.account_id))
        .group_by(SalesInvoice.account_id, SalesInvoice.currency)
    )
    for account, currency, invoiced in rows:
        entry(account, currency).invoiced += invoiced
    return sorted(balances.values(), key=lambda b: (str(b.account_id), b.currency))


async def customer_counts(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> tuple[int, int, int]:
    """(orders, returns, invoices not reversed) of the customer among the records the actor may see."""
    order_count = return_count = 0
    if actor.permissions.can(SALES_ORDER, Action.READ):
        mine = select(SalesOrder.id).where(orders.order_scope(actor), SalesOrder.account_id == account_id)
        order_count = await session.scalar(select(func.count()).select_from(mine.subquery())) or 0
        returns = select(func.count()).where(SalesReturn.order_id.in_(mine))
        return_count = await session.scalar(returns) or 0
    invoice_count = await session.scalar(
        select(func.count()).where(
            invoice_scope(actor), SalesInvoice.account_id == account_id, SalesInvoice.status.in_(COUNTED)
        )
    )
    return order_count, return_count, invoice_count or 0
