"""Competing products and win/loss by competitor: types, queries and mutations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id
from graph.core.inputs import given_values
from graph.core.loaders import by_id
from graph.core.nodes import resolve_by_ids
from graph.core.pagination import Connection, paginate
from graph.marketing import competition
from graph.marketing import models as marketing_models
from graph.sales.pipeline import loaders as pipeline_loaders
from graph.sales.pipeline.models import COMPETITOR
from graph.sales.pipeline.types import Competitor

T = TypeVar("T")

products_by_id = by_id(marketing_models.CompetitorProduct, COMPETITOR)
ProductId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a CompetitorProduct.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


@strawberry.type(description="A product a competitor sells against ours.")
class CompetitorProduct(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Product name.")
    strengths: str | None = strawberry.field(description="What it does well.")
    weaknesses: str | None = strawberry.field(description="Where it is weak.")
    price_note: str | None = strawberry.field(description="What it costs, as far as known.")
    archived_at: datetime | None = strawberry.field(description="Set once archived.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    competitor_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: marketing_models.CompetitorProduct) -> CompetitorProduct:
        return cls(
            id=str(row.id),
            name=row.name,
            strengths=row.strengths,
            weaknesses=row.weaknesses,
            price_note=row.price_note,
            archived_at=row.archived_at,
            version=row.version,
            competitor_id=row.competitor_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CompetitorProduct | None]:
        return await resolve_by_ids(
            info, "competitor_products_by_id", products_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="The competitor that sells it.")
    async def competitor(self, info: Info) -> Competitor | None:
        loader = info.context.loader("competitors_by_id", pipeline_loaders.competitors_by_id)
        found = await loader.load(self.competitor_id)
        return Competitor.from_model(found) if found else None


@strawberry.type(description="How many lost deals gave this reason.")
class LossReasonCount:
    reason: str = strawberry.field(
        description="Key of the `loss_reasons` option list ('unknown': none given)."
    )
    count: int = strawberry.field(description="Lost opportunities with this reason.")


@strawberry.type(description="The record against one competitor: opportunities in your scope that met it.")
class CompetitorWinLoss:
    competitor: Competitor = strawberry.field(description="The competitor (archived ones included).")
    met: int = strawberry.field(description="Opportunities linked to it.")
    open: int = strawberry.field(description="Of those, still open.")
    won: int = strawberry.field(description="Won against it.")
    lost: int = strawberry.field(description="Lost against it.")
    win_rate: float | None = strawberry.field(description="won / (won + lost), 0-1; null when none closed.")
    loss_reasons: list[LossReasonCount] = strawberry.field(
        description="Why the lost ones were lost, most first."
    )


@strawberry.type(description="Win/loss by competitor.")
class CompetitorWinLossReport:
    competitors: list[CompetitorWinLoss] = strawberry.field(description="One row per competitor, by name.")


@strawberry.input(description="A new competing product.")
class CreateCompetitorProductInput:
    competitor_id: relay.GlobalID = strawberry.field(description="The Competitor (not archived).")
    name: str = strawberry.field(description="Name (max 200).")
    strengths: str | None = strawberry.field(default=UNSET, description="What it does well (max 5,000).")
    weaknesses: str | None = strawberry.field(default=UNSET, description="Where it is weak (max 5,000).")
    price_note: str | None = strawberry.field(default=UNSET, description="What it costs (max 500).")


@strawberry.input(description="Changes to a competing product; fields you leave out stay as they are.")
class UpdateCompetitorProductInput:
    name: str | None = strawberry.field(default=UNSET, description="Name (max 200).")
    strengths: str | None = strawberry.field(default=UNSET, description="Strengths; null clears them.")
    weaknesses: str | None = strawberry.field(default=UNSET, description="Weaknesses; null clears them.")
    price_note: str | None = strawberry.field(default=UNSET, description="Price note; null clears it.")
    archived: bool | None = strawberry.field(default=UNSET, description="true archives, false restores.")


@strawberry.type(description="Result of a competing-product mutation: the product, or errors.")
class CompetitorProductPayload:
    product: CompetitorProduct | None = strawberry.field(
        default=None, description="The product after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type
class CompetitionQuery:
    @strawberry.field(description="Competing products, by name; of one competitor when given.")
    async def competitor_products(
        self,
        info: Info,
        competitor_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this Competitor's products.")
        ] = None,
        include_archived: Annotated[bool, strawberry.argument(description="Archived ones too.")] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[CompetitorProduct]:
        competitor = decode_optional_id(competitor_id, "Competitor", "competitorId")
        statement = competition.products_statement(info.context.actor, competitor, include_archived)
        session = await info.context.session()
        return await paginate(session, statement, CompetitorProduct.from_model, first, after, before, last)

    @strawberry.field(description="Win/loss by competitor over the opportunities you may see.")
    async def competitor_win_loss(self, info: Info) -> CompetitorWinLossReport:
        rows = await competition.win_loss(await info.context.session(), info.context.actor)
        return CompetitorWinLossReport(
            competitors=[
                CompetitorWinLoss(
                    competitor=Competitor.from_model(row.competitor),
                    met=row.met,
                    open=row.open,
                    won=row.won,
                    lost=row.lost,
                    win_rate=row.win_rate,
                    loss_reasons=[LossReasonCount(reason=k, count=v) for k, v in row.loss_reasons.items()],
                )
                for row in rows
            ]
        )


@strawberry.type
class CompetitionMutation:
    @strawberry.mutation(description="Add a product to a competitor.")
    @mutation_payload(CompetitorProductPayload)
    async def create_competitor_product(
        self, info: Info, input: Input[CreateCompetitorProductInput]
    ) -> CompetitorProductPayload:
        session, actor = await info.context.session(), info.context.actor
        values: dict[str, Any] = given_values(input, {}, skip=("competitor_id",))
        competitor_id = decode_id(input.competitor_id, "Competitor", "competitorId")
        product = await competition.create_product(session, actor, competitor_id, values)
        return CompetitorProductPayload(product=CompetitorProduct.from_model(product))

    @strawberry.mutation(description="Change, archive or restore a competing product.")
    @mutation_payload(CompetitorProductPayload)
    async def update_competitor_product(
        self, info: Info, id: ProductId, version: Version, input: Input[UpdateCompetitorProductInput]
    ) -> CompetitorProductPayload:
        session, actor = await info.context.session(), info.context.actor
        product = await competition.update_product(
            session, actor, decode_id(id, "CompetitorProduct"), version, given_values(input, {})
        )
        return CompetitorProductPayload(product=CompetitorProduct.from_model(product))
