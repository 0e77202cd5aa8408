"""Competitor list rules: a per-tenant list of rivals (name, strengths, weaknesses) that opportunities
link to. Competitors have no owner: every member who may read them sees the whole list. Archived ones
stay linked where they were but cannot be linked again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.sales.pipeline.models import COMPETITOR, Competitor
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

AUDITED_FIELDS = ("name", "strengths", "weaknesses", "archived_at")


async def get_competitor(
    session: AsyncSession, actor: Actor, competitor_id: uuid.UUID, field: str = "id"
) -> Competitor:
    competitor = await session.scalar(
        select(Competitor).where(Competitor.tenant_id == actor.tenant_id, Competitor.id == competitor_id)
    )
    if competitor is None:
        raise not_found("competitor", field)
    return competitor


async def clean_competitor(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], competitor_id: uuid.UUID | None
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key in ("strengths", "weaknesses"):
            checks[key] = lambda v=value, f=key: optional_text(v, f, 5_000)
    cleaned = collect(checks)
    if "name" in cleaned:
        clash = await session.scalar(
            select(Competitor.id).where(
                Competitor.tenant_id == actor.tenant_id,
                func.lower(Competitor.name) == cleaned["name"].lower(),
                Competitor.archived_at.is_(None),
                Competitor.id != competitor_id if competitor_id else Competitor.id.is_not(None),
            )
        )
        if clash is not None:
            raise DomainError(ErrorCode.DUPLICATE, "A competitor with this name exists.", "name")
    return cleaned


async def create_competitor(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Competitor:
    actor.require(COMPETITOR, Action.CREATE)
    cleaned = await clean_competitor(session, actor, {"name": None, **values}, None)
    competitor = Competitor(tenant_id=actor.tenant_id, **cleaned)
    session.add(competitor)
    await session.flush()
    after = snapshot(competitor, AUDITED_FIELDS)
    await audit.record(session, actor, "competitor.create", COMPETITOR, competitor.id, audit.diff({}, after))
    return competitor


async def update_competitor(
    session: AsyncSession, actor: Actor, competitor_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Competitor:
    actor.require(COMPETITOR, Action.UPDATE)
    competitor = await get_competitor(session, actor, competitor_id)
    check_version(competitor, version, "competitor")
    cleaned = await clean_competitor(session, actor, values, competitor.id)
    before = snapshot(competitor, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(competitor, key, value)
    await flush_versioned(session, "competitor")
    changes = audit.diff(before, snapshot(competitor, AUDITED_FIELDS))
    await audit.record(session, actor, "competitor.update", COMPETITOR, competitor.id, changes)
    return competitor


async def archive_competitor(
    session: AsyncSession, actor: Actor, competitor_id: uuid.UUID, version: int
) -> Competitor:
    actor.require(COMPETITOR, Action.DELETE)
    competitor = await get_competitor(session, actor, competitor_id)
    check_version(competitor, version, "competitor")
    if competitor.archived_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This competitor is already archived.", "id")
    competitor.archived_at = datetime.now(UTC)
    await flush_versioned(session, "competitor")
    await audit.record(
        session,
        actor,
        "competitor.archive",
        COMPETITOR,
        competitor.id,
        {"archived_at": [None, competitor.archived_at.isoformat()]},
    )
    return competitor
