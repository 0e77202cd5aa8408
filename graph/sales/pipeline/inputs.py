"""Inputs and payloads of the pipeline mutations, and their translation into service values.

Update inputs leave every field UNSET by default: only the fields a caller sends change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.core import inputs as core_inputs
from graph.core.errors import UserError
from graph.core.ids import decode_id
from graph.sales.pipeline.types import BuyingRole, Competitor, Opportunity, Pipeline, PipelineStage, StageKind


@strawberry.input(description="One stage of a new pipeline.")
class PipelineStageInput:
    name: str = strawberry.field(description="Display name, 1-100 characters, unique in the pipeline.")
    probability: int = strawberry.field(description="Default win probability in percent, 0-100.")
    kind: StageKind = strawberry.field(default=StageKind.OPEN, description="OPEN, WON or LOST.")


@strawberry.input(description="A new pipeline: at least one OPEN, one WON and one LOST stage, at most 30.")
class CreatePipelineInput:
    name: str = strawberry.field(description="Display name, 1-100 characters, unique in the tenant.")
    stages: list[PipelineStageInput] = strawberry.field(description="The stages, in order.")


@strawberry.input(description="A stage to add to a pipeline.")
class AddPipelineStageInput:
    name: str = strawberry.field(description="Display name, 1-100 characters, unique in the pipeline.")
    probability: int = strawberry.field(description="Default win probability in percent, 0-100.")
    kind: StageKind = strawberry.field(default=StageKind.OPEN, description="OPEN, WON or LOST.")
    position: int | None = strawberry.field(
        default=None, description="0-based place among the live stages; default: last."
    )


@strawberry.input(description="Changes to a stage; fields you leave out stay as they are.")
class UpdatePipelineStageInput:
    name: str | None = strawberry.field(default=None, description="New name.")
    probability: int | None = strawberry.field(
        default=None, description="New default probability (existing opportunities keep theirs)."
    )


@strawberry.input(description="A new competitor.")
class CreateCompetitorInput:
    name: str = strawberry.field(description="Name, 1-200 characters, unique among live competitors.")
    strengths: str | None = strawberry.field(default=UNSET, description="What they do well (max 5,000).")
    weaknesses: str | None = strawberry.field(default=UNSET, description="Where they are weak (max 5,000).")


@strawberry.input(description="Changes to a competitor; fields you leave out stay as they are.")
class UpdateCompetitorInput:
    name: str | None = strawberry.field(default=UNSET, description="New name.")
    strengths: str | None = strawberry.field(default=UNSET, description="Null clears them.")
    weaknesses: str | None = strawberry.field(default=UNSET, description="Null clears them.")


@strawberry.input(description="A contact in the buying decision.")
class OpportunityContactInput:
    contact_id: relay.GlobalID = strawberry.field(description="A Contact you may see.")
    role: BuyingRole = strawberry.field(description="Their buying role.")
    is_primary: bool = strawberry.field(default=False, description="The main contact (at most one).")


@strawberry.input(description="A new opportunity. Owner defaults to you, pipeline to the default one.")
class CreateOpportunityInput:
    name: str = strawberry.field(description="What is being sold, 1-200 characters.")
    account_id: relay.GlobalID = strawberry.field(description="The Account (required, one you may see).")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Owning User.")
    pipeline_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Pipeline; default: the tenant's default pipeline."
    )
    stage_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="An OPEN stage of that pipeline; default: its first open stage."
    )
    amount: Decimal | None = strawberry.field(
        default=UNSET, description="Deal value, 0 or more (default 0); rounded half-up to the currency."
    )
    currency: str | None = strawberry.field(
        default=UNSET, description="ISO 4217 code; default: the tenant's base currency."
    )
    expected_close_on: date | None = strawberry.field(default=UNSET, description="Expected close date.")
    probability: int | None = strawberry.field(
        default=UNSET, description="0-100, overriding the stage's default."
    )
    next_step: str | None = strawberry.field(default=UNSET, description="Next step (max 500).")
    contacts: list[OpportunityContactInput] | None = strawberry.field(
        default=UNSET, description="Contacts with buying roles (at most 50, one primary)."
    )
    competitor_ids: list[relay.GlobalID] | None = strawberry.field(
        default=UNSET, description="Live Competitors in the deal (at most 20)."
    )
    custom: JSON | None = strawberry.field(
        default=UNSET,
        description='Custom values by field key, e.g. {"region": "emea"}; null clears one.',
    )


@strawberry.input(description="Changes to an opportunity; its stage changes with moveOpportunity.")
class UpdateOpportunityInput:
    name: str | None = strawberry.field(default=UNSET, description="New name.")
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Another Account.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="New owning User.")
    amount: Decimal | None = strawberry.field(default=UNSET, description="New amount, 0 or more.")
    currency: str | None = strawberry.field(default=UNSET, description="New ISO 4217 currency code.")
    expected_close_on: date | None = strawberry.field(default=UNSET, description="Null clears it.")
    probability: int | None = strawberry.field(
        default=UNSET,
        description="0-100 overrides the stage default (kept on moves between open stages); null "
        "goes back to the stage default.",
    )
    next_step: str | None = strawberry.field(default=UNSET, description="Null clears it.")
    contacts: list[OpportunityContactInput] | None = strawberry.field(
        default=UNSET, description="Replaces all contacts."
    )
    competitor_ids: list[relay.GlobalID] | None = strawberry.field(
        default=UNSET, description="Replaces all competitors."
    )
    custom: JSON | None = strawberry.field(
        default=UNSET,
        description='Custom values by field key, e.g. {"region": "emea"}; null clears one.',
    )


@strawberry.type(description="Result of a pipeline mutation: the pipeline, or errors.")
class PipelinePayload:
    pipeline: Pipeline | None = strawberry.field(default=None, description="The pipeline after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a stage mutation: the stage, or errors.")
class PipelineStagePayload:
    stage: PipelineStage | None = strawberry.field(default=None, description="The stage after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a competitor mutation: the competitor, or errors.")
class CompetitorPayload:
    competitor: Competitor | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of an opportunity mutation: the opportunity, or errors.")
class OpportunityPayload:
    opportunity: Opportunity | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


ID_FIELDS = {
    "account_id": ("Account", "accountId"),
    "owner_id": ("User", "ownerId"),
    "pipeline_id": ("Pipeline", "pipelineId"),
    "stage_id": ("PipelineStage", "stageId"),
}


def contact_links(entries: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "contact_id": decode_id(entry.contact_id, "Contact", f"contacts.{index}.contactId"),
            "role": entry.role.value,
            "is_primary": entry.is_primary,
        }
        for index, entry in enumerate(entries)
    ]


def competitor_ids(ids: list[Any]) -> list[Any]:
    return [decode_id(item, "Competitor", f"competitorIds.{index}") for index, item in enumerate(ids)]


def given_values(data: Any) -> dict[str, Any]:
    """The fields the caller sent (see graph/core/inputs.py), contact links and competitors decoded."""
    convert = {"contacts": contact_links, "competitor_ids": competitor_ids}
    return core_inputs.given_values(data, ID_FIELDS, convert=convert)
