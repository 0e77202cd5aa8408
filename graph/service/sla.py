"""SLA policies and the ticket's SLA clock.

A policy sets first-response and resolution targets in working minutes (graph/service/calendar.py) for a
priority and, optionally, a customer tier; a ticket takes the active policy of its priority and tier, or
of its priority for any tier. The clock runs while the ticket is NEW or OPEN; PENDING_CUSTOMER, RESOLVED
and CLOSED stop it (`sla_paused_at`) and a resume moves every target not yet passed by the working time
the ticket spent waiting. "At risk" is `at_risk_percent` of a target used; "breached" is a target passed
unmet. Both are judged at the paused moment while paused, so waiting on the customer changes neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, any_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import array, insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.identity.members import active_member
from graph.service.calendar import (
    DEFAULT_REOPEN_WINDOW_DAYS,
    WorkWeek,
    add_working_minutes,
    clean_week,
    service_settings,
    working_minutes_between,
)
from graph.service.models import PRIORITIES, TICKET, ServiceHoliday, ServiceSettings, SlaPolicy, Ticket
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.permissions import Action, Actor, Capability
from tenants.validation import required_text

POLICY_FIELDS = (
    "name",
    "priority",
    "customer_tier",
    "first_response_minutes",
    "resolution_minutes",
    "at_risk_percent",
    "escalate_to_id",
    "active",
)
MAX_TARGET_MINUTES = 525_600


def target_minutes(value: int | None, field: str) -> int:
    if value is None or not 1 <= value <= MAX_TARGET_MINUTES:
        raise DomainError(ErrorCode.INVALID, f"Give 1 to {MAX_TARGET_MINUTES} working minutes.", field)
    return value


def clean_percent(value: int | None) -> int:
    if value is None or not 1 <= value <= 99:
        raise DomainError(ErrorCode.INVALID, "Give a percentage from 1 to 99.", "atRiskPercent")
    return value


def clean_priority(value: str | None) -> str:
    if value not in PRIORITIES:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(PRIORITIES)}.", "priority")
    return value


async def clean_policy(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "name": lambda v: required_text(v, "name", 200),
        "priority": clean_priority,
        "customer_tier": lambda v: required_text(v, "customerTier", 100) if v is not None else None,
        "first_response_minutes": lambda v: target_minutes(v, "firstResponseMinutes"),
        "resolution_minutes": lambda v: target_minutes(v, "resolutionMinutes"),
        "at_risk_percent": clean_percent,
        "active": bool,
    }
    cleaned = collect(
        {key: (lambda v=value, rule=rules[key]: rule(v)) for key, value in values.items() if key in rules}
    )
    if values.get("escalate_to_id") is not None:
        cleaned["escalate_to_id"] = await active_member(
            session, actor, values["escalate_to_id"], "escalateToId"
        )
    elif "escalate_to_id" in values:
        cleaned["escalate_to_id"] = None
    return cleaned


async def unique_match(session: AsyncSession, policy: SlaPolicy) -> None:
    """One active policy per (priority, tier); the partial unique index backs this against races."""
    if not policy.active:
        return
    clash = await session.scalar(
        select(SlaPolicy.id).where(
            SlaPolicy.tenant_id == policy.tenant_id,
            SlaPolicy.active.is_(True),
            SlaPolicy.priority == policy.priority,
            func.coalesce(SlaPolicy.customer_tier, "") == (policy.customer_tier or ""),
            SlaPolicy.id != policy.id,
        )
    )
    if clash is not None:
        raise DomainError(
            ErrorCode.DUPLICATE,
            "An active policy already covers this priority and customer tier; change or deactivate it.",
            "priority",
        )


async def create_policy(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> SlaPolicy:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    given = {"name": None, "priority": None, "first_response_minutes": None, "resolution_minutes": None}
    cleaned = await clean_policy(session, actor, given | dict(values))
    policy = SlaPolicy(
        tenant_id=actor.tenant_id, id=new_id(), **{"at_risk_percent": 80, "active": True} | cleaned
    )
    await unique_match(session, policy)
    session.add(policy)
    await session.flush()
    await audit.record(
        session,
        actor,
        "sla_policy.create",
        "sla_policy",
        policy.id,
        audit.diff({}, snapshot(policy, POLICY_FIELDS)),
    )
    return policy


async def get_policy(
    session: AsyncSession, actor: Actor, policy_id: uuid.UUID, field: str = "id"
) -> SlaPolicy:
    actor.require(TICKET, Action.READ)
    policy = await session.get(SlaPolicy, (actor.tenant_id, policy_id))
    if policy is None:
        raise not_found("SLA policy", field)
    return policy


async def update_policy(
    session: AsyncSession, actor: Actor, policy_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> SlaPolicy:
    """New targets apply to tickets opened (or re-prioritised) from now on."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    policy = await get_policy(session, actor, policy_id)
    check_version(policy, version, "SLA policy")
    cleaned = await clean_policy(session, actor, values)
    before = snapshot(policy, POLICY_FIELDS)
    for key, value in cleaned.items():
        setattr(policy, key, value)
    await unique_match(session, policy)
    await flush_versioned(session, "SLA policy")
    changes = audit.diff(before, snapshot(policy, POLICY_FIELDS))
    await audit.record(session, actor, "sla_policy.update", "sla_policy", policy.id, changes)
    return policy


