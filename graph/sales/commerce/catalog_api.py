"""Catalogue mutations: product lines, products, price lists and prices, promotions, volume tiers,
customer-type discounts. Resolvers parse input, call `catalog.py`, and shape the payload."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, TypeVar

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id, decode_optional_id
from graph.sales.commerce import catalog
from graph.sales.commerce.catalog_types import (
    CustomerTypeDiscount,
    PriceList,
    Product,
    ProductLine,
    Promotion,
    VolumeTier,
)
from graph.sales.commerce.inputs import (
    CreatePriceListInput,
    CreateProductInput,
    CreateProductLineInput,
    CreatePromotionInput,
    CustomerTypeDiscountPayload,
    PriceInput,
    PriceListPayload,
    ProductLinePayload,
    ProductPayload,
    PromotionPayload,
    UpdatePriceListInput,
    UpdateProductInput,
    UpdateProductLineInput,
    UpdatePromotionInput,
    VolumeTierInput,
    VolumeTiersPayload,
    given_values,
)

T = TypeVar("T")
Id = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the record.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[int, strawberry.argument(description="The `version` you last read; stale: CONFLICT.")]


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Create a product line (product create permission).")
    @mutation_payload(ProductLinePayload)
    async def create_product_line(
        self, info: Info, input: Input[CreateProductLineInput]
    ) -> ProductLinePayload:
        session, actor = await info.context.session(), info.context.actor
        line = await catalog.create_product_line(session, actor, given_values(input))
        return ProductLinePayload(product_line=ProductLine.from_model(line))

    @strawberry.mutation(description="Change a product line.")
    @mutation_payload(ProductLinePayload)
    async def update_product_line(
        self, info: Info, id: Id, version: Version, input: Input[UpdateProductLineInput]
    ) -> ProductLinePayload:
        session, actor = await info.context.session(), info.context.actor
        line_id = decode_id(id, "ProductLine")
        line = await catalog.update_product_line(session, actor, line_id, version, given_values(input))
        return ProductLinePayload(product_line=ProductLine.from_model(line))

    @strawberry.mutation(
        description="Create a product; SKUs are unique per tenant ignoring case (DUPLICATE)."
    )
    @mutation_payload(ProductPayload)
    async def create_product(self, info: Info, input: Input[CreateProductInput]) -> ProductPayload:
        session, actor = await info.context.session(), info.context.actor
        product = await catalog.create_product(session, actor, given_values(input))
        return ProductPayload(product=Product.from_model(product))

    @strawberry.mutation(description="Change a product (deactivate with active: false).")
    @mutation_payload(ProductPayload)
    async def update_product(
        self, info: Info, id: Id, version: Version, input: Input[UpdateProductInput]
    ) -> ProductPayload:
        session, actor = await info.context.session(), info.context.actor
        product_id = decode_id(id, "Product")
        product = await catalog.update_product(session, actor, product_id, version, given_values(input))
        return ProductPayload(product=Product.from_model(product))

    @strawberry.mutation(description="Create a price list for a currency and optionally a customer type.")
    @mutation_payload(PriceListPayload)
    async def create_price_list(self, info: Info, input: Input[CreatePriceListInput]) -> PriceListPayload:
        session, actor = await info.context.session(), info.context.actor
        price_list = await catalog.create_price_list(session, actor, given_values(input))
        return PriceListPayload(price_list=PriceList.from_model(price_list))

    @strawberry.mutation(description="Change a price list.")
    @mutation_payload(PriceListPayload)
    async def update_price_list(
        self, info: Info, id: Id, version: Version, input: Input[UpdatePriceListInput]
    ) -> PriceListPayload:
        session, actor = await info.context.session(), info.context.actor
        price_list_id = decode_id(id, "PriceList")
        price_list = await catalog.update_price_list(
            session, actor, price_list_id, version, given_values(input)
        )
        return PriceListPayload(price_list=PriceList.from_model(price_list))

    @strawberry.mutation(
        description="Set (or with a null price remove) products' prices on a list (max 500)."
    )
    @mutation_payload(PriceListPayload)
    async def set_price_list_prices(
        self, info: Info, id: Id, version: Version, prices: Input[list[PriceInput]]
    ) -> PriceListPayload:
        session, actor = await info.context.session(), info.context.actor
        pairs = [
            (decode_id(price.product_id, "Product", f"prices.{index}.productId"), price.unit_price)
            for index, price in enumerate(prices)
        ]
        price_list_id = decode_id(id, "PriceList")
        price_list = await catalog.set_price_list_prices(session, actor, price_list_id, version, pairs)
        return PriceListPayload(price_list=PriceList.from_model(price_list))

    @strawberry.mutation(description="Create a promotion for a product, a product line, or everything.")
    @mutation_payload(PromotionPayload)
    async def create_promotion(self, info: Info, input: Input[CreatePromotionInput]) -> PromotionPayload:
        session, actor = await info.context.session(), info.context.actor
        promotion = await catalog.create_promotion(session, actor, given_values(input))
        return PromotionPayload(promotion=Promotion.from_model(promotion))

    @strawberry.mutation(description="Change a promotion.")
    @mutation_payload(PromotionPayload)
    async def update_promotion(
        self, info: Info, id: Id, version: Version, input: Input[UpdatePromotionInput]
    ) -> PromotionPayload:
        session, actor = await info.context.session(), info.context.actor
        promotion_id = decode_id(id, "Promotion")
        promotion = await catalog.update_promotion(session, actor, promotion_id, version, given_values(input))
        return PromotionPayload(promotion=Promotion.from_model(promotion))

    @strawberry.mutation(description="Replace the volume tiers of one product or one product line (max 20).")
    @mutation_payload(VolumeTiersPayload)
    async def set_volume_tiers(
        self,
        info: Info,
        tiers: Input[list[VolumeTierInput]],
        product_id: Annotated[relay.GlobalID | None, strawberry.argument(description="A Product.")] = None,
        product_line_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="A ProductLine.")
        ] = None,
    ) -> VolumeTiersPayload:
        session, actor = await info.context.session(), info.context.actor
        rows = await catalog.set_volume_tiers(
            session,
            actor,
            decode_optional_id(product_id, "Product", "productId"),
            decode_optional_id(product_line_id, "ProductLine", "productLineId"),
            [(tier.min_quantity, tier.percent) for tier in tiers],
        )
        return VolumeTiersPayload(tiers=[VolumeTier.from_model(row) for row in rows])

    @strawberry.mutation(description="Set the discount of a customer type; a null percent removes it.")
    @mutation_payload(CustomerTypeDiscountPayload)
    async def set_customer_type_discount(
        self,
        info: Info,
        customer_type: Annotated[str, strawberry.argument(description="Key in `customer_types`.")],
        percent: Annotated[
            Decimal | None, strawberry.argument(description="0-100; null or omitted removes the discount.")
        ] = None,
    ) -> CustomerTypeDiscountPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await catalog.set_customer_type_discount(session, actor, customer_type, percent)
        return CustomerTypeDiscountPayload(discount=CustomerTypeDiscount.from_model(row) if row else None)
