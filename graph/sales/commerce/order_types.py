"""GraphQL types of sales orders, their lines, deliveries and payments (issue 15).

Amounts are shown with the currency's minor digits; nested fields go through the loaders in `loaders.py`.
Lines, deliveries and payments are nodes exactly when their order is visible to you.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.ids import child_nodes, encode_id
from graph.core.nodes import load_by_id, resolve_by_ids
from graph.crm.types import Account
from graph.identity.types import User
from graph.sales.commerce import loaders, target_api
from graph.sales.commerce import models as m
from graph.sales.commerce.catalog_types import Product, amount, plain, unit_price
from graph.sales.commerce.types import (
    Contract,
    Quote,
    RecordedPayment,
    account_of,
    product_of,
    user_of,
)

ORDERS = ("orders_by_id", loaders.orders_by_id)


@strawberry.enum(description="Where a sales order stands.")
class SalesOrderStatus(Enum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@strawberry.type(description="One line of a sales order: prices, discounts and tax frozen when it was made.")
class SalesOrderLine(relay.Node):
    id: relay.NodeID[str]
    position: int = strawberry.field(description="Order on the order.")
    description: str = strawberry.field(description="Product name or the free text.")
    unit: str | None = strawberry.field(description="Unit of the product, if any.")
    quantity: Decimal = strawberry.field(description="Ordered quantity.")
    unit_price: Decimal = strawberry.field(description="Price per unit in the order currency.")
    discount_percent: Decimal = strawberry.field(description="(1) Line discount.")
    promotion_percent: Decimal = strawberry.field(description="(2) Promotion applied.")
    volume_percent: Decimal = strawberry.field(description="(3) Volume tier reached.")
    customer_type_percent: Decimal = strawberry.field(description="(4) Customer-type discount.")
    cash_percent: Decimal = strawberry.field(description="(5) Cash / early-payment discount.")
    tax_rate: Decimal = strawberry.field(description="Tax percent.")
    gross_amount: Decimal = strawberry.field(description="Quantity x unit price, rounded.")
    discount_amount: Decimal = strawberry.field(description="Gross minus net.")
    net_amount: Decimal = strawberry.field(description="After all discounts.")
    tax_amount: Decimal = strawberry.field(description="Tax amount.")
    total_amount: Decimal = strawberry.field(description="Net plus tax.")
    delivered_quantity: Decimal = strawberry.field(description="Quantity delivered so far.")
    returned_quantity: Decimal = strawberry.field(description="Quantity returned so far.")
    product_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A line of an order you may see."""
        return await child_nodes(
            info,
            node_ids,
            m.SalesOrderLine,
            "order_id",
            ORDERS,
            lambda row, o: cls.from_model(row, o.currency),
        )

    @classmethod
    def from_model(cls, line: m.SalesOrderLine, currency: str) -> SalesOrderLine:
        return cls(
            id=str(line.id),
            position=line.position,
            description=line.description,
            unit=line.unit,
            quantity=plain(line.quantity),
            unit_price=unit_price(line.unit_price, currency),
            discount_percent=plain(line.line_discount_percent),
            promotion_percent=plain(line.promotion_percent),
            volume_percent=plain(line.volume_percent),
            customer_type_percent=plain(line.customer_type_percent),
            cash_percent=plain(line.cash_percent),
            tax_rate=plain(line.tax_rate),
            gross_amount=amount(line.gross_amount, currency),
            discount_amount=amount(line.discount_amount, currency),
            net_amount=amount(line.net_amount, currency),
            tax_amount=amount(line.tax_amount, currency),
            total_amount=amount(line.total_amount, currency),
            delivered_quantity=plain(line.delivered_quantity),
            returned_quantity=plain(line.returned_quantity),
            product_id=line.product_id,
        )

    @strawberry.field(description="The product; null for a free-text line.")
    async def product(self, info: Info) -> Product | None:
        return await product_of(info, self.product_id)


