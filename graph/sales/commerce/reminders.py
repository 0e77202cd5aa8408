"""Contract reminders, run by `crm jobs run` as `commerce.reminders`, each told to the contract's owner:

- contract expiring: an active contract whose end date is within CONTRACT_EXPIRY_DAYS (once per end
  date);
- installment due: an unpaid installment due within INSTALLMENT_DUE_DAYS (once per due date);
- installment overdue: an unpaid installment past its due date (once per due date).
An installment is paid when the contract's `paid_amount` covers it and every installment before it
(payments settle installments in order, as the contract screen shows them).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.notifications.reminders import Reminder, send_reminders
from graph.sales.commerce.models import CONTRACT, Contract, Installment

CONTRACT_EXPIRY_DAYS = 30
INSTALLMENT_DUE_DAYS = 3
SIGNED = ("active", "completed")


async def expiring_contracts(session: AsyncSession, tenant_id: uuid.UUID, today: date) -> list[Reminder]:
    contracts = await session.scalars(
        select(Contract).where(
            Contract.tenant_id == tenant_id,
            Contract.status == "active",
            Contract.end_date.between(today, today + timedelta(days=CONTRACT_EXPIRY_DAYS)),
        )
    )
    return [
        Reminder(
            user_id=contract.owner_id,
            kind="contract.expiring",
            subject=f"Contract {contract.number} ends on {contract.end_date:%Y-%m-%d}",
            body=f"{(contract.end_date - today).days} days left; renew or close it.",
            link=f"/contracts/{contract.id}",
            key=f"contract.expiring:{contract.id}:{contract.end_date}",
            data={"number": contract.number, "end_date": contract.end_date.isoformat()},
        )
        for contract in contracts
        if contract.end_date is not None
    ]


async def unpaid_installments(session: AsyncSession, tenant_id: uuid.UUID, today: date) -> list[Reminder]:
    covered_through = (
        func.sum(Installment.amount)
        .over(partition_by=Installment.contract_id, order_by=(Installment.position, Installment.id))
        .label("covered_through")
    )
    plan = select(Installment, covered_through).where(Installment.tenant_id == tenant_id).subquery()
    rows = await session.execute(
        select(plan, Contract.number, Contract.owner_id, Contract.currency)
        .join(Contract, (Contract.tenant_id == plan.c.tenant_id) & (Contract.id == plan.c.contract_id))
        .where(
            Contract.status.in_(SIGNED),
            plan.c.covered_through > Contract.paid_amount,
            plan.c.due_date <= today + timedelta(days=INSTALLMENT_DUE_DAYS),
        )
    )
    reminders = []
    for row in rows:
        overdue = row.due_date < today
        kind = "installment.overdue" if overdue else "installment.due"
        when = "was due" if overdue else "is due"
        reminders.append(
            Reminder(
                user_id=row.owner_id,
                kind=kind,
                subject=f"Installment {row.position + 1} of contract {row.number} {when} on {row.due_date}",
                body=f"{row.amount} {row.currency}.",
                link=f"/contracts/{row.contract_id}",
                key=f"{kind}:{row.id}:{row.due_date}",
                data={
                    "number": row.number,
                    "position": row.position + 1,
                    "due_date": row.due_date.isoformat(),
                    "amount": str(row.amount),
                    "currency": row.currency,
                },
            )
        )
    return reminders


@job("commerce.reminders")
async def contract_reminders(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    today = now.date()
    expiring = await send_reminders(
        session, tenant_id, now, await expiring_contracts(session, tenant_id, today), CONTRACT, ("endDate",)
    )
    installments = await send_reminders(
        session, tenant_id, now, await unpaid_installments(session, tenant_id, today), CONTRACT
    )
    return f"contracts expiring {expiring}, installments {installments}"
