"""Pipeline rules: the default pipeline every tenant starts with, and how admins shape pipelines.

A pipeline is an ordered list of stages, each with a default probability and a kind (open, won, lost).
Every pipeline keeps at least one open, one won and one lost live stage, so an opportunity can always be
created, won and lost. Stages are archived, never deleted (history points at them), and only when no
open opportunity sits in them. Changing pipelines is a tenant setting: it needs MANAGE_SETTINGS.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.live.events import Event, publish
from graph.sales.pipeline.models import PIPELINE, STAGE_KINDS, Opportunity, Pipeline, PipelineStage
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.permissions import Actor, Capability
from tenants.provisioning import on_tenant_created
from tenants.validation import required_text

DEFAULT_PIPELINE_NAME = "Sales"
# Must stay equal to the list in migrations/versions/0010_sales_pipeline.py (the backfill).
DEFAULT_STAGES = (
    ("Prospecting", 10, "open"),
    ("Qualification", 20, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
)
MAX_STAGES = 30


@on_tenant_created
async def create_default_pipeline(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    pipeline = Pipeline(tenant_id=tenant_id, name=DEFAULT_PIPELINE_NAME, is_default=True)
    session.add(pipeline)
    await session.flush()
    for position, (name, probability, kind) in enumerate(DEFAULT_STAGES):
        session.add(
            PipelineStage(
                tenant_id=tenant_id,
                pipeline_id=pipeline.id,
                name=name,
                position=position,
                probability=probability,
                kind=kind,
            )
        )
    await session.flush()


# --- reading -----------------------------------------------------------------------------------


async def get_pipeline(
    session: AsyncSession, actor: Actor, pipeline_id: uuid.UUID, field: str = "id"
) -> Pipeline:
    pipeline = await session.scalar(
        select(Pipeline).where(Pipeline.tenant_id == actor.tenant_id, Pipeline.id == pipeline_id)
    )
    if pipeline is None:
        raise not_found("pipeline", field)
    return pipeline


async def default_pipeline(session: AsyncSession, actor: Actor) -> Pipeline:
    pipeline = await session.scalar(
        select(Pipeline).where(Pipeline.tenant_id == actor.tenant_id, Pipeline.is_default.is_(True))
    )
    if pipeline is None:
        raise DomainError(ErrorCode.REQUIRED, "This tenant has no default pipeline; name one.", "pipelineId")
    return pipeline


async def get_stage(
    session: AsyncSession, actor: Actor, stage_id: uuid.UUID, field: str = "stageId"
) -> PipelineStage:
    stage = await session.scalar(
        select(PipelineStage).where(PipelineStage.tenant_id == actor.tenant_id, PipelineStage.id == stage_id)
    )
    if stage is None:
        raise not_found("stage", field)
    return stage


async def live_stages(session: AsyncSession, pipeline_id: uuid.UUID) -> list[PipelineStage]:
    return list(
        await session.scalars(
            select(PipelineStage)
            .where(PipelineStage.pipeline_id == pipeline_id, PipelineStage.archived_at.is_(None))
            .order_by(PipelineStage.position, PipelineStage.id)
        )
    )


# --- validation ----------------------------------------------------------------------------------


def clean_probability(value: int, field: str) -> int:
    if not 0 <= value <= 100:
        raise DomainError(ErrorCode.INVALID, "A probability is a percentage from 0 to 100.", field)
    return value


def clean_kind(value: str, field: str) -> str:
    if value not in STAGE_KINDS:
        raise DomainError(ErrorCode.INVALID, "A stage is open, won or lost.", field)
    return value


def check_stage_set(stages: Sequence[tuple[str, str]], field: str) -> None:
    """`stages` as (name, kind): distinct names, at least one open, one won and one lost, bounded."""
    kinds = {kind for _, kind in stages}
    missing = [kind for kind in STAGE_KINDS if kind not in kinds]
    if missing:
        raise DomainError(
            ErrorCode.INVALID,
            "A pipeline needs at least one open, one won and one lost stage "
            f"(missing: {', '.join(missing)}).",
            field,
        )
    names = [name.lower() for name, _ in stages]
    if len(set(names)) != len(names):
        raise DomainError(ErrorCode.DUPLICATE, "Stage names must differ within a pipeline.", field)
    if len(stages) > MAX_STAGES:
        raise DomainError(ErrorCode.INVALID, f"A pipeline has at most {MAX_STAGES} stages.", field)


async def check_pipeline_name(
    session: AsyncSession, actor: Actor, name: str, pipeline_id: uuid.UUID | None
) -> None:
    clash = await session.scalar(
        select(Pipeline.id).where(
            Pipeline.tenant_id == actor.tenant_id,
            func.lower(Pipeline.name) == name.lower(),
            Pipeline.id != pipeline_id if pipeline_id else Pipeline.id.is_not(None),
        )
    )
    if clash is not None:
        raise DomainError(ErrorCode.DUPLICATE, "Another pipeline has this name.", "name")


def stage_snapshot(stages: Sequence[PipelineStage]) -> list[dict[str, Any]]:
    return [{"id": str(s.id), "name": s.name, "probability": s.probability, "kind": s.kind} for s in stages]


async def bump(session: AsyncSession, pipeline: Pipeline) -> None:
    """Stage changes bump the pipeline's version too, so a stale reorder is a CONFLICT."""
    pipeline.updated_at = datetime.now(UTC)
    await flush_versioned(session, "pipeline")
    await announce_pipeline(session, pipeline.tenant_id, pipeline.id, pipeline.version)


