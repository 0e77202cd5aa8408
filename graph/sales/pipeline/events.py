"""Events the opportunity services announce (ids and version only; see graph/live/events.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from graph.live.events import Event, publish
from graph.sales.pipeline.models import Opportunity

CREATED, UPDATED, STAGE_CHANGED = "opportunity.created", "opportunity.updated", "opportunity.stage_changed"
# A move into a won or lost stage (boards animate these differently from a plain stage change).
WON, LOST = "opportunity.won", "opportunity.lost"
OPPORTUNITY_EVENTS = (CREATED, UPDATED, STAGE_CHANGED, WON, LOST)


def move_event(stage_kind: str) -> str:
    """The event of a move into a stage of this kind (`open`, `won` or `lost`)."""
    return {"won": WON, "lost": LOST}.get(stage_kind, STAGE_CHANGED)


async def announce(session: AsyncSession, opportunity: Opportunity, event_type: str) -> None:
    """Called by the services after a change: delivered when (and if) their transaction commits."""
    await publish(
        session,
        Event(
            opportunity.tenant_id,
            event_type,
            # The pipeline too, so a board (pipelineChanged) picks its events without a read.
            {"opportunity": opportunity.id, "pipeline": opportunity.pipeline_id},
            opportunity.version,
        ),
    )
