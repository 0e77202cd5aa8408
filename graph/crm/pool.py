"""The public customer pool: live accounts without an owner.

Every member who may read accounts sees the pool; a rep claims from it (up to a per-tenant cap of owned
accounts) and releases their own accounts back with a reason. Every move is written to the account's
pool history (`account_pool_events`, append-only) and to the audit log. The reclaim job that returns
neglected accounts lives in `graph/crm/pool_reclaim.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.crm.accounts import AUDITED_FIELDS, account_scope
from graph.crm.models import ACCOUNT, Account
from graph.crm.pool_models import AccountPoolEvent, AccountPoolSettings
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Action, Actor, Capability
from tenants.validation import required_text

DEFAULT_MAX_ACCOUNTS = 200
DEFAULT_WARNING_DAYS = 3
DEFAULT_KEEP_WON_DAYS = 90
MAX_DAYS = 3650
MAX_CAP = 1_000_000
SETTING_FIELDS = (
    "max_accounts_per_rep",
    "reclaim_inactive_days",
    "reclaim_no_opportunity_days",
    "warning_days",
    "keep_open_opportunities",
    "keep_won_days",
    "keep_active_contracts",
    "keep_unpaid_receivables",
)


def in_pool(tenant_id: uuid.UUID) -> ColumnElement[bool]:
    return (Account.tenant_id == tenant_id) & Account.owner_id.is_(None) & Account.deleted_at.is_(None)


def public_pool(actor: Actor) -> Select[tuple[Account]]:
    actor.require(ACCOUNT, Action.READ)
    return select(Account).where(in_pool(actor.tenant_id))


# --- settings ---------------------------------------------------------------------------------


def default_pool_settings(tenant_id: uuid.UUID) -> AccountPoolSettings:
    """What a tenant has until it changes a setting (reclaim off); not added to the session."""
    return AccountPoolSettings(
        tenant_id=tenant_id,
        max_accounts_per_rep=DEFAULT_MAX_ACCOUNTS,
        reclaim_inactive_days=None,
        reclaim_no_opportunity_days=None,
        warning_days=DEFAULT_WARNING_DAYS,
        keep_open_opportunities=True,
        keep_won_days=DEFAULT_KEEP_WON_DAYS,
        keep_active_contracts=True,
        keep_unpaid_receivables=True,
        version=1,
    )


async def pool_settings(session: AsyncSession, tenant_id: uuid.UUID) -> AccountPoolSettings:
    """The tenant's settings; reads never write, so a tenant without a row gets the defaults."""
    statement = select(AccountPoolSettings).where(AccountPoolSettings.tenant_id == tenant_id)
    return await session.scalar(statement) or default_pool_settings(tenant_id)


async def locked_pool_settings(session: AsyncSession, tenant_id: uuid.UUID) -> AccountPoolSettings:
    """The tenant's row under a row lock, written with the defaults first if it does not exist yet."""
    defaults = default_pool_settings(tenant_id)
    await session.execute(
        insert(AccountPoolSettings)
        .values({key: getattr(defaults, key) for key in ("tenant_id", *SETTING_FIELDS, "version")})
        .on_conflict_do_nothing()
    )
    statement = select(AccountPoolSettings).where(AccountPoolSettings.tenant_id == tenant_id)
    settings = await session.scalar(statement.with_for_update())
    assert settings is not None
    return settings


def bounded(value: int | None, field: str, low: int, high: int, *, nullable: bool = True) -> int | None:
    if value is None and nullable:
        return None
    if value is None or not low <= value <= high:
        suffix = ", or null to turn it off" if nullable else ""
        raise DomainError(ErrorCode.INVALID, f"Use {low} to {high}{suffix}.", field)
    return value


def flag(value: bool | None, field: str) -> bool:
    if value is None:
        raise DomainError(ErrorCode.INVALID, "Use true or false.", field)
    return value


async def update_pool_settings(
    session: AsyncSession, actor: Actor, version: int, values: Mapping[str, Any]
) -> AccountPoolSettings:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    settings = await locked_pool_settings(session, actor.tenant_id)
    check_version(settings, version, "pool settings")
    rules = {
        "max_accounts_per_rep": ("maxAccountsPerRep", 0, MAX_CAP, True),
        "reclaim_inactive_days": ("reclaimInactiveDays", 1, MAX_DAYS, True),
        "reclaim_no_opportunity_days": ("reclaimNoOpportunityDays", 1, MAX_DAYS, True),
        "warning_days": ("warningDays", 0, MAX_DAYS, False),
        "keep_won_days": ("keepWonDays", 1, MAX_DAYS, True),
    }
    flags = {
        "keep_open_opportunities": "keepOpenOpportunities",
        "keep_active_contracts": "keepActiveContracts",
        "keep_unpaid_receivables": "keepUnpaidReceivables",
    }
    checks = {
        key: (lambda v=values[key], f=field, lo=low, hi=high, n=nullable: bounded(v, f, lo, hi, nullable=n))
        for key, (field, low, high, nullable) in rules.items()
        if key in values
    }
    checks |= {
        key: (lambda v=values[key], f=field: flag(v, f)) for key, field in flags.items() if key in values
    }
    cleaned = collect(checks)
    before = snapshot(settings, SETTING_FIELDS)
    for key, value in cleaned.items():
        setattr(settings, key, value)
    settings.version += 1
    await session.flush()
    changes = audit.diff(before, snapshot(settings, SETTING_FIELDS))
    await audit.record(session, actor, "pool_settings.update", ACCOUNT, None, changes)
    return settings


