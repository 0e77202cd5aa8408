"""Printing quotes and contracts: the tenant's template, the record as the actor may see it, an A4 PDF
(graph/dataio/pdf.py) stored as a document linked to the record. Printing the same record again adds a
version to that document, so earlier prints stay available.

Amounts: the total in English words always, and in Chinese capitals (大写) when the template asks for
them or the currency is CNY.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.crm.models import Account
from graph.dataio.amounts import chinese_uppercase, english_words
from graph.dataio.models import PrintTemplate
from graph.dataio.pdf import PrintedDocument, money, render
from graph.documents.documents import get_document
from graph.documents.limits import Limits, check_allowed, check_quota, check_size, tenant_limits
from graph.documents.models import DOCUMENT, Document, DocumentLink
from graph.documents.uploads import Committed, commit_version, discard_object
from graph.sales.commerce.contracts import get_contract
from graph.sales.commerce.models import CONTRACT, QUOTE, QuoteLine
from graph.sales.commerce.quotes import get_quote
from storage import BlobStore, StorageUnavailable, object_key
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.ids import new_id
from tenants.models import Tenant
from tenants.permissions import Action, Actor, Capability
from tenants.validation import optional_text, required_text

KINDS = (QUOTE, CONTRACT)
DEFAULT_TEMPLATES: dict[str, dict[str, Any]] = {
    QUOTE: {
        "title": "Quotation 报价单",
        "header": None,
        "footer": None,
        "signatures": [],
        "chinese_amounts": False,
    },
    CONTRACT: {
        "title": "Contract 合同",
        "header": None,
        "footer": None,
        "signatures": ["Seller 卖方", "Buyer 买方"],
        "chinese_amounts": False,
    },
}
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


def words(amount: Decimal, currency: str, chinese: bool) -> list[str]:
    out = [f"In words: {english_words(amount, currency)}"]
    if chinese or currency == "CNY":
        out.append(f"大写金额: {chinese_uppercase(amount)}" + ("" if currency == "CNY" else f" ({currency})"))
    return out


async def quote_lines(
    session: AsyncSession, quote_id: uuid.UUID, currency: str, locale: str
) -> list[tuple[str, ...]]:
    rows = await session.scalars(
        select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.position, QuoteLine.id)
    )
    return [
        (
            line.description,
            format(line.quantity.normalize(), "f"),
            line.unit or "",
            money(line.unit_price, currency, locale),
            money(line.total_amount, currency, locale),
        )
        for line in rows
    ]


async def quote_document(
    session: AsyncSession, actor: Actor, quote_id: uuid.UUID
) -> tuple[Any, PrintedDocument]:
    quote = await get_quote(session, actor, quote_id)
    layout = await template(session, actor.tenant_id, QUOTE)
    tenant = await session.get(Tenant, actor.tenant_id)
    locale = tenant.locale if tenant else "en-US"
    customer = await session.scalar(select(Account.name).where(Account.id == quote.account_id))
    printed = PrintedDocument(
        title=layout["title"],
        number=quote.number,
        issuer=tenant.name if tenant else "",
        header=layout["header"],
        footer=layout["footer"],
        facts=[
            ("Customer 客户", customer or ""),
            ("Date 日期", quote.quote_date.isoformat()),
            ("Valid until 有效期至", quote.valid_until.isoformat()),
            ("Revision 版本", str(quote.revision)),
        ],
        lines=await quote_lines(session, quote.id, quote.currency, locale),
        totals=[
            ("Gross 合计", money(quote.gross_total, quote.currency, locale)),
            ("Discounts 折扣", money(quote.discount_total, quote.currency, locale)),
            ("Net 净额", money(quote.net_total, quote.currency, locale)),
            ("Tax 税额", money(quote.tax_total, quote.currency, locale)),
            ("Total 总计", money(quote.total, quote.currency, locale)),
        ],
        amount_in_words=words(quote.total, quote.currency, layout["chinese_amounts"]),
        signatures=layout["signatures"],
        terms=quote.terms,
    )
    return quote, printed


async def contract_document(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID
) -> tuple[Any, PrintedDocument]:
    contract = await get_contract(session, actor, contract_id)
    layout = await template(session, actor.tenant_id, CONTRACT)
    tenant = await session.get(Tenant, actor.tenant_id)
    locale = tenant.locale if tenant else "en-US"
    customer = await session.scalar(select(Account.name).where(Account.id == contract.account_id))
    printed = PrintedDocument(
        title=layout["title"],
        number=contract.number,
        issuer=tenant.name if tenant else "",
        header=layout["header"],
        footer=layout["footer"],
        facts=[
            ("Customer 客户", customer or ""),
            ("Start 开始日期", contract.start_date.isoformat()),
            ("End 结束日期", contract.end_date.isoformat() if contract.end_date else "—"),
            ("Status 状态", contract.status),
        ],
        lines=await quote_lines(session, contract.quote_id, contract.currency, locale),
        totals=[
            ("Net 净额", money(contract.net_total, contract.currency, locale)),
            ("Tax 税额", money(contract.tax_total, contract.currency, locale)),
            ("Amount 合同金额", money(contract.amount, contract.currency, locale)),
        ],
        amount_in_words=words(contract.amount, contract.currency, layout["chinese_amounts"]),
        signatures=layout["signatures"],
        terms=contract.terms,
    )
    return contract, printed


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def print_record(
    session: AsyncSession,
    actor: Actor,
    blobs: BlobStore,
    defaults: Limits,
    object_type: str,
    record_id: uuid.UUID,
) -> Document:
    """Renders the quote or contract and stores the PDF as (a new version of) its print document, under the
    documents' rules: the right to create (or version) documents, the tenant's allowed types, file size
    and quota."""
    build = quote_document if object_type == QUOTE else contract_document
    record, printed = await build(session, actor, record_id)
    data = render(printed)
    limits = await tenant_limits(session, actor.tenant_id, defaults)
    check_allowed(limits, "application/pdf", "id")
    check_size(limits, len(data), "id")
    await check_quota(session, actor.tenant_id, limits, len(data), datetime.now(UTC), "id")
    name = f"{printed.number}.pdf"
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
