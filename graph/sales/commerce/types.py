"""GraphQL types of quotes, contracts, payments, deliveries and receivables.

Amounts are `Decimal` scalars (strings on the wire) shown with the currency's minor digits, next to a
`currency` code. Nested fields go through the per-request loaders in `loaders.py`.
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
from graph.crm import loaders as crm_loaders
from graph.crm.types import Account, Contact
from graph.identity.loaders import users_by_id
from graph.identity.types import User
from graph.money.types import MissingRate, missing_rate_list
from graph.sales.commerce import loaders
from graph.sales.commerce import models as m
from graph.sales.commerce.catalog_types import Product, amount, plain, unit_price
from graph.sales.commerce.payments import overdue_amount, owed_on, paid_by
from graph.sales.commerce.quotes import today
from graph.sales.commerce.receivables import Aging, Receivables
from graph.sales.pipeline.loaders import opportunities_by_id
from graph.sales.pipeline.types import Opportunity


@strawberry.enum(description="Where a quote stands.")
class QuoteStatus(Enum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


@strawberry.enum(
    description="Where a contract stands; COMPLETED is reached by itself when delivered and paid."
)
class ContractStatus(Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@strawberry.enum(description="How a payment was received.")
class PaymentMethod(Enum):
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CASH = "cash"
    CHEQUE = "cheque"
    OTHER = "other"


@strawberry.enum(description="State of a delivery; only DELIVERED counts towards completion.")
class DeliveryStatus(Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


CONTRACTS = ("contracts_by_id", loaders.contracts_by_id)


async def account_of(info: Info, account_id: uuid.UUID) -> Account | None:
    """The customer of a quote or contract you may see, whoever owns the account now."""
    loader = crm_loaders.referenced_accounts_by_id
    account = await load_by_id(info, "referenced_accounts_by_id", loader, account_id)
    return Account.from_model(account) if account else None


async def user_of(info: Info, user_id: uuid.UUID | None) -> User | None:
    return await load_by_id(info, "users_by_id", users_by_id, user_id)


async def product_of(info: Info, product_id: uuid.UUID | None) -> Product | None:
    product = await load_by_id(info, "products_by_id", loaders.products_by_id, product_id)
    return Product.from_model(product) if product else None


@strawberry.type(description="One line of a quote with the discounts the server applied, in order.")
class QuoteLine(relay.Node):
    id: relay.NodeID[str]
    position: int = strawberry.field(description="Order on the quote.")
    description: str = strawberry.field(description="Product name or the free text.")
    unit: str | None = strawberry.field(description="Unit of the product, if any.")
    quantity: Decimal = strawberry.field(description="Quantity (> 0).")
    unit_price: Decimal = strawberry.field(description="Price per unit in the quote currency.")
    price_given: bool = strawberry.field(
        description="True if the seller gave the price; else from the catalogue."
    )
    discount_percent: Decimal = strawberry.field(description="(1) Line discount typed by the seller.")
    promotion_percent: Decimal = strawberry.field(description="(2) Best promotion applied.")
    volume_percent: Decimal = strawberry.field(description="(3) Volume tier reached.")
    customer_type_percent: Decimal = strawberry.field(description="(4) Customer-type discount.")
    cash_percent: Decimal = strawberry.field(description="(5) Cash / early-payment discount.")
    tax_rate: Decimal = strawberry.field(description="Tax percent on the net amount.")
    gross_amount: Decimal = strawberry.field(description="Quantity x unit price, rounded.")
    discount_amount: Decimal = strawberry.field(description="Gross minus net.")
    net_amount: Decimal = strawberry.field(description="After all discounts, rounded half-up.")
    tax_amount: Decimal = strawberry.field(description="Tax on the net amount, rounded half-up.")
    total_amount: Decimal = strawberry.field(description="Net plus tax.")
    product_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A line of a quote you may see."""
        quotes = ("quotes_by_id", loaders.quotes_by_id)
        return await child_nodes(
            info,
            node_ids,
            m.QuoteLine,
            "quote_id",
            quotes,
            lambda line, quote: cls.from_model(line, quote.currency),
        )

    @classmethod
    def from_model(cls, line: m.QuoteLine, currency: str) -> QuoteLine:
        return cls(
            id=str(line.id),
            position=line.position,
            description=line.description,
            unit=line.unit,
            quantity=plain(line.quantity),
            unit_price=unit_price(line.unit_price, currency),
            price_given=line.price_given,
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
            product_id=line.product_id,
        )

    @strawberry.field(description="The product; null for a free-text line.")
    async def product(self, info: Info) -> Product | None:
        return await product_of(info, self.product_id)


