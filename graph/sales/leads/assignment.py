"""Automatic lead assignment: ordered per-tenant rules, each matching by source and/or region and
dealing its leads round-robin over a list of users.

Fairness across requests comes from a persisted cursor (`next_index`) on the rule row, advanced under
`SELECT ... FOR UPDATE`: concurrent createLead calls queue on the row and each takes the next user.
Rules are always locked in (position, id) order, before any rep lock, so two assigners cannot deadlock.
Members who are inactive or at their open-lead cap are skipped; if nobody in any matching rule can take
the lead, it stays in the pool.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.identity.members import active_member
from graph.sales.leads.leads import (
    AUDITED_FIELDS,
    LEAD_SOURCES,
    lead_scope,
    manages_leads,
    transaction_time,
)
from graph.sales.leads.models import LEAD, OPEN_STATUSES, Lead, LeadAssignmentRule, LeadAssignmentRuleUser
from graph.sales.leads.pool import has_capacity
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Membership
from tenants.options import require_option
from tenants.permissions import Action, Actor, Capability
from tenants.validation import optional_text, required_text

MAX_RULES = 100
MAX_RULE_USERS = 200
RULE_FIELDS = ("name", "position", "source", "region")


def rule_matches(rule: LeadAssignmentRule, lead: Lead) -> bool:
    """Source must equal when the rule names one; region matches the lead's region or country."""
    if rule.source is not None and rule.source != lead.source:
        return False
    if rule.region is None:
        return True
    wanted = rule.region.lower()
    return wanted in {(lead.region or "").lower(), (lead.country or "").lower()}


async def ordered_rules(session: AsyncSession, tenant_id: uuid.UUID) -> list[LeadAssignmentRule]:
    statement = (
        select(LeadAssignmentRule)
        .where(LeadAssignmentRule.tenant_id == tenant_id)
        .order_by(LeadAssignmentRule.position, LeadAssignmentRule.id)
    )
    return list(await session.scalars(statement))


