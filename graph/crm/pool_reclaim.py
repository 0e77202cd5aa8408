"""The reclaim job: owned accounts nobody works on go back to the public pool.

Rule (per tenant, `account_pool_settings`): an account with no activity for `reclaim_inactive_days`
returns to the pool; `warning_days` before that, its owner gets one grace warning. "Activity" is the
latest of: an activity on the account (up to the job's clock), the current owner's claim of it, and the
account's creation. The deadline is that moment plus the rule's days, so new activity moves the deadline
and opens a new grace window.

Where it is recorded: the account's pool history (`account_pool_events`: the former owner, the reason,
the deadline of a warning), chosen over a timeline activity because an activity needs an author and
the job has none; and the audit log (`account.reclaim`, `account.reclaim_warning`, actor null).

Idempotent: a reclaimed account has no owner, so a second run does not see it; a warning is unique per
(account, deadline) and inserted with ON CONFLICT DO NOTHING, so it is written once per grace window; the
reclaim UPDATE is guarded by the former owner, so two runners at once reclaim an account once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.jobs import job
from graph.crm.models import ACCOUNT, Account, Activity
from graph.crm.pool_models import AccountPoolEvent, AccountPoolSettings
from tenants import audit
from tenants.ids import new_id


def last_touch(now: datetime):  # type: ignore[no-untyped-def]
    """Per account: when it was last worked on (see the module docstring), as a SQL expression."""
    last_activity = (
        select(func.max(Activity.occurred_at))
        .where(
            Activity.tenant_id == Account.tenant_id,
            Activity.account_id == Account.id,
            Activity.occurred_at <= now,
        )
        .scalar_subquery()
    )
    last_claim = (
        select(func.max(AccountPoolEvent.occurred_at))
        .where(
            AccountPoolEvent.tenant_id == Account.tenant_id,
            AccountPoolEvent.account_id == Account.id,
            AccountPoolEvent.kind == "claimed",
            AccountPoolEvent.owner_id == Account.owner_id,
        )
        .scalar_subquery()
    )
    # GREATEST ignores NULLs: an account never worked on counts from its creation.
    return func.greatest(Account.created_at, last_activity, last_claim)


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
            index_where=AccountPoolEvent.kind == "warned",
        )
        .returning(AccountPoolEvent.id)
    )
    if inserted is None:
        return False
    changes = {"owner_id": str(owner_id), "deadline": deadline.isoformat(), "reason": reason}
    await audit.record(
        session, None, "account.reclaim_warning", ACCOUNT, account_id, changes, tenant_id=tenant_id
    )
    return True


@job("pool.reclaim")
async def reclaim_neglected_accounts(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    # Read only: a tenant that never set rules gets no settings row written by the scheduler.
    settings = await session.scalar(
        select(AccountPoolSettings).where(AccountPoolSettings.tenant_id == tenant_id)
    )
    days = settings.reclaim_inactive_days if settings else None
    if settings is None or days is None:
        return "reclaim rules off"
    period, grace = timedelta(days=days), timedelta(days=min(settings.warning_days, days))
    touched = last_touch(now).label("touched")
    candidates = await session.execute(
        select(Account.id, Account.owner_id, touched)
        .where(Account.tenant_id == tenant_id, Account.owner_id.is_not(None), Account.deleted_at.is_(None))
        .where(last_touch(now) <= now - period + grace)
        .order_by(Account.id)
    )
    reclaimed = warned = 0
    for account_id, owner_id, touched_at in candidates.all():
        deadline = touched_at + period
        if now >= deadline:
            reason = f"No activity for {days} days (last on {touched_at:%Y-%m-%d})."
            reclaimed += await reclaim_account(session, tenant_id, account_id, owner_id, now, reason)
        elif grace:
            reason = f"No activity since {touched_at:%Y-%m-%d}; returns to the pool on {deadline:%Y-%m-%d}."
            warned += await warn_owner(session, tenant_id, account_id, owner_id, now, deadline, reason)
    return f"reclaimed {reclaimed}, warned {warned}"
