"""Approvals on sales (issue 15): the subjects sales registers with the generic approval chains
(graph/approvals) and the checks that hold the next step until an approval passed.

- `quote_discount` (a Quote) holds `sendQuote` while its discount (discount total / gross total) is
  above the tenant's percentage;
- `contract_amount` (a Contract) holds `activateContract` while its amount in the base currency is above
  the tenant's amount;
- `order_cancellation` (a SalesOrder) holds `cancelSalesOrder` when the tenant asks for it;
- `refund` (a SalesOrder) holds a refund return (`createSalesReturn`) whose refund due, in the base
  currency, is above the tenant's amount.

Thresholds are per tenant (`setSalesApprovalSettings`, capability manage_settings); chains per tenant and
subject (`defineApprovalChain(subjectType: "quote_discount", ...)`). An approval counts only for the
record as it was asked about: one asked before the quote's last change, before the order's last return,
does not count. A pending request blocks with INVALID_TRANSITION naming the step it waits on; a
rejected one too, until a new request passes. An amount in another currency without an exchange rate
needs approval (the check fails safe).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.chains import register_approval_subject
from graph.approvals.models import ApprovalRequest
from graph.money.service import base_currency, rate_on, today
from graph.sales.commerce import rules
from graph.sales.commerce.models import CONTRACT, QUOTE, SALES_ORDER, SalesApprovalSettings
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Actor, Capability
from tenants.validation import money_amount

QUOTE_DISCOUNT = "quote_discount"
CONTRACT_AMOUNT = "contract_amount"
ORDER_CANCELLATION = "order_cancellation"
REFUND = "refund"
# subject key -> role object type of the record it is about (for the audit entry of each decision)
OBJECT_TYPES = {
    QUOTE_DISCOUNT: QUOTE,
    CONTRACT_AMOUNT: CONTRACT,
    ORDER_CANCELLATION: SALES_ORDER,
    REFUND: SALES_ORDER,
}


async def record_decision(
    session: AsyncSession, actor: Actor, request: ApprovalRequest, comment: str | None
) -> None:
    """The subject's history shows the outcome (the request itself keeps every step's decision)."""
    if request.status == "pending":
        return
    await audit.record(
        session,
        actor,
        f"{request.subject_type}.approval_{request.status}",
        OBJECT_TYPES[request.subject_type],
        request.subject_id,
        {
            "approval_request_id": [None, str(request.id)],
            "status": ["pending", request.status],
            "comment": comment,
        },
    )


register_approval_subject(QUOTE_DISCOUNT, "Quote discounts", "Quote", record_decision)
register_approval_subject(CONTRACT_AMOUNT, "Contract amounts", "Contract", record_decision)
register_approval_subject(ORDER_CANCELLATION, "Order cancellations", "SalesOrder", record_decision)
register_approval_subject(REFUND, "Refunds", "SalesOrder", record_decision)


async def approval_settings(session: AsyncSession, tenant_id: uuid.UUID) -> SalesApprovalSettings:
    """The tenant's row, or the defaults (nothing needs approval) without writing one."""
    row = await session.get(SalesApprovalSettings, tenant_id)
    return row or SalesApprovalSettings(tenant_id=tenant_id, order_cancellation=False, version=0)


async def set_approval_settings(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> SalesApprovalSettings:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    current = await approval_settings(session, actor.tenant_id)
    base = await base_currency(session, actor.tenant_id)
    cleaned: dict[str, Any] = {}
    if "quote_discount_percent" in values:
        percent = values["quote_discount_percent"]
        cleaned["quote_discount_percent"] = (
            None if percent is None else rules.percent(percent, "quoteDiscountPercent")
        )
        if percent is not None and percent >= 100:
            raise DomainError(ErrorCode.INVALID, "A discount threshold is below 100.", "quoteDiscountPercent")
    for key, field in (("contract_amount", "contractAmount"), ("refund_amount", "refundAmount")):
        if key in values:
            amount = values[key]
            if amount is not None:
                amount = money_amount(amount, base, field)
                if amount < 0:
                    raise DomainError(ErrorCode.INVALID, "A threshold cannot be negative.", field)
            cleaned[key] = amount
    if "order_cancellation" in values:
        cleaned["order_cancellation"] = bool(values["order_cancellation"])
    before = {key: getattr(current, key) for key in cleaned}
    statement = insert(SalesApprovalSettings).values(tenant_id=actor.tenant_id, **cleaned)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SalesApprovalSettings.tenant_id],
            set_={**cleaned, "updated_at": func.now(), "version": SalesApprovalSettings.version + 1},
        )
        if cleaned
        else statement.on_conflict_do_nothing()
    )
    changes = audit.diff(before, cleaned)
    await audit.record(session, actor, "sales_approval_settings.update", SALES_ORDER, None, changes)
    row = await session.get(SalesApprovalSettings, actor.tenant_id, populate_existing=True)
    assert row is not None
    return row


