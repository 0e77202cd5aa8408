"""The reclaim job: owned accounts nobody works on go back to the public pool.

Rules (per tenant, `account_pool_settings`, each off when null):
- no activity for `reclaim_inactive_days`: counted from the latest of a done activity on the account (up
  to the job's clock; planned follow-ups are not contact), the current owner's claim of it, and the
  account's creation;
- no open opportunity for `reclaim_no_opportunity_days`: accounts with an open opportunity are exempt;
  counted from the latest of the last opportunity closed, the current owner's claim, and the creation.
Live customers are never reclaimed, whatever the rule (each exemption a pool setting, on by default): an
open opportunity, a deal won in the last `keep_won_days`, a draft or active contract, a signed contract
not fully paid. A reclaim would take them from the rep who still owns their deals and contracts.
The deadline is that moment plus the rule's days (the earliest deadline of the rules wins), so new work
moves the deadline and opens a new grace window; `warning_days` before it the owner gets one warning.

Where it is recorded: the account's pool history (`account_pool_events`: the former owner, the reason,
the deadline of a warning), chosen over a timeline activity because an activity needs an author and
the job has none; and the audit log (`account.reclaim`, `account.reclaim_warning`, actor null).

Idempotent: a reclaimed account has no owner, so a second run does not see it; a warning is unique per
(account, deadline) and inserted with ON CONFLICT DO NOTHING, so it is written once per grace window; the
reclaim UPDATE is guarded by the former owner, so two runners at once reclaim an account once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.crm.models import ACCOUNT, Account, Activity
from graph.crm.pool import pool_settings
from graph.crm.pool_models import AccountPoolEvent, AccountPoolSettings
from graph.notifications.notify import notify
from graph.sales.commerce.models import Contract
from graph.sales.pipeline.models import Opportunity
from tenants import audit
from tenants.ids import new_id


@dataclass(frozen=True)
class ReclaimRule:
    """One reclaim rule: per owned account, the moment its clock started, and the accounts it covers."""

    days: int
    started: Any  # SQL expression over Account
    covers: tuple[Any, ...]  # extra conditions on Account
    reason: str  # with {days} and {since}

    def describe(self, since: datetime) -> str:
        return self.reason.format(days=self.days, since=f"{since:%Y-%m-%d}")


def current_claim() -> Any:
    """When the current owner claimed the account from the pool (null if they never did)."""
    return (
        select(func.max(AccountPoolEvent.occurred_at))
        .where(
            AccountPoolEvent.tenant_id == Account.tenant_id,
            AccountPoolEvent.account_id == Account.id,
            AccountPoolEvent.kind == "claimed",
            AccountPoolEvent.owner_id == Account.owner_id,
        )
        .scalar_subquery()
    )


def inactivity_rule(days: int, now: datetime) -> ReclaimRule:
    last_activity = (
        select(func.max(Activity.occurred_at))
        .where(
            Activity.tenant_id == Account.tenant_id,
            Activity.account_id == Account.id,
            Activity.done.is_(True),
            Activity.occurred_at <= now,
        )
        .scalar_subquery()
    )
    # GREATEST ignores NULLs: an account never worked on counts from its creation.
    started = func.greatest(Account.created_at, last_activity, current_claim())
    return ReclaimRule(days, started, (), "No activity for {days} days (last on {since}).")


def no_open_opportunity_rule(days: int, now: datetime) -> ReclaimRule:
    """Accounts without an open opportunity, counted from the last close (or claim, or creation)."""
    same_account = (Opportunity.tenant_id == Account.tenant_id) & (Opportunity.account_id == Account.id)
    has_open = exists().where(same_account, Opportunity.status == "open")
    last_closed = (
        select(func.max(Opportunity.closed_at))
        .where(same_account, Opportunity.closed_at <= now)
        .scalar_subquery()
    )
    started = func.greatest(Account.created_at, last_closed, current_claim())
    return ReclaimRule(days, started, (~has_open,), "No open opportunity for {days} days (since {since}).")


def live_customer_exemptions(settings: AccountPoolSettings, now: datetime) -> tuple[Any, ...]:
    """Conditions on Account that keep live customers with their owner under every rule."""
    deals = (Opportunity.tenant_id == Account.tenant_id) & (Opportunity.account_id == Account.id)
    contracts = (Contract.tenant_id == Account.tenant_id) & (Contract.account_id == Account.id)
    kept = []
    if settings.keep_open_opportunities:
        kept.append(exists().where(deals, Opportunity.status == "open"))
    if settings.keep_won_days is not None:
        since = now - timedelta(days=settings.keep_won_days)
        kept.append(exists().where(deals, Opportunity.status == "won", Opportunity.closed_at > since))
    if settings.keep_active_contracts:
        kept.append(exists().where(contracts, Contract.status.in_(("draft", "active"))))
    if settings.keep_unpaid_receivables:
        signed = Contract.status.in_(("active", "completed"))
        kept.append(exists().where(contracts, signed, Contract.paid_amount < Contract.amount))
    return tuple(~condition for condition in kept)


def reclaim_rules(settings: AccountPoolSettings, now: datetime) -> list[ReclaimRule]:
    rules = []
    if settings.reclaim_inactive_days is not None:
        rules.append(inactivity_rule(settings.reclaim_inactive_days, now))
    if settings.reclaim_no_opportunity_days is not None:
        rules.append(no_open_opportunity_rule(settings.reclaim_no_opportunity_days, now))
    exemptions = live_customer_exemptions(settings, now)
    return [ReclaimRule(r.days, r.started, (*r.covers, *exemptions), r.reason) for r in rules]


@dataclass(frozen=True)
class Due:
    """The rule that would reclaim an account first."""

    owner_id: uuid.UUID
    deadline: datetime
    reason: str


async def due_accounts(
    session: AsyncSession, tenant_id: uuid.UUID, rules: list[ReclaimRule], now: datetime, grace: timedelta
) -> dict[uuid.UUID, Due]:
    """Owned live accounts within `grace` of a rule's deadline (or past it), with the earliest one."""
    due: dict[uuid.UUID, Due] = {}
    for rule in rules:
        period = timedelta(days=rule.days)
        rows = await session.execute(
            select(Account.id, Account.owner_id, rule.started.label("started"))
            .where(
                Account.tenant_id == tenant_id, Account.owner_id.is_not(None), Account.deleted_at.is_(None)
            )
            .where(*rule.covers)
            .where(rule.started <= now - period + grace)
        )
        for account_id, owner_id, started in rows:
            deadline = started + period
            if account_id not in due or deadline < due[account_id].deadline:
                due[account_id] = Due(owner_id, deadline, rule.describe(started))
    return due


