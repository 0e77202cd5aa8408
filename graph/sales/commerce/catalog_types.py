"""GraphQL types of the catalogue: product lines, products, price lists, promotions, volume tiers,
customer-type discounts. Explicit field lists; nested fields go through `loaders.py`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.nodes import load_by_id, resolve_by_ids
from graph.money.service import quantize
from graph.sales.commerce import loaders
from graph.sales.commerce import models as m
from graph.sales.commerce.rules import plain


def amount(value: Decimal, currency: str) -> Decimal:
    """A money amount shown with the currency's minor digits: 66.6700 EUR -> 66.67."""
    return quantize(value, currency)


def unit_price(value: Decimal, currency: str) -> Decimal:
    """Prices keep sub-minor digits when they have them (0.3333), otherwise minor digits."""
    rounded = quantize(value, currency)
    return rounded if rounded == value else value.normalize()


@strawberry.type(description="A volume discount: lines reaching `minQuantity` get `percent` off.")
class VolumeTier:
    min_quantity: Decimal = strawberry.field(description="Quantity threshold (inclusive).")
    percent: Decimal = strawberry.field(description="Discount percent, 0-100.")

    @classmethod
    def from_model(cls, tier: m.VolumeTier) -> VolumeTier:
        return cls(min_quantity=plain(tier.min_quantity), percent=plain(tier.percent))