async def lock_rule(session: AsyncSession, rule: LeadAssignmentRule) -> LeadAssignmentRule:
    """Re-reads the rule under a row lock, so its cursor is the latest committed one."""
    locked = await session.scalar(
        select(LeadAssignmentRule)
        .where(LeadAssignmentRule.tenant_id == rule.tenant_id, LeadAssignmentRule.id == rule.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


async def rule_user_ids(
    session: AsyncSession, tenant_id: uuid.UUID, rule_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Active users of each rule, in the rule's order (one query for all rules)."""
    rows = await session.execute(
        select(LeadAssignmentRuleUser.rule_id, LeadAssignmentRuleUser.user_id)
        .join(
            Membership,
            (Membership.tenant_id == LeadAssignmentRuleUser.tenant_id)
            & (Membership.user_id == LeadAssignmentRuleUser.user_id),
        )
        .where(
            LeadAssignmentRuleUser.tenant_id == tenant_id,
            LeadAssignmentRuleUser.rule_id.in_(rule_ids),
            Membership.is_active.is_(True),
        )
        .order_by(LeadAssignmentRuleUser.rule_id, LeadAssignmentRuleUser.position)
    )
    users: dict[uuid.UUID, list[uuid.UUID]] = {rule_id: [] for rule_id in rule_ids}
    for rule_id, user_id in rows:
        users[rule_id].append(user_id)
    return users


async def advance_cursor(session: AsyncSession, rule: LeadAssignmentRule, next_index: int) -> None:
    """Moves the round-robin cursor without touching `version`/`updated_at`: dealing leads is not an
    edit of the rule, and must not make an admin's pending update of it a CONFLICT."""
    table = LeadAssignmentRule.__table__
    await session.execute(
        update(table)
        .where(table.c.tenant_id == rule.tenant_id, table.c.id == rule.id)
        .values(next_index=next_index, updated_at=table.c.updated_at)
    )
    set_committed_value(rule, "next_index", next_index)


async def next_owner(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    rules: Sequence[LeadAssignmentRule],
    users: Mapping[uuid.UUID, list[uuid.UUID]],
    lead: Lead,
) -> uuid.UUID | None:
    """The next user in turn of the first matching rule with room; advances that rule's cursor."""
    for rule in rules:
        if not rule_matches(rule, lead) or not users[rule.id]:
            continue
        rule = await lock_rule(session, rule)
        members = users[rule.id]
        for offset in range(len(members)):
            candidate = members[(rule.next_index + offset) % len(members)]
            if await has_capacity(session, tenant_id, candidate):
                await advance_cursor(session, rule, rule.next_index + offset + 1)
                return candidate
    return None


async def auto_assign(session: AsyncSession, actor: Actor, lead: Lead) -> None:
    """Run on createLead when no owner was given; the lead stays in the pool when no rule fits."""
    rules = await ordered_rules(session, actor.tenant_id)
    if not rules:
        return
    users = await rule_user_ids(session, actor.tenant_id, [rule.id for rule in rules])
    owner = await next_owner(session, actor.tenant_id, rules, users, lead)
    if owner is not None:
        await set_owner(session, actor, lead, owner, "lead.auto_assign")


async def set_owner(session: AsyncSession, actor: Actor, lead: Lead, owner: uuid.UUID, action: str) -> None:
    now = await transaction_time(session)
    before = snapshot(lead, AUDITED_FIELDS)
    lead.owner_id, lead.assigned_at = owner, now
    await flush_versioned(session, "lead")
    await audit.record(
        session, actor, action, LEAD, lead.id, audit.diff(before, snapshot(lead, AUDITED_FIELDS))
    )


async def assign_pool_leads(session: AsyncSession, actor: Actor, limit: int) -> list[Lead]:
    """Runs the rules over open pool leads, oldest first; returns the leads that got an owner."""
    actor.require(LEAD, Action.UPDATE)
    if not manages_leads(actor):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "Only managers run the assignment rules.")
    if not 1 <= limit <= 500:
        raise DomainError(ErrorCode.INVALID, "`limit` must be between 1 and 500.", "limit")
    rules = await ordered_rules(session, actor.tenant_id)
    if not rules:
        return []
    users = await rule_user_ids(session, actor.tenant_id, [rule.id for rule in rules])
    # All rules locked up front, in order, so this never deadlocks with createLead.
    rules = [await lock_rule(session, rule) for rule in rules]
    pool = await session.scalars(
        select(Lead)
        .where(lead_scope(actor), Lead.owner_id.is_(None), Lead.status.in_(OPEN_STATUSES))
        .order_by(Lead.created_at, Lead.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    assigned = []
    for lead in list(pool):
        owner = await next_owner(session, actor.tenant_id, rules, users, lead)
        if owner is not None:
            await set_owner(session, actor, lead, owner, "lead.auto_assign")
            assigned.append(lead)
    return assigned


# --- managing the rules -------------------------------------------------------------------------


def require_rule_manager(actor: Actor) -> None:
    actor.require_capability(Capability.MANAGE_SETTINGS)


async def list_rules(session: AsyncSession, actor: Actor) -> list[LeadAssignmentRule]:
    actor.require(LEAD, Action.READ)
    return await ordered_rules(session, actor.tenant_id)


async def rules_by_id(session: AsyncSession, actor: Actor, ids: list[uuid.UUID]) -> list[LeadAssignmentRule]:
    """The rules among `ids`, for those who may read leads (as `list_rules`); nothing for the others."""
    if not actor.permissions.can(LEAD, Action.READ):
        return []
    rows = await session.scalars(
        select(LeadAssignmentRule).where(
            LeadAssignmentRule.tenant_id == actor.tenant_id, LeadAssignmentRule.id.in_(ids)
        )
    )
    return list(rows)


async def get_rule(session: AsyncSession, actor: Actor, rule_id: uuid.UUID) -> LeadAssignmentRule:
    rule = await session.scalar(
        select(LeadAssignmentRule).where(
            LeadAssignmentRule.tenant_id == actor.tenant_id, LeadAssignmentRule.id == rule_id
        )
    )
    if rule is None:
        raise not_found("assignment rule")
    return rule


async def clean_rule(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    if "name" in values:
        checks["name"] = lambda: required_text(values["name"], "name", 100)
    if "region" in values:
        checks["region"] = lambda: optional_text(values["region"], "region", 100)
    if "position" in values:
        checks["position"] = lambda: clean_position(values["position"])
    cleaned = collect(checks)
    if "source" in values:
        source = optional_text(values["source"], "source", 64)
        if source is not None:
            source = source.lower()
            await require_option(session, actor.tenant_id, LEAD_SOURCES, source, "source")
        cleaned["source"] = source
    if "user_ids" in values:
        cleaned["user_ids"] = await clean_rule_users(session, actor, values["user_ids"])
    return cleaned


def clean_position(value: int | None) -> int:
    if value is None or not 0 <= value <= 10_000:
        raise DomainError(ErrorCode.INVALID, "Use a position from 0 to 10000.", "position")
    return value


async def clean_rule_users(
    session: AsyncSession, actor: Actor, user_ids: Sequence[uuid.UUID] | None
) -> list[uuid.UUID]:
    unique = list(dict.fromkeys(user_ids or []))
    if not unique:
        raise DomainError(ErrorCode.REQUIRED, "A rule needs at least one user to assign leads to.", "userIds")
    if len(unique) > MAX_RULE_USERS:
        raise DomainError(ErrorCode.INVALID, f"Use at most {MAX_RULE_USERS} users.", "userIds")
    return [await active_member(session, actor, user_id, "userIds") for user_id in unique]


async def replace_rule_users(
    session: AsyncSession, rule: LeadAssignmentRule, user_ids: list[uuid.UUID]
) -> None:
    await session.execute(
        delete(LeadAssignmentRuleUser).where(
            LeadAssignmentRuleUser.tenant_id == rule.tenant_id, LeadAssignmentRuleUser.rule_id == rule.id
        )
    )
    session.add_all(
        LeadAssignmentRuleUser(tenant_id=rule.tenant_id, rule_id=rule.id, user_id=user_id, position=index)
        for index, user_id in enumerate(user_ids)
    )
    await session.flush()


async def create_rule(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> LeadAssignmentRule:
    require_rule_manager(actor)
    cleaned = await clean_rule(session, actor, {"name": None, "user_ids": None, **values})
    count = await session.scalar(select(func.count()).where(LeadAssignmentRule.tenant_id == actor.tenant_id))
    if (count or 0) >= MAX_RULES:
        raise DomainError(ErrorCode.LIMIT_REACHED, f"A tenant has at most {MAX_RULES} assignment rules.")
    user_ids = cleaned.pop("user_ids")
    if "position" not in cleaned:
        last = await session.scalar(
            select(func.max(LeadAssignmentRule.position)).where(
                LeadAssignmentRule.tenant_id == actor.tenant_id
            )
        )
        cleaned["position"] = 0 if last is None else last + 1
    rule = LeadAssignmentRule(tenant_id=actor.tenant_id, **cleaned)
    session.add(rule)
    await session.flush()
    await replace_rule_users(session, rule, user_ids)
    changes = {**audit.diff({}, snapshot(rule, RULE_FIELDS)), "user_ids": [None, [str(u) for u in user_ids]]}
    await audit.record(session, actor, "lead_rule.create", LEAD, rule.id, changes)
    return rule


async def update_rule(
    session: AsyncSession, actor: Actor, rule_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> LeadAssignmentRule:
    require_rule_manager(actor)
    rule = await get_rule(session, actor, rule_id)
    check_version(rule, version, "assignment rule")
    cleaned = await clean_rule(session, actor, values)
    user_ids = cleaned.pop("user_ids", None)
    before = snapshot(rule, RULE_FIELDS)
    for key, value in cleaned.items():
        setattr(rule, key, value)
    await flush_versioned(session, "assignment rule")
    changes = audit.diff(before, snapshot(rule, RULE_FIELDS))
    if user_ids is not None:
        await replace_rule_users(session, rule, user_ids)
        changes["user_ids"] = [None, [str(u) for u in user_ids]]
    await audit.record(session, actor, "lead_rule.update", LEAD, rule.id, changes)
    return rule


async def delete_rule(session: AsyncSession, actor: Actor, rule_id: uuid.UUID) -> LeadAssignmentRule:
    require_rule_manager(actor)
    rule = await get_rule(session, actor, rule_id)
    await session.delete(rule)
    await session.flush()
    await audit.record(session, actor, "lead_rule.delete", LEAD, rule.id, {"name": [rule.name, None]})
    return rule


async def rule_users(
    session: AsyncSession, rule_ids: Sequence[uuid.UUID], tenant_id: uuid.UUID
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """All users of each rule (active or not), for display."""
    rows = await session.execute(
        select(LeadAssignmentRuleUser.rule_id, LeadAssignmentRuleUser.user_id)
        .where(LeadAssignmentRuleUser.tenant_id == tenant_id, LeadAssignmentRuleUser.rule_id.in_(rule_ids))
        .order_by(LeadAssignmentRuleUser.rule_id, LeadAssignmentRuleUser.position)
    )
    users: dict[uuid.UUID, list[uuid.UUID]] = {rule_id: [] for rule_id in rule_ids}
    for rule_id, user_id in rows:
        users[rule_id].append(user_id)
    return users
