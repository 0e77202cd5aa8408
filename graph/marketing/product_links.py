"""Competing products met by opportunities, and win/loss by competing product.

The pipeline records which *competitors* an opportunity met (`competitorIds`); this records which of
their *products* it met, with a note saying why we won or lost against it. Linking and unlinking change
the opportunity (update right, record scope) and read the product (competitor read right); an archived
product takes no new links. Win/loss by product counts the opportunities in the caller's scope linked to
each product: open, won, lost and the lost ones' reasons, like win/loss by competitor.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.marketing.competition import WinLoss, get_product, tally
from graph.marketing.models import CompetitorProduct, OpportunityCompetitorProduct
from graph.sales.pipeline.models import COMPETITOR, OPPORTUNITY, Opportunity
from graph.sales.pipeline.opportunities import get_opportunity, opportunity_scope
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor
from tenants.validation import optional_text

Link = OpportunityCompetitorProduct


async def link_product(
    session: AsyncSession,
    actor: Actor,
    opportunity_id: uuid.UUID,
    product_id: uuid.UUID,
    note: str | None,
    now: datetime,
) -> tuple[Link, CompetitorProduct]:
    """Link (again: replaces the note)."""
    actor.require(OPPORTUNITY, Action.UPDATE)
    actor.require(COMPETITOR, Action.READ)
    opportunity = await get_opportunity(session, actor, opportunity_id, "opportunityId")
    product = await get_product(session, actor, product_id, "productId")
    cleaned = optional_text(note, "note", 2000)
    before = await session.get(Link, (actor.tenant_id, opportunity.id, product.id))
    if before is None and product.archived_at is not None:
        raise DomainError(ErrorCode.INVALID, "This competing product is archived.", "productId")
    await session.execute(
        insert(Link)
        .values(
            tenant_id=actor.tenant_id,
            opportunity_id=opportunity.id,
            product_id=product.id,
            note=cleaned,
            created_by_id=actor.user_id,
            created_at=now,
        )
        .on_conflict_do_update(
            index_elements=["tenant_id", "opportunity_id", "product_id"], set_={"note": cleaned}
        )
    )
    link = await session.get(Link, (actor.tenant_id, opportunity.id, product.id), populate_existing=True)
    assert link is not None
    changes = {"competitor_product": [None, {"id": str(product.id), "note": cleaned}]}
    if before is not None:
        changes = {"competitor_product_note": [before.note, cleaned]}
    await audit.record(session, actor, "opportunity.competitor_product", OPPORTUNITY, opportunity.id, changes)
    return link, product


async def unlink_product(
    session: AsyncSession, actor: Actor, opportunity_id: uuid.UUID, product_id: uuid.UUID
) -> None:
    actor.require(OPPORTUNITY, Action.UPDATE)
    opportunity = await get_opportunity(session, actor, opportunity_id, "opportunityId")
    removed = await session.scalar(
        delete(Link)
        .where(
            Link.tenant_id == actor.tenant_id,
            Link.opportunity_id == opportunity.id,
            Link.product_id == product_id,
        )
        .returning(Link.product_id)
    )
    if removed is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This opportunity did not meet that product.", "productId")
    changes = {"competitor_product": [{"id": str(product_id)}, None]}
    await audit.record(session, actor, "opportunity.competitor_product", OPPORTUNITY, opportunity.id, changes)


async def products_of(
    session: AsyncSession, actor: Actor, opportunity_id: uuid.UUID
) -> list[tuple[Link, CompetitorProduct]]:
    """The competing products an opportunity you may see met, by product name."""
    actor.require(COMPETITOR, Action.READ)
    opportunity = await get_opportunity(session, actor, opportunity_id, "opportunityId")
    rows = await session.execute(
        select(Link, CompetitorProduct)
        .join(
            CompetitorProduct,
            (CompetitorProduct.tenant_id == Link.tenant_id) & (CompetitorProduct.id == Link.product_id),
        )
        .where(Link.tenant_id == actor.tenant_id, Link.opportunity_id == opportunity.id)
        .order_by(func.lower(CompetitorProduct.name), CompetitorProduct.id)
    )
    return [(link, product) for link, product in rows.all()]


async def product_win_loss(session: AsyncSession, actor: Actor) -> list[WinLoss]:
    """Per competing product (by name, archived ones too): the opportunities in the caller's scope that met
    it."""
    actor.require(COMPETITOR, Action.READ)
    actor.require(OPPORTUNITY, Action.READ)
    products = list(
        await session.scalars(
            select(CompetitorProduct)
            .where(CompetitorProduct.tenant_id == actor.tenant_id)
            .order_by(func.lower(CompetitorProduct.name), CompetitorProduct.id)
        )
    )
    statement = (
        select(Link.product_id, Opportunity.status, Opportunity.lost_reason, func.count())
        .join(
            Opportunity, (Opportunity.tenant_id == Link.tenant_id) & (Opportunity.id == Link.opportunity_id)
        )
        .where(opportunity_scope(actor))
        .group_by(Link.product_id, Opportunity.status, Opportunity.lost_reason)
    )
    rows = {product.id: WinLoss(product) for product in products}
    return tally(rows, await session.execute(statement))
