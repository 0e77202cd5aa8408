"""Moving opportunities through their pipeline: the checks of a move, closing (won/lost) and reopening.

Every stage change appends a row to the stage history (from, to, who, when, the probability then) and
updates the opportunity's own summary of it (stages entered, finished stays) in the same transaction as
the change and its audit entry. A won or lost opportunity is closed: it moves again only after
`reopen_opportunity`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.sales.pipeline.events import announce, move_event
from graph.sales.pipeline.models import OPPORTUNITY, Opportunity, PipelineStage, StageChange
from graph.sales.pipeline.opportunities import (
    LOSS_REASONS,
    audit_snapshot,
    get_opportunity,
    opportunity_scope,
    record_stage_change,
)
from graph.sales.pipeline.pipelines import clean_probability, get_stage, live_stages
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.fields.values import check_builtin_writes
from tenants.options import require_option
from tenants.permissions import Action, Actor


async def target_stage(
    session: AsyncSession, actor: Actor, opportunity: Opportunity, stage_id: uuid.UUID
) -> PipelineStage:
    stage = await get_stage(session, actor, stage_id)
    if stage.pipeline_id != opportunity.pipeline_id:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "This stage belongs to another pipeline than the opportunity's.",
            "stageId",
        )
    if stage.archived_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This stage is archived.", "stageId")
    return stage


async def enter_stage(
    session: AsyncSession,
    actor: Actor,
    opportunity: Opportunity,
    stage: PipelineStage,
    lost_reason: str | None,
    probability: int | None,
    action: str,
) -> Opportunity:
    """Puts the opportunity in `stage`, with history and audit entries."""
    before = audit_snapshot(opportunity)
    left, now = (opportunity.stage_id, opportunity.stage_entered_at), datetime.now(UTC)
    # The funnel's summaries of the history (new lists: SQLAlchemy sees assignments, not appends).
    opportunity.stay_stage_ids = [*opportunity.stay_stage_ids, opportunity.stage_id]
    opportunity.stay_seconds = [
        *opportunity.stay_seconds,
        (now - opportunity.stage_entered_at).total_seconds(),
    ]
    if stage.id not in opportunity.entered_stage_ids:
        opportunity.entered_stage_ids = [*opportunity.entered_stage_ids, stage.id]
    opportunity.stage_id = stage.id
    opportunity.status = stage.kind
    opportunity.stage_entered_at = now
    opportunity.closed_at = now if stage.is_closed else None
    opportunity.lost_reason = lost_reason
    if stage.is_closed:
        opportunity.probability, opportunity.probability_overridden = stage.probability, False
    elif probability is not None:
        opportunity.probability, opportunity.probability_overridden = probability, True
    elif not opportunity.probability_overridden:
        opportunity.probability = stage.probability
    await flush_versioned(session, "opportunity")
    record_stage_change(session, actor, opportunity, left, now)
    await session.flush()
    changes = audit.diff(before, audit_snapshot(opportunity))
    await audit.record(session, actor, action, OPPORTUNITY, opportunity.id, changes)
    await announce(session, opportunity, move_event(stage.kind))
    return opportunity


async def move_opportunity(
    session: AsyncSession,
    actor: Actor,
    opportunity_id: uuid.UUID,
    version: int,
    stage_id: uuid.UUID,
    lost_reason: str | None = None,
    probability: int | None = None,
) -> Opportunity:
    actor.require(OPPORTUNITY, Action.UPDATE)
    # A role's field rules apply to moves too: a READ_ONLY stage (or probability) cannot be changed.
    check_builtin_writes(
        actor,
        OPPORTUNITY,
        {"stage_id": stage_id, **({"probability": probability} if probability is not None else {})},
    )
    opportunity = await get_opportunity(session, actor, opportunity_id)
    check_version(opportunity, version, "opportunity")
    stage = await target_stage(session, actor, opportunity, stage_id)
    if opportunity.status != "open":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"This opportunity is {opportunity.status}; reopen it before moving it.",
            "id",
        )
    if stage.id == opportunity.stage_id:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The opportunity is already in this stage.", "stageId"
        )
    if stage.kind == "lost":
        if not (lost_reason or "").strip():
            raise DomainError(ErrorCode.REQUIRED, "Say why the opportunity was lost.", "lostReason")
        lost_reason = lost_reason.strip()
        await require_option(session, actor.tenant_id, LOSS_REASONS, lost_reason, "lostReason")
    elif lost_reason is not None:
        raise DomainError(ErrorCode.INVALID, "A lost reason goes only with a lost stage.", "lostReason")
    if probability is not None:
        if stage.is_closed:
            raise DomainError(
                ErrorCode.INVALID, "Won and lost stages set the probability themselves.", "probability"
            )
        clean_probability(probability, "probability")
    return await enter_stage(session, actor, opportunity, stage, lost_reason, probability, "opportunity.move")


async def win_for_accepted_quote(
    session: AsyncSession, actor: Actor, opportunity_id: uuid.UUID
) -> Opportunity | None:
    """Moves an opportunity whose quote was just accepted into its pipeline's first live won stage,
    through `move_opportunity` (history, audit entry, live event), in the caller's transaction.

    Left as it is when it is already won or lost (a deliberate decision stays), or when the caller may not
    see or move it (the acceptance itself must not fail for someone who may accept quotes but not move
    deals). Returns the moved opportunity, else None."""
    if not actor.permissions.can(OPPORTUNITY, Action.UPDATE):
        return None
    opportunity = await session.scalar(
        select(Opportunity).where(opportunity_scope(actor), Opportunity.id == opportunity_id)
    )
    if opportunity is None or opportunity.status != "open":
        return None
    stages = await live_stages(session, opportunity.pipeline_id)
    won = next((stage for stage in stages if stage.kind == "won"), None)
    if won is None:
        return None
    try:
        check_builtin_writes(actor, OPPORTUNITY, {"stage_id": won.id})
    except ValidationErrors:
        return None  # the caller's role keeps the stage read-only
    return await move_opportunity(session, actor, opportunity.id, opportunity.version, won.id)


async def reopen_opportunity(
    session: AsyncSession,
    actor: Actor,
    opportunity_id: uuid.UUID,
    version: int,
    stage_id: uuid.UUID | None = None,
) -> Opportunity:
    """Back to an open stage: the given one, else the one it was in before it closed (or the first)."""
    actor.require(OPPORTUNITY, Action.UPDATE)
    check_builtin_writes(actor, OPPORTUNITY, {"stage_id": stage_id})
    opportunity = await get_opportunity(session, actor, opportunity_id)
    check_version(opportunity, version, "opportunity")
    if opportunity.status == "open":
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This opportunity is already open.", "id")
    if stage_id is not None:
        stage = await target_stage(session, actor, opportunity, stage_id)
        if stage.is_closed:
            raise DomainError(ErrorCode.INVALID_TRANSITION, "Reopen into an open stage.", "stageId")
    else:
        stage = await stage_before_closing(session, opportunity)
    opportunity.probability_overridden = False
    return await enter_stage(session, actor, opportunity, stage, None, None, "opportunity.reopen")


async def stage_before_closing(session: AsyncSession, opportunity: Opportunity) -> PipelineStage:
    previous = await session.scalar(
        select(StageChange.from_stage_id)
        .where(
            StageChange.opportunity_id == opportunity.id,
            StageChange.to_stage_id == opportunity.stage_id,
        )
        .order_by(StageChange.moved_at.desc(), StageChange.id.desc())
        .limit(1)
    )
    stages = await live_stages(session, opportunity.pipeline_id)
    open_stages = [s for s in stages if s.kind == "open"]
    return next((s for s in open_stages if s.id == previous), open_stages[0])