@strawberry.type(description="A group of products; promotions and volume tiers may target it.")
class ProductLine(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique per tenant (case-insensitive).")
    description: str | None = strawberry.field(description="Free text.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_model(cls, line: m.ProductLine) -> ProductLine:
        return cls(
            id=str(line.id),
            name=line.name,
            description=line.description,
            version=line.version,
            created_at=line.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ProductLine | None]:
        return await resolve_by_ids(
            info, "product_lines_by_id", loaders.product_lines_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="Volume tiers of the line (used for products without tiers of their own).")
    async def volume_tiers(self, info: Info) -> list[VolumeTier]:
        loader = info.context.loader("tiers_by_product_line_id", loaders.tiers_by_product_line_id)
        return [VolumeTier.from_model(tier) for tier in await loader.load(uuid.UUID(self.id))]


@strawberry.type(description="Something you sell, with a list price in one currency and a tax rate.")
class Product(relay.Node):
    id: relay.NodeID[str]
    sku: str = strawberry.field(description="Stock-keeping unit, unique per tenant (case-insensitive).")
    name: str = strawberry.field(description="Display name.")
    description: str | None = strawberry.field(description="Free text.")
    unit: str = strawberry.field(description="Unit of sale, e.g. piece, hour, licence.")
    list_price: Decimal = strawberry.field(description="Price per unit in `currency` before any discount.")
    currency: str = strawberry.field(description="ISO 4217 code of the list price.")
    tax_rate: Decimal = strawberry.field(description="Tax percent applied to discounted line amounts.")
    active: bool = strawberry.field(description="Inactive products cannot be put on new quote lines.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    product_line_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, product: m.Product) -> Product:
        return cls(
            id=str(product.id),
            sku=product.sku,
            name=product.name,
            description=product.description,
            unit=product.unit,
            list_price=unit_price(product.list_price, product.currency),
            currency=product.currency,
            tax_rate=plain(product.tax_rate),
            active=product.active,
            version=product.version,
            created_at=product.created_at,
            updated_at=product.updated_at,
            product_line_id=product.product_line_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Product | None]:
        return await resolve_by_ids(info, "products_by_id", loaders.products_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The product line, if any.")
    async def product_line(self, info: Info) -> ProductLine | None:
        line = await load_by_id(
            info, "product_lines_by_id", loaders.product_lines_by_id, self.product_line_id
        )
        return ProductLine.from_model(line) if line else None

    @strawberry.field(description="The product's own volume tiers, lowest threshold first.")
    async def volume_tiers(self, info: Info) -> list[VolumeTier]:
        loader = info.context.loader("tiers_by_product_id", loaders.tiers_by_product_id)
        return [VolumeTier.from_model(tier) for tier in await loader.load(uuid.UUID(self.id))]


@strawberry.type(description="A product's price on a price list.")
class PriceListPrice:
    unit_price: Decimal = strawberry.field(description="Price per unit in the list's currency.")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The product.")
    async def product(self, info: Info) -> Product | None:
        product = await load_by_id(info, "products_by_id", loaders.products_by_id, self.product_id)
        return Product.from_model(product) if product else None


@strawberry.type(
    description="Prices in one currency, optionally for one customer type, within validity dates."
)
class PriceList(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name.")
    currency: str = strawberry.field(description="ISO 4217 code of every price on the list.")
    customer_type: str | None = strawberry.field(
        description="Key in the `customer_types` option list, or null."
    )
    valid_from: date | None = strawberry.field(description="First day it applies (inclusive); null: always.")
    valid_until: date | None = strawberry.field(description="Last day it applies (inclusive); null: open.")
    active: bool = strawberry.field(description="Inactive lists are ignored by pricing.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")

    @classmethod
    def from_model(cls, price_list: m.PriceList) -> PriceList:
        return cls(
            id=str(price_list.id),
            name=price_list.name,
            currency=price_list.currency,
            customer_type=price_list.customer_type,
            valid_from=price_list.valid_from,
            valid_until=price_list.valid_until,
            active=price_list.active,
            version=price_list.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PriceList | None]:
        return await resolve_by_ids(
            info, "price_lists_by_id", loaders.price_lists_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="The list's prices, by product.")
    async def prices(self, info: Info) -> list[PriceListPrice]:
        loader = info.context.loader("prices_by_price_list_id", loaders.prices_by_price_list_id)
        return [
            PriceListPrice(unit_price=unit_price(item.unit_price, self.currency), product_id=item.product_id)
            for item in await loader.load(uuid.UUID(self.id))
        ]


@strawberry.type(description="A promotional percentage for a product, a product line, or everything.")
class Promotion(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name.")
    percent: Decimal = strawberry.field(description="Discount percent, 0-100.")
    valid_from: date | None = strawberry.field(description="First day (inclusive); null: always.")
    valid_until: date | None = strawberry.field(description="Last day (inclusive); null: open.")
    active: bool = strawberry.field(description="Inactive promotions are ignored.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    product_id: strawberry.Private[uuid.UUID | None]
    product_line_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, promotion: m.Promotion) -> Promotion:
        return cls(
            id=str(promotion.id),
            name=promotion.name,
            percent=plain(promotion.percent),
            valid_from=promotion.valid_from,
            valid_until=promotion.valid_until,
            active=promotion.active,
            version=promotion.version,
            product_id=promotion.product_id,
            product_line_id=promotion.product_line_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Promotion | None]:
        return await resolve_by_ids(
            info, "promotions_by_id", loaders.promotions_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="The targeted product, if the promotion targets one.")
    async def product(self, info: Info) -> Product | None:
        product = await load_by_id(info, "products_by_id", loaders.products_by_id, self.product_id)
        return Product.from_model(product) if product else None

    @strawberry.field(description="The targeted product line, if the promotion targets one.")
    async def product_line(self, info: Info) -> ProductLine | None:
        line = await load_by_id(
            info, "product_lines_by_id", loaders.product_lines_by_id, self.product_line_id
        )
        return ProductLine.from_model(line) if line else None


@strawberry.type(description="The discount every quote for a customer type gets.")
class CustomerTypeDiscount:
    customer_type: str = strawberry.field(description="Key in the `customer_types` option list.")
    percent: Decimal = strawberry.field(description="Discount percent, 0-100.")

    @classmethod
    def from_model(cls, row: m.CustomerTypeDiscount) -> CustomerTypeDiscount:
        return cls(customer_type=row.customer_type, percent=plain(row.percent))
