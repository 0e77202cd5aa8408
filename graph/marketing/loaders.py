"""Per-request DataLoaders of the marketing area (one query per level of nesting, on the request session)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.core.loaders import by_id, can_read, children
from graph.marketing.campaigns import campaign_scope, cost_scope, spent_statement
from graph.marketing.events import board_counts
from graph.marketing.models import CAMPAIGN, Campaign, CampaignCost

campaigns_by_id = by_id(Campaign, CAMPAIGN, campaign_scope)
costs_by_id = by_id(CampaignCost, CAMPAIGN, cost_scope)
# Cost lines are read with their campaign (which the caller already saw in scope).
costs_by_campaign_id = children(
    CampaignCost, CampaignCost.campaign_id, CAMPAIGN, CampaignCost.incurred_on, CampaignCost.id
)


def spent_by_campaign_id(context: RequestContext) -> DataLoader[uuid.UUID, Decimal]:
    async def load(ids: Sequence[uuid.UUID]) -> list[Decimal]:
        if not can_read(context, CAMPAIGN):
            return [Decimal(0)] * len(ids)
        session = await context.session()
        sums = {row[0]: row[1] for row in await session.execute(spent_statement(ids))}
        return [sums.get(campaign_id) or Decimal(0) for campaign_id in ids]

    return DataLoader(load_fn=load)


def boards_by_campaign_id(context: RequestContext) -> DataLoader[uuid.UUID, dict[str, int]]:
    async def load(ids: Sequence[uuid.UUID]) -> list[dict[str, int]]:
        boards: dict[uuid.UUID, dict[str, int]] = {campaign_id: {} for campaign_id in ids}
        if can_read(context, CAMPAIGN):
            session = await context.session()
            for campaign_id, status, count, walk_ins in await session.execute(board_counts(ids)):
                boards[campaign_id][status] = count
                boards[campaign_id]["walk_ins"] = boards[campaign_id].get("walk_ins", 0) + walk_ins
        return [boards[campaign_id] for campaign_id in ids]

    return DataLoader(load_fn=load)