def visible_policies(actor: Actor) -> Any:
    actor.require(TICKET, Action.READ)
    return select(SlaPolicy).where(SlaPolicy.tenant_id == actor.tenant_id)


async def matching_policy(
    session: AsyncSession, tenant_id: uuid.UUID, priority: str, tier: str | None
) -> SlaPolicy | None:
    """The active policy for the priority and tier, else the one for the priority and any tier."""
    return await session.scalar(policy_statement(tenant_id, priority, tier))


def policy_statement(tenant_id: uuid.UUID, priority: str, tier: str | None) -> Select[tuple[SlaPolicy]]:
    return (
        select(SlaPolicy)
        .where(
            SlaPolicy.tenant_id == tenant_id,
            SlaPolicy.active.is_(True),
            SlaPolicy.priority == priority,
            or_(SlaPolicy.customer_tier == tier, SlaPolicy.customer_tier.is_(None)),
        )
        .order_by(SlaPolicy.customer_tier.is_(None))
        .limit(1)
    )


# --- the clock ---------------------------------------------------------------------------------------


def start_clock(ticket: Ticket, policy: SlaPolicy | None, week: WorkWeek, start: datetime) -> None:
    """Targets from `start` (creation, or a priority change: the new policy counts from the ticket's
    creation, as if it had applied from the start)."""
    ticket.sla_policy_id = policy.id if policy else None
    if policy is None:
        ticket.response_risk_at = ticket.response_due_at = None
        ticket.resolution_risk_at = ticket.resolution_due_at = None
        return
    share = policy.at_risk_percent / 100
    response, resolution = policy.first_response_minutes, policy.resolution_minutes
    ticket.response_due_at = add_working_minutes(week, start, response)
    ticket.response_risk_at = add_working_minutes(week, start, response * share)
    ticket.resolution_due_at = add_working_minutes(week, start, resolution)
    ticket.resolution_risk_at = add_working_minutes(week, start, resolution * share)


def pause_clock(ticket: Ticket, now: datetime) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now


def resume_clock(ticket: Ticket, week: WorkWeek, now: datetime) -> None:
    """Every target still ahead at the pause moves by the working time spent paused."""
    paused = ticket.sla_paused_at
    if paused is None:
        return
    for name in ("response_risk_at", "response_due_at", "resolution_risk_at", "resolution_due_at"):
        moment = getattr(ticket, name)
        if moment is not None and moment > paused:
            setattr(
                ticket, name, add_working_minutes(week, now, working_minutes_between(week, paused, moment))
            )
    ticket.sla_paused_at = None


def sla_clock(ticket: Ticket, now: datetime) -> datetime:
    return ticket.sla_paused_at or now


def response_breached(ticket: Ticket, now: datetime) -> bool:
    due = ticket.response_due_at
    return due is not None and (ticket.first_responded_at or sla_clock(ticket, now)) > due


def resolution_breached(ticket: Ticket, now: datetime) -> bool:
    due = ticket.resolution_due_at
    return due is not None and (ticket.resolved_at or sla_clock(ticket, now)) > due


def breached(ticket: Ticket, now: datetime) -> bool:
    return response_breached(ticket, now) or resolution_breached(ticket, now)


