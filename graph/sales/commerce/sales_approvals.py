"""Asking for an approval on a sales record (issue 15): the record must need one under the tenant's
settings (`approval_rules.py`) and have none pending; the request walks the tenant's chain for the
subject (graph/approvals), and its approvers find it in `myApprovals` (live: `myApprovalsChanged`)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.models import ApprovalRequest
from graph.approvals.requests import start_approval
from graph.sales.commerce import approval_rules, orders, quotes, rules
from graph.sales.commerce.contracts import get_contract
from graph.sales.commerce.models import CONTRACT, QUOTE, SALES_ORDER
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor


async def request_sales_approval(
    session: AsyncSession, actor: Actor, subject: str, subject_id: uuid.UUID
) -> ApprovalRequest:
    if subject == approval_rules.QUOTE_DISCOUNT:
        actor.require(QUOTE, Action.UPDATE)
        quote = await quotes.get_quote(session, actor, subject_id, lock=True)
        needed = quote.status == "draft" and await approval_rules.quote_needs_approval(session, quote)
        percent = approval_rules.discount_percent(quote.gross_total, quote.discount_total)
        title = f"Quote {quote.number}: {rules.plain(percent.quantize(Decimal('0.01')))} % off"
    elif subject == approval_rules.CONTRACT_AMOUNT:
        actor.require(CONTRACT, Action.UPDATE)
        contract = await get_contract(session, actor, subject_id, lock=True)
        needed = contract.status == "draft" and await approval_rules.contract_needs_approval(
            session, contract
        )
        title = f"Contract {contract.number}: {rules.plain(contract.amount)} {contract.currency}"
    else:
        actor.require(SALES_ORDER, Action.UPDATE)
        order = await orders.get_order(session, actor, subject_id, lock=True)
        if subject == approval_rules.ORDER_CANCELLATION:
            needed = order.status in (
                "draft",
                "confirmed",
            ) and await approval_rules.cancellation_needs_approval(session, order)
            title = f"Cancel order {order.number}"
        else:
            limit = (await approval_rules.approval_settings(session, order.tenant_id)).refund_amount
            needed = limit is not None and order.status in ("partially_delivered", "delivered", "closed")
            title = f"Refund on order {order.number}"
    if not needed:
        raise DomainError(
            ErrorCode.INVALID, "This record needs no approval now under the tenant's settings.", "id"
        )
    pending = await session.scalar(
        select(ApprovalRequest.id).where(
            ApprovalRequest.subject_type == subject,
            ApprovalRequest.subject_id == subject_id,
            ApprovalRequest.status == "pending",
        )
    )
    if pending is not None:
        raise rules.invalid_transition("An approval of this is already under way.", "id")
    return await start_approval(session, actor, subject, subject_id, title)