async def in_base(
    session: AsyncSession, tenant_id: uuid.UUID, amount: Decimal, currency: str
) -> Decimal | None:
    rate = await rate_on(session, tenant_id, currency, today())
    return None if rate is None else amount * rate


async def above(
    session: AsyncSession, tenant_id: uuid.UUID, amount: Decimal, currency: str, limit: Decimal
) -> bool:
    converted = await in_base(session, tenant_id, amount, currency)
    return converted is None or converted > limit


async def require_approved(
    session: AsyncSession,
    subject: str,
    subject_id: uuid.UUID,
    since: datetime | None,
    what: str,
    field: str | None,
) -> None:
    """The latest request about the subject since `since` must be approved."""
    statement = select(ApprovalRequest).where(
        ApprovalRequest.subject_type == subject, ApprovalRequest.subject_id == subject_id
    )
    if since is not None:
        statement = statement.where(ApprovalRequest.created_at >= since)
    request = await session.scalar(statement.order_by(ApprovalRequest.created_at.desc()).limit(1))
    if request is None:
        raise rules.invalid_transition(
            f"{what} needs approval first; ask for it with requestSalesApproval.", field
        )
    if request.status == "pending":
        raise rules.invalid_transition(f"{what} awaits approval (step {request.current_step}).", field)
    if request.status != "approved":
        raise rules.invalid_transition(
            f"{what} was {request.status} in approval; ask again once changed.", field
        )


def discount_percent(gross: Decimal, discount: Decimal) -> Decimal:
    return discount * 100 / gross if gross > 0 else Decimal(0)


async def quote_needs_approval(session: AsyncSession, quote: Any) -> bool:
    limit = (await approval_settings(session, quote.tenant_id)).quote_discount_percent
    return limit is not None and discount_percent(quote.gross_total, quote.discount_total) > limit


async def check_quote(session: AsyncSession, quote: Any, changed_at: datetime) -> None:
    """Before a quote is sent: a discount above the threshold needs a later approval."""
    if await quote_needs_approval(session, quote):
        percent = rules.plain(
            discount_percent(quote.gross_total, quote.discount_total).quantize(Decimal("0.01"))
        )
        await require_approved(
            session, QUOTE_DISCOUNT, quote.id, changed_at, f"Quote {quote.number} ({percent} % off)", "id"
        )


async def contract_needs_approval(session: AsyncSession, contract: Any) -> bool:
    limit = (await approval_settings(session, contract.tenant_id)).contract_amount
    return limit is not None and await above(
        session, contract.tenant_id, contract.amount, contract.currency, limit
    )


async def check_contract(session: AsyncSession, contract: Any) -> None:
    """Before a contract is activated: an amount above the threshold needs an approval."""
    if await contract_needs_approval(session, contract):
        await require_approved(
            session, CONTRACT_AMOUNT, contract.id, None, f"Contract {contract.number}", "id"
        )


async def cancellation_needs_approval(session: AsyncSession, order: Any) -> bool:
    return (await approval_settings(session, order.tenant_id)).order_cancellation


async def check_cancellation(session: AsyncSession, order: Any) -> None:
    if await cancellation_needs_approval(session, order):
        await require_approved(
            session, ORDER_CANCELLATION, order.id, None, f"Cancelling order {order.number}", "id"
        )


async def refund_needs_approval(session: AsyncSession, order: Any, refund: Decimal) -> bool:
    limit = (await approval_settings(session, order.tenant_id)).refund_amount
    return (
        limit is not None
        and refund > 0
        and await above(session, order.tenant_id, refund, order.currency, limit)
    )


async def check_refund(
    session: AsyncSession, order: Any, refund: Decimal, last_return_at: datetime | None
) -> None:
    """A refund above the threshold needs an approval asked after the order's previous return."""
    if await refund_needs_approval(session, order, refund):
        await require_approved(
            session,
            REFUND,
            order.id,
            last_return_at,
            f"A refund of {refund} {order.currency} on {order.number}",
            "lines",
        )
