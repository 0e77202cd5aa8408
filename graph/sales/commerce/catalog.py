"""Catalogue rules: product lines, products, price lists (per currency or customer type), promotions,
volume tiers and customer-type discounts.

The catalogue is tenant-wide (no record scope): everyone who may read products sees all of them;
changing any part of it needs product create/update permission. Customer types are the keys of the
tenant's option list `customer_types`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned
from graph.money.service import validate_currency
from graph.sales.commerce import rules
from graph.sales.commerce.models import (
    PRODUCT,
    CustomerTypeDiscount,
    PriceList,
    PriceListItem,
    Product,
    ProductLine,
    Promotion,
    VolumeTier,
)
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.options import register_option_list, require_option
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

CUSTOMER_TYPES = register_option_list(
    "customer_types",
    "Customer types",
    [("retail", "Retail"), ("wholesale", "Wholesale"), ("partner", "Partner"), ("public", "Public sector")],
)
MAX_TIERS = 20
MAX_PRICES_PER_CALL = 500

PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "unit",
    "list_price",
    "currency",
    "tax_rate",
    "active",
    "product_line_id",
)
PRICE_LIST_FIELDS = ("name", "currency", "customer_type", "valid_from", "valid_until", "active")
PROMOTION_FIELDS = ("name", "percent", "valid_from", "valid_until", "product_id", "product_line_id", "active")


# --- product lines ---------------------------------------------------------------------------


async def get_product_line(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, field: str = "id"
) -> ProductLine:
    actor.require(PRODUCT, Action.READ)
    line = await session.get(ProductLine, (actor.tenant_id, line_id))
    if line is None:
        raise not_found("product line", field)
    return line


async def unique_line_name(session: AsyncSession, actor: Actor, name: str, line_id: uuid.UUID | None) -> None:
    clash = await session.scalar(
        select(ProductLine.id).where(
            ProductLine.tenant_id == actor.tenant_id,
            func.lower(ProductLine.name) == name.lower(),
            ProductLine.id != line_id if line_id else ProductLine.id.is_not(None),
        )
    )
    if clash is not None:
        raise DomainError(ErrorCode.DUPLICATE, "Another product line has this name.", "name")


async def create_product_line(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> ProductLine:
    actor.require(PRODUCT, Action.CREATE)
    name = required_text(values.get("name"), "name", 200)
    await unique_line_name(session, actor, name, None)
    line = ProductLine(
        tenant_id=actor.tenant_id,
        name=name,
        description=optional_text(values.get("description"), "description", 5000),
    )
    session.add(line)
    await session.flush()
    after = rules.snapshot(line, ("name", "description"))
    await audit.record(session, actor, "product_line.create", "product_line", line.id, audit.diff({}, after))
    return line


async def update_product_line(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> ProductLine:
    actor.require(PRODUCT, Action.UPDATE)
    line = await get_product_line(session, actor, line_id)
    check_version(line, version, "product line")
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = required_text(values["name"], "name", 200)
        await unique_line_name(session, actor, cleaned["name"], line.id)
    if "description" in values:
        cleaned["description"] = optional_text(values["description"], "description", 5000)
    # Checked first, changed after: a lookup between two changes would flush (and version) twice.
    before = rules.snapshot(line, ("name", "description"))
    for key, value in cleaned.items():
        setattr(line, key, value)
    await flush_versioned(session, "product line")
    changes = audit.diff(before, rules.snapshot(line, ("name", "description")))
    await audit.record(session, actor, "product_line.update", "product_line", line.id, changes)
    return line


# --- products --------------------------------------------------------------------------------


async def get_product(
    session: AsyncSession, actor: Actor, product_id: uuid.UUID, field: str = "id"
) -> Product:
    actor.require(PRODUCT, Action.READ)
    product = await session.get(Product, (actor.tenant_id, product_id))
    if product is None:
        raise not_found("product", field)
    return product


async def unique_sku(session: AsyncSession, actor: Actor, sku: str, product_id: uuid.UUID | None) -> None:
    """Case-insensitive: the unique index on lower(sku) backs this check against races."""
    statement = select(Product.id).where(
        Product.tenant_id == actor.tenant_id, func.lower(Product.sku) == sku.lower()
    )
    if product_id is not None:
        statement = statement.where(Product.id != product_id)
    if await session.scalar(statement) is not None:
        raise DomainError(ErrorCode.DUPLICATE, f"Another product already uses SKU '{sku}'.", "sku")


async def clean_product(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], product_id: uuid.UUID | None
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "sku":
            checks[key] = lambda v=value: required_text(v, "sku", 64)
        elif key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key == "unit":
            checks[key] = lambda v=value: required_text(v, "unit", 20)
        elif key == "description":
            checks[key] = lambda v=value: optional_text(v, "description", 5000)
        elif key == "list_price":
            checks[key] = lambda v=value: rules.price(v, "listPrice")
        elif key == "currency":
            checks[key] = lambda v=value: validate_currency(v, "currency")
        elif key == "tax_rate":
            checks[key] = lambda v=value: rules.percent(v, "taxRate")
        elif key == "active":
            checks[key] = lambda v=value: bool(v) if v is not None else True
    cleaned = collect(checks)
    if "sku" in cleaned:
        await unique_sku(session, actor, cleaned["sku"], product_id)
    if values.get("product_line_id") is not None:
        line = await get_product_line(session, actor, values["product_line_id"], "productLineId")
        cleaned["product_line_id"] = line.id
    elif "product_line_id" in values:
        cleaned["product_line_id"] = None
    return cleaned


async def create_product(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Product:
    actor.require(PRODUCT, Action.CREATE)
    required = {"sku": None, "name": None, "unit": None, "list_price": None, "currency": None}
    cleaned = await clean_product(session, actor, {**required, "tax_rate": None, **values}, None)
    product = Product(tenant_id=actor.tenant_id, **{"active": True, **cleaned})
    session.add(product)
    await session.flush()
    await audit.record(
        session,
        actor,
        "product.create",
        PRODUCT,
        product.id,
        audit.diff({}, rules.snapshot(product, PRODUCT_FIELDS)),
    )
    return product


async def update_product(
    session: AsyncSession, actor: Actor, product_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Product:
    actor.require(PRODUCT, Action.UPDATE)
    product = await get_product(session, actor, product_id)
    check_version(product, version, "product")
    cleaned = await clean_product(session, actor, values, product.id)
    before = rules.snapshot(product, PRODUCT_FIELDS)
    for key, value in cleaned.items():
        setattr(product, key, value)
    await flush_versioned(session, "product")
    changes = audit.diff(before, rules.snapshot(product, PRODUCT_FIELDS))
    await audit.record(session, actor, "product.update", PRODUCT, product.id, changes)
    return product


# --- price lists -----------------------------------------------------------------------------


async def get_price_list(
    session: AsyncSession, actor: Actor, price_list_id: uuid.UUID, field: str = "id"
) -> PriceList:
    actor.require(PRODUCT, Action.READ)
    price_list = await session.get(PriceList, (actor.tenant_id, price_list_id))
    if price_list is None:
        raise not_found("price list", field)
    return price_list


async def customer_type(session: AsyncSession, actor: Actor, value: str | None, field: str) -> str | None:
    """A live key of the tenant's `customer_types` list, or None."""
    if value is None or not value.strip():
        return None
    await require_option(session, actor.tenant_id, CUSTOMER_TYPES.key, value.strip(), field)
    return value.strip()


