"""Looks up what the pricing of a quote depends on, in a few set-wise queries for all its lines:
applicable price-list prices, promotions, volume tiers, the customer-type discount.

Which price applies to a product line when the seller gives none: the active price list in the quote's
currency, valid on the quote date, that has the product, preferring one for the quote's customer type
over a general one, then the most recently started one; otherwise the product's list price if it is in
the quote's currency; otherwise the line is refused (a currency mismatch the seller must resolve).
Promotions do not stack: the best active one valid on the quote date wins, whether it targets the
product, its product line, or every product. Volume tiers of the product take precedence over tiers of
its product line.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.sales.commerce.models import (
    CustomerTypeDiscount,
    PriceList,
    PriceListItem,
    Product,
    Promotion,
    VolumeTier,
)
from graph.sales.commerce.rules import valid_on


async def price_list_prices(
    session: AsyncSession,
    currency: str,
    customer_type: str | None,
    on: date,
    product_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, Decimal]:
    ids = list(product_ids)
    if not ids:
        return {}
    matching_type = PriceList.customer_type.is_(None)
    if customer_type is not None:
        matching_type = or_(matching_type, PriceList.customer_type == customer_type)
    rows = await session.execute(
        select(PriceListItem.product_id, PriceListItem.unit_price, PriceList)
        .join(
            PriceList,
            (PriceList.tenant_id == PriceListItem.tenant_id) & (PriceList.id == PriceListItem.price_list_id),
        )
        .where(
            PriceListItem.product_id.in_(ids),
            PriceList.active.is_(True),
            PriceList.currency == currency,
            matching_type,
        )
    )
    best: dict[uuid.UUID, tuple[tuple[int, date, uuid.UUID], Decimal]] = {}
    for product_id, unit_price, price_list in rows:
        if not valid_on(price_list.valid_from, price_list.valid_until, on):
            continue
        rank = (
            1 if price_list.customer_type is not None else 0,
            price_list.valid_from or date.min,
            price_list.id,
        )
        if product_id not in best or rank > best[product_id][0]:
            best[product_id] = (rank, unit_price)
    return {product_id: unit_price for product_id, (_, unit_price) in best.items()}


async def promotion_percents(
    session: AsyncSession, on: date, products: Iterable[Product]
) -> dict[uuid.UUID, Decimal]:
    """{product id: best promotion percent} for the given products."""
    product_list = list(products)
    if not product_list:
        return {}
    line_ids = {p.product_line_id for p in product_list if p.product_line_id}
    promotions = await session.scalars(
        select(Promotion).where(
            Promotion.active.is_(True),
            or_(
                Promotion.product_id.in_([p.id for p in product_list]),
                Promotion.product_line_id.in_(line_ids),
                Promotion.product_id.is_(None) & Promotion.product_line_id.is_(None),
            ),
        )
    )
    live = [p for p in promotions if valid_on(p.valid_from, p.valid_until, on)]
    result: dict[uuid.UUID, Decimal] = {}
    for product in product_list:
        percents = [
            promotion.percent
            for promotion in live
            if promotion.product_id == product.id
            or (
                promotion.product_line_id is not None and promotion.product_line_id == product.product_line_id
            )
            or (promotion.product_id is None and promotion.product_line_id is None)
        ]
        result[product.id] = max(percents, default=Decimal(0))
    return result


async def tiers_by_product(
    session: AsyncSession, products: Iterable[Product]
) -> dict[uuid.UUID, list[tuple[Decimal, Decimal]]]:
    """{product id: [(min quantity, percent)]}: the product's own tiers, else its line's."""
    product_list = list(products)
    if not product_list:
        return {}
    line_ids = {p.product_line_id for p in product_list if p.product_line_id}
    rows = await session.scalars(
        select(VolumeTier).where(
            or_(
                VolumeTier.product_id.in_([p.id for p in product_list]),
                VolumeTier.product_line_id.in_(line_ids),
            )
        )
    )
    own: dict[uuid.UUID, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    by_line: dict[uuid.UUID, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for tier in rows:
        if tier.product_id is not None:
            own[tier.product_id].append((tier.min_quantity, tier.percent))
        elif tier.product_line_id is not None:
            by_line[tier.product_line_id].append((tier.min_quantity, tier.percent))
    return {
        product.id: own.get(product.id)
        or (by_line.get(product.product_line_id, []) if product.product_line_id else [])
        for product in product_list
    }


async def customer_type_percent(
    session: AsyncSession, tenant_id: uuid.UUID, customer_type: str | None
) -> Decimal:
    if customer_type is None:
        return Decimal(0)
    row = await session.get(CustomerTypeDiscount, (tenant_id, customer_type))
    return row.percent if row else Decimal(0)
