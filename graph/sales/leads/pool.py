"""The lead pool: leads without an owner. Reps claim them (up to a per-tenant cap of open leads),
managers assign them, and owners release them back.

Caps are checked under a transaction-scoped advisory lock per rep, so two concurrent claims by the
same rep cannot both pass the check; the lead row itself is locked, so two reps racing for one lead
see one winner and one clear error.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned, snapshot
from graph.identity.members import active_member
from graph.sales.leads.leads import AUDITED_FIELDS, get_lead, manages_leads, transaction_time
from graph.sales.leads.models import LEAD, OPEN_STATUSES, Lead, LeadSettings
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.models import Membership
from tenants.permissions import Action, Actor, Capability, record_scope_clause

DEFAULT_MAX_OPEN_LEADS = 50
MAX_CAP = 100_000


def default_lead_settings(tenant_id: uuid.UUID) -> LeadSettings:
    """What a tenant has until it changes a setting; not added to the session."""
    return LeadSettings(tenant_id=tenant_id, max_open_leads_per_rep=DEFAULT_MAX_OPEN_LEADS, version=1)


async def lead_settings(session: AsyncSession, tenant_id: uuid.UUID) -> LeadSettings:
    """The tenant's settings; reads never write, so a tenant without a row gets the defaults."""
    statement = select(LeadSettings).where(LeadSettings.tenant_id == tenant_id)
    return await session.scalar(statement) or default_lead_settings(tenant_id)


async def locked_lead_settings(session: AsyncSession, tenant_id: uuid.UUID) -> LeadSettings:
    """The tenant's row under a row lock, written with the defaults first if it does not exist yet."""
    await session.execute(
        insert(LeadSettings)
        .values(tenant_id=tenant_id, max_open_leads_per_rep=DEFAULT_MAX_OPEN_LEADS, version=1)
        .on_conflict_do_nothing()
    )
    settings = await session.scalar(
        select(LeadSettings).where(LeadSettings.tenant_id == tenant_id).with_for_update()
    )
    assert settings is not None
    return settings


async def update_lead_settings(
    session: AsyncSession, actor: Actor, version: int, values: Mapping[str, Any]
) -> LeadSettings:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    settings = await locked_lead_settings(session, actor.tenant_id)
    check_version(settings, version, "lead settings")
    before = snapshot(settings, ("max_open_leads_per_rep",))
    if "max_open_leads_per_rep" in values:
        cap = values["max_open_leads_per_rep"]
        if cap is not None and not 0 <= cap <= MAX_CAP:
            raise DomainError(
                ErrorCode.INVALID, f"Use 0 to {MAX_CAP}, or null for no cap.", "maxOpenLeadsPerRep"
            )
        settings.max_open_leads_per_rep = cap
    settings.version += 1
    await session.flush()
    changes = audit.diff(before, snapshot(settings, ("max_open_leads_per_rep",)))
    await audit.record(session, actor, "lead_settings.update", LEAD, None, changes)
    return settings


async def lock_rep(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Serializes everything that gives leads to one rep, until the transaction ends."""
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"lead-cap:{tenant_id}:{user_id}"},
    )


async def open_lead_count(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                Lead.tenant_id == tenant_id, Lead.owner_id == user_id, Lead.status.in_(OPEN_STATUSES)
            )
        )
        or 0
    )


async def has_capacity(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Locks the rep (see `lock_rep`) and says whether one more open lead fits under the cap."""
    await lock_rep(session, tenant_id, user_id)
    cap = (await lead_settings(session, tenant_id)).max_open_leads_per_rep
    return cap is None or await open_lead_count(session, tenant_id, user_id) < cap


async def give_lead(session: AsyncSession, actor: Actor, lead: Lead, user_id: uuid.UUID, field: str) -> None:
    """Every way a lead gets an owner goes through here, so the cap holds for all of them."""
    if not await has_capacity(session, actor.tenant_id, user_id):
        cap = (await lead_settings(session, actor.tenant_id)).max_open_leads_per_rep
        who = "You have" if user_id == actor.user_id else "This member has"
        raise DomainError(
            ErrorCode.LIMIT_REACHED,
            f"{who} reached the cap of {cap} open leads; close or release some first.",
            field,
        )
    now = await transaction_time(session)
    lead.owner_id, lead.assigned_at = user_id, now


def require_open(lead: Lead, field: str = "id") -> None:
    if lead.status not in OPEN_STATUSES:
        raise DomainError(ErrorCode.INVALID_TRANSITION, f"A {lead.status} lead cannot change hands.", field)


async def claim_lead(session: AsyncSession, actor: Actor, lead_id: uuid.UUID) -> Lead:
    actor.require(LEAD, Action.UPDATE)
    lead = await get_lead(session, actor, lead_id, lock=True)
    if lead.owner_id is not None:
        raise DomainError(
            ErrorCode.CONFLICT, "Someone already owns this lead; it is no longer in the pool.", "id"
        )
    require_open(lead)
    before = snapshot(lead, AUDITED_FIELDS)
    await give_lead(session, actor, lead, actor.user_id, "id")
    await flush_versioned(session, "lead")
    await audit.record(
        session, actor, "lead.claim", LEAD, lead.id, audit.diff(before, snapshot(lead, AUDITED_FIELDS))
    )
    return lead


async def release_lead(session: AsyncSession, actor: Actor, lead_id: uuid.UUID) -> Lead:
    actor.require(LEAD, Action.UPDATE)
    lead = await get_lead(session, actor, lead_id, lock=True)
    if lead.owner_id is None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This lead is already in the pool.", "id")
    require_open(lead)
    before = snapshot(lead, AUDITED_FIELDS)
    lead.owner_id = None
    lead.assigned_at = None
    await flush_versioned(session, "lead")
    await audit.record(
        session, actor, "lead.release", LEAD, lead.id, audit.diff(before, snapshot(lead, AUDITED_FIELDS))
    )
    return lead


async def require_assignable_member(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> uuid.UUID:
    """An active member the manager's lead scope reaches: a lead they owned would be visible to the
    manager (anyone for `all`, the team for `team`, the team and its sub-teams for `team_and_subteams`)."""
    member = await active_member(session, actor, user_id, "userId")
    reachable = await session.scalar(
        select(Membership.user_id).where(
            Membership.tenant_id == actor.tenant_id,
            Membership.user_id == member,
            record_scope_clause(actor, LEAD, Membership.user_id),
        )
    )
    if reachable is None:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "You may assign leads only within your team.", "userId"
        )
    return member


async def assign_lead(session: AsyncSession, actor: Actor, lead_id: uuid.UUID, user_id: uuid.UUID) -> Lead:
    actor.require(LEAD, Action.UPDATE)
    if not manages_leads(actor):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "Only managers assign leads; claim it from the pool instead."
        )
    lead = await get_lead(session, actor, lead_id, "leadId", lock=True)
    require_open(lead, "leadId")
    member = await require_assignable_member(session, actor, user_id)
    if lead.owner_id == member:
        return lead
    before = snapshot(lead, AUDITED_FIELDS)
    await give_lead(session, actor, lead, member, "userId")
    await flush_versioned(session, "lead")
    await audit.record(
        session, actor, "lead.assign", LEAD, lead.id, audit.diff(before, snapshot(lead, AUDITED_FIELDS))
    )
    return lead