@strawberry.type(description="A quantity of one order line delivered on a date.")
class SalesOrderDelivery(relay.Node):
    id: relay.NodeID[str]
    quantity: Decimal = strawberry.field(description="Quantity delivered.")
    delivered_on: date = strawberry.field(description="Delivery date.")
    order_line_id: strawberry.ID = strawberry.field(description="Global id of the SalesOrderLine.")

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A delivery of an order you may see."""
        return await child_nodes(
            info, node_ids, m.SalesOrderDelivery, "order_id", ORDERS, lambda row, _o: cls.from_model(row)
        )

    @classmethod
    def from_model(cls, delivery: m.SalesOrderDelivery) -> SalesOrderDelivery:
        return cls(
            id=str(delivery.id),
            quantity=plain(delivery.quantity),
            delivered_on=delivery.delivered_on,
            order_line_id=strawberry.ID(str(encode_id("SalesOrderLine", delivery.order_line_id))),
        )


@strawberry.type(description="Money received (positive) or refunded (negative) on a sales order.")
class SalesOrderPayment(RecordedPayment, relay.Node):
    id: relay.NodeID[str]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A payment of an order you may see."""
        return await child_nodes(
            info,
            node_ids,
            m.SalesOrderPayment,
            "order_id",
            ORDERS,
            lambda row, o: cls.from_model(row, o.currency),
        )


