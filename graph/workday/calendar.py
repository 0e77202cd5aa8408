"""Calendar items: plan, change, cancel, and read them as occurrences in a window.

Each item belongs to its owner (the member who planned it); the role's record scope on
`calendar_item` decides whose items a member sees (own, team, all), like every owned record. An item may
also be shared with a team (`team_id`: the owner's own team, or any team for a role reaching all items):
the team's members read it too (`calendar(teamId)`), but only the record scope lets anyone change it. An item
may be about an account and/or contact the actor can see. Visits (kind `visit`) carry a purpose and
are checked in and closed with an outcome in graph/workday/visits.py.

Each item has an IANA time zone (`time_zone`) its recurrence is expanded in: given on creation, or the
owner's notification-preferences time zone once they saved one, else UTC (tenants have a locale but no
time zone setting). Occurrences are UTC instants.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.crm.accounts import get_account
from graph.crm.contacts import get_contact
from graph.notifications.inbox import preferences
from graph.workday.models import CALENDAR_ITEM, CALENDAR_KINDS, CalendarItem
from graph.workday.recurrence import check_window, clean_rule, occurrences, zone_of
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Team
from tenants.permissions import Action, Actor, Scope, record_scope_clause
from tenants.validation import optional_text, required_text

AUDITED_FIELDS = (
    "kind",
    "title",
    "description",
    "location",
    "starts_at",
    "ends_at",
    "all_day",
    "recurrence",
    "time_zone",
    "account_id",
    "contact_id",
    "team_id",
    "status",
    "purpose",
)


def calendar_scope(actor: Actor) -> ColumnElement[bool]:
    """The items the actor's record scope reaches: those it may change (and a work report shows)."""
    return (CalendarItem.tenant_id == actor.tenant_id) & record_scope_clause(
        actor, CALENDAR_ITEM, CalendarItem.owner_id
    )


def readable_scope(actor: Actor) -> ColumnElement[bool]:
    """The record scope, and the items shared with the actor's team (read only)."""
    if actor.team_id is None:
        return calendar_scope(actor)
    shared = (CalendarItem.tenant_id == actor.tenant_id) & (CalendarItem.team_id == actor.team_id)
    return calendar_scope(actor) | shared


async def clean_team(session: AsyncSession, actor: Actor, team_id: uuid.UUID) -> uuid.UUID:
    """A team of this tenant the actor may share with: their own, or any with `all` scope."""
    found = await session.scalar(select(Team.id).where(Team.tenant_id == actor.tenant_id, Team.id == team_id))
    if found is None:
        raise not_found("team", "teamId")
    if found != actor.team_id and actor.permissions.scope(CALENDAR_ITEM) is not Scope.ALL:
        raise DomainError(ErrorCode.INVALID, "You can share items only with your own team.", "teamId")
    return found


async def get_item(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> CalendarItem:
    actor.require(CALENDAR_ITEM, Action.READ)
    statement = select(CalendarItem).where(calendar_scope(actor), CalendarItem.id == item_id)
    item = await session.scalar(statement.with_for_update() if lock else statement)
    if item is None:
        raise not_found("calendar item", field)
    return item


def clean_kind(value: str | None) -> str:
    if value not in CALENDAR_KINDS:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(CALENDAR_KINDS)}.", "kind")
    return value


async def clean_item(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], current: CalendarItem | None
) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "kind": clean_kind,
        "title": lambda v: required_text(v, "title", 300),
        "description": lambda v: optional_text(v, "description", 20_000),
        "location": lambda v: optional_text(v, "location", 300),
        "purpose": lambda v: optional_text(v, "purpose", 5_000),
        "all_day": lambda v: bool(v),
        "starts_at": lambda v: v if v is not None else required_text(None, "startsAt", 1),
        "ends_at": lambda v: v if v is not None else required_text(None, "endsAt", 1),
        "time_zone": lambda v: zone_of(v or "").key,
    }
    cleaned = collect(
        {key: (lambda v=value, rule=rules[key]: rule(v)) for key, value in values.items() if key in rules}
    )
    starts_at = cleaned.get("starts_at", current.starts_at if current else None)
    ends_at = cleaned.get("ends_at", current.ends_at if current else None)
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise DomainError(ErrorCode.INVALID, "An item cannot end before it starts.", "endsAt")
    if "recurrence" in values or "starts_at" in values:
        rule = values.get("recurrence", current.recurrence if current else None)
        cleaned["recurrence"] = clean_rule(rule, starts_at)
    for key, field, getter in (
        ("account_id", "accountId", get_account),
        ("contact_id", "contactId", get_contact),
    ):
        if values.get(key) is not None:
            cleaned[key] = (await getter(session, actor, values[key], field)).id
        elif key in values:
            cleaned[key] = None
    if values.get("team_id") is not None:
        cleaned["team_id"] = await clean_team(session, actor, values["team_id"])
    elif "team_id" in values:
        cleaned["team_id"] = None
    kind = cleaned.get("kind", current.kind if current else None)
    if kind == "visit":
        account_id = cleaned.get("account_id", current.account_id if current else None)
        contact_id = cleaned.get("contact_id", current.contact_id if current else None)
        if account_id is None and contact_id is None:
            raise DomainError(ErrorCode.REQUIRED, "A visit is to an account or a contact.", "accountId")
    return cleaned


