"""Quote rules: drafts with lines, server-side pricing, the status flow, revisions and expiry.

Status flow: draft -> sent -> accepted | rejected | expired; a sent quote is immutable (every edit is
INVALID_TRANSITION) and `revise_quote` copies it into a new draft revision with the same number, marking
the old one superseded. Totals are recomputed by the server after every change of a draft (prices,
promotions and tiers as they stand that day) and frozen when it is sent; clients never send totals.
Numbers come from the tenant's `quote` sequence (default `QUO-{YYYY}-{SEQ:4}`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.core.rules import check_version, collect, flush_versioned
from graph.crm.accounts import get_account
from graph.identity.members import active_member
from graph.money.service import validate_currency
from graph.money.tax import tax_rules
from graph.sales.commerce import approval_rules, catalog, pricing, pricing_rules, rules
from graph.sales.commerce.models import QUOTE, Product, Quote, QuoteLine
from graph.sales.pipeline.opportunities import get_opportunity
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import active_definitions
from tenants.ids import new_id
from tenants.numbering import next_number, register_sequence
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import optional_text, required_text

register_sequence("quote", "Quotes", "QUO-{YYYY}-{SEQ:4}")

DEFAULT_VALIDITY = timedelta(days=30)
MAX_LINES = 200
QUOTE_FIELDS = (
    "account_id",
    "opportunity_id",
    "owner_id",
    "status",
    "currency",
    "customer_type",
    "valid_until",
    "cash_discount_percent",
    "terms",
    "notes",
    "net_total",
    "tax_total",
    "total",
)
LINE_FIELDS = (
    "product_id",
    "description",
    "quantity",
    "unit_price",
    "line_discount_percent",
    "net_amount",
    "tax_amount",
    "total_amount",
)


def today() -> date:
    return datetime.now(UTC).date()


def quote_scope(actor: Actor) -> ColumnElement[bool]:
    return record_scope_clause(actor, QUOTE, Quote.owner_id) & (Quote.tenant_id == actor.tenant_id)


def visible_quotes(actor: Actor) -> Select[tuple[Quote]]:
    actor.require(QUOTE, Action.READ)
    return select(Quote).where(quote_scope(actor))


async def get_quote(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> Quote:
    statement = select(Quote).where(quote_scope(actor), Quote.id == quote_id)
    quote = await session.scalar(statement.with_for_update() if lock else statement)
    if quote is None:
        raise not_found("quote", field)
    return quote


def require_draft(quote: Quote) -> None:
    if quote.status != "draft":
        raise rules.invalid_transition(
            f"This quote is {quote.status} and can no longer change; revise it to get an editable draft."
        )


async def quote_lines(session: AsyncSession, quote_id: uuid.UUID) -> list[QuoteLine]:
    return list(
        await session.scalars(
            select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.position, QuoteLine.id)
        )
    )


# --- pricing ---------------------------------------------------------------------------------


async def reprice(session: AsyncSession, quote: Quote, lines: list[QuoteLine] | None = None) -> None:
    """Recomputes every line and the totals of a draft from the catalogue as it stands.

    Callers flush new and deleted lines first (or pass the lines of a quote not yet written); the lookups
    here do not autoflush, so a quote changed before repricing is written (and versioned) once.
    """
    with session.no_autoflush:
        await compute_prices(
            session, quote, lines if lines is not None else await quote_lines(session, quote.id)
        )


async def compute_prices(session: AsyncSession, quote: Quote, lines: list[QuoteLine]) -> None:
    product_ids = {line.product_id for line in lines if line.product_id}
    products = {
        product.id: product
        for product in await session.scalars(select(Product).where(Product.id.in_(product_ids)))
    }
    prices = await pricing_rules.price_list_prices(
        session, quote.currency, quote.customer_type, quote.quote_date, product_ids
    )
    promotions = await pricing_rules.promotion_percents(session, quote.quote_date, products.values())
    tiers = await pricing_rules.tiers_by_product(session, products.values())
    customer_percent = await pricing_rules.customer_type_percent(
        session, quote.tenant_id, quote.customer_type
    )
    tax = await tax_rules(session, quote.tenant_id)
    amounts = []
    for index, line in enumerate(lines):
        product = products.get(line.product_id) if line.product_id else None
        if product is not None:
            if not line.price_given:
                line.unit_price = catalogue_price(product, prices, quote.currency, f"lines.{index}.productId")
            line.promotion_percent = promotions.get(product.id, Decimal(0))
            line.volume_percent = pricing.best_tier(tiers.get(product.id, []), line.quantity)
            line.tax_rate = product.tax_rate
            line.unit = product.unit
        else:
            line.promotion_percent = line.volume_percent = Decimal(0)
        line.customer_type_percent = customer_percent
        line.cash_percent = quote.cash_discount_percent
        discounts = pricing.Discounts(
            line=line.line_discount_percent,
            promotion=line.promotion_percent,
            volume=line.volume_percent,
            customer_type=line.customer_type_percent,
            cash=line.cash_percent,
        )
        result = pricing.price_line(
            line.quantity,
            line.unit_price,
            discounts,
            line.tax_rate,
            quote.currency,
            cash_discount_reduces_tax_base=tax.cash_discount_reduces_tax_base,
        )
        line.gross_amount, line.discount_amount = result.gross, result.discount
        line.net_amount, line.tax_amount, line.total_amount = result.net, result.tax, result.total
        amounts.append(result)
    totals = pricing.sum_lines(amounts)
    quote.gross_total, quote.discount_total = totals.gross, totals.discount
    quote.net_total, quote.tax_total, quote.total = totals.net, totals.tax, totals.total
    # Always bump the version: a line change is a change of the quote even if the totals stay put.
    quote.updated_at = datetime.now(UTC)


def catalogue_price(
    product: Product, prices: Mapping[uuid.UUID, Decimal], currency: str, field: str
) -> Decimal:
    if product.id in prices:
        return prices[product.id]
    if product.currency == currency:
        return product.list_price
    raise DomainError(
        ErrorCode.INVALID,
        f"Product {product.sku} is priced in {product.currency} and no active price list gives it a"
        f" {currency} price; add one or give the line a unit price in {currency}.",
        field,
    )


# --- creating and editing --------------------------------------------------------------------


async def clean_header(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], quote: Quote | None
) -> dict[str, Any]:
    rules_by_key: dict[str, Any] = {
        "currency": lambda v: validate_currency(v, "currency"),
        "cash_discount_percent": lambda v: rules.percent(v, "cashDiscountPercent"),
        "terms": lambda v: optional_text(v, "terms", 10_000),
        "notes": lambda v: optional_text(v, "notes", 10_000),
        "valid_until": lambda v: valid_until(v, quote),
    }
    # Every plain field is checked, and all failures reported together, before any lookup.
    cleaned = collect(
        {
            key: (lambda rule=rule, v=values[key]: rule(v))
            for key, rule in rules_by_key.items()
            if key in values
        }
    )
    if "account_id" in values:
        cleaned["account_id"] = (await get_account(session, actor, values["account_id"], "accountId")).id
    if "owner_id" in values:
        if values["owner_id"] is None:
            raise DomainError(ErrorCode.REQUIRED, "Every quote has an owner.", "ownerId")
        cleaned["owner_id"] = await active_member(session, actor, values["owner_id"], "ownerId")
    if "customer_type" in values:
        cleaned["customer_type"] = await catalog.customer_type(
            session, actor, values["customer_type"], "customerType"
        )
    if values.get("opportunity_id") is not None:
        account_id = cleaned.get("account_id", quote.account_id if quote else None)
        cleaned["opportunity_id"] = await opportunity_for(
            session, actor, values["opportunity_id"], account_id
        )
    elif "opportunity_id" in values:
        cleaned["opportunity_id"] = None
    return cleaned


async def opportunity_for(
    session: AsyncSession, actor: Actor, opportunity_id: uuid.UUID, account_id: uuid.UUID | None
) -> uuid.UUID:
    """A visible opportunity of the quote's account (a quote cannot sell one customer's deal to another)."""
    opportunity = await get_opportunity(session, actor, opportunity_id, "opportunityId")
    if account_id is not None and opportunity.account_id != account_id:
        raise DomainError(
            ErrorCode.INVALID, "This opportunity belongs to another account than the quote.", "opportunityId"
        )
    return opportunity.id


def valid_until(value: date | None, quote: Quote | None) -> date:
    start = quote.quote_date if quote else today()
    if value is None:
        return start + DEFAULT_VALIDITY
    if value < start:
        raise DomainError(ErrorCode.INVALID, "A quote cannot expire before its date.", "validUntil")
    return value


async def create_quote(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], lines: Sequence[Mapping[str, Any]] = ()
) -> Quote:
    actor.require(QUOTE, Action.CREATE)
    if "account_id" not in values or values["account_id"] is None:
        raise DomainError(ErrorCode.REQUIRED, "A quote is for an account.", "accountId")
    if len(lines) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID, f"A quote has at most {MAX_LINES} lines.", "lines")
    cleaned = await clean_header(session, actor, {"currency": None, "valid_until": None, **values}, None)
    now = datetime.now(UTC)
    defaults = {"owner_id": actor.user_id, "cash_discount_percent": Decimal(0)}
    quote = Quote(
        tenant_id=actor.tenant_id,
        id=new_id(),
        number=await next_number(session, actor.tenant_id, "quote", now),
        revision=1,
        status="draft",
        quote_date=now.date(),
        created_by_id=actor.user_id,
        **{**defaults, **cleaned},
    )
    custom = await apply_custom_values(session, actor, QUOTE, quote, values, creating=True)
    # Priced before anything is written, so the quote is inserted once, with its totals, at version 1.
    rows = [
        await new_line(session, actor, quote, line_values, index, f"lines.{index}")
        for index, line_values in enumerate(lines)
    ]
    await reprice(session, quote, rows)
    session.add(quote)
    await session.flush()
    session.add_all(rows)
    await session.flush()
    after = rules.snapshot(quote, QUOTE_FIELDS)
    await audit.record(
        session,
        actor,
        "quote.create",
        QUOTE,
        quote.id,
        {**audit.diff({}, after), "number": [None, quote.number], **custom},
    )
    return quote


async def update_quote(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Quote:
    actor.require(QUOTE, Action.UPDATE)
    quote = await get_quote(session, actor, quote_id)
    check_version(quote, version, "quote")
    require_draft(quote)
    cleaned = await clean_header(session, actor, values, quote)
    if (
        "currency" in cleaned
        and cleaned["currency"] != quote.currency
        and await quote_lines(session, quote.id)
    ):
        raise DomainError(
            ErrorCode.INVALID, "Remove the lines before changing the currency of a quote.", "currency"
        )
    before = rules.snapshot(quote, QUOTE_FIELDS)
    for key, value in cleaned.items():
        setattr(quote, key, value)
    custom = await apply_custom_values(session, actor, QUOTE, quote, values, creating=False)
    await reprice(session, quote)
    await flush_versioned(session, "quote")
    changes = audit.diff(before, rules.snapshot(quote, QUOTE_FIELDS)) | custom
    await audit.record(session, actor, "quote.update", QUOTE, quote.id, changes)
    return quote


async def clean_line(
    session: AsyncSession,
    actor: Actor,
    quote: Quote,
    values: Mapping[str, Any],
    line: QuoteLine | None,
    prefix: str,
) -> dict[str, Any]:
    """Validated line values. `prefix` names the line in field paths ("" for a single-line call)."""

    def field(name: str) -> str:
        return f"{prefix}.{name}" if prefix else name

    cleaned: dict[str, Any] = {}
    if (
        values.get("currency") is not None
        and validate_currency(values["currency"], field("currency")) != quote.currency
    ):
        raise DomainError(
            ErrorCode.INVALID, f"The lines of this quote are in {quote.currency}.", field("currency")
        )
    if "product_id" in values:
        product_id = values["product_id"]
        if product_id is None:
            cleaned["product_id"] = None
        else:
            product = await catalog.get_product(session, actor, product_id, field("productId"))
            if not product.active:
                raise DomainError(
                    ErrorCode.INVALID,
                    f"Product {product.sku} is inactive and cannot be quoted.",
                    field("productId"),
                )
            cleaned["product_id"] = product.id
            if not values.get("description"):
                cleaned["description"] = product.name
    product_id = cleaned.get("product_id", line.product_id if line else None)
    if values.get("description"):
        cleaned["description"] = required_text(values["description"], field("description"), 500)
    if "quantity" in values:
        cleaned["quantity"] = rules.quantity(values["quantity"], field("quantity"))
    if "line_discount_percent" in values:
        cleaned["line_discount_percent"] = rules.percent(
            values["line_discount_percent"], field("discountPercent")
        )
    if "unit_price" in values:
        given = values["unit_price"]
        cleaned["price_given"] = given is not None
        if given is not None:
            cleaned["unit_price"] = rules.price(given, field("unitPrice"))
    if "tax_rate" in values and values["tax_rate"] is not None:
        if product_id is not None:
            raise DomainError(
                ErrorCode.INVALID, "Product lines use the product's tax rate.", field("taxRate")
            )
        cleaned["tax_rate"] = rules.percent(values["tax_rate"], field("taxRate"))
    if product_id is None:
        if not cleaned.get("description", line.description if line else None):
            raise DomainError(
                ErrorCode.REQUIRED, "A free-text line needs a description.", field("description")
            )
        if not cleaned.get("price_given", line.price_given if line else False):
            raise DomainError(ErrorCode.REQUIRED, "A free-text line needs a unit price.", field("unitPrice"))
    return cleaned


async def new_line(
    session: AsyncSession, actor: Actor, quote: Quote, values: Mapping[str, Any], position: int, prefix: str
) -> QuoteLine:
    """A validated line, not yet added to the session (the caller adds it when the quote row exists)."""
    cleaned = await clean_line(
        session, actor, quote, {"product_id": None, "quantity": None, **values}, None, prefix
    )
    defaults = {
        "unit_price": Decimal(0),
        "price_given": False,
        "line_discount_percent": Decimal(0),
        "tax_rate": Decimal(0),
    }
    return QuoteLine(
        tenant_id=quote.tenant_id,
        id=new_id(),
        quote_id=quote.id,
        position=position,
        **{**defaults, **cleaned},
    )


async def add_quote_line(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Quote:
    actor.require(QUOTE, Action.UPDATE)
    quote = await get_quote(session, actor, quote_id, "quoteId")
    check_version(quote, version, "quote")
    require_draft(quote)
    lines = await quote_lines(session, quote.id)
    if len(lines) >= MAX_LINES:
        raise DomainError(ErrorCode.LIMIT_REACHED, f"A quote has at most {MAX_LINES} lines.", "quoteId")
    line = await new_line(session, actor, quote, values, max((x.position for x in lines), default=-1) + 1, "")
    session.add(line)
    await session.flush()
    await reprice(session, quote)
    await flush_versioned(session, "quote")
    changes = audit.diff({}, rules.snapshot(line, LINE_FIELDS))
    await audit.record(
        session, actor, "quote.add_line", QUOTE, quote.id, {"line_id": [None, str(line.id)], **changes}
    )
    return quote


async def line_of(session: AsyncSession, actor: Actor, line_id: uuid.UUID) -> tuple[Quote, QuoteLine]:
    line = await session.get(QuoteLine, (actor.tenant_id, line_id))
    if line is None:
        raise not_found("quote line", "id")
    quote = await get_quote(session, actor, line.quote_id)
    return quote, line


async def update_quote_line(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Quote:
    """`version` is the quote's: a line belongs to its quote's optimistic lock."""
    actor.require(QUOTE, Action.UPDATE)
    quote, line = await line_of(session, actor, line_id)
    check_version(quote, version, "quote")
    require_draft(quote)
    cleaned = await clean_line(session, actor, quote, values, line, "")
    before = rules.snapshot(line, LINE_FIELDS)
    for key, value in cleaned.items():
        setattr(line, key, value)
    await reprice(session, quote)
    await flush_versioned(session, "quote")
    changes = audit.diff(before, rules.snapshot(line, LINE_FIELDS))
    await audit.record(
        session,
        actor,
        "quote.update_line",
        QUOTE,
        quote.id,
        {"line_id": [str(line.id), str(line.id)], **changes},
    )
    return quote


async def remove_quote_line(session: AsyncSession, actor: Actor, line_id: uuid.UUID, version: int) -> Quote:
    actor.require(QUOTE, Action.UPDATE)
    quote, line = await line_of(session, actor, line_id)
    check_version(quote, version, "quote")
    require_draft(quote)
    before = rules.snapshot(line, LINE_FIELDS)
    await session.delete(line)
    await session.flush()
    await reprice(session, quote)
    await flush_versioned(session, "quote")
    changes = audit.diff(before, dict.fromkeys(LINE_FIELDS))
    await audit.record(
        session, actor, "quote.remove_line", QUOTE, quote.id, {"line_id": [str(line.id), None], **changes}
    )
    return quote


# --- status flow -----------------------------------------------------------------------------


async def transition(session: AsyncSession, actor: Actor, quote: Quote, status: str, **changes: Any) -> Quote:
    before = rules.snapshot(quote, ("status", *changes))
    quote.status = status
    for key, value in changes.items():
        setattr(quote, key, value)
    await flush_versioned(session, "quote")
    after = rules.snapshot(quote, ("status", *changes))
    await audit.record(session, actor, f"quote.{status}", QUOTE, quote.id, audit.diff(before, after))
    return quote


async def send_quote(session: AsyncSession, actor: Actor, quote_id: uuid.UUID, version: int) -> Quote:
    actor.require(QUOTE, Action.UPDATE)
    quote = await get_quote(session, actor, quote_id)
    check_version(quote, version, "quote")
    if quote.status != "draft":
        raise rules.invalid_transition(f"Only a draft can be sent; this quote is {quote.status}.")
    if not await quote_lines(session, quote.id):
        raise DomainError(ErrorCode.INVALID, "Add at least one line before sending the quote.", "id")
    if quote.valid_until < today():
        raise DomainError(
            ErrorCode.EXPIRED, "The quote's validity date has passed; move it first.", "validUntil"
        )
    changed_at = quote.updated_at
    await reprice(session, quote)
    await approval_rules.check_quote(session, quote, changed_at)
    return await transition(session, actor, quote, "sent", sent_at=datetime.now(UTC))


async def reject_quote(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID, version: int, reason: str | None
) -> Quote:
    actor.require(QUOTE, Action.UPDATE)
    quote = await get_quote(session, actor, quote_id)
    check_version(quote, version, "quote")
    if quote.status != "sent":
        raise rules.invalid_transition(f"Only a sent quote can be rejected; this one is {quote.status}.")
    return await transition(
        session,
        actor,
        quote,
        "rejected",
        decided_at=datetime.now(UTC),
        rejection_reason=optional_text(reason, "reason", 2000),
    )


def require_acceptable(quote: Quote, on: date) -> None:
    if quote.status == "expired" or (quote.status == "sent" and quote.valid_until < on):
        raise DomainError(ErrorCode.EXPIRED, f"Quote {quote.number} expired on {quote.valid_until}.", "id")
    if quote.status != "sent":
        raise rules.invalid_transition(f"Only a sent quote can be accepted; this one is {quote.status}.")


async def revise_quote(session: AsyncSession, actor: Actor, quote_id: uuid.UUID, version: int) -> Quote:
    """A new draft revision (same number, revision + 1) copying the lines; a sent original is superseded."""
    actor.require(QUOTE, Action.CREATE)
    quote = await get_quote(session, actor, quote_id, lock=True)
    check_version(quote, version, "quote")
    if quote.status not in ("sent", "rejected", "expired"):
        raise rules.invalid_transition(
            f"Only a sent, rejected or expired quote is revised; this one is {quote.status}."
        )
    newer = await session.scalar(select(Quote.id).where(Quote.previous_quote_id == quote.id))
    if newer is not None:
        raise rules.invalid_transition("This quote was already revised; revise the latest revision.")
    now = datetime.now(UTC)
    unique = {d.key for d in await active_definitions(session, QUOTE) if d.is_unique}
    revision = Quote(
        tenant_id=quote.tenant_id,
        id=new_id(),
        number=quote.number,
        revision=quote.revision + 1,
        previous_quote_id=quote.id,
        account_id=quote.account_id,
        opportunity_id=quote.opportunity_id,
        owner_id=quote.owner_id,
        status="draft",
        currency=quote.currency,
        customer_type=quote.customer_type,
        quote_date=now.date(),
        valid_until=max(quote.valid_until, now.date() + DEFAULT_VALIDITY),
        cash_discount_percent=quote.cash_discount_percent,
        terms=quote.terms,
        notes=quote.notes,
        created_by_id=actor.user_id,
        # A revision carries the values on (archived fields' too, kept until purged), except those of
        # unique fields: two revisions with the same value would break the uniqueness.
        custom={k: v for k, v in (quote.custom or {}).items() if k not in unique},
        custom_sort={k: v for k, v in (quote.custom_sort or {}).items() if k not in unique},
    )
    copies = [
        QuoteLine(
            tenant_id=line.tenant_id,
            id=new_id(),
            quote_id=revision.id,
            position=line.position,
            product_id=line.product_id,
            description=line.description,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            price_given=line.price_given,
            line_discount_percent=line.line_discount_percent,
            tax_rate=line.tax_rate,
        )
        for line in await quote_lines(session, quote.id)
    ]
    await reprice(session, revision, copies)
    session.add(revision)
    await session.flush()
    session.add_all(copies)
    await session.flush()
    if quote.status == "sent":
        await transition(session, actor, quote, "superseded")
    await audit.record(
        session,
        actor,
        "quote.revise",
        QUOTE,
        revision.id,
        {"previous_quote_id": [None, str(quote.id)], "revision": [None, revision.revision]},
    )
    return revision


@job("quotes.expire")
async def expire_quotes(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    """Sent quotes whose validity date is before `now`'s date become expired; running again does nothing."""
    expired = list(
        await session.execute(
            update(Quote)
            .where(Quote.tenant_id == tenant_id, Quote.status == "sent", Quote.valid_until < now.date())
            .values(status="expired", decided_at=now, version=Quote.version + 1, updated_at=func.now())
            .returning(Quote.id, Quote.number)
            .execution_options(synchronize_session=False)
        )
    )
    for quote_id, _number in expired:
        await audit.record(
            session,
            None,
            "quote.expired",
            QUOTE,
            quote_id,
            {"status": ["sent", "expired"]},
            tenant_id=tenant_id,
        )
    return f"{len(expired)} quote(s) expired"
