"""Events the opportunity services announce (ids and version only; see graph/live/events.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from graph.live.events import Event, publish
from graph.sales.pipeline.models import Opportunity

CREATED, UPDATED, STAGE_CHANGED = "opportunity.created", "opportunity.updated", "opportunity.stage_changed"
OPPORTUNITY_EVENTS = (CREATED, UPDATED, STAGE_CHANGED)


async def announce(session: AsyncSession, opportunity: Opportunity, event_type: str) -> None:
    """Called by the services after a change: delivered when (and if) their transaction commits."""
    await publish(
        session,
        Event(opportunity.tenant_id, event_type, {"opportunity": opportunity.id}, opportunity.version),
    )