async def reclaim_account(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    account_id: uuid.UUID,
    owner_id: uuid.UUID,
    now: datetime,
    reason: str,
) -> bool:
    reclaimed = await session.execute(
        update(Account)
        .where(Account.tenant_id == tenant_id, Account.id == account_id, Account.owner_id == owner_id)
        .values(owner_id=None, version=Account.version + 1, updated_at=func.now())
        .returning(Account.id)
    )
    if reclaimed.first() is None:
        return False  # someone else changed the owner meanwhile: nothing to reclaim
    session.add(
        AccountPoolEvent(
            tenant_id=tenant_id,
            account_id=account_id,
            kind="reclaimed",
            owner_id=owner_id,
            reason=reason,
            occurred_at=now,
        )
    )
    changes = {"owner_id": [str(owner_id), None], "reason": [None, reason]}
    await audit.record(session, None, "account.reclaim", ACCOUNT, account_id, changes, tenant_id=tenant_id)
    return True


async def warn_owner(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    account_id: uuid.UUID,
    owner_id: uuid.UUID,
    now: datetime,
    deadline: datetime,
    reason: str,
) -> bool:
    inserted = await session.scalar(
        insert(AccountPoolEvent)
        .values(
            tenant_id=tenant_id,
            id=new_id(),
            account_id=account_id,
            kind="warned",
            owner_id=owner_id,
            reason=reason,
            deadline=deadline,
            occurred_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["tenant_id", "account_id", "deadline"],
            index_where=text("kind = 'warned'"),
        )
        .returning(AccountPoolEvent.id)
    )
    if inserted is None:
        return False
    changes = {"owner_id": str(owner_id), "deadline": deadline.isoformat(), "reason": reason}
    await audit.record(
        session, None, "account.reclaim_warning", ACCOUNT, account_id, changes, tenant_id=tenant_id
    )
    # The owner hears it (in the app, and by email/SMS as they chose), once per grace window like the
    # warning itself.
    name = await session.scalar(select(Account.name).where(Account.id == account_id))
    await notify(
        session,
        tenant_id,
        [owner_id],
        "pool.reclaim_warning",
        f"{name} returns to the public pool on {deadline:%Y-%m-%d}",
        reason,
        f"/accounts/{account_id}",
        key=f"pool.reclaim_warning:{account_id}:{deadline.isoformat()}",
        now=now,
    )
    return True


@job("pool.reclaim")
async def reclaim_neglected_accounts(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    settings = await pool_settings(session, tenant_id)
    rules = reclaim_rules(settings, now)
    if not rules:
        return "reclaim rules off"
    # A warning period longer than a rule would warn the moment an account is claimed: cap it.
    grace = timedelta(days=min(settings.warning_days, *(rule.days for rule in rules)))
    reclaimed = warned = 0
    for account_id, due in sorted((await due_accounts(session, tenant_id, rules, now, grace)).items()):
        if now >= due.deadline:
            reclaimed += await reclaim_account(session, tenant_id, account_id, due.owner_id, now, due.reason)
        elif grace:
            reason = f"{due.reason.rstrip('.')}; returns to the pool on {due.deadline:%Y-%m-%d}."
            warned += await warn_owner(
                session, tenant_id, account_id, due.owner_id, now, due.deadline, reason
            )
    return f"reclaimed {reclaimed}, warned {warned}"