async def create_item(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> CalendarItem:
    actor.require(CALENDAR_ITEM, Action.CREATE)
    given = {key: value for key, value in values.items() if key != "time_zone" or value is not None}
    cleaned = await clean_item(session, actor, {"starts_at": None, "ends_at": None, **given}, None)
    if "time_zone" not in cleaned:
        cleaned["time_zone"] = (await preferences(session, actor)).time_zone
    item = CalendarItem(tenant_id=actor.tenant_id, owner_id=actor.user_id, status="planned", **cleaned)
    session.add(item)
    await session.flush()
    after = snapshot(item, AUDITED_FIELDS)
    await audit.record(session, actor, "calendar_item.create", CALENDAR_ITEM, item.id, audit.diff({}, after))
    return item


def require_planned(item: CalendarItem) -> None:
    if item.status != "planned":
        raise DomainError(ErrorCode.INVALID_TRANSITION, f"This item is already {item.status}.", "id")


async def update_item(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> CalendarItem:
    actor.require(CALENDAR_ITEM, Action.UPDATE)
    item = await get_item(session, actor, item_id)
    check_version(item, version, "calendar item")
    require_planned(item)
    cleaned = await clean_item(session, actor, values, item)
    before = snapshot(item, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(item, key, value)
    await flush_versioned(session, "calendar item")
    changes = audit.diff(before, snapshot(item, AUDITED_FIELDS))
    await audit.record(session, actor, "calendar_item.update", CALENDAR_ITEM, item.id, changes)
    return item


async def cancel_item(session: AsyncSession, actor: Actor, item_id: uuid.UUID, version: int) -> CalendarItem:
    actor.require(CALENDAR_ITEM, Action.UPDATE)
    item = await get_item(session, actor, item_id)
    check_version(item, version, "calendar item")
    require_planned(item)
    item.status = "cancelled"
    await flush_versioned(session, "calendar item")
    await audit.record(
        session, actor, "calendar_item.cancel", CALENDAR_ITEM, item.id, {"status": ["planned", "cancelled"]}
    )
    return item


def items_statement(
    actor: Actor,
    owner_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    kind: str | None = None,
    team_id: uuid.UUID | None = None,
) -> Select[tuple[CalendarItem]]:
    """Items the actor may read (record scope, or shared with their team), by the given conditions."""
    actor.require(CALENDAR_ITEM, Action.READ)
    statement = select(CalendarItem).where(readable_scope(actor))
    if owner_id is not None:
        statement = statement.where(CalendarItem.owner_id == owner_id)
    if team_id is not None:
        statement = statement.where(CalendarItem.team_id == team_id)
    if account_id is not None:
        statement = statement.where(CalendarItem.account_id == account_id)
    if kind is not None:
        statement = statement.where(CalendarItem.kind == clean_kind(kind))
    return statement.order_by(CalendarItem.starts_at, CalendarItem.id)


async def window(
    session: AsyncSession,
    actor: Actor,
    start: datetime,
    end: datetime,
    owner_id: uuid.UUID | None = None,
    include_cancelled: bool = False,
    team_id: uuid.UUID | None = None,
) -> list[tuple[CalendarItem, datetime, datetime]]:
    """Every occurrence overlapping [start, end) of the items the actor may read (of `owner_id`, shared
    with `team_id`, when given), in start order."""
    check_window(start, end)
    statement = items_statement(actor, owner_id, team_id=team_id).where(
        CalendarItem.starts_at < end,
        or_(CalendarItem.recurrence.is_not(None), CalendarItem.ends_at >= start),
    )
    if not include_cancelled:
        statement = statement.where(CalendarItem.status != "cancelled")
    found = []
    for item in await session.scalars(statement):
        for occurrence_start, occurrence_end in occurrences(
            item.starts_at, item.ends_at, item.recurrence, start, end, item.time_zone
        ):
            found.append((item, occurrence_start, occurrence_end))
    found.sort(key=lambda entry: (entry[1], entry[0].id))
    return found
