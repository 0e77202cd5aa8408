"""How the pipeline board reads on the compiled path (graph/compiled): the whole board in one statement.

Mirrors `board.pipeline_board` and the resolver in report_api.py: the same rollup totals statement (record
scope and owner filter as predicates on the rollups, conversion at the day's rates), the live stages in
order, amounts rounded as `shown` rounds them, and `missingRates` from the same totals. The cards
(`columns.opportunities`) are not compiled: asking for them sends the operation to the executor. A
missing pipeline or a malformed id fails a guard, and the executor answers with its error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, func, literal, select
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import aliased

from graph.compiled.errors import CannotCompile
from graph.compiled.planner import Build, Selection, json_list, uuid_of
from graph.compiled.registry import (
    CompiledType,
    ValueRoot,
    column,
    node_id,
    reference,
    register_root,
    register_type,
    timestamp,
)
from graph.money.service import shown_sql, today
from graph.sales.pipeline import board
from graph.sales.pipeline.models import OPPORTUNITY, Pipeline, PipelineStage
from graph.sales.pipeline.models import OpportunityStageRollup as Rollup
from tenants.models import Tenant


@dataclass(frozen=True)
class BoardSource:
    """What the board's fields read: the chosen pipeline's id, the totals CTE, the base currency."""

    pipeline_id: Any
    totals: Any
    currency: Any
    today: Any


@dataclass(frozen=True)
class ColumnSource:
    stage: Any
    totals: Any
    currency: Any


@dataclass(frozen=True)
class MissingRateSource:
    currency: Any
    base_currency: Any
    needed_from: Any


def board_binds(build: Build, arguments: dict[str, Any]) -> dict[str, Any]:
    binds = {"today": build.bind("today", today(), Date)}
    for name, type_name in (("pipeline_id", "Pipeline"), ("owner_id", "User")):
        if arguments.get(name) is not None:
            binds[name] = build.bind(name, uuid_of(arguments[name], type_name), PG_UUID(as_uuid=True))
    return binds


def board_value(build: Build, binds: dict[str, Any], selection: Selection) -> Any:
    if not build.can_read(OPPORTUNITY):
        raise CannotCompile("the executor refuses the board (no read permission on opportunities)")
    tenant_id = build.actor.tenant_id
    given = binds.get("pipeline_id")
    which = Pipeline.is_default.is_(True) if given is None else Pipeline.id == given
    chosen = select(Pipeline.id).where(Pipeline.tenant_id == tenant_id, which)
    build.guard(chosen.exists())
    chosen_id = chosen.scalar_subquery()
    owner = binds.get("owner_id")
    if owner is not None:
        build.guard(owner.is_not(None))
    conditions = [*board.board_conditions(build.actor, owner), Rollup.pipeline_id == chosen_id]
    totals = board.rollup_totals_statement(conditions, binds["today"]).cte(f"board_totals_{build.counter}")
    currency = func.coalesce(
        select(Tenant.base_currency).where(Tenant.id == tenant_id).scalar_subquery(), literal("USD")
    )
    source = BoardSource(chosen_id, totals, currency, binds["today"])
    return build.object("PipelineBoard", source, selection)


def board_columns(build: Build, source: BoardSource, selection: Selection) -> Any:
    stage = aliased(PipelineStage)
    item = build.object("BoardColumn", ColumnSource(stage, source.totals, source.currency), selection)
    return (
        select(json_list(item, stage.position, stage.id))
        .select_from(stage)
        .outerjoin(source.totals, source.totals.c.stage_id == stage.id)
        .where(*live_stages(build, stage, source.pipeline_id))
        .scalar_subquery()
    )


def live_stages(build: Build, stage: Any, pipeline_id: Any) -> list[Any]:
    return [
        stage.tenant_id == build.actor.tenant_id,
        stage.pipeline_id == pipeline_id,
        stage.archived_at.is_(None),
    ]


def board_missing_rates(build: Build, source: BoardSource, selection: Selection) -> Any:
    """One entry per currency without a rate among the live stages' totals, by code."""
    stage = aliased(PipelineStage)
    currencies = (
        select(func.unnest(source.totals.c.missing_currencies).label("currency"))
        .join(stage, stage.id == source.totals.c.stage_id)
        .where(*live_stages(build, stage, source.pipeline_id))
        .distinct()
        .subquery()
    )
    item = build.object(
        "MissingRate", MissingRateSource(currencies.c.currency, source.currency, source.today), selection
    )
    return select(json_list(item, currencies.c.currency)).select_from(currencies).scalar_subquery()


def board_pipeline(build: Build, source: BoardSource, selection: Selection) -> Any:
    pipeline = aliased(Pipeline)
    return (
        select(build.object("Pipeline", pipeline, selection))
        .where(pipeline.id == source.pipeline_id)
        .scalar_subquery()
    )


def column_amount(name: str) -> Any:
    def build_amount(_build: Build, source: ColumnSource, _selection: Selection) -> Any:
        unconverted = func.coalesce(source.totals.c.unconverted, 0)
        return shown_sql(source.totals.c[name], source.currency, unconverted == 0)

    return build_amount


register_type(
    CompiledType(
        name="PipelineBoard",
        model=None,
        fields={
            "pipeline": board_pipeline,
            "currency": column("currency"),
            "columns": board_columns,
            "missingRates": board_missing_rates,
        },
    )
)
register_type(
    CompiledType(
        name="BoardColumn",
        model=None,
        fields={
            "stage": lambda build, source, selection: build.object("PipelineStage", source.stage, selection),
            "count": lambda _build, source, _selection: func.coalesce(source.totals.c["count"], 0),
            "amount": column_amount("amount"),
            "weightedAmount": column_amount("weighted"),
            "unconvertedCount": lambda _build, source, _selection: func.coalesce(
                source.totals.c.unconverted, 0
            ),
        },
    )
)
register_type(
    CompiledType(
        name="MissingRate",
        model=None,
        fields={
            "fromCurrency": column("currency"),
            "toCurrency": column("base_currency"),
            "neededFrom": column("needed_from"),
        },
    )
)
register_type(
    CompiledType(
        name="Pipeline",
        model=Pipeline,
        fields={
            "id": node_id("Pipeline"),
            "name": column("name"),
            "isDefault": column("is_default"),
            "createdAt": timestamp("created_at"),
            "updatedAt": timestamp("updated_at"),
            "version": column("version"),
        },
    )
)
register_type(
    CompiledType(
        name="PipelineStage",
        model=PipelineStage,
        fields={
            "id": node_id("PipelineStage"),
            "name": column("name"),
            "position": column("position"),
            "probability": column("probability"),
            "kind": lambda _build, source, _selection: func.upper(source.kind),
            "archivedAt": timestamp("archived_at"),
            "version": column("version"),
            "pipeline": reference("Pipeline", lambda source: source.pipeline_id),
        },
    )
)
register_root("pipelineBoard", ValueRoot("PipelineBoard", board_binds, board_value))