@strawberry.type(description="A sales order: from a quote (lines frozen) or direct, with its status flow.")
class SalesOrder(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = m.SALES_ORDER
    id: relay.NodeID[str]
    number: str = strawberry.field(description="Human number from the tenant's `sales_order` sequence.")
    status: SalesOrderStatus = strawberry.field(description="Where the order stands.")
    currency: str = strawberry.field(description="ISO 4217 code of every amount.")
    order_date: date = strawberry.field(description="The day the order was made.")
    cash_discount_percent: Decimal = strawberry.field(description="(5) Cash / early-payment discount.")
    gross_total: Decimal = strawberry.field(description="Sum of the lines' gross amounts.")
    discount_total: Decimal = strawberry.field(description="Sum of the lines' discounts.")
    net_total: Decimal = strawberry.field(description="Sum of the lines' net amounts.")
    tax_total: Decimal = strawberry.field(description="Sum of the lines' tax amounts.")
    total: Decimal = strawberry.field(description="Net total plus tax total.")
    paid_amount: Decimal = strawberry.field(description="Payments minus refunds so far.")
    returned_amount: Decimal = strawberry.field(description="What returns took back (net plus tax).")
    outstanding_amount: Decimal = strawberry.field(description="Total minus returned minus paid.")
    notes: str | None = strawberry.field(description="Internal notes (null when hidden).")
    confirmed_at: datetime | None = strawberry.field(description="When it was confirmed.")
    closed_at: datetime | None = strawberry.field(description="When it was closed.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    version: int = strawberry.field(description="Pass to every change of the order.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    account_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID]
    quote_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, order: m.SalesOrder) -> SalesOrder:
        currency = order.currency
        return cls(
            id=str(order.id),
            number=order.number,
            status=SalesOrderStatus(order.status),
            currency=currency,
            order_date=order.order_date,
            cash_discount_percent=plain(order.cash_discount_percent),
            gross_total=amount(order.gross_total, currency),
            discount_total=amount(order.discount_total, currency),
            net_total=amount(order.net_total, currency),
            tax_total=amount(order.tax_total, currency),
            total=amount(order.total, currency),
            paid_amount=amount(order.paid_amount, currency),
            returned_amount=amount(order.returned_amount, currency),
            outstanding_amount=amount(order.total - order.returned_amount - order.paid_amount, currency),
            notes=order.notes,
            confirmed_at=order.confirmed_at,
            closed_at=order.closed_at,
            cancelled_at=order.cancelled_at,
            version=order.version,
            created_at=order.created_at,
            updated_at=order.updated_at,
            account_id=order.account_id,
            owner_id=order.owner_id,
            quote_id=order.quote_id,
            custom=order.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SalesOrder | None]:
        return await resolve_by_ids(info, "orders_by_id", loaders.orders_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The customer account.")
    async def account(self, info: Info) -> Account | None:
        return await account_of(info, self.account_id)

    @strawberry.field(description="The member responsible for the order.")
    async def owner(self, info: Info) -> User | None:
        return await user_of(info, self.owner_id)

    @strawberry.field(
        description="The quote it was made from; null for a direct order or one you may not see."
    )
    async def quote(self, info: Info) -> Quote | None:
        quote = await load_by_id(info, "quotes_by_id", loaders.quotes_by_id, self.quote_id)
        return Quote.from_model(quote) if quote else None

    @strawberry.field(description="The lines, in order.")
    async def lines(self, info: Info) -> list[SalesOrderLine]:
        loader = info.context.loader("lines_by_order_id", loaders.lines_by_order_id)
        return [
            SalesOrderLine.from_model(row, self.currency) for row in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="Deliveries, by date.")
    async def deliveries(self, info: Info) -> list[SalesOrderDelivery]:
        loader = info.context.loader("deliveries_by_order_id", loaders.deliveries_by_order_id)
        return [SalesOrderDelivery.from_model(row) for row in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Payments and refunds, by date received.")
    async def payments(self, info: Info) -> list[SalesOrderPayment]:
        loader = info.context.loader("payments_by_order_id", loaders.payments_by_order_id)
        return [
            SalesOrderPayment.from_model(row, self.currency) for row in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="Returns against the order, oldest first.")
    async def returns(self, info: Info) -> list[SalesReturn]:
        loader = info.context.loader("returns_by_order_id", loaders.returns_by_order_id)
        return [SalesReturn.from_model(row) for row in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Invoices against the order, reversed ones included, oldest first.")
    async def invoices(self, info: Info) -> list[SalesInvoice]:
        loader = info.context.loader("invoices_by_order_id", loaders.invoices_by_order_id)
        return [SalesInvoice.from_model(row) for row in await loader.load(uuid.UUID(self.id))]


@strawberry.enum(description="Which VAT invoice.")
class InvoiceKind(Enum):
    VAT_SPECIAL = "vat_special"
    VAT_ORDINARY = "vat_ordinary"


@strawberry.enum(description="Where an invoice stands; REVERSED ones no longer count.")
class InvoiceStatus(Enum):
    REQUESTED = "requested"
    ISSUED = "issued"
    SENT = "sent"
    REVERSED = "reversed"


@strawberry.type(description="An invoice record against one sales order or one contract.")
class SalesInvoice(relay.Node):
    id: relay.NodeID[str]
    number: str = strawberry.field(description="Internal number from the tenant's `invoice` sequence.")
    kind: InvoiceKind = strawberry.field(description="VAT special or ordinary invoice.")
    status: InvoiceStatus = strawberry.field(description="REQUESTED, ISSUED, SENT or REVERSED.")
    currency: str = strawberry.field(description="ISO 4217 code, the parent's.")
    amount: Decimal = strawberry.field(description="Invoiced amount, tax included.")
    tax_amount: Decimal = strawberry.field(description="Tax part: the parent's tax share of the amount.")
    net_amount: Decimal = strawberry.field(description="Amount minus tax.")
    buyer_name: str | None = strawberry.field(description="Buyer's name on the invoice (开票抬头).")
    buyer_tax_id: str | None = strawberry.field(description="Buyer's taxpayer id (纳税人识别号).")
    invoice_number: str | None = strawberry.field(description="The official invoice number, once issued.")
    invoice_date: date | None = strawberry.field(description="Issue date.")
    sent_at: datetime | None = strawberry.field(description="When it was sent.")
    reversed_at: datetime | None = strawberry.field(description="When it was reversed.")
    reversal_reason: str | None = strawberry.field(description="Why it was reversed.")
    version: int = strawberry.field(description="Pass to status changes.")
    created_at: datetime = strawberry.field(description="When it was requested (UTC).")
    order_id: strawberry.Private[uuid.UUID | None]
    contract_id: strawberry.Private[uuid.UUID | None]
    account_id: strawberry.Private[uuid.UUID]
    requested_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SalesInvoice | None]:
        return await resolve_by_ids(info, "invoices_by_id", loaders.invoices_by_id, node_ids, cls.from_model)

    @classmethod
    def from_model(cls, invoice: m.SalesInvoice) -> SalesInvoice:
        currency = invoice.currency
        return cls(
            id=str(invoice.id),
            number=invoice.number,
            kind=InvoiceKind(invoice.kind),
            status=InvoiceStatus(invoice.status),
            currency=currency,
            amount=amount(invoice.amount, currency),
            tax_amount=amount(invoice.tax_amount, currency),
            net_amount=amount(invoice.amount - invoice.tax_amount, currency),
            buyer_name=invoice.buyer_name,
            buyer_tax_id=invoice.buyer_tax_id,
            invoice_number=invoice.invoice_number,
            invoice_date=invoice.invoice_date,
            sent_at=invoice.sent_at,
            reversed_at=invoice.reversed_at,
            reversal_reason=invoice.reversal_reason,
            version=invoice.version,
            created_at=invoice.created_at,
            order_id=invoice.order_id,
            contract_id=invoice.contract_id,
            account_id=invoice.account_id,
            requested_by_id=invoice.requested_by_id,
        )

    @strawberry.field(description="The order invoiced, if it is an order's invoice.")
    async def sales_order(self, info: Info) -> SalesOrder | None:
        order = await load_by_id(info, "orders_by_id", loaders.orders_by_id, self.order_id)
        return SalesOrder.from_model(order) if order else None

    @strawberry.field(description="The contract invoiced, if it is a contract's invoice.")
    async def contract(self, info: Info) -> Contract | None:
        contract = await load_by_id(info, "contracts_by_id", loaders.contracts_by_id, self.contract_id)
        return Contract.from_model(contract) if contract else None

    @strawberry.field(description="The customer account.")
    async def account(self, info: Info) -> Account | None:
        return await account_of(info, self.account_id)

    @strawberry.field(description="Who requested it.")
    async def requested_by(self, info: Info) -> User | None:
        return await user_of(info, self.requested_by_id)


@strawberry.type(description="One customer's orders and contracts in one currency: ordered, invoiced, paid.")
class CustomerBalance:
    currency: str = strawberry.field(description="ISO 4217 code of the figures.")
    ordered: Decimal = strawberry.field(description="Orders and contracts past draft, less returns.")
    returned: Decimal = strawberry.field(description="What refund returns took back from the orders.")
    invoiced: Decimal = strawberry.field(description="Issued and sent invoices.")
    paid: Decimal = strawberry.field(description="Payments less refunds.")
    refunded: Decimal = strawberry.field(description="Refunds (negative payments), as a positive amount.")
    uninvoiced: Decimal = strawberry.field(description="Ordered minus invoiced.")
    invoiced_unpaid: Decimal = strawberry.field(description="Invoiced minus paid (negative: paid ahead).")
    account_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_balance(cls, balance: Any) -> CustomerBalance:
        currency = balance.currency
        return cls(
            currency=currency,
            ordered=amount(balance.ordered, currency),
            returned=amount(balance.returned, currency),
            invoiced=amount(balance.invoiced, currency),
            paid=amount(balance.paid, currency),
            refunded=amount(balance.refunded, currency),
            uninvoiced=amount(balance.uninvoiced, currency),
            invoiced_unpaid=amount(balance.invoiced_unpaid, currency),
            account_id=balance.account_id,
        )

    @strawberry.field(description="The customer account.")
    async def account(self, info: Info) -> Account | None:
        return await account_of(info, self.account_id)


@strawberry.type(description="Receivables by invoiced against paid, per customer and currency.")
class InvoiceReceivables:
    customers: list[CustomerBalance] = strawberry.field(description="One row per customer and currency.")


@strawberry.enum(description="How a return is settled.")
class ReturnResolution(Enum):
    REFUND = "refund"
    REPLACEMENT = "replacement"


@strawberry.type(description="A quantity of one order line in a return, with its share of the line's money.")
class SalesReturnLine:
    quantity: Decimal = strawberry.field(description="Quantity returned.")
    net_amount: Decimal = strawberry.field(description="The line's net share.")
    tax_amount: Decimal = strawberry.field(description="The line's tax share.")
    total_amount: Decimal = strawberry.field(description="Net plus tax.")
    order_line_id: strawberry.ID = strawberry.field(description="Global id of the SalesOrderLine.")

    @classmethod
    def from_model(cls, line: m.SalesReturnLine, currency: str) -> SalesReturnLine:
        return cls(
            quantity=plain(line.quantity),
            net_amount=amount(line.net_amount, currency),
            tax_amount=amount(line.tax_amount, currency),
            total_amount=amount(line.total_amount, currency),
            order_line_id=strawberry.ID(str(encode_id("SalesOrderLine", line.order_line_id))),
        )


@strawberry.type(description="Goods returned against an order: refunded or replaced.")
class SalesReturn(relay.Node):
    id: relay.NodeID[str]
    number: str = strawberry.field(description="Number from the tenant's `sales_return` sequence.")
    reason: str = strawberry.field(description="Key in the tenant's `return_reasons` option list.")
    resolution: ReturnResolution = strawberry.field(description="REFUND or REPLACEMENT.")
    currency: str = strawberry.field(description="ISO 4217 code, the order's.")
    net_amount: Decimal = strawberry.field(description="Net value of the goods returned.")
    tax_amount: Decimal = strawberry.field(description="Tax on them.")
    total_amount: Decimal = strawberry.field(description="Net plus tax.")
    refunded_amount: Decimal = strawberry.field(
        description="Refunded at once (what was paid beyond the new worth)."
    )
    notes: str | None = strawberry.field(description="Notes.")
    returned_on: date = strawberry.field(description="The day it was recorded.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    order_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A return of an order you may see."""
        return await child_nodes(
            info, node_ids, m.SalesReturn, "order_id", ORDERS, lambda row, _order: cls.from_model(row)
        )

    @classmethod
    def from_model(cls, returned: m.SalesReturn) -> SalesReturn:
        currency = returned.currency
        return cls(
            id=str(returned.id),
            number=returned.number,
            reason=returned.reason,
            resolution=ReturnResolution(returned.resolution),
            currency=currency,
            net_amount=amount(returned.net_amount, currency),
            tax_amount=amount(returned.tax_amount, currency),
            total_amount=amount(returned.total_amount, currency),
            refunded_amount=amount(returned.refunded_amount, currency),
            notes=returned.notes,
            returned_on=returned.returned_on,
            created_at=returned.created_at,
            order_id=returned.order_id,
            created_by_id=returned.created_by_id,
        )

    @strawberry.field(description="The returned lines.")
    async def lines(self, info: Info) -> list[SalesReturnLine]:
        loader = info.context.loader("lines_by_return_id", loaders.lines_by_return_id)
        return [
            SalesReturnLine.from_model(row, self.currency) for row in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="The order.")
    async def sales_order(self, info: Info) -> SalesOrder | None:
        order = await load_by_id(info, "orders_by_id", loaders.orders_by_id, self.order_id)
        return SalesOrder.from_model(order) if order else None

    @strawberry.field(description="Who recorded it.")
    async def created_by(self, info: Info) -> User | None:
        return await user_of(info, self.created_by_id)


@strawberry.type(description="A customer's sales in one place (360° view): totals per currency and counts.")
class CustomerSales:
    balances: list[CustomerBalance] = strawberry.field(
        description="Per currency: ordered, returned, invoiced, paid, refunded; refunds and returns netted."
    )
    order_count: int = strawberry.field(description="Orders you may see, any status.")
    return_count: int = strawberry.field(description="Returns against them.")
    invoice_count: int = strawberry.field(
        description="Invoices against their orders and contracts, not reversed."
    )
    account_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="The sales targets you may see that this customer's records (those you may see) count"
        " towards: the rep's, their team's and the tenant's, for the periods of the records; with the"
        " customer's contribution and its share of each achievement. By period, rep before team before"
        " tenant, then holder and metric."
    )
    async def target_contributions(
        self,
        info: Info,
        on: Annotated[
            date | None, strawberry.argument(description="Only targets whose period contains this day.")
        ] = None,
    ) -> list[target_api.TargetContribution]:
        return await target_api.customer_contributions(info, self.account_id, on)