@strawberry.type(description="An offer to an account: lines, server-computed totals, a status and a number.")
class Quote(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = m.QUOTE
    id: relay.NodeID[str]
    number: str = strawberry.field(description="Human number from the tenant's `quote` sequence.")
    revision: int = strawberry.field(description="1 for the original; each revision adds one.")
    status: QuoteStatus = strawberry.field(description="DRAFT is editable; SENT and later are immutable.")
    currency: str = strawberry.field(description="ISO 4217 code of every amount on the quote.")
    customer_type: str | None = strawberry.field(description="Key in `customer_types`; drives price lists.")
    quote_date: date = strawberry.field(description="Date prices, promotions and lists are evaluated on.")
    valid_until: date = strawberry.field(description="Last day it can be accepted.")
    cash_discount_percent: Decimal = strawberry.field(description="(5) Cash / early-payment discount.")
    terms: str | None = strawberry.field(description="Terms and conditions.")
    notes: str | None = strawberry.field(description="Internal notes (null when hidden).")
    gross_total: Decimal = strawberry.field(description="Sum of the lines' gross amounts.")
    discount_total: Decimal = strawberry.field(description="Sum of the lines' discounts.")
    net_total: Decimal = strawberry.field(description="Sum of the lines' rounded net amounts.")
    tax_total: Decimal = strawberry.field(description="Sum of the lines' rounded tax amounts.")
    total: Decimal = strawberry.field(description="Net total plus tax total.")
    opportunity_id: strawberry.ID | None = strawberry.field(
        description="Global id of the Opportunity, if any."
    )
    sent_at: datetime | None = strawberry.field(description="When it was sent.")
    decided_at: datetime | None = strawberry.field(description="When it was accepted, rejected or expired.")
    rejection_reason: str | None = strawberry.field(description="Why the customer rejected it.")
    version: int = strawberry.field(description="Pass to every change of the quote or its lines.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    account_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID]
    previous_quote_id: strawberry.Private[uuid.UUID | None]
    opportunity_uuid: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, quote: m.Quote) -> Quote:
        currency = quote.currency
        return cls(
            id=str(quote.id),
            number=quote.number,
            revision=quote.revision,
            status=QuoteStatus(quote.status),
            currency=currency,
            customer_type=quote.customer_type,
            quote_date=quote.quote_date,
            valid_until=quote.valid_until,
            cash_discount_percent=plain(quote.cash_discount_percent),
            terms=quote.terms,
            notes=quote.notes,
            gross_total=amount(quote.gross_total, currency),
            discount_total=amount(quote.discount_total, currency),
            net_total=amount(quote.net_total, currency),
            tax_total=amount(quote.tax_total, currency),
            total=amount(quote.total, currency),
            opportunity_id=(
                strawberry.ID(str(encode_id("Opportunity", quote.opportunity_id)))
                if quote.opportunity_id
                else None
            ),
            sent_at=quote.sent_at,
            decided_at=quote.decided_at,
            rejection_reason=quote.rejection_reason,
            version=quote.version,
            created_at=quote.created_at,
            updated_at=quote.updated_at,
            account_id=quote.account_id,
            owner_id=quote.owner_id,
            previous_quote_id=quote.previous_quote_id,
            opportunity_uuid=quote.opportunity_id,
            custom=quote.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Quote | None]:
        return await resolve_by_ids(info, "quotes_by_id", loaders.quotes_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The account the quote is for; null if you may not see it.")
    async def account(self, info: Info) -> Account | None:
        return await account_of(info, self.account_id)

    @strawberry.field(description="The opportunity the quote is for; null when none or not yours to see.")
    async def opportunity(self, info: Info) -> Opportunity | None:
        record = await load_by_id(info, "opportunities_by_id", opportunities_by_id, self.opportunity_uuid)
        return Opportunity.from_model(record) if record else None

    @strawberry.field(description="The member responsible for the quote.")
    async def owner(self, info: Info) -> User | None:
        return await user_of(info, self.owner_id)

    @strawberry.field(description="The lines, in order.")
    async def lines(self, info: Info) -> list[QuoteLine]:
        loader = info.context.loader("lines_by_quote_id", loaders.lines_by_quote_id)
        return [QuoteLine.from_model(line, self.currency) for line in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="The revision this one replaced, if any.")
    async def previous_revision(self, info: Info) -> Quote | None:
        quote = await load_by_id(info, "quotes_by_id", loaders.quotes_by_id, self.previous_quote_id)
        return Quote.from_model(quote) if quote else None

    @strawberry.field(description="The contract created when the quote was accepted.")
    async def contract(self, info: Info) -> Contract | None:
        contract = await info.context.loader("contracts_by_quote_id", loaders.contracts_by_quote_id).load(
            uuid.UUID(self.id)
        )
        return Contract.from_model(contract) if contract else None


@strawberry.type(description="A line copied from the accepted quote, with its delivery progress.")
class ContractLine(relay.Node):
    id: relay.NodeID[str]
    position: int = strawberry.field(description="Order on the contract.")
    description: str = strawberry.field(description="Product name or free text.")
    unit: str | None = strawberry.field(description="Unit, if any.")
    quantity: Decimal = strawberry.field(description="Ordered quantity.")
    unit_price: Decimal = strawberry.field(description="Price per unit.")
    net_amount: Decimal = strawberry.field(description="Net amount (after discounts).")
    tax_amount: Decimal = strawberry.field(description="Tax amount.")
    total_amount: Decimal = strawberry.field(description="Net plus tax.")
    delivered_quantity: Decimal = strawberry.field(description="Quantity in DELIVERED deliveries.")
    product_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A line of a contract you may see."""
        return await child_nodes(
            info,
            node_ids,
            m.ContractLine,
            "contract_id",
            CONTRACTS,
            lambda line, c: cls.from_model(line, c.currency),
        )

    @classmethod
    def from_model(cls, line: m.ContractLine, currency: str) -> ContractLine:
        return cls(
            id=str(line.id),
            position=line.position,
            description=line.description,
            unit=line.unit,
            quantity=plain(line.quantity),
            unit_price=unit_price(line.unit_price, currency),
            net_amount=amount(line.net_amount, currency),
            tax_amount=amount(line.tax_amount, currency),
            total_amount=amount(line.total_amount, currency),
            delivered_quantity=plain(line.delivered_quantity),
            product_id=line.product_id,
        )

    @strawberry.field(description="The product; null for a free-text line.")
    async def product(self, info: Info) -> Product | None:
        return await product_of(info, self.product_id)


@strawberry.type(description="One installment of a payment plan.")
class Installment:
    due_date: date = strawberry.field(description="When it is due.")
    amount: Decimal = strawberry.field(description="Amount due, in the contract currency.")


@strawberry.type(description="What every recorded payment shows (contracts' and sales orders').")
class RecordedPayment:
    received_on: date = strawberry.field(description="Date received (or refunded).")
    amount: Decimal = strawberry.field(description="Amount; negative for a refund.")
    method: PaymentMethod = strawberry.field(description="How it was paid.")
    reference: str | None = strawberry.field(description="Bank reference, cheque number, ...")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    recorded_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, payment: Any, currency: str) -> Any:
        """`payment`: a row with the `m.PaymentColumns`; amounts shown in the parent's currency."""
        return cls(  # type: ignore[call-arg]
            id=str(payment.id),
            received_on=payment.received_on,
            amount=amount(payment.amount, currency),
            method=PaymentMethod(payment.method),
            reference=payment.reference,
            created_at=payment.created_at,
            recorded_by_id=payment.recorded_by_id,
        )

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: Info) -> User | None:
        return await user_of(info, self.recorded_by_id)


@strawberry.type(description="Money received (positive) or refunded (negative) on a contract.")
class Payment(RecordedPayment, relay.Node):
    id: relay.NodeID[str]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A payment on a contract you may see."""
        return await child_nodes(
            info,
            node_ids,
            m.Payment,
            "contract_id",
            CONTRACTS,
            lambda row, c: cls.from_model(row, c.currency),
        )


@strawberry.type(description="A quantity of one contract line delivered (or planned) on a date.")
class Delivery(relay.Node):
    id: relay.NodeID[str]
    quantity: Decimal = strawberry.field(description="Quantity.")
    delivered_on: date = strawberry.field(description="Delivery date.")
    status: DeliveryStatus = strawberry.field(description="PENDING, DELIVERED or CANCELLED.")
    version: int = strawberry.field(description="Pass to setDeliveryStatus.")
    contract_line_id: strawberry.ID = strawberry.field(description="Global id of the ContractLine.")

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A delivery on a contract you may see."""
        return await child_nodes(
            info, node_ids, m.Delivery, "contract_id", CONTRACTS, lambda row, _contract: cls.from_model(row)
        )

    @classmethod
    def from_model(cls, delivery: m.Delivery) -> Delivery:
        return cls(
            id=str(delivery.id),
            quantity=plain(delivery.quantity),
            delivered_on=delivery.delivered_on,
            status=DeliveryStatus(delivery.status),
            version=delivery.version,
            contract_line_id=strawberry.ID(str(encode_id("ContractLine", delivery.contract_line_id))),
        )


@strawberry.type(description="An order/contract created by accepting a quote.")
class Contract(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = m.CONTRACT
    id: relay.NodeID[str]
    number: str = strawberry.field(description="Human number from the tenant's `contract` sequence.")
    status: ContractStatus = strawberry.field(description="DRAFT, ACTIVE, COMPLETED or CANCELLED.")
    currency: str = strawberry.field(description="ISO 4217 code of every amount.")
    net_total: Decimal = strawberry.field(description="Net amount of the lines.")
    tax_total: Decimal = strawberry.field(description="Tax of the lines.")
    amount: Decimal = strawberry.field(description="What the customer owes in total (net + tax).")
    paid_amount: Decimal = strawberry.field(description="Payments minus refunds so far.")
    outstanding_amount: Decimal = strawberry.field(description="Amount minus paid.")
    terms: str | None = strawberry.field(description="Terms and conditions (null when hidden).")
    start_date: date = strawberry.field(description="Start date; without a plan the amount is due then.")
    end_date: date | None = strawberry.field(description="End date, if any.")
    completed_at: datetime | None = strawberry.field(description="When it became complete.")
    version: int = strawberry.field(description="Pass to updates, plans and status changes.")
    created_at: datetime = strawberry.field(description="When the quote was accepted (UTC).")
    account_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID]
    quote_id: strawberry.Private[uuid.UUID]
    signatory_contact_id: strawberry.Private[uuid.UUID | None]
    model: strawberry.Private[m.Contract]

    @classmethod
    def from_model(cls, contract: m.Contract) -> Contract:
        currency = contract.currency
        return cls(
            id=str(contract.id),
            number=contract.number,
            status=ContractStatus(contract.status),
            currency=currency,
            net_total=amount(contract.net_total, currency),
            tax_total=amount(contract.tax_total, currency),
            amount=amount(contract.amount, currency),
            paid_amount=amount(contract.paid_amount, currency),
            outstanding_amount=amount(contract.amount - contract.paid_amount, currency),
            terms=contract.terms,
            start_date=contract.start_date,
            end_date=contract.end_date,
            completed_at=contract.completed_at,
            version=contract.version,
            created_at=contract.created_at,
            account_id=contract.account_id,
            owner_id=contract.owner_id,
            quote_id=contract.quote_id,
            signatory_contact_id=contract.signatory_contact_id,
            model=contract,
            custom=contract.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Contract | None]:
        return await resolve_by_ids(
            info, "contracts_by_id", loaders.contracts_by_id, node_ids, cls.from_model
        )

    @strawberry.field(
        description="Unpaid installments due before `asOf` (default today), counting the payments received"
        " by `asOf` only, never below zero; 0 before the contract was accepted and once cancelled. The"
        " same figure as the past-due buckets of `receivables(asOf)` for this contract."
    )
    async def overdue_amount(
        self,
        info: Info,
        as_of: Annotated[
            date | None, strawberry.argument(description="Date to judge by; default today (UTC).")
        ] = None,
    ) -> Decimal:
        day = as_of or today()
        contract_id = uuid.UUID(self.id)
        installments = info.context.loader("installments_by_contract_id", loaders.installments_by_contract_id)
        payments = info.context.loader("payments_by_contract_id", loaders.payments_by_contract_id)
        paid = paid_by(await payments.load(contract_id), day)
        schedule = owed_on(self.model, await installments.load(contract_id), paid, day)
        return amount(overdue_amount(schedule, day), self.currency)

    @strawberry.field(description="The customer account.")
    async def account(self, info: Info) -> Account | None:
        return await account_of(info, self.account_id)

    @strawberry.field(description="The member responsible (the quote's owner).")
    async def owner(self, info: Info) -> User | None:
        return await user_of(info, self.owner_id)

    @strawberry.field(description="The contact who signs, if set and visible to you.")
    async def signatory(self, info: Info) -> Contact | None:
        contact = await load_by_id(
            info, "contacts_by_id", crm_loaders.contacts_by_id, self.signatory_contact_id
        )
        return Contact.from_model(contact) if contact else None

    @strawberry.field(description="The accepted quote.")
    async def quote(self, info: Info) -> Quote | None:
        quote = await load_by_id(info, "quotes_by_id", loaders.quotes_by_id, self.quote_id)
        return Quote.from_model(quote) if quote else None

    @strawberry.field(description="The lines, in order.")
    async def lines(self, info: Info) -> list[ContractLine]:
        loader = info.context.loader("lines_by_contract_id", loaders.lines_by_contract_id)
        return [
            ContractLine.from_model(line, self.currency) for line in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="The payment plan, by due date (empty: all due on the start date).")
    async def installments(self, info: Info) -> list[Installment]:
        loader = info.context.loader("installments_by_contract_id", loaders.installments_by_contract_id)
        return [
            Installment(due_date=row.due_date, amount=amount(row.amount, self.currency))
            for row in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="Payments and refunds, by date received.")
    async def payments(self, info: Info) -> list[Payment]:
        loader = info.context.loader("payments_by_contract_id", loaders.payments_by_contract_id)
        return [Payment.from_model(row, self.currency) for row in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Deliveries, by date.")
    async def deliveries(self, info: Info) -> list[Delivery]:
        loader = info.context.loader("deliveries_by_contract_id", loaders.deliveries_by_contract_id)
        return [Delivery.from_model(row) for row in await loader.load(uuid.UUID(self.id))]


@strawberry.type(
    description="Amounts by age: days past the due date. A bucket is null (never 0.00) when part of it is "
    "in a currency without an exchange rate on the report date; `missingRates` names the rate."
)
class AgingBuckets:
    current: Decimal | None = strawberry.field(description="Not yet due, or due on the report date.")
    days_1_to_30: Decimal | None = strawberry.field(description="1-30 days past due.")
    days_31_to_60: Decimal | None = strawberry.field(description="31-60 days past due.")
    days_61_to_90: Decimal | None = strawberry.field(description="61-90 days past due.")
    days_over_90: Decimal | None = strawberry.field(description="More than 90 days past due.")
    total: Decimal | None = strawberry.field(description="Sum of the buckets (null if one is).")

    @classmethod
    def from_aging(cls, aging: Aging, currency: str) -> AgingBuckets:
        values = {key: shown_amount(value, currency) for key, value in aging.amounts.items()}
        return cls(
            current=values["current"],
            days_1_to_30=values["days_1_30"],
            days_31_to_60=values["days_31_60"],
            days_61_to_90=values["days_61_90"],
            days_over_90=values["days_over_90"],
            total=shown_amount(aging.total, currency),
        )


def shown_amount(value: Decimal | None, currency: str) -> Decimal | None:
    return None if value is None else amount(value, currency)


@strawberry.type(description="What one customer owes, aged, in the base currency.")
class CustomerReceivable:
    contract_count: int = strawberry.field(description="Contracts with something outstanding.")
    aging: AgingBuckets = strawberry.field(description="Outstanding amounts by age.")
    missing_rates: list[MissingRate] = strawberry.field(
        description="Rates this customer's amounts need and the tenant lacks (their buckets are null)."
    )
    account_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The customer account.")
    async def account(self, info: Info) -> Account | None:
        return await account_of(info, self.account_id)


@strawberry.type(description="Receivables across customers as of a date, in the tenant's base currency.")
class ReceivablesReport:
    as_of: date = strawberry.field(description="Report date.")
    currency: str = strawberry.field(description="The tenant's base currency.")
    customers: list[CustomerReceivable] = strawberry.field(
        description="By total owed, largest first; customers whose total is unknown (a missing rate) last."
    )
    totals: AgingBuckets = strawberry.field(description="All customers together: their buckets added up.")
    missing_rates: list[MissingRate] = strawberry.field(
        description="Exchange rates the report needed and lacks; every other figure is still given."
    )

    @classmethod
    def from_report(cls, report: Receivables) -> ReceivablesReport:
        return cls(
            as_of=report.as_of,
            currency=report.currency,
            customers=[
                CustomerReceivable(
                    contract_count=row.contract_count,
                    aging=AgingBuckets.from_aging(row.aging, report.currency),
                    missing_rates=missing_rate_list(row.missing_rates),
                    account_id=row.account_id,
                )
                for row in report.customers
            ],
            totals=AgingBuckets.from_aging(report.totals, report.currency),
            missing_rates=missing_rate_list(report.missing_rates),
        )