async def announce_pipeline(
    session: AsyncSession, tenant_id: uuid.UUID, pipeline_id: uuid.UUID, version: int | None
) -> None:
    """Tell live boards (graph/live) to reload the columns once the transaction commits."""
    await publish(session, Event(tenant_id, "pipeline.updated", {"pipeline": pipeline_id}, version))


# --- changes ---------------------------------------------------------------------------------------


async def create_pipeline(
    session: AsyncSession, actor: Actor, name: str, stages: Sequence[dict[str, Any]]
) -> Pipeline:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    errors: list[DomainError] = []
    cleaned: list[tuple[str, int, str]] = []
    for index, stage in enumerate(stages):
        try:
            cleaned.append(
                (
                    required_text(stage["name"], f"stages.{index}.name", 100),
                    clean_probability(stage["probability"], f"stages.{index}.probability"),
                    clean_kind(stage["kind"], f"stages.{index}.kind"),
                )
            )
        except DomainError as error:
            errors.append(error)
    try:
        name = required_text(name, "name", 100)
    except DomainError as error:
        errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    check_stage_set([(n, kind) for n, _, kind in cleaned], "stages")
    await check_pipeline_name(session, actor, name, None)
    pipeline = Pipeline(tenant_id=actor.tenant_id, name=name, is_default=False)
    session.add(pipeline)
    await session.flush()
    created = [
        PipelineStage(
            tenant_id=actor.tenant_id,
            pipeline_id=pipeline.id,
            name=stage_name,
            position=position,
            probability=probability,
            kind=kind,
        )
        for position, (stage_name, probability, kind) in enumerate(cleaned)
    ]
    session.add_all(created)
    await session.flush()
    await audit.record(
        session,
        actor,
        "pipeline.create",
        PIPELINE,
        pipeline.id,
        {"name": [None, name], "stages": [None, stage_snapshot(created)]},
    )
    return pipeline


async def rename_pipeline(
    session: AsyncSession, actor: Actor, pipeline_id: uuid.UUID, version: int, name: str
) -> Pipeline:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    pipeline = await get_pipeline(session, actor, pipeline_id)
    check_version(pipeline, version, "pipeline")
    name = required_text(name, "name", 100)
    await check_pipeline_name(session, actor, name, pipeline.id)
    before = pipeline.name
    pipeline.name = name
    await flush_versioned(session, "pipeline")
    await announce_pipeline(session, pipeline.tenant_id, pipeline.id, pipeline.version)
    await audit.record(session, actor, "pipeline.update", PIPELINE, pipeline.id, {"name": [before, name]})
    return pipeline