# --- claim and release ------------------------------------------------------------------------


async def lock_rep(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Serializes one rep's claims until the transaction ends, so the cap cannot be raced past."""
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"account-cap:{tenant_id}:{user_id}"},
    )


async def owned_account_count(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> int:
    statement = select(func.count()).where(
        Account.tenant_id == tenant_id, Account.owner_id == user_id, Account.deleted_at.is_(None)
    )
    return int(await session.scalar(statement) or 0)


async def record_event(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    account_id: uuid.UUID,
    kind: str,
    owner_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    occurred_at: datetime,
    reason: str | None = None,
) -> None:
    session.add(
        AccountPoolEvent(
            tenant_id=tenant_id,
            account_id=account_id,
            kind=kind,
            owner_id=owner_id,
            actor_id=actor_id,
            reason=reason,
            occurred_at=occurred_at,
        )
    )
    await session.flush()


async def claim_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> Account:
    actor.require(ACCOUNT, Action.UPDATE)
    account = await session.scalar(
        select(Account)
        .where(Account.tenant_id == actor.tenant_id, Account.id == account_id, Account.deleted_at.is_(None))
        .with_for_update()
    )
    if account is None:
        raise not_found("account")
    if account.owner_id is not None:
        raise DomainError(ErrorCode.CONFLICT, "This account is no longer in the public pool.", "id")
    now = await session.scalar(select(func.now()))
    await lock_rep(session, actor.tenant_id, actor.user_id)
    cap = (await pool_settings(session, actor.tenant_id)).max_accounts_per_rep
    if cap is not None and await owned_account_count(session, actor.tenant_id, actor.user_id) >= cap:
        raise DomainError(
            ErrorCode.LIMIT_REACHED, f"You already own {cap} accounts, the cap; release some first.", "id"
        )
    before = snapshot(account, AUDITED_FIELDS)
    account.owner_id = actor.user_id
    await flush_versioned(session, "account")
    await record_event(session, actor.tenant_id, account.id, "claimed", actor.user_id, actor.user_id, now)
    await audit.record(
        session,
        actor,
        "account.claim",
        ACCOUNT,
        account.id,
        audit.diff(before, snapshot(account, AUDITED_FIELDS)),
    )
    return account


async def release_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, reason: str | None
) -> Account:
    """Only the owner releases an account; the reason goes to its pool history and the audit log."""
    actor.require(ACCOUNT, Action.UPDATE)
    cleaned_reason = required_text(reason, "reason", 500)
    account = await session.scalar(
        select(Account)
        .where(account_scope(actor), Account.id == account_id, Account.deleted_at.is_(None))
        .with_for_update()
    )
    if account is None:
        raise not_found("account")
    if account.owner_id is None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This account is already in the public pool.", "id")
    if account.owner_id != actor.user_id:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "Only the owner can release an account to the pool.", "id"
        )
    now = await session.scalar(select(func.now()))
    before = snapshot(account, AUDITED_FIELDS)
    account.owner_id = None
    await flush_versioned(session, "account")
    await record_event(
        session, actor.tenant_id, account.id, "released", actor.user_id, actor.user_id, now, cleaned_reason
    )
    changes = {**audit.diff(before, snapshot(account, AUDITED_FIELDS)), "reason": [None, cleaned_reason]}
    await audit.record(session, actor, "account.release", ACCOUNT, account.id, changes)
    return account


def history_visible(actor: Actor) -> ColumnElement[bool]:
    """An account's pool history is visible with the account: in your scope, or in the pool."""
    return or_(account_scope(actor), in_pool(actor.tenant_id))


def pool_events(actor: Actor) -> Select[tuple[AccountPoolEvent]]:
    """Pool history entries of every account whose history the actor may read (node lookups)."""
    if not actor.permissions.can(ACCOUNT, Action.READ):
        return select(AccountPoolEvent).where(false())
    visible = select(Account.id).where(history_visible(actor))
    return select(AccountPoolEvent).where(
        AccountPoolEvent.tenant_id == actor.tenant_id, AccountPoolEvent.account_id.in_(visible)
    )


def pool_history(actor: Actor, account_id: uuid.UUID) -> Select[tuple[AccountPoolEvent]]:
    actor.require(ACCOUNT, Action.READ)
    visible = select(Account.id).where(history_visible(actor), Account.id == account_id)
    return select(AccountPoolEvent).where(
        AccountPoolEvent.tenant_id == actor.tenant_id, AccountPoolEvent.account_id.in_(visible)
    )
