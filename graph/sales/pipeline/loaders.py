"""Per-request DataLoaders of the pipeline area: one query per level of nesting, never one per row.

They run on the request's own session (RLS applies) and carry the actor's role and record scope:
opportunities outside the caller's scope, and contacts the caller may not see, resolve to nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select, true
from sqlalchemy.orm import aliased
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.core.loaders import by_id, can_read
from graph.crm.contacts import contact_scope
from graph.crm.models import CONTACT, Contact
from graph.sales.pipeline.models import (
    COMPETITOR,
    OPPORTUNITY,
    Competitor,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    Pipeline,
    PipelineStage,
    StageChange,
)
from graph.sales.pipeline.opportunities import opportunity_scope

# Cards on the board: biggest deals first (matches opportunities_board_idx).
BOARD_ORDER = ((Opportunity.amount, True), (Opportunity.id, True))


pipelines_by_id = by_id(Pipeline, None)
stages_by_id = by_id(PipelineStage, None)
competitors_by_id = by_id(Competitor, COMPETITOR)


def opportunities_by_id(context: RequestContext) -> DataLoader[uuid.UUID, Opportunity | None]:
    async def load(ids: Sequence[uuid.UUID]) -> list[Opportunity | None]:
        if not can_read(context, OPPORTUNITY):
            return [None] * len(ids)
        session = await context.session()
        rows = await session.scalars(
            select(Opportunity).where(opportunity_scope(context.actor), Opportunity.id.in_(ids))
        )
        found = {row.id: row for row in rows}
        return [found.get(record_id) for record_id in ids]

    return DataLoader(load_fn=load)


def stages_by_pipeline_id(context: RequestContext) -> DataLoader[tuple[uuid.UUID, bool], list[PipelineStage]]:
    """Keyed by (pipeline id, include archived): stages in board order."""

    async def load(keys: Sequence[tuple[uuid.UUID, bool]]) -> list[list[PipelineStage]]:
        session = await context.session()
        rows = await session.scalars(
            select(PipelineStage)
            .where(
                PipelineStage.tenant_id == context.actor.tenant_id,
                PipelineStage.pipeline_id.in_({pipeline_id for pipeline_id, _ in keys}),
            )
            .order_by(PipelineStage.archived_at.is_not(None), PipelineStage.position, PipelineStage.id)
        )
        stages: dict[uuid.UUID, list[PipelineStage]] = defaultdict(list)
        for stage in rows:
            stages[stage.pipeline_id].append(stage)
        return [
            [s for s in stages.get(pipeline_id, []) if archived or s.archived_at is None]
            for pipeline_id, archived in keys
        ]

    return DataLoader(load_fn=load)


def contact_links_by_opportunity_id(context: RequestContext) -> DataLoader[uuid.UUID, list[Any]]:
    """[(link, contact)] of each opportunity: live contacts the caller may see, primary first."""

    async def load(ids: Sequence[uuid.UUID]) -> list[list[Any]]:
        if not can_read(context, CONTACT):
            return [[] for _ in ids]
        session = await context.session()
        rows = await session.execute(
            select(OpportunityContact, Contact)
            .join(
                Contact,
                (Contact.tenant_id == OpportunityContact.tenant_id)
                & (Contact.id == OpportunityContact.contact_id),
            )
            .where(
                OpportunityContact.opportunity_id.in_(ids),
                contact_scope(context.actor),
                Contact.deleted_at.is_(None),
            )
            .order_by(OpportunityContact.is_primary.desc(), Contact.last_name, Contact.first_name, Contact.id)
        )
        links: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for link, contact in rows:
            links[link.opportunity_id].append((link, contact))
        return [links.get(opportunity_id, []) for opportunity_id in ids]

    return DataLoader(load_fn=load)


def competitors_by_opportunity_id(context: RequestContext) -> DataLoader[uuid.UUID, list[Competitor]]:
    async def load(ids: Sequence[uuid.UUID]) -> list[list[Competitor]]:
        if not can_read(context, COMPETITOR):
            return [[] for _ in ids]
        session = await context.session()
        rows = await session.execute(
            select(OpportunityCompetitor.opportunity_id, Competitor)
            .join(
                Competitor,
                (Competitor.tenant_id == OpportunityCompetitor.tenant_id)
                & (Competitor.id == OpportunityCompetitor.competitor_id),
            )
            .where(OpportunityCompetitor.opportunity_id.in_(ids))
            .order_by(Competitor.name, Competitor.id)
        )
        found: dict[uuid.UUID, list[Competitor]] = defaultdict(list)
        for opportunity_id, competitor in rows:
            found[opportunity_id].append(competitor)
        return [found.get(opportunity_id, []) for opportunity_id in ids]

    return DataLoader(load_fn=load)


def stage_history_by_opportunity_id(context: RequestContext) -> DataLoader[uuid.UUID, list[StageChange]]:
    """Each opportunity's stage changes, oldest first (callers already hold the visible opportunity)."""

    async def load(ids: Sequence[uuid.UUID]) -> list[list[StageChange]]:
        session = await context.session()
        rows = await session.scalars(
            select(StageChange)
            .where(StageChange.tenant_id == context.actor.tenant_id, StageChange.opportunity_id.in_(ids))
            .order_by(StageChange.opportunity_id, StageChange.moved_at, StageChange.id)
        )
        history: dict[uuid.UUID, list[StageChange]] = defaultdict(list)
        for change in rows:
            history[change.opportunity_id].append(change)
        return [history.get(opportunity_id, []) for opportunity_id in ids]

    return DataLoader(load_fn=load)


