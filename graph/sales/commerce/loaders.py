"""Per-request DataLoaders of the commerce area: one query per level of nesting, never one per row.

Catalogue records are tenant-wide (product read permission); quotes and contracts carry the actor's
record scope; lines, installments, payments and deliveries are only reached through a parent the actor
may already see, so they need the parent's read permission and nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.core.loaders import by_id, can_read, children
from graph.sales.commerce.contracts import contract_scope
from graph.sales.commerce.invoices import invoice_scope
from graph.sales.commerce.models import (
    CONTRACT,
    PRODUCT,
    QUOTE,
    SALES_ORDER,
    Contract,
    ContractLine,
    Delivery,
    Installment,
    Payment,
    PriceList,
    PriceListItem,
    Product,
    ProductLine,
    Promotion,
    QuoteLine,
    SalesInvoice,
    SalesOrder,
    SalesOrderDelivery,
    SalesOrderLine,
    SalesOrderPayment,
    SalesReturn,
    SalesReturnLine,
    VolumeTier,
)
from graph.sales.commerce.models import Quote as QuoteModel
from graph.sales.commerce.orders import order_scope
from graph.sales.commerce.quotes import quote_scope

products_by_id = by_id(Product, PRODUCT)
product_lines_by_id = by_id(ProductLine, PRODUCT)
price_lists_by_id = by_id(PriceList, PRODUCT)
promotions_by_id = by_id(Promotion, PRODUCT)
quotes_by_id = by_id(QuoteModel, QUOTE, quote_scope)
contracts_by_id = by_id(Contract, CONTRACT, contract_scope)
orders_by_id = by_id(SalesOrder, SALES_ORDER, order_scope)
# Visible with their order or contract (invoice_scope checks the parent's read permission itself).
invoices_by_id = by_id(SalesInvoice, None, invoice_scope)

prices_by_price_list_id = children(
    PriceListItem, PriceListItem.price_list_id, PRODUCT, PriceListItem.product_id
)
tiers_by_product_id = children(VolumeTier, VolumeTier.product_id, PRODUCT, VolumeTier.min_quantity)
tiers_by_product_line_id = children(VolumeTier, VolumeTier.product_line_id, PRODUCT, VolumeTier.min_quantity)
lines_by_quote_id = children(QuoteLine, QuoteLine.quote_id, QUOTE, QuoteLine.position, QuoteLine.id)
lines_by_contract_id = children(
    ContractLine, ContractLine.contract_id, CONTRACT, ContractLine.position, ContractLine.id
)
installments_by_contract_id = children(
    Installment, Installment.contract_id, CONTRACT, Installment.due_date, Installment.position
)
payments_by_contract_id = children(Payment, Payment.contract_id, CONTRACT, Payment.received_on, Payment.id)
deliveries_by_contract_id = children(
    Delivery, Delivery.contract_id, CONTRACT, Delivery.delivered_on, Delivery.id
)

lines_by_order_id = children(
    SalesOrderLine, SalesOrderLine.order_id, SALES_ORDER, SalesOrderLine.position, SalesOrderLine.id
)
deliveries_by_order_id = children(
    SalesOrderDelivery,
    SalesOrderDelivery.order_id,
    SALES_ORDER,
    SalesOrderDelivery.delivered_on,
    SalesOrderDelivery.id,
)
payments_by_order_id = children(
    SalesOrderPayment,
    SalesOrderPayment.order_id,
    SALES_ORDER,
    SalesOrderPayment.received_on,
    SalesOrderPayment.id,
)

invoices_by_order_id = children(
    SalesInvoice, SalesInvoice.order_id, SALES_ORDER, SalesInvoice.created_at, SalesInvoice.id
)

returns_by_order_id = children(
    SalesReturn, SalesReturn.order_id, SALES_ORDER, SalesReturn.created_at, SalesReturn.id
)
lines_by_return_id = children(
    SalesReturnLine, SalesReturnLine.return_id, SALES_ORDER, SalesReturnLine.order_line_id
)


def contracts_by_quote_id(context: RequestContext) -> DataLoader[uuid.UUID, Any]:
    """The contract an accepted quote became (None when none, or outside the actor's scope)."""

    async def load(ids: Sequence[uuid.UUID]) -> list[Any]:
        if not can_read(context, CONTRACT):
            return [None] * len(ids)
        session = await context.session()
        rows = await session.scalars(
            select(Contract).where(contract_scope(context.actor), Contract.quote_id.in_(ids))
        )
        found = {row.quote_id: row for row in rows}
        return [found.get(quote_id) for quote_id in ids]

    return DataLoader(load_fn=load)
