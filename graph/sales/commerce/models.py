"""Commerce tables: catalogue (product lines, products, price lists, promotions, volume tiers,
customer-type discounts), quotes and their lines, contracts with lines, installments, payments and
deliveries.

All tenant-owned with composite keys `(tenant_id, id)` and composite foreign keys; DDL, indexes and RLS
live in `migrations/baseline.sql` and must agree with these mappings. Money and prices are
`numeric(18,4)` (enough for three-decimal currencies and sub-cent unit prices); amounts are rounded to
the currency's minor unit by the services, never by the column.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKeyConstraint, Integer, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

PRODUCT = register_object_type("product")
QUOTE = register_object_type("quote")
CONTRACT = register_object_type("contract")
SALES_ORDER = register_object_type("sales_order")
SALES_TARGET = register_object_type("sales_target")

Money = Numeric(18, 4)
Quantity = Numeric(14, 4)
Percent = Numeric(7, 4)

QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected", "expired", "superseded")
CONTRACT_STATUSES = ("draft", "active", "completed", "cancelled")
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "other")
DELIVERY_STATUSES = ("pending", "delivered", "cancelled")
INVOICE_KINDS = ("vat_special", "vat_ordinary")
INVOICE_STATUSES = ("requested", "issued", "sent", "reversed")
RETURN_RESOLUTIONS = ("refund", "replacement")
ORDER_STATUSES = ("draft", "confirmed", "partially_delivered", "delivered", "closed", "cancelled")


def fk(columns: str, target: str) -> ForeignKeyConstraint:
    """Composite tenant FK: `fk("product_id", "products")` -> (tenant_id, product_id) -> products."""
    return ForeignKeyConstraint(["tenant_id", columns], [f"{target}.tenant_id", f"{target}.id"])


class ProductLine(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "product_lines"

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


class Product(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "products"
    __table_args__ = (fk("product_line_id", "product_lines"),)

    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(20))
    list_price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    tax_rate: Mapped[Decimal] = mapped_column(Percent)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    product_line_id: Mapped[uuid.UUID | None] = mapped_column()


class PriceList(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "price_lists"

    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    customer_type: Mapped[str | None] = mapped_column(String(50))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PriceListItem(Base):
    __tablename__ = "price_list_items"
    __table_args__ = (fk("price_list_id", "price_lists"), fk("product_id", "products"))

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    price_list_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    unit_price: Mapped[Decimal] = mapped_column(Money)


class Promotion(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "promotions"
    __table_args__ = (fk("product_id", "products"), fk("product_line_id", "product_lines"))

    name: Mapped[str] = mapped_column(String(200))
    percent: Mapped[Decimal] = mapped_column(Percent)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    product_line_id: Mapped[uuid.UUID | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class VolumeTier(TenantMixin, Base):
    __tablename__ = "volume_tiers"
    __table_args__ = (fk("product_id", "products"), fk("product_line_id", "product_lines"))

    product_id: Mapped[uuid.UUID | None] = mapped_column()
    product_line_id: Mapped[uuid.UUID | None] = mapped_column()
    min_quantity: Mapped[Decimal] = mapped_column(Quantity)
    percent: Mapped[Decimal] = mapped_column(Percent)


class CustomerTypeDiscount(Base):
    __tablename__ = "customer_type_discounts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    customer_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    percent: Mapped[Decimal] = mapped_column(Percent)


class Quote(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "quotes"
    __table_args__ = (
        fk("account_id", "accounts"),
        fk("previous_quote_id", "quotes"),
        fk("opportunity_id", "opportunities"),
        member_fk("owner_id"),
    )

    number: Mapped[str] = mapped_column(String(60))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    previous_quote_id: Mapped[uuid.UUID | None] = mapped_column()
    account_id: Mapped[uuid.UUID] = mapped_column()
    # Foreign key added by 0031_commerce_opportunity, where the commerce and pipeline branches meet.
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column()
    owner_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    customer_type: Mapped[str | None] = mapped_column(String(50))
    quote_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    cash_discount_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    terms: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    gross_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    discount_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    net_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


class QuoteLine(TenantMixin, Base):
    __tablename__ = "quote_lines"
    __table_args__ = (fk("quote_id", "quotes"), fk("product_id", "products"))

    quote_id: Mapped[uuid.UUID] = mapped_column()
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    description: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    # The caller's explicit price (null: the price came from a price list or the list price).
    price_given: Mapped[bool] = mapped_column(Boolean, default=False)
    line_discount_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    promotion_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    volume_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    customer_type_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    cash_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    gross_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    discount_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))


class Contract(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "contracts"
    __table_args__ = (
        fk("quote_id", "quotes"),
        fk("account_id", "accounts"),
        fk("signatory_contact_id", "contacts"),
        member_fk("owner_id"),
    )

    number: Mapped[str] = mapped_column(String(60))
    quote_id: Mapped[uuid.UUID] = mapped_column()
    account_id: Mapped[uuid.UUID] = mapped_column()
    owner_id: Mapped[uuid.UUID] = mapped_column()
    signatory_contact_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    terms: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


class ContractLine(TenantMixin, Base):
    __tablename__ = "contract_lines"
    __table_args__ = (fk("contract_id", "contracts"), fk("product_id", "products"))

    contract_id: Mapped[uuid.UUID] = mapped_column()
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    description: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    delivered_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))


class Installment(TenantMixin, Base):
    __tablename__ = "contract_installments"
    __table_args__ = (fk("contract_id", "contracts"),)

    contract_id: Mapped[uuid.UUID] = mapped_column()
    position: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)


class PaymentColumns:
    """A payment (a refund when negative) recorded against a parent: a contract or a sales order."""

    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Payment(TenantMixin, PaymentColumns, Base):
    __tablename__ = "contract_payments"
    __table_args__ = (fk("contract_id", "contracts"), member_fk("recorded_by_id"))

    contract_id: Mapped[uuid.UUID] = mapped_column()


class Delivery(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "contract_deliveries"
    __table_args__ = (
        fk("contract_id", "contracts"),
        fk("contract_line_id", "contract_lines"),
        member_fk("recorded_by_id"),
    )

    contract_id: Mapped[uuid.UUID] = mapped_column()
    contract_line_id: Mapped[uuid.UUID] = mapped_column()
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    delivered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="delivered")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column()


class SalesOrder(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    """An order (migration 0210): from a quote (lines copied, then frozen) or directly for a customer."""

    __tablename__ = "sales_orders"
    __table_args__ = (fk("quote_id", "quotes"), fk("account_id", "accounts"), member_fk("owner_id"))

    number: Mapped[str] = mapped_column(String(60))
    quote_id: Mapped[uuid.UUID | None] = mapped_column()
    account_id: Mapped[uuid.UUID] = mapped_column()
    owner_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(24), default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    order_date: Mapped[date] = mapped_column(Date)
    cash_discount_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    gross_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    discount_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    net_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    returned_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    returned_tax: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    notes: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


class SalesOrderLine(TenantMixin, Base):
    __tablename__ = "sales_order_lines"
    __table_args__ = (fk("order_id", "sales_orders"), fk("product_id", "products"))

    order_id: Mapped[uuid.UUID] = mapped_column()
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    description: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_discount_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    promotion_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    volume_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    customer_type_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    cash_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    gross_amount: Mapped[Decimal] = mapped_column(Money)
    discount_amount: Mapped[Decimal] = mapped_column(Money)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    delivered_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    returned_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))


class SalesOrderDelivery(TenantMixin, Base):
    __tablename__ = "sales_order_deliveries"
    __table_args__ = (
        fk("order_id", "sales_orders"),
        fk("order_line_id", "sales_order_lines"),
        member_fk("recorded_by_id"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column()
    order_line_id: Mapped[uuid.UUID] = mapped_column()
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    delivered_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SalesOrderPayment(TenantMixin, PaymentColumns, Base):
    __tablename__ = "sales_order_payments"
    __table_args__ = (fk("order_id", "sales_orders"), member_fk("recorded_by_id"))

    order_id: Mapped[uuid.UUID] = mapped_column()


class SalesInvoice(TenantMixin, TimestampMixin, Versioned, Base):
    """An invoice record (migration 0211) against exactly one sales order or contract."""

    __tablename__ = "sales_invoices"
    __table_args__ = (
        fk("order_id", "sales_orders"),
        fk("contract_id", "contracts"),
        fk("account_id", "accounts"),
        member_fk("requested_by_id"),
    )

    number: Mapped[str] = mapped_column(String(60))
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    contract_id: Mapped[uuid.UUID | None] = mapped_column()
    account_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    buyer_tax_id: Mapped[str | None] = mapped_column(String(40))
    invoice_number: Mapped[str | None] = mapped_column(String(40))
    invoice_date: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reversal_reason: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[uuid.UUID] = mapped_column()


class SalesReturn(TenantMixin, Base):
    """A return against delivered order lines (migration 0212); append-only for the application."""

    __tablename__ = "sales_returns"
    __table_args__ = (
        fk("order_id", "sales_orders"),
        fk("account_id", "accounts"),
        fk("refund_payment_id", "sales_order_payments"),
        member_fk("created_by_id"),
    )

    number: Mapped[str] = mapped_column(String(60))
    order_id: Mapped[uuid.UUID] = mapped_column()
    account_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(String(50))
    resolution: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    refunded_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    refund_payment_id: Mapped[uuid.UUID | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
    returned_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SalesReturnLine(TenantMixin, Base):
    __tablename__ = "sales_return_lines"
    __table_args__ = (fk("return_id", "sales_returns"), fk("order_line_id", "sales_order_lines"))

    return_id: Mapped[uuid.UUID] = mapped_column()
    order_line_id: Mapped[uuid.UUID] = mapped_column()
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total_amount: Mapped[Decimal] = mapped_column(Money)


class SalesTarget(TenantMixin, TimestampMixin, Versioned, Base):
    """A target for a rep, a team or the tenant over one period (migration 0213)."""

    __tablename__ = "sales_targets"
    __table_args__ = (
        member_fk("user_id"),
        ForeignKeyConstraint(["tenant_id", "team_id"], ["teams.tenant_id", "teams.id"]),
        member_fk("created_by_id"),
    )

    level: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    period: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(20))
    goal: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    created_by_id: Mapped[uuid.UUID] = mapped_column()


class SalesPlanItem(TenantMixin, TimestampMixin, Versioned, Base):
    """A PDCA plan item of a target: the plan (title, owner, due date), its check note and follow-up."""

    __tablename__ = "sales_plan_items"
    __table_args__ = (fk("target_id", "sales_targets"), member_fk("owner_id"))

    target_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    check_note: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SalesApprovalSettings(Base):
    """A tenant's approval thresholds on sales (migration 0214); no row: nothing needs approval."""

    __tablename__ = "sales_approval_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    quote_discount_percent: Mapped[Decimal | None] = mapped_column(Percent)
    contract_amount: Mapped[Decimal | None] = mapped_column(Money)
    order_cancellation: Mapped[bool] = mapped_column(Boolean, default=False)
    refund_amount: Mapped[Decimal | None] = mapped_column(Money)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)


