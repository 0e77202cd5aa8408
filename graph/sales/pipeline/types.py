"""GraphQL types of the pipeline area: Pipeline, PipelineStage, Competitor, Opportunity, StageChange.

Explicit field lists; every nested field goes through a per-request DataLoader from `loaders.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.nodes import resolve_by_ids
from graph.crm.types import Account, Contact, referenced_account
from graph.identity.types import User, owner
from graph.money.service import quantize
from graph.sales.pipeline import loaders
from graph.sales.pipeline import models as sales
from graph.sales.pipeline.filters import OpportunityStatus
from graph.sales.pipeline.models import BUYING_ROLES, STAGE_KINDS


@strawberry.enum(description="OPEN stages hold live deals; WON and LOST stages close them.")
class StageKind(Enum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@strawberry.enum(description="The part a contact plays in a buying decision.")
class BuyingRole(Enum):
    DECISION_MAKER = "decision_maker"
    INFLUENCER = "influencer"
    USER = "user"
    BLOCKER = "blocker"


assert {kind.value for kind in StageKind} == set(STAGE_KINDS)
assert {role.value for role in BuyingRole} == set(BUYING_ROLES)


@strawberry.type(description="A sales process: ordered stages an opportunity moves through.")
class Pipeline(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name, unique in the tenant.")
    is_default: bool = strawberry.field(description="New opportunities without a pipeline go here.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it or its stages last changed (UTC).")
    version: int = strawberry.field(
        description="Pass to renamePipeline, addPipelineStage and reorderPipelineStages; stale is CONFLICT."
    )

    @classmethod
    def from_model(cls, pipeline: sales.Pipeline) -> Pipeline:
        return cls(
            id=str(pipeline.id),
            name=pipeline.name,
            is_default=pipeline.is_default,
            created_at=pipeline.created_at,
            updated_at=pipeline.updated_at,
            version=pipeline.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Pipeline | None]:
        return await resolve_by_ids(
            info, "pipelines_by_id", loaders.pipelines_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="Stages in order; archived ones (last) only when asked.")
    async def stages(
        self,
        info: Info,
        include_archived: Annotated[bool, strawberry.argument(description="Archived ones too.")] = False,
    ) -> list[PipelineStage]:
        loader = info.context.loader("stages_by_pipeline_id", loaders.stages_by_pipeline_id)
        return [
            PipelineStage.from_model(s) for s in await loader.load((uuid.UUID(self.id), include_archived))
        ]


@strawberry.type(description="One step of a pipeline, with the probability deals in it get by default.")
class PipelineStage(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name, unique among the pipeline's live stages.")
    position: int = strawberry.field(description="0-based place in the pipeline.")
    probability: int = strawberry.field(description="Default win probability in percent (0-100).")
    kind: StageKind = strawberry.field(description="OPEN, WON or LOST.")
    archived_at: datetime | None = strawberry.field(description="Set once archived: no new moves into it.")
    version: int = strawberry.field(description="Pass to updatePipelineStage and archivePipelineStage.")
    pipeline_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, stage: sales.PipelineStage) -> PipelineStage:
        return cls(
            id=str(stage.id),
            name=stage.name,
            position=stage.position,
            probability=stage.probability,
            kind=StageKind(stage.kind),
            archived_at=stage.archived_at,
            version=stage.version,
            pipeline_id=stage.pipeline_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PipelineStage | None]:
        return await resolve_by_ids(info, "stages_by_id", loaders.stages_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The pipeline this stage belongs to.")
    async def pipeline(self, info: Info) -> Pipeline:
        record = await info.context.loader("pipelines_by_id", loaders.pipelines_by_id).load(self.pipeline_id)
        return Pipeline.from_model(record)


@strawberry.type(description="A rival in deals, from the tenant's competitor list.")
class Competitor(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Name, unique among live competitors.")
    strengths: str | None = strawberry.field(description="What they do well.")
    weaknesses: str | None = strawberry.field(description="Where they are weak.")
    archived_at: datetime | None = strawberry.field(description="Set once archived: no new links.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")

    @classmethod
    def from_model(cls, competitor: sales.Competitor) -> Competitor:
        return cls(
            id=str(competitor.id),
            name=competitor.name,
            strengths=competitor.strengths,
            weaknesses=competitor.weaknesses,
            archived_at=competitor.archived_at,
            version=competitor.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Competitor | None]:
        return await resolve_by_ids(
            info, "competitors_by_id", loaders.competitors_by_id, node_ids, cls.from_model
        )


@strawberry.type(description="A contact's part in an opportunity.")
class OpportunityContact:
    contact: Contact = strawberry.field(description="The contact.")
    role: BuyingRole = strawberry.field(description="Their buying role.")
    is_primary: bool = strawberry.field(description="True for the main contact of the deal (at most one).")


@strawberry.type(description="One stage change of an opportunity (the first row is where it started).")
class StageChange:
    occurred_at: datetime = strawberry.field(description="When the move was made.")
    probability: int = strawberry.field(description="The opportunity's probability right after the change.")
    from_stage_id: strawberry.Private[uuid.UUID | None]
    to_stage_id: strawberry.Private[uuid.UUID]
    actor_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, change: sales.StageChange) -> StageChange:
        return cls(
            occurred_at=change.moved_at,
            probability=change.probability,
            from_stage_id=change.from_stage_id,
            to_stage_id=change.to_stage_id,
            actor_id=change.moved_by_id,
        )

    @strawberry.field(description="The stage it left; null for the stage it was created in.")
    async def from_stage(self, info: Info) -> PipelineStage | None:
        return await stage(info, self.from_stage_id)

    @strawberry.field(description="The stage it entered.")
    async def to_stage(self, info: Info) -> PipelineStage | None:
        return await stage(info, self.to_stage_id)

    @strawberry.field(description="Who moved it.")
    async def actor(self, info: Info) -> User | None:
        return await owner(info, self.actor_id) if self.actor_id else None


async def stage(info: Info, stage_id: uuid.UUID | None) -> PipelineStage | None:
    if stage_id is None:
        return None
    record = await info.context.loader("stages_by_id", loaders.stages_by_id).load(stage_id)
    return PipelineStage.from_model(record) if record else None


@strawberry.type(description="A potential deal with an account, moving through a pipeline's stages.")
class Opportunity(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = sales.OPPORTUNITY
    id: relay.NodeID[str]
    name: str = strawberry.field(description="What is being sold (1-200 characters).")
    status: OpportunityStatus = strawberry.field(description="OPEN, or WON/LOST once closed.")
    amount: Decimal = strawberry.field(description="Deal value in `currency`, rounded to its minor unit.")
    currency: str = strawberry.field(description="ISO 4217 code of `amount`.")
    expected_close_on: date | None = strawberry.field(description="When the deal should close.")
    probability: int = strawberry.field(description="Win probability in percent (0-100).")
    probability_overridden: bool = strawberry.field(
        description="True when set by hand; false when it is the stage's default (and follows moves)."
    )
    next_step: str | None = strawberry.field(description="The next thing to do.")
    lost_reason: str | None = strawberry.field(description="Key in the `loss_reasons` option list.")
    stage_entered_at: datetime = strawberry.field(description="When it entered its current stage.")
    closed_at: datetime | None = strawberry.field(description="When it was won or lost.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates and moves; a stale one is a CONFLICT.")
    account_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID]
    pipeline_id: strawberry.Private[uuid.UUID]
    stage_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, opportunity: sales.Opportunity) -> Opportunity:
        return cls(
            id=str(opportunity.id),
            name=opportunity.name,
            status=OpportunityStatus(opportunity.status),
            amount=quantize(opportunity.amount, opportunity.currency),
            currency=opportunity.currency,
            expected_close_on=opportunity.expected_close_on,
            probability=opportunity.probability,
            probability_overridden=opportunity.probability_overridden,
            next_step=opportunity.next_step,
            lost_reason=opportunity.lost_reason,
            stage_entered_at=opportunity.stage_entered_at,
            closed_at=opportunity.closed_at,
            created_at=opportunity.created_at,
            updated_at=opportunity.updated_at,
            version=opportunity.version,
            account_id=opportunity.account_id,
            owner_id=opportunity.owner_id,
            pipeline_id=opportunity.pipeline_id,
            stage_id=opportunity.stage_id,
            custom=opportunity.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Opportunity | None]:
        return await resolve_by_ids(
            info, "opportunities_by_id", loaders.opportunities_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="The account; null if you may not see it or it is deleted.")
    async def account(self, info: Info) -> Account | None:
        return await referenced_account(info, self.account_id)

    @strawberry.field(description="The member responsible for this deal.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)

    @strawberry.field(description="The pipeline it moves through.")
    async def pipeline(self, info: Info) -> Pipeline:
        record = await info.context.loader("pipelines_by_id", loaders.pipelines_by_id).load(self.pipeline_id)
        return Pipeline.from_model(record)

    @strawberry.field(description="Its current stage.")
    async def stage(self, info: Info) -> PipelineStage:
        found = await stage(info, self.stage_id)
        assert found is not None  # a foreign key holds it
        return found

    @strawberry.field(description="Amount times probability, in `currency`.")
    def weighted_amount(self) -> Decimal:
        return quantize(self.amount * self.probability / 100, self.currency)

    @strawberry.field(description="Contacts in the buying decision that you may see, primary first.")
    async def contacts(self, info: Info) -> list[OpportunityContact]:
        loader = info.context.loader(
            "contact_links_by_opportunity_id", loaders.contact_links_by_opportunity_id
        )
        return [
            OpportunityContact(
                contact=Contact.from_model(contact), role=BuyingRole(link.role), is_primary=link.is_primary
            )
            for link, contact in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="Competitors in this deal, by name.")
    async def competitors(self, info: Info) -> list[Competitor]:
        loader = info.context.loader("competitors_by_opportunity_id", loaders.competitors_by_opportunity_id)
        return [Competitor.from_model(c) for c in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Every stage change, oldest first; the first is the starting stage.")
    async def stage_history(self, info: Info) -> list[StageChange]:
        loader = info.context.loader(
            "stage_history_by_opportunity_id", loaders.stage_history_by_opportunity_id
        )
        return [StageChange.from_model(change) for change in await loader.load(uuid.UUID(self.id))]
