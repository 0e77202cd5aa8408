"""Printing quotes and contracts: the tenant's template, the record as the actor may see it, an A4 PDF
(graph/dataio/pdf.py) stored as a document linked to the record. Printing the same record again adds a
version to that document, so earlier prints stay available.

Language: labels, dates, numbers and amounts in the reader's locale (tenants/i18n: their own choice,
else Accept-Language, else the tenant's). Amounts in words: English cheque words, and Chinese capitals
(大写) for a CNY amount, a Chinese reader, or a template that asks for them (`words`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.crm.models import Account
from graph.dataio.amounts import chinese_uppercase, english_words
from graph.dataio.models import PrintTemplate
from graph.dataio.pdf import PrintedDocument, render
from graph.documents.documents import get_document
from graph.documents.limits import Limits, check_allowed, check_quota, check_size, tenant_limits
from graph.documents.models import DOCUMENT, Document, DocumentLink
from graph.documents.uploads import Committed, commit_version, discard_object
from graph.sales.commerce.contracts import get_contract
from graph.sales.commerce.models import CONTRACT, QUOTE, QuoteLine
from graph.sales.commerce.quotes import get_quote
from storage import BlobStore, StorageUnavailable, object_key
from tenants import audit, i18n
from tenants.errors import DomainError, ErrorCode
from tenants.ids import new_id
from tenants.models import Tenant
from tenants.permissions import Action, Actor, Capability
from tenants.validation import optional_text, required_text

SALES_ORDER, DELIVERY_NOTE, WORK_ORDER = "sales_order", "delivery_note", "work_order"
KINDS = (QUOTE, CONTRACT, SALES_ORDER, DELIVERY_NOTE, WORK_ORDER)
# Defaults are English words the reader's language translates (tenants/i18n terms); a tenant's own
# template is printed as written.
DEFAULT_TEMPLATES: dict[str, dict[str, Any]] = {
    QUOTE: {
        "title": "Quotation",
        "header": None,
        "footer": None,
        "signatures": [],
        "chinese_amounts": False,
    },
    CONTRACT: {
        "title": "Contract",
        "header": None,
        "footer": None,
        "signatures": ["Seller", "Buyer"],
        "chinese_amounts": False,
    },
    SALES_ORDER: {
        "title": "Sales order",
        "header": None,
        "footer": None,
        "signatures": ["Seller", "Buyer"],
        "chinese_amounts": False,
    },
    DELIVERY_NOTE: {
        "title": "Delivery note",
        "header": None,
        "footer": None,
        "signatures": ["Delivered by", "Received by"],
        "chinese_amounts": False,
    },
    WORK_ORDER: {
        "title": "Work order",
        "header": None,
        "footer": None,
        "signatures": ["Technician", "Customer"],
        "chinese_amounts": False,
    },
}


@dataclass(frozen=True)
class Printable:
    """How one kind prints: `build(session, actor, record_id, locale)` gives the record and its
    document; the PDF is linked to the record as `target_type` and named `{number}{suffix}.pdf`."""

    build: Callable[[AsyncSession, Actor, uuid.UUID, str], Awaitable[tuple[Any, PrintedDocument]]]
    target_type: str
    suffix: str = ""


PRINTABLES: dict[str, Printable] = {}
MAX_SIGNATURES = 4
PRINT = "print_template"


def clean_kind(kind: str) -> str:
    if kind not in KINDS:
        raise DomainError(ErrorCode.INVALID, f"Templates exist for: {', '.join(KINDS)}.", "kind")
    return kind


async def template(session: AsyncSession, tenant_id: uuid.UUID, kind: str) -> dict[str, Any]:
    row = await session.scalar(
        select(PrintTemplate).where(
            PrintTemplate.tenant_id == tenant_id, PrintTemplate.kind == clean_kind(kind)
        )
    )
    if row is None:
        return dict(DEFAULT_TEMPLATES[kind])
    return {
        "title": row.title,
        "header": row.header,
        "footer": row.footer,
        "signatures": list(row.signatures),
        "chinese_amounts": row.chinese_amounts,
    }


async def set_template(
    session: AsyncSession, actor: Actor, kind: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    kind = clean_kind(kind)
    signatures = [required_text(label, f"signatures.{i}", 60) for i, label in enumerate(values["signatures"])]
    if len(signatures) > MAX_SIGNATURES:
        raise DomainError(ErrorCode.INVALID, f"At most {MAX_SIGNATURES} signature blocks.", "signatures")
    cleaned = {
        "title": required_text(values["title"], "title", 100),
        "header": optional_text(values.get("header"), "header", 150),
        "footer": optional_text(values.get("footer"), "footer", 120),
        "signatures": signatures,
        "chinese_amounts": bool(values.get("chinese_amounts")),
    }
    row = await session.scalar(
        select(PrintTemplate).where(PrintTemplate.tenant_id == actor.tenant_id, PrintTemplate.kind == kind)
    )
    before = await template(session, actor.tenant_id, kind)
    if row is None:
        row = PrintTemplate(tenant_id=actor.tenant_id, kind=kind)
        session.add(row)
    for key, value in cleaned.items():
        setattr(row, key, value)
    await session.flush()
    await audit.record(session, actor, "print_template.update", PRINT, row.id, audit.diff(before, cleaned))
    return cleaned


def words(amount: Decimal, currency: str, chinese: bool, locale: str) -> list[str]:
    """The total in words: English (cheque style) unless a Chinese reader reads a CNY amount; Chinese
    capitals (大写) for a CNY amount, a Chinese reader, or a template that asks for them."""
    chinese_reader = i18n.catalog_name(locale) == "zh_CN"
    out = []
    if not (chinese_reader and currency == "CNY"):
        out.append(f"{i18n.term('In words', locale)}: {english_words(amount, currency)}")
    if chinese or chinese_reader or currency == "CNY":
        out.append(f"大写金额: {chinese_uppercase(amount)}" + ("" if currency == "CNY" else f" ({currency})"))
    return out


def layout_in(layout: dict[str, Any], kind: str, locale: str) -> dict[str, Any]:
    """The template's words in the reader's language where they are still the built-in defaults."""
    default = DEFAULT_TEMPLATES[kind]
    translated = dict(layout)
    if layout["title"] == default["title"]:
        translated["title"] = i18n.term(layout["title"], locale)
    translated["signatures"] = [
        i18n.term(label, locale) if label in default["signatures"] else label
        for label in layout["signatures"]
    ]
    return translated


def labelled(pairs: list[tuple[str, str]], locale: str) -> list[tuple[str, str]]:
    return [(i18n.term(label, locale), value) for label, value in pairs]


async def quote_lines(
    session: AsyncSession, quote_id: uuid.UUID, currency: str, locale: str
) -> list[tuple[str, ...]]:
    rows = await session.scalars(
        select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.position, QuoteLine.id)
    )
    return [
        (
            line.description,
            format_decimal(line.quantity.normalize(), locale=i18n.babel_locale(locale)),
            line.unit or "",
            i18n.format_money(line.unit_price, currency, locale),
            i18n.format_money(line.total_amount, currency, locale),
        )
        for line in rows
    ]


async def record_context(
    session: AsyncSession, actor: Actor, kind: str, account_id: uuid.UUID, locale: str
) -> tuple[dict[str, Any], str, str]:
    """(the template in the reader's words, the issuer's name, the customer's name)."""
    layout = layout_in(await template(session, actor.tenant_id, kind), kind, locale)
    tenant_name = await session.scalar(select(Tenant.name).where(Tenant.id == actor.tenant_id))
    customer = await session.scalar(select(Account.name).where(Account.id == account_id))
    return layout, tenant_name or "", customer or ""


async def quote_document(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID, locale: str
) -> tuple[Any, PrintedDocument]:
    quote = await get_quote(session, actor, quote_id)
    layout, issuer, customer = await record_context(session, actor, QUOTE, quote.account_id, locale)

    def money(amount: Decimal) -> str:
        return i18n.format_money(amount, quote.currency, locale)

    printed = PrintedDocument(
        title=layout["title"],
        number=quote.number,
        issuer=issuer,
        header=layout["header"],
        footer=layout["footer"],
        facts=labelled(
            [
                ("Customer", customer),
                ("Date", i18n.format_day(quote.quote_date, locale)),
                ("Valid until", i18n.format_day(quote.valid_until, locale)),
                ("Revision", str(quote.revision)),
            ],
            locale,
        ),
        lines=await quote_lines(session, quote.id, quote.currency, locale),
        totals=priced_totals(quote, money, locale),
        amount_in_words=words(quote.total, quote.currency, layout["chinese_amounts"], locale),
        signatures=layout["signatures"],
        terms=quote.terms,
        headings=column_headings(locale),
        date_label=i18n.term("Date", locale),
    )
    return quote, printed


def priced_totals(record: Any, money: Callable[[Decimal], str], locale: str) -> Any:
    """The totals block of a priced record (a quote, a sales order): gross, discounts, net, tax, total."""
    return labelled(
        [
            ("Gross", money(record.gross_total)),
            ("Discounts", money(record.discount_total)),
            ("Net", money(record.net_total)),
            ("Tax", money(record.tax_total)),
            ("Total", money(record.total)),
        ],
        locale,
    )


async def contract_document(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, locale: str
) -> tuple[Any, PrintedDocument]:
    contract = await get_contract(session, actor, contract_id)
    layout, issuer, customer = await record_context(session, actor, CONTRACT, contract.account_id, locale)

    def money(amount: Decimal) -> str:
        return i18n.format_money(amount, contract.currency, locale)

    printed = PrintedDocument(
        title=layout["title"],
        number=contract.number,
        issuer=issuer,
        header=layout["header"],
        footer=layout["footer"],
        facts=labelled(
            [
                ("Customer", customer),
                ("Start", i18n.format_day(contract.start_date, locale)),
                ("End", i18n.format_day(contract.end_date, locale) if contract.end_date else "—"),
                ("Status", i18n.term(contract.status.upper(), locale)),
            ],
            locale,
        ),
        lines=await quote_lines(session, contract.quote_id, contract.currency, locale),
        totals=labelled(
            [
                ("Net", money(contract.net_total)),
                ("Tax", money(contract.tax_total)),
                ("Contract amount", money(contract.amount)),
            ],
            locale,
        ),
        amount_in_words=words(contract.amount, contract.currency, layout["chinese_amounts"], locale),
        signatures=layout["signatures"],
        terms=contract.terms,
        headings=column_headings(locale),
        date_label=i18n.term("Date", locale),
    )
    return contract, printed


PRINTABLES[QUOTE] = Printable(quote_document, QUOTE)
PRINTABLES[CONTRACT] = Printable(contract_document, CONTRACT)


def column_headings(locale: str) -> tuple[str, ...]:
    return (
        "#",
        *(i18n.term(word, locale) for word in ("Description", "Qty", "Unit", "Unit price", "Amount")),
    )


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def print_record(
    session: AsyncSession,
    actor: Actor,
    blobs: BlobStore,
    defaults: Limits,
    kind: str,
    record_id: uuid.UUID,
    locale: str = i18n.ENGLISH,
) -> Document:
    """Renders the record as `kind` prints it and stores the PDF as (a new version of) its print document,
    under the documents' rules: the right to create (or version) documents, the tenant's allowed types,
    file size and quota. Labels, dates and amounts are in `locale`, the reader's (tenants/i18n)."""
    printable = PRINTABLES[clean_kind(kind)]
    object_type = printable.target_type
    record, printed = await printable.build(session, actor, record_id, locale)
    data = render(printed)
    limits = await tenant_limits(session, actor.tenant_id, defaults)
    check_allowed(limits, "application/pdf", "id")
    check_size(limits, len(data), "id")
    await check_quota(session, actor.tenant_id, limits, len(data), datetime.now(UTC), "id")
    name = f"{printed.number}{printable.suffix}.pdf"
    existing_id = await session.scalar(
        select(Document.id)
        .join(
            DocumentLink,
            (DocumentLink.tenant_id == Document.tenant_id) & (DocumentLink.document_id == Document.id),
        )
        .where(
            DocumentLink.target_type == object_type,
            DocumentLink.target_id == record.id,
            Document.name == name,
            Document.deleted_at.is_(None),
        )
        .limit(1)
    )
    document = await get_document(session, actor, existing_id, "id") if existing_id else None
    actor.require(DOCUMENT, Action.UPDATE if document else Action.CREATE)
    document_id = document.id if document else new_id()
    version_id = new_id()
    key = object_key(actor.tenant_id, document_id, version_id)
    try:
        size = await blobs.put(key, one_chunk(data), "application/pdf")
    except StorageUnavailable:
        raise DomainError(
            ErrorCode.STORAGE_UNAVAILABLE, "The file store is unavailable; retry later."
        ) from None
    try:
        links = [] if document else [(object_type, record.id, "attachment")]
        committed = Committed(
            document_id,
            version_id,
            key,
            name,
            "application/pdf",
            size,
            hashlib.sha256(data).hexdigest(),
            [],
            links,
        )
        return await commit_version(session, actor, document, committed)
    except BaseException:
        await discard_object(blobs, key)
        raise