async def add_stage(
    session: AsyncSession,
    actor: Actor,
    pipeline_id: uuid.UUID,
    version: int,
    values: dict[str, Any],
) -> PipelineStage:
    """A new stage at `position` (0-based among live stages; default: last)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    pipeline = await get_pipeline(session, actor, pipeline_id, "pipelineId")
    check_version(pipeline, version, "pipeline")
    name = required_text(values["name"], "name", 100)
    probability = clean_probability(values["probability"], "probability")
    kind = clean_kind(values["kind"], "kind")
    stages = await live_stages(session, pipeline.id)
    check_stage_set([(s.name, s.kind) for s in stages] + [(name, kind)], "name")
    position = values.get("position")
    if position is None:
        position = len(stages)
    if not 0 <= position <= len(stages):
        raise DomainError(ErrorCode.INVALID, f"Position must be between 0 and {len(stages)}.", "position")
    stage = PipelineStage(
        tenant_id=actor.tenant_id,
        pipeline_id=pipeline.id,
        name=name,
        position=position,
        probability=probability,
        kind=kind,
    )
    ordered = [*stages[:position], stage, *stages[position:]]
    session.add(stage)
    renumber(ordered)
    await bump(session, pipeline)
    await audit.record(
        session,
        actor,
        "pipeline.stage_add",
        PIPELINE,
        pipeline.id,
        {"stages": [stage_snapshot(stages), stage_snapshot(ordered)]},
    )
    return stage


def renumber(stages: Sequence[PipelineStage]) -> None:
    for position, stage in enumerate(stages):
        if stage.position != position:
            stage.position = position


async def update_stage(
    session: AsyncSession, actor: Actor, stage_id: uuid.UUID, version: int, values: dict[str, Any]
) -> PipelineStage:
    """Rename a stage or change its default probability (opportunities keep their own probability)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    stage = await get_stage(session, actor, stage_id, "id")
    check_version(stage, version, "stage")
    before = {"name": stage.name, "probability": stage.probability}
    if values.get("name") is not None:
        name = required_text(values["name"], "name", 100)
        siblings = await live_stages(session, stage.pipeline_id)
        if any(s.name.lower() == name.lower() and s.id != stage.id for s in siblings):
            raise DomainError(ErrorCode.DUPLICATE, "Stage names must differ within a pipeline.", "name")
        stage.name = name
    if values.get("probability") is not None:
        stage.probability = clean_probability(values["probability"], "probability")
    await flush_versioned(session, "stage")
    await announce_pipeline(session, stage.tenant_id, stage.pipeline_id, None)
    after = {"name": stage.name, "probability": stage.probability}
    await audit.record(
        session,
        actor,
        "pipeline.stage_update",
        PIPELINE,
        stage.pipeline_id,
        {"stage_id": [None, str(stage.id)]} | audit.diff(before, after),
    )
    return stage


async def reorder_stages(
    session: AsyncSession,
    actor: Actor,
    pipeline_id: uuid.UUID,
    version: int,
    stage_ids: Sequence[uuid.UUID],
) -> Pipeline:
    """`stage_ids` must list every live stage of the pipeline exactly once, in the new order."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    pipeline = await get_pipeline(session, actor, pipeline_id, "pipelineId")
    check_version(pipeline, version, "pipeline")
    stages = await live_stages(session, pipeline.id)
    by_id = {stage.id: stage for stage in stages}
    if len(stage_ids) != len(by_id) or set(stage_ids) != set(by_id):
        raise DomainError(
            ErrorCode.INVALID, "List every live stage of this pipeline exactly once.", "stageIds"
        )
    ordered = [by_id[stage_id] for stage_id in stage_ids]
    renumber(ordered)
    await bump(session, pipeline)
    await audit.record(
        session,
        actor,
        "pipeline.stage_reorder",
        PIPELINE,
        pipeline.id,
        {"stages": [stage_snapshot(stages), stage_snapshot(ordered)]},
    )
    return pipeline


async def archive_stage(
    session: AsyncSession, actor: Actor, stage_id: uuid.UUID, version: int
) -> PipelineStage:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    stage = await get_stage(session, actor, stage_id, "id")
    check_version(stage, version, "stage")
    if stage.archived_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This stage is already archived.", "id")
    open_count = await session.scalar(
        select(func.count())
        .select_from(Opportunity)
        .where(
            Opportunity.tenant_id == actor.tenant_id,
            Opportunity.stage_id == stage.id,
            Opportunity.status == "open",
        )
    )
    if open_count:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"{open_count} open opportunities are in this stage; move them first.",
            "id",
        )
    pipeline = await get_pipeline(session, actor, stage.pipeline_id)
    remaining = [s for s in await live_stages(session, pipeline.id) if s.id != stage.id]
    check_stage_set([(s.name, s.kind) for s in remaining], "id")
    stage.archived_at = datetime.now(UTC)
    await flush_versioned(session, "stage")
    renumber(remaining)
    await bump(session, pipeline)
    await audit.record(
        session, actor, "pipeline.stage_archive", PIPELINE, pipeline.id, {"stage_id": [None, str(stage.id)]}
    )
    return stage