async def clean_price_list(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], current: PriceList | None
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key == "currency":
            checks[key] = lambda v=value: validate_currency(v, "currency")
        elif key in ("valid_from", "valid_until"):
            checks[key] = lambda v=value: v
        elif key == "active":
            checks[key] = lambda v=value: bool(v) if v is not None else True
    cleaned = collect(checks)
    if "customer_type" in values:
        cleaned["customer_type"] = await customer_type(
            session, actor, values["customer_type"], "customerType"
        )
    start = cleaned.get("valid_from", current.valid_from if current else None)
    end = cleaned.get("valid_until", current.valid_until if current else None)
    rules.date_range(start, end, "validUntil")
    return cleaned


async def create_price_list(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> PriceList:
    actor.require(PRODUCT, Action.CREATE)
    cleaned = await clean_price_list(session, actor, {"name": None, "currency": None, **values}, None)
    price_list = PriceList(tenant_id=actor.tenant_id, **{"active": True, **cleaned})
    session.add(price_list)
    await session.flush()
    after = rules.snapshot(price_list, PRICE_LIST_FIELDS)
    await audit.record(
        session, actor, "price_list.create", "price_list", price_list.id, audit.diff({}, after)
    )
    return price_list


async def update_price_list(
    session: AsyncSession, actor: Actor, price_list_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> PriceList:
    actor.require(PRODUCT, Action.UPDATE)
    price_list = await get_price_list(session, actor, price_list_id)
    check_version(price_list, version, "price list")
    if "currency" in values and await price_count(session, price_list.id):
        raise DomainError(
            ErrorCode.INVALID, "Remove the list's prices before changing its currency.", "currency"
        )
    cleaned = await clean_price_list(session, actor, values, price_list)
    before = rules.snapshot(price_list, PRICE_LIST_FIELDS)
    for key, value in cleaned.items():
        setattr(price_list, key, value)
    await flush_versioned(session, "price list")
    changes = audit.diff(before, rules.snapshot(price_list, PRICE_LIST_FIELDS))
    await audit.record(session, actor, "price_list.update", "price_list", price_list.id, changes)
    return price_list


async def price_count(session: AsyncSession, price_list_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count()).select_from(PriceListItem).where(PriceListItem.price_list_id == price_list_id)
    )
    return int(count or 0)


async def set_price_list_prices(
    session: AsyncSession,
    actor: Actor,
    price_list_id: uuid.UUID,
    version: int,
    prices: Sequence[tuple[uuid.UUID, Decimal | None]],
) -> PriceList:
    """Sets (or, with a null price, removes) the given products' prices; other entries stay."""
    actor.require(PRODUCT, Action.UPDATE)
    price_list = await get_price_list(session, actor, price_list_id)
    check_version(price_list, version, "price list")
    if len(prices) > MAX_PRICES_PER_CALL:
        raise DomainError(ErrorCode.INVALID, f"Send at most {MAX_PRICES_PER_CALL} prices at once.", "prices")
    changes: dict[str, list[Any]] = {}
    for index, (product_id, unit_price) in enumerate(prices):
        field = f"prices.{index}"
        product = await get_product(session, actor, product_id, f"{field}.productId")
        if unit_price is None:
            await session.execute(
                delete(PriceListItem).where(
                    PriceListItem.tenant_id == actor.tenant_id,
                    PriceListItem.price_list_id == price_list.id,
                    PriceListItem.product_id == product.id,
                )
            )
        else:
            amount = rules.price(unit_price, f"{field}.unitPrice")
            await session.execute(
                insert(PriceListItem)
                .values(
                    tenant_id=actor.tenant_id,
                    price_list_id=price_list.id,
                    product_id=product.id,
                    unit_price=amount,
                )
                .on_conflict_do_update(
                    index_elements=["tenant_id", "price_list_id", "product_id"], set_={"unit_price": amount}
                )
            )
        changes[product.sku] = [None, None if unit_price is None else str(unit_price)]
    # Bump the list's version: its prices are part of it, and concurrent editors must reload.
    price_list.updated_at = func.now()
    await flush_versioned(session, "price list")
    await session.refresh(price_list)
    await audit.record(session, actor, "price_list.set_prices", "price_list", price_list.id, changes)
    return price_list


# --- promotions ------------------------------------------------------------------------------


async def get_promotion(
    session: AsyncSession, actor: Actor, promotion_id: uuid.UUID, field: str = "id"
) -> Promotion:
    actor.require(PRODUCT, Action.READ)
    promotion = await session.get(Promotion, (actor.tenant_id, promotion_id))
    if promotion is None:
        raise not_found("promotion", field)
    return promotion


async def clean_promotion(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], current: Promotion | None
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key == "percent":
            checks[key] = lambda v=value: rules.percent(v, "percent")
        elif key in ("valid_from", "valid_until"):
            checks[key] = lambda v=value: v
        elif key == "active":
            checks[key] = lambda v=value: bool(v) if v is not None else True
    cleaned = collect(checks)
    if values.get("product_id") is not None:
        cleaned["product_id"] = (await get_product(session, actor, values["product_id"], "productId")).id
    elif "product_id" in values:
        cleaned["product_id"] = None
    if values.get("product_line_id") is not None:
        line = await get_product_line(session, actor, values["product_line_id"], "productLineId")
        cleaned["product_line_id"] = line.id
    elif "product_line_id" in values:
        cleaned["product_line_id"] = None
    product_id = cleaned.get("product_id", current.product_id if current else None)
    line_id = cleaned.get("product_line_id", current.product_line_id if current else None)
    if product_id is not None and line_id is not None:
        raise DomainError(
            ErrorCode.INVALID, "A promotion targets a product or a product line, not both.", "productLineId"
        )
    start = cleaned.get("valid_from", current.valid_from if current else None)
    end = cleaned.get("valid_until", current.valid_until if current else None)
    rules.date_range(start, end, "validUntil")
    return cleaned


async def create_promotion(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Promotion:
    actor.require(PRODUCT, Action.CREATE)
    cleaned = await clean_promotion(session, actor, {"name": None, "percent": None, **values}, None)
    promotion = Promotion(tenant_id=actor.tenant_id, **{"active": True, **cleaned})
    session.add(promotion)
    await session.flush()
    after = rules.snapshot(promotion, PROMOTION_FIELDS)
    await audit.record(session, actor, "promotion.create", "promotion", promotion.id, audit.diff({}, after))
    return promotion


async def update_promotion(
    session: AsyncSession, actor: Actor, promotion_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Promotion:
    actor.require(PRODUCT, Action.UPDATE)
    promotion = await get_promotion(session, actor, promotion_id)
    check_version(promotion, version, "promotion")
    cleaned = await clean_promotion(session, actor, values, promotion)
    before = rules.snapshot(promotion, PROMOTION_FIELDS)
    for key, value in cleaned.items():
        setattr(promotion, key, value)
    await flush_versioned(session, "promotion")
    changes = audit.diff(before, rules.snapshot(promotion, PROMOTION_FIELDS))
    await audit.record(session, actor, "promotion.update", "promotion", promotion.id, changes)
    return promotion


# --- volume tiers and customer-type discounts ------------------------------------------------


async def set_volume_tiers(
    session: AsyncSession,
    actor: Actor,
    product_id: uuid.UUID | None,
    product_line_id: uuid.UUID | None,
    tiers: Sequence[tuple[Decimal, Decimal]],
) -> list[VolumeTier]:
    """Replaces the tiers of one product or one product line with `[(min_quantity, percent)]`."""
    actor.require(PRODUCT, Action.UPDATE)
    if (product_id is None) == (product_line_id is None):
        raise DomainError(ErrorCode.INVALID, "Name either a product or a product line.", "productId")
    if product_id is not None:
        target = {"product_id": (await get_product(session, actor, product_id, "productId")).id}
    else:
        line = await get_product_line(session, actor, product_line_id, "productLineId")  # type: ignore[arg-type]
        target = {"product_line_id": line.id}
    if len(tiers) > MAX_TIERS:
        raise DomainError(ErrorCode.INVALID, f"Use at most {MAX_TIERS} tiers.", "tiers")
    cleaned = []
    for index, (threshold, tier_percent) in enumerate(tiers):
        cleaned.append(
            (
                rules.quantity(threshold, f"tiers.{index}.minQuantity"),
                rules.percent(tier_percent, f"tiers.{index}.percent"),
            )
        )
    thresholds = [threshold for threshold, _ in cleaned]
    if len(set(thresholds)) != len(thresholds):
        raise DomainError(ErrorCode.DUPLICATE, "Each tier needs its own minimum quantity.", "tiers")
    column = VolumeTier.product_id if product_id is not None else VolumeTier.product_line_id
    old = await session.execute(
        delete(VolumeTier)
        .where(VolumeTier.tenant_id == actor.tenant_id, column == next(iter(target.values())))
        .returning(VolumeTier.min_quantity, VolumeTier.percent)
    )
    before = sorted((str(q), str(p)) for q, p in old)
    rows = [
        VolumeTier(tenant_id=actor.tenant_id, min_quantity=threshold, percent=tier_percent, **target)
        for threshold, tier_percent in sorted(cleaned)
    ]
    session.add_all(rows)
    await session.flush()
    object_type, object_id = ("product", target["product_id"]) if product_id else ("product_line", line.id)
    after = [(str(q), str(p)) for q, p in sorted(cleaned)]
    await audit.record(
        session,
        actor,
        "volume_tiers.set",
        object_type,
        object_id,
        {"tiers": [before, after]} if before != after else {},
    )
    return rows


async def set_customer_type_discount(
    session: AsyncSession, actor: Actor, key: str, discount: Decimal | None
) -> CustomerTypeDiscount | None:
    """Sets the discount of one customer type; a null percent removes it."""
    actor.require(PRODUCT, Action.UPDATE)
    cleaned_key = await customer_type(session, actor, key, "customerType")
    if cleaned_key is None:
        raise DomainError(ErrorCode.REQUIRED, "Name a customer type.", "customerType")
    existing = await session.get(CustomerTypeDiscount, (actor.tenant_id, cleaned_key))
    before = existing.percent if existing else None
    if discount is None:
        if existing is not None:
            await session.delete(existing)
        result = None
    else:
        value = rules.percent(discount, "percent")
        if existing is None:
            existing = CustomerTypeDiscount(
                tenant_id=actor.tenant_id, customer_type=cleaned_key, percent=value
            )
            session.add(existing)
        existing.percent = value
        result = existing
    await session.flush()
    await audit.record(
        session,
        actor,
        "customer_type_discount.set",
        "customer_type_discount",
        None,
        audit.diff({cleaned_key: before}, {cleaned_key: discount}),
    )
    return result