# Custom fields and field-level role rules (tenants/fields/registry.py): built-in GraphQL fields -> the
# attributes a write sets. A quote's terms become its contract's, so only notes are hideable on quotes.
register_custom_fields(
    QUOTE,
    Quote,
    graphql_type="Quote",
    fields={
        "account": ["account_id"],
        "opportunity": ["opportunity_id"],
        "owner": ["owner_id"],
        "status": ["status", "rejection_reason"],
        "currency": ["currency"],
        "customerType": ["customer_type"],
        "validUntil": ["valid_until"],
        "cashDiscountPercent": ["cash_discount_percent"],
        "terms": ["terms"],
        "notes": ["notes"],
        "lines": ["lines"],
    },
    hideable=["notes"],
)
register_custom_fields(
    CONTRACT,
    Contract,
    graphql_type="Contract",
    fields={
        "owner": ["owner_id"],
        "status": ["status"],
        "startDate": ["start_date"],
        "endDate": ["end_date"],
        "signatoryContact": ["signatory_contact_id"],
        "terms": ["terms"],
    },
    hideable=["terms"],
)
register_custom_fields(
    SALES_ORDER,
    SalesOrder,
    graphql_type="SalesOrder",
    fields={"owner": ["owner_id"], "status": ["status"], "notes": ["notes"]},
    hideable=["notes"],
)
