"""Competing products met by opportunities, and win/loss by competing product (rules in product_links.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.ids import decode_id
from graph.marketing import product_links
from graph.marketing.competition_api import CompetitorProduct, LossReasonCount
from graph.marketing.models import CompetitorProduct as ProductRow
from graph.marketing.models import OpportunityCompetitorProduct as LinkRow

OpportunityId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of an Opportunity.")]
ProductId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a CompetitorProduct.")]


@strawberry.type(description="A competing product an opportunity met, and why we won or lost against it.")
class OpportunityCompetitorProduct:
    product: CompetitorProduct = strawberry.field(description="The competing product.")
    note: str | None = strawberry.field(description="What the team noted: why we won or lost against it.")
    created_at: datetime = strawberry.field(description="When it was first linked (UTC).")

    @classmethod
    def from_rows(cls, link: LinkRow, product: ProductRow) -> OpportunityCompetitorProduct:
        return cls(product=CompetitorProduct.from_model(product), note=link.note, created_at=link.created_at)


@strawberry.input(description="An opportunity met a competing product.")
class LinkCompetitorProductInput:
    opportunity_id: relay.GlobalID = strawberry.field(description="The Opportunity (you may update it).")
    product_id: relay.GlobalID = strawberry.field(description="The CompetitorProduct (not archived).")
    note: str | None = strawberry.field(
        default=None, description="Why we won or lost against it (max 2,000); linking again replaces it."
    )


@strawberry.type(description="Result of linkCompetitorProduct.")
class LinkCompetitorProductPayload:
    link: OpportunityCompetitorProduct | None = strawberry.field(default=None, description="The link.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of unlinkCompetitorProduct.")
class UnlinkCompetitorProductPayload:
    removed: bool = strawberry.field(default=False, description="True: the link is gone.")
    errors: list[UserError] = payload_errors()


@strawberry.type(
    description="The record against one competing product: opportunities in your scope that met it."
)
class CompetitorProductWinLoss:
    product: CompetitorProduct = strawberry.field(description="The product (archived ones included).")
    met: int = strawberry.field(description="Opportunities linked to it.")
    open: int = strawberry.field(description="Of those, still open.")
    won: int = strawberry.field(description="Won against it.")
    lost: int = strawberry.field(description="Lost against it.")
    win_rate: float | None = strawberry.field(description="won / (won + lost), 0-1; null when none closed.")
    loss_reasons: list[LossReasonCount] = strawberry.field(
        description="Why the lost ones were lost, most first."
    )


@strawberry.type(description="The competing products one opportunity met.")
class CompetitorProductsMet:
    products: list[OpportunityCompetitorProduct] = strawberry.field(
        description="By product name (a short list: the products of the competitors it met)."
    )


@strawberry.type(description="Win/loss by competing product.")
class CompetitorProductWinLossReport:
    products: list[CompetitorProductWinLoss] = strawberry.field(description="One row per product, by name.")


@strawberry.type
class ProductLinksQuery:
    @strawberry.field(description="The competing products an opportunity met (NOT_FOUND error if not yours).")
    async def opportunity_competitor_products(
        self, info: Info, opportunity_id: OpportunityId
    ) -> CompetitorProductsMet:
        session, actor = await info.context.session(), info.context.actor
        opportunity = decode_id(opportunity_id, "Opportunity", "opportunityId")
        rows = await product_links.products_of(session, actor, opportunity)
        return CompetitorProductsMet(
            products=[OpportunityCompetitorProduct.from_rows(link, product) for link, product in rows]
        )

    @strawberry.field(
        description="Win/loss by competing product over the opportunities you may see, by name."
    )
    async def competitor_product_win_loss(self, info: Info) -> CompetitorProductWinLossReport:
        rows = await product_links.product_win_loss(await info.context.session(), info.context.actor)
        return CompetitorProductWinLossReport(
            products=[
                CompetitorProductWinLoss(
                    product=CompetitorProduct.from_model(row.subject),
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
class ProductLinksMutation:
    @strawberry.mutation(
        description="Record that an opportunity met a competing product, and why we won or lost."
    )
    @mutation_payload(LinkCompetitorProductPayload)
    async def link_competitor_product(
        self,
        info: Info,
        input: Annotated[LinkCompetitorProductInput, strawberry.argument(description="The link.")],
    ) -> LinkCompetitorProductPayload:
        session, actor = await info.context.session(), info.context.actor
        link, product = await product_links.link_product(
            session,
            actor,
            decode_id(input.opportunity_id, "Opportunity", "opportunityId"),
            decode_id(input.product_id, "CompetitorProduct", "productId"),
            input.note,
            datetime.now(UTC),
        )
        return LinkCompetitorProductPayload(link=OpportunityCompetitorProduct.from_rows(link, product))

    @strawberry.mutation(description="Remove a competing product from an opportunity.")
    @mutation_payload(UnlinkCompetitorProductPayload)
    async def unlink_competitor_product(
        self, info: Info, opportunity_id: OpportunityId, product_id: ProductId
    ) -> UnlinkCompetitorProductPayload:
        session, actor = await info.context.session(), info.context.actor
        await product_links.unlink_product(
            session,
            actor,
            decode_id(opportunity_id, "Opportunity", "opportunityId"),
            decode_id(product_id, "CompetitorProduct", "productId"),
        )
        return UnlinkCompetitorProductPayload(removed=True)
