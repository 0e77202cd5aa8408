"""Competing products and win/loss by competitor.

Competitors themselves, and which ones an opportunity met, belong to the pipeline (graph/sales/pipeline:
`competitors`, `competitorIds` on an opportunity, the `competitor` loss reason). This module adds what
each competitor sells (products with strengths, weaknesses and a price note; tenant-wide like the
competitor list, under the same `competitor` role rights) and the win/loss record against each
competitor: the opportunities in the caller's scope that met it, open, won and lost, and why they were lost.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.marketing.models import CompetitorProduct
from graph.sales.pipeline.competitors import get_competitor
from graph.sales.pipeline.models import (
    COMPETITOR,
    OPPORTUNITY,
    Competitor,
    Opportunity,
    OpportunityCompetitor,
)
from graph.sales.pipeline.opportunities import opportunity_scope
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

AUDITED_FIELDS = ("competitor_id", "name", "strengths", "weaknesses", "price_note", "archived_at")


def clean_product(values: Mapping[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key in ("strengths", "weaknesses"):
            checks[key] = lambda v=value, f=key: optional_text(v, f, 5_000)
        elif key == "price_note":
            checks[key] = lambda v=value: optional_text(v, "priceNote", 500)
    return collect(checks)


def products_statement(actor: Actor, competitor_id: uuid.UUID | None, include_archived: bool) -> Select[Any]:
    actor.require(COMPETITOR, Action.READ)
    statement = select(CompetitorProduct).where(CompetitorProduct.tenant_id == actor.tenant_id)
    if competitor_id is not None:
        statement = statement.where(CompetitorProduct.competitor_id == competitor_id)
    if not include_archived:
        statement = statement.where(CompetitorProduct.archived_at.is_(None))
    return statement.order_by(func.lower(CompetitorProduct.name), CompetitorProduct.id)


async def get_product(
    session: AsyncSession, actor: Actor, product_id: uuid.UUID, field: str = "id"
) -> CompetitorProduct:
    product = await session.scalar(
        select(CompetitorProduct).where(
            CompetitorProduct.tenant_id == actor.tenant_id, CompetitorProduct.id == product_id
        )
    )
    if product is None:
        raise not_found("competing product", field)
    return product


async def create_product(
    session: AsyncSession, actor: Actor, competitor_id: uuid.UUID, values: Mapping[str, Any]
) -> CompetitorProduct:
    actor.require(COMPETITOR, Action.CREATE)
    competitor = await get_competitor(session, actor, competitor_id, "competitorId")
    if competitor.archived_at is not None:
        raise DomainError(ErrorCode.INVALID, "This competitor is archived.", "competitorId")
    cleaned = clean_product({"name": None, **values})
    product = CompetitorProduct(
        tenant_id=actor.tenant_id, id=new_id(), competitor_id=competitor.id, **cleaned
    )
    session.add(product)
    await session.flush()
    changes = audit.diff({}, snapshot(product, AUDITED_FIELDS))
    await audit.record(session, actor, "competitor_product.create", COMPETITOR, product.id, changes)
    return product


async def update_product(
    session: AsyncSession, actor: Actor, product_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> CompetitorProduct:
    """The given fields; `archived: true` archives the product, `false` restores it."""
    actor.require(COMPETITOR, Action.UPDATE)
    product = await get_product(session, actor, product_id)
    check_version(product, version, "competing product")
    cleaned = clean_product(values)
    if values.get("archived") is not None:
        archived = bool(values["archived"])
        if archived == (product.archived_at is not None):
            state = "archived" if archived else "live"
            raise DomainError(ErrorCode.INVALID_TRANSITION, f"This product is already {state}.", "archived")
        cleaned["archived_at"] = datetime.now(UTC) if archived else None
    before = snapshot(product, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(product, key, value)
    await flush_versioned(session, "competing product")
    changes = audit.diff(before, snapshot(product, AUDITED_FIELDS))
    await audit.record(session, actor, "competitor_product.update", COMPETITOR, product.id, changes)
    return product


@dataclass
class WinLoss:
    """The record against one competitor or one competing product (`subject`)."""

    subject: Any
    met: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0
    loss_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def competitor(self) -> Competitor:
        return self.subject  # type: ignore[no-any-return]

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


def tally(rows: dict[uuid.UUID, WinLoss], counted: Any) -> list[WinLoss]:
    """Adds (subject id, opportunity status, lost reason, count) rows up; loss reasons most first."""
    reasons: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for subject_id, status, reason, count in counted:
        row = rows[subject_id]
        row.met += count
        setattr(row, status, getattr(row, status) + count)
        if status == "lost":
            key = reason or "unknown"
            reasons[subject_id][key] = reasons[subject_id].get(key, 0) + count
    for subject_id, found in reasons.items():
        rows[subject_id].loss_reasons = dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))
    return list(rows.values())


async def win_loss(session: AsyncSession, actor: Actor) -> list[WinLoss]:
    """Per competitor (by name, archived ones too): the opportunities in the caller's scope that met it."""
    actor.require(COMPETITOR, Action.READ)
    actor.require(OPPORTUNITY, Action.READ)
    competitors = list(
        await session.scalars(
            select(Competitor)
            .where(Competitor.tenant_id == actor.tenant_id)
            .order_by(func.lower(Competitor.name), Competitor.id)
        )
    )
    statement = (
        select(OpportunityCompetitor.competitor_id, Opportunity.status, Opportunity.lost_reason, func.count())
        .join(
            Opportunity,
            (Opportunity.tenant_id == OpportunityCompetitor.tenant_id)
            & (Opportunity.id == OpportunityCompetitor.opportunity_id),
        )
        .where(opportunity_scope(actor))
        .group_by(OpportunityCompetitor.competitor_id, Opportunity.status, Opportunity.lost_reason)
    )
    rows = {competitor.id: WinLoss(competitor) for competitor in competitors}
    return tally(rows, await session.execute(statement))
