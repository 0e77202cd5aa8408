"""Contract (order) rules: accepting a quote creates one in the same transaction; its life cycle
draft -> active -> completed, or cancelled; a contract becomes completed by itself once it is fully
delivered and fully paid (and goes back to active if a refund reopens it).

Numbers come from the tenant's `contract` sequence (default `CON-{YYYY}-{SEQ:4}`). Payments and
deliveries follow their contract's permissions (see `graph/sales/commerce/payments.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.crm.contacts import get_contact
from graph.sales.commerce import approval_rules, quotes, rules
from graph.sales.commerce.models import CONTRACT, QUOTE, Contract, ContractLine
from graph.sales.pipeline.moves import win_for_accepted_quote
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.ids import new_id
from tenants.numbering import next_number, register_sequence
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import optional_text

register_sequence("contract", "Contracts", "CON-{YYYY}-{SEQ:4}")

CONTRACT_FIELDS = (
    "status",
    "signatory_contact_id",
    "terms",
    "start_date",
    "end_date",
    "amount",
    "paid_amount",
)


def contract_scope(actor: Actor) -> ColumnElement[bool]:
    return record_scope_clause(actor, CONTRACT, Contract.owner_id) & (Contract.tenant_id == actor.tenant_id)


def visible_contracts(actor: Actor) -> Select[tuple[Contract]]:
    actor.require(CONTRACT, Action.READ)
    return select(Contract).where(contract_scope(actor))


async def get_contract(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> Contract:
    """A visible contract; `lock` takes its row lock so payments and deliveries queue, not race."""
    statement = select(Contract).where(contract_scope(actor), Contract.id == contract_id)
    contract = await session.scalar(statement.with_for_update() if lock else statement)
    if contract is None:
        raise not_found("contract", field)
    return contract


async def contract_lines(session: AsyncSession, contract_id: uuid.UUID) -> list[ContractLine]:
    return list(
        await session.scalars(
            select(ContractLine)
            .where(ContractLine.contract_id == contract_id)
            .order_by(ContractLine.position, ContractLine.id)
        )
    )


async def clean_terms(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], current: Contract | None
) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if values.get("start_date") is not None:
        cleaned["start_date"] = values["start_date"]
    elif "start_date" in values and current is not None:
        raise DomainError(ErrorCode.REQUIRED, "A contract has a start date.", "startDate")
    if "end_date" in values:
        cleaned["end_date"] = values["end_date"]
    if "terms" in values:
        cleaned["terms"] = optional_text(values["terms"], "terms", 10_000)
    if values.get("signatory_contact_id") is not None:
        contact = await get_contact(session, actor, values["signatory_contact_id"], "signatoryContactId")
        cleaned["signatory_contact_id"] = contact.id
    elif "signatory_contact_id" in values:
        cleaned["signatory_contact_id"] = None
    start = cleaned.get("start_date", current.start_date if current else None)
    end = cleaned.get("end_date", current.end_date if current else None)
    rules.date_range(start, end, "endDate")
    return cleaned


async def accept_quote(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Contract:
    """Marks a sent, unexpired quote accepted and creates its contract with the lines copied."""
    actor.require(QUOTE, Action.UPDATE)
    actor.require(CONTRACT, Action.CREATE)
    quote = await quotes.get_quote(session, actor, quote_id, lock=True)
    check_version(quote, version, "quote")
    now = datetime.now(UTC)
    quotes.require_acceptable(quote, now.date())
    cleaned = await clean_terms(session, actor, values, None)
    cleaned.setdefault("start_date", now.date())
    cleaned.setdefault("terms", quote.terms)
    rules.date_range(cleaned["start_date"], cleaned.get("end_date"), "endDate")
    contract = Contract(
        tenant_id=actor.tenant_id,
        id=new_id(),
        number=await next_number(session, actor.tenant_id, "contract", now),
        quote_id=quote.id,
        account_id=quote.account_id,
        owner_id=quote.owner_id,
        status="draft",
        currency=quote.currency,
        net_total=quote.net_total,
        tax_total=quote.tax_total,
        amount=quote.total,
        created_by_id=actor.user_id,
        **cleaned,
    )
    custom = await apply_custom_values(session, actor, CONTRACT, contract, values, creating=True)
    session.add(contract)
    await session.flush()
    for line in await quotes.quote_lines(session, quote.id):
        session.add(
            ContractLine(
                tenant_id=actor.tenant_id,
                contract_id=contract.id,
                position=line.position,
                product_id=line.product_id,
                description=line.description,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net_amount=line.net_amount,
                tax_amount=line.tax_amount,
                total_amount=line.total_amount,
            )
        )
    await session.flush()
    await quotes.transition(session, actor, quote, "accepted", decided_at=now)
    if quote.opportunity_id is not None:
        # An accepted quote wins its deal, so the funnel, forecast and win rate see it without a second step.
        await win_for_accepted_quote(session, actor, quote.opportunity_id)
    after = rules.snapshot(contract, CONTRACT_FIELDS)
    await audit.record(
        session,
        actor,
        "contract.create",
        CONTRACT,
        contract.id,
        {
            **audit.diff({}, after),
            "number": [None, contract.number],
            "quote_id": [None, str(quote.id)],
            **custom,
        },
    )
    return contract


async def update_contract(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Contract:
    """Dates, terms and signatory change while the contract is a draft."""
    actor.require(CONTRACT, Action.UPDATE)
    contract = await get_contract(session, actor, contract_id)
    check_version(contract, version, "contract")
    if contract.status != "draft":
        raise rules.invalid_transition(f"Only a draft contract can be edited; this one is {contract.status}.")
    cleaned = await clean_terms(session, actor, values, contract)
    before = rules.snapshot(contract, CONTRACT_FIELDS)
    for key, value in cleaned.items():
        setattr(contract, key, value)
    custom = await apply_custom_values(session, actor, CONTRACT, contract, values, creating=False)
    await flush_versioned(session, "contract")
    changes = audit.diff(before, rules.snapshot(contract, CONTRACT_FIELDS)) | custom
    await audit.record(session, actor, "contract.update", CONTRACT, contract.id, changes)
    return contract


async def change_status(session: AsyncSession, actor: Actor, contract: Contract, status: str) -> Contract:
    before = contract.status
    contract.status = status
    contract.completed_at = datetime.now(UTC) if status == "completed" else None
    await flush_versioned(session, "contract")
    await audit.record(
        session, actor, f"contract.{status}", CONTRACT, contract.id, {"status": [before, status]}
    )
    return contract


async def activate_contract(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, version: int
) -> Contract:
    actor.require(CONTRACT, Action.UPDATE)
    contract = await get_contract(session, actor, contract_id, lock=True)
    check_version(contract, version, "contract")
    if contract.status != "draft":
        raise rules.invalid_transition(f"Only a draft contract is activated; this one is {contract.status}.")
    await approval_rules.check_contract(session, contract)
    await change_status(session, actor, contract, "active")
    await settle_status(session, actor, contract)
    return contract


async def cancel_contract(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, version: int
) -> Contract:
    actor.require(CONTRACT, Action.UPDATE)
    contract = await get_contract(session, actor, contract_id, lock=True)
    check_version(contract, version, "contract")
    if contract.status not in ("draft", "active"):
        raise rules.invalid_transition(f"A {contract.status} contract cannot be cancelled.")
    if contract.paid_amount != 0:
        raise rules.invalid_transition("Refund the payments received before cancelling the contract.")
    return await change_status(session, actor, contract, "cancelled")


async def settle_status(session: AsyncSession, actor: Actor, contract: Contract) -> None:
    """Completed exactly when fully delivered and fully paid; a refund or cancelled delivery reopens it."""
    if contract.status == "cancelled":
        return
    lines = await contract_lines(session, contract.id)
    delivered = all(line.delivered_quantity >= line.quantity for line in lines)
    settled = delivered and contract.paid_amount >= contract.amount
    if settled and contract.status in ("draft", "active"):
        await change_status(session, actor, contract, "completed")
    elif not settled and contract.status == "completed":
        await change_status(session, actor, contract, "active")