def board_statement(context: RequestContext, owner_id: uuid.UUID | None = None) -> Select[Any]:
    statement = select(Opportunity).where(opportunity_scope(context.actor))
    return statement if owner_id is None else statement.where(Opportunity.owner_id == owner_id)


# (pipeline id, stage id, page size, owner filter)
BoardKey = tuple[uuid.UUID, uuid.UUID, int, uuid.UUID | None]


def board_pages_by_stage_id(context: RequestContext) -> DataLoader[BoardKey, list[Any]]:
    """First pages of every column of a board in one query: a LATERAL top-N per stage that walks
    `opportunities_board_idx` (tenant, pipeline, stage, amount desc, id desc), so a column of 50,000
    deals costs as little as one of 5. Returns [(record, sort keys)] like `graph.core.pages.first_pages`,
    so `after:` on a column continues with the ordinary `paginate`.
    """

    async def load(keys: Sequence[BoardKey]) -> list[list[Any]]:
        if not can_read(context, OPPORTUNITY):
            return [[] for _ in keys]
        session = await context.session()
        batches: dict[tuple[uuid.UUID, int, uuid.UUID | None], list[uuid.UUID]] = defaultdict(list)
        for pipeline_id, stage_id, size, owner_id in keys:
            batches[(pipeline_id, size, owner_id)].append(stage_id)
        pages: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
        for (pipeline_id, size, owner_id), stage_ids in batches.items():
            column = aliased(PipelineStage)
            cards = (
                board_statement(context, owner_id)
                .where(Opportunity.pipeline_id == pipeline_id, Opportunity.stage_id == column.id)
                .order_by(*[key.desc() if descending else key for key, descending in BOARD_ORDER])
                .limit(size + 1)
                .subquery()
                .lateral()
            )
            card = aliased(Opportunity, cards)
            rows = await session.execute(
                select(column.id, card)
                .select_from(column)
                .join(cards, true())
                .where(column.tenant_id == context.actor.tenant_id, column.id.in_(stage_ids))
                .order_by(column.id, cards.c.amount.desc(), cards.c.id.desc())
            )
            for stage_id, record in rows:
                pages[(pipeline_id, stage_id, size, owner_id)].append((record, (record.amount, record.id)))
        return [pages.get(key, []) for key in keys]

    return DataLoader(load_fn=load)