def at_risk(ticket: Ticket, now: datetime) -> bool:
    """A running target past its risk point and not yet breached."""
    if ticket.status not in ("new", "open") or breached(ticket, now):
        return False
    response = ticket.first_responded_at is None and ticket.response_risk_at is not None
    if response and ticket.response_risk_at <= now:  # type: ignore[operator]
        return True
    return ticket.resolution_risk_at is not None and ticket.resolution_risk_at <= now


def breached_condition(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL twin of `breached` for unfinished tickets (the breached queue). `now` may be a bind parameter
    (the compiled queue's, graph/service/compiled.py); statuses as `= ANY(ARRAY[...])`, not an IN list,
    which compiled statements cannot expand."""
    clock = func.coalesce(Ticket.sla_paused_at, now)
    return and_(
        Ticket.status == any_(array(("new", "open", "pending_customer"))),
        or_(
            and_(Ticket.first_responded_at.is_(None), Ticket.response_due_at < clock),
            Ticket.resolution_due_at < clock,
        ),
    )


def at_risk_condition(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL twin of `at_risk` (the at-risk queue)."""
    return and_(
        Ticket.status == any_(array(("new", "open"))),
        ~breached_condition(now),
        or_(
            and_(Ticket.first_responded_at.is_(None), Ticket.response_risk_at <= now),
            Ticket.resolution_risk_at <= now,
        ),
    )


# --- the tenant's service settings ----------------------------------------------------------------


SETTINGS_FIELDS = ("week", "utc_offset_minutes", "reopen_window_days", "survey_kind", "survey_valid_days")


async def update_service_settings(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any]
) -> ServiceSettings:
    """The working week and offset SLAs count in (for clocks started or resumed from now on), how long a
    resolved ticket may be reopened, and the survey a closed ticket sends (none, csat, nps) with its
    validity in days. `values["week"]` is a list of (ISO weekday, start minute, end minute)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    rules: dict[str, Any] = {
        "week": clean_week,
        "utc_offset_minutes": offset,
        "reopen_window_days": lambda v: bounded(v, 0, 365, "reopenWindowDays"),
        "survey_kind": lambda v: one_of_kinds(v),
        "survey_valid_days": lambda v: bounded(v, 1, 365, "surveyValidDays"),
    }
    cleaned = collect(
        {
            key: (lambda v=value, rule=rules[key]: rule(v))
            for key, value in values.items()
            if value is not None
        }
    )
    settings = await service_settings(session, actor.tenant_id)
    if settings is None:
        settings = ServiceSettings(
            tenant_id=actor.tenant_id,
            week=clean_week([(day, 540, 1080) for day in range(1, 6)]),
            utc_offset_minutes=0,
            reopen_window_days=DEFAULT_REOPEN_WINDOW_DAYS,
            survey_kind="csat",
            survey_valid_days=14,
        )
        session.add(settings)
    before = snapshot(settings, SETTINGS_FIELDS)
    for key, value in cleaned.items():
        setattr(settings, key, value)
    await session.flush()
    changes = audit.diff(before, snapshot(settings, SETTINGS_FIELDS))
    await audit.record(session, actor, "service_settings.update", "service_settings", None, changes)
    return settings


def one_of_kinds(value: str) -> str:
    if value not in ("none", "csat", "nps"):
        raise DomainError(ErrorCode.INVALID, "Use NONE, CSAT or NPS.", "surveyKind")
    return value


def bounded(value: int, low: int, high: int, field: str) -> int:
    if not low <= value <= high:
        raise DomainError(ErrorCode.INVALID, f"Give {low} to {high} days.", field)
    return value


def offset(value: int) -> int:
    if not -720 <= value <= 840:
        raise DomainError(ErrorCode.INVALID, "An offset from UTC is -720 to 840 minutes.", "utcOffsetMinutes")
    return value


async def set_holiday(session: AsyncSession, actor: Actor, day: date, name: str | None) -> None:
    """Add (or rename) a holiday; a null name removes it."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    if name is None:
        await session.execute(
            delete(ServiceHoliday).where(
                ServiceHoliday.tenant_id == actor.tenant_id, ServiceHoliday.day == day
            )
        )
    else:
        label = required_text(name, "name", 100)
        await session.execute(
            insert(ServiceHoliday)
            .values(tenant_id=actor.tenant_id, day=day, name=label)
            .on_conflict_do_update(index_elements=["tenant_id", "day"], set_={"name": label})
        )
    await audit.record(
        session,
        actor,
        "service_holiday.set",
        "service_settings",
        None,
        {"day": [None, day], "name": [None, name]},
    )
