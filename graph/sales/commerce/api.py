"""Commerce queries and the quote/contract/payment/delivery mutations (catalogue ones in catalog_api.py).
Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy import func, select
from strawberry import relay
from strawberry.tools import merge_types

import graph.sales.commerce.documents  # noqa: F401 - registers the area's document link targets
from graph.admin.filters import CustomFieldCondition, custom_conditions_field
from graph.admin.lists import custom_page
from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last, like_pattern
from graph.core.ids import decode_id
from graph.core.pagination import Connection, connection_of, paginate
from graph.sales.commerce import contracts, loaders, payments, quotes
from graph.sales.commerce import models as m
from graph.sales.commerce import reminders as reminders  # registers the `commerce.reminders` job
from graph.sales.commerce.approval_api import SalesApprovalMutation, SalesApprovalQuery
from graph.sales.commerce.catalog_api import CatalogMutation
from graph.sales.commerce.catalog_types import (
    CustomerTypeDiscount,
    PriceList,
    Product,
    ProductLine,
    Promotion,
)
from graph.sales.commerce.inputs import (
    AcceptQuoteInput,
    ContractPayload,
    CreateQuoteInput,
    DeliveryPayload,
    InstallmentInput,
    PaymentPayload,
    QuoteLineInput,
    QuotePayload,
    RecordDeliveryInput,
    RecordPaymentInput,
    UpdateContractInput,
    UpdateQuoteInput,
    UpdateQuoteLineInput,
    given_values,
)
from graph.sales.commerce.invoice_api import InvoiceMutation, InvoiceQuery
from graph.sales.commerce.order_api import OrderMutation, OrderQuery
from graph.sales.commerce.ordering import OrderBy, commerce_ordering, status_value
from graph.sales.commerce.receivables import receivables
from graph.sales.commerce.target_api import TargetMutation, TargetQuery
from graph.sales.commerce.types import (
    Contract,
    ContractStatus,
    Delivery,
    DeliveryStatus,
    Payment,
    Quote,
    QuoteStatus,
    ReceivablesReport,
)
from tenants.errors import DomainError
from tenants.permissions import Action

T = TypeVar("T")
Id = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the record.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[int, strawberry.argument(description="The `version` you last read; stale: CONFLICT.")]


@strawberry.input(description="Product conditions; all given ones must hold.")
class ProductFilter:
    search: str | None = strawberry.field(default=None, description="Part of the SKU or name (any case).")
    active: bool | None = strawberry.field(
        default=None, description="Only active (true) or inactive (false)."
    )
    product_line_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Of this ProductLine."
    )


@strawberry.input(description="Quote conditions; all given ones must hold.")
class QuoteFilter:
    status: QuoteStatus | None = strawberry.field(default=None, description="In this status.")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="For this Account.")
    number: str | None = strawberry.field(default=None, description="Exactly this number (all revisions).")
    opportunity_id: relay.GlobalID | None = strawberry.field(
        default=None, description="For this Opportunity."
    )
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


@strawberry.input(description="Contract conditions; all given ones must hold.")
class ContractFilter:
    status: ContractStatus | None = strawberry.field(default=None, description="In this status.")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="For this Account.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


def product_conditions(filter: ProductFilter | None) -> list[Any]:
    if filter is None:
        return []
    conditions: list[Any] = []
    if filter.search:
        pattern = like_pattern(filter.search.strip())
        conditions.append(m.Product.sku.ilike(pattern) | m.Product.name.ilike(pattern))
    if filter.active is not None:
        conditions.append(m.Product.active.is_(filter.active))
    if filter.product_line_id is not None:
        conditions.append(m.Product.product_line_id == decode_id(filter.product_line_id, "ProductLine"))
    return conditions


async def one(info: Info, global_id: relay.GlobalID, type_name: str, name: str, factory: Any) -> Any:
    try:
        record_id = decode_id(global_id, type_name)
    except DomainError:
        return None
    return await info.context.loader(name, factory).load(record_id)


async def page(
    info: Info,
    statement: Any,
    to_node: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Any:
    return await paginate(await info.context.session(), statement, to_node, first, after, before, last)


@strawberry.type
class DealQuery:
    @strawberry.field(description="Products by name (product read permission).")
    async def products(
        self,
        info: Info,
        filter: Annotated[ProductFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Product]:
        actor = info.context.actor
        actor.require(m.PRODUCT, Action.READ)
        statement = (
            select(m.Product)
            .where(m.Product.tenant_id == actor.tenant_id, *product_conditions(filter))
            .order_by(func.lower(m.Product.name), m.Product.id)
        )
        return await page(info, statement, Product.from_model, first, after, last, before)

    @strawberry.field(description="Product lines by name.")
    async def product_lines(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[ProductLine]:
        actor = info.context.actor
        actor.require(m.PRODUCT, Action.READ)
        statement = (
            select(m.ProductLine)
            .where(m.ProductLine.tenant_id == actor.tenant_id)
            .order_by(func.lower(m.ProductLine.name), m.ProductLine.id)
        )
        return await page(info, statement, ProductLine.from_model, first, after, last, before)

    @strawberry.field(description="Price lists, newest first.")
    async def price_lists(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[PriceList]:
        actor = info.context.actor
        actor.require(m.PRODUCT, Action.READ)
        statement = (
            select(m.PriceList)
            .where(m.PriceList.tenant_id == actor.tenant_id)
            .order_by(m.PriceList.created_at.desc(), m.PriceList.id.desc())
        )
        return await page(info, statement, PriceList.from_model, first, after, last, before)

    @strawberry.field(description="Promotions, newest first.")
    async def promotions(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Promotion]:
        actor = info.context.actor
        actor.require(m.PRODUCT, Action.READ)
        statement = (
            select(m.Promotion)
            .where(m.Promotion.tenant_id == actor.tenant_id)
            .order_by(m.Promotion.created_at.desc(), m.Promotion.id.desc())
        )
        return await page(info, statement, Promotion.from_model, first, after, last, before)

    @strawberry.field(description="Discounts per customer type.")
    async def customer_type_discounts(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[CustomerTypeDiscount]:
        actor = info.context.actor
        actor.require(m.PRODUCT, Action.READ)
        session = await info.context.session()
        rows = await session.scalars(
            select(m.CustomerTypeDiscount)
            .where(m.CustomerTypeDiscount.tenant_id == actor.tenant_id)
            .order_by(m.CustomerTypeDiscount.customer_type)
        )
        found = [CustomerTypeDiscount.from_model(row) for row in rows]
        return connection_of(found, lambda discount: discount.customer_type, first, after, last, before)

    @strawberry.field(description="Quotes you may see, newest first.")
    async def quotes(
        self,
        info: Info,
        filter: Annotated[QuoteFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: OrderBy = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Quote]:
        statement = quotes.visible_quotes(info.context.actor)
        if filter is not None:
            if filter.status is not None:
                statement = statement.where(m.Quote.status == status_value(filter.status))
            if filter.account_id is not None:
                statement = statement.where(m.Quote.account_id == decode_id(filter.account_id, "Account"))
            if filter.opportunity_id is not None:
                opportunity_id = decode_id(filter.opportunity_id, "Opportunity", "filter.opportunityId")
                statement = statement.where(m.Quote.opportunity_id == opportunity_id)
            if filter.number is not None:
                statement = statement.where(m.Quote.number == filter.number.strip())
        ordering = partial(commerce_ordering, m.Quote)
        return await custom_page(
            info,
            m.QUOTE,
            m.Quote,
            statement,
            filter,
            order_by,
            ordering,
            Quote.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="Contracts you may see, newest first.")
    async def contracts(
        self,
        info: Info,
        filter: Annotated[ContractFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: OrderBy = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Contract]:
        statement = contracts.visible_contracts(info.context.actor)
        if filter is not None:
            if filter.status is not None:
                statement = statement.where(m.Contract.status == status_value(filter.status))
            if filter.account_id is not None:
                statement = statement.where(m.Contract.account_id == decode_id(filter.account_id, "Account"))
        ordering = partial(commerce_ordering, m.Contract)
        return await custom_page(
            info,
            m.CONTRACT,
            m.Contract,
            statement,
            filter,
            order_by,
            ordering,
            Contract.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One product; null if missing or not yours to see.")
    async def product(self, info: Info, id: Id) -> Product | None:
        record = await one(info, id, "Product", "products_by_id", loaders.products_by_id)
        return Product.from_model(record) if record else None

    @strawberry.field(description="One quote; null if missing or not yours to see.")
    async def quote(self, info: Info, id: Id) -> Quote | None:
        record = await one(info, id, "Quote", "quotes_by_id", loaders.quotes_by_id)
        return Quote.from_model(record) if record else None

    @strawberry.field(description="One contract; null if missing or not yours to see.")
    async def contract(self, info: Info, id: Id) -> Contract | None:
        record = await one(info, id, "Contract", "contracts_by_id", loaders.contracts_by_id)
        return Contract.from_model(record) if record else None

    @strawberry.field(
        description="Receivables by customer as of a date, aged, in the tenant's base currency."
    )
    async def receivables(
        self, info: Info, as_of: Annotated[date, strawberry.argument(description="Report date.")]
    ) -> ReceivablesReport:
        report = await receivables(await info.context.session(), info.context.actor, as_of)
        return ReceivablesReport.from_report(report)


def quote_payload(quote: m.Quote) -> QuotePayload:
    return QuotePayload(quote=Quote.from_model(quote))


@strawberry.type
class DealMutation:
    @strawberry.mutation(
        description="Create a draft quote for an account; numbered from the `quote` sequence."
    )
    @mutation_payload(QuotePayload)
    async def create_quote(self, info: Info, input: Input[CreateQuoteInput]) -> QuotePayload:
        session, actor = await info.context.session(), info.context.actor
        lines = [given_values(line, prefix=f"lines.{i}") for i, line in enumerate(input.lines or [])]
        quote = await quotes.create_quote(session, actor, given_values(input, skip=("lines",)), lines)
        return quote_payload(quote)

    @strawberry.mutation(description="Change a draft quote's header; totals are recomputed.")
    @mutation_payload(QuotePayload)
    async def update_quote(
        self, info: Info, id: Id, version: Version, input: Input[UpdateQuoteInput]
    ) -> QuotePayload:
        session, actor = await info.context.session(), info.context.actor
        quote = await quotes.update_quote(
            session, actor, decode_id(id, "Quote"), version, given_values(input)
        )
        return quote_payload(quote)

    @strawberry.mutation(description="Add a line to a draft quote; totals are recomputed.")
    @mutation_payload(QuotePayload)
    async def add_quote_line(
        self, info: Info, quote_id: Id, version: Version, input: Input[QuoteLineInput]
    ) -> QuotePayload:
        session, actor = await info.context.session(), info.context.actor
        quote_uuid = decode_id(quote_id, "Quote", "quoteId")
        quote = await quotes.add_quote_line(session, actor, quote_uuid, version, given_values(input))
        return quote_payload(quote)

    @strawberry.mutation(description="Change a line of a draft quote; `version` is the quote's.")
    @mutation_payload(QuotePayload)
    async def update_quote_line(
        self, info: Info, id: Id, version: Version, input: Input[UpdateQuoteLineInput]
    ) -> QuotePayload:
        session, actor = await info.context.session(), info.context.actor
        line_id = decode_id(id, "QuoteLine")
        quote = await quotes.update_quote_line(session, actor, line_id, version, given_values(input))
        return quote_payload(quote)

    @strawberry.mutation(description="Remove a line of a draft quote; `version` is the quote's.")
    @mutation_payload(QuotePayload)
    async def remove_quote_line(self, info: Info, id: Id, version: Version) -> QuotePayload:
        session, actor = await info.context.session(), info.context.actor
        quote = await quotes.remove_quote_line(session, actor, decode_id(id, "QuoteLine"), version)
        return quote_payload(quote)

    @strawberry.mutation(description="Send a draft quote; from now on it is immutable.")
    @mutation_payload(QuotePayload)
    async def send_quote(self, info: Info, id: Id, version: Version) -> QuotePayload:
        session, actor = await info.context.session(), info.context.actor
        return quote_payload(await quotes.send_quote(session, actor, decode_id(id, "Quote"), version))

    @strawberry.mutation(description="Record that the customer rejected a sent quote.")
    @mutation_payload(QuotePayload)
    async def reject_quote(
        self,
        info: Info,
        id: Id,
        version: Version,
        reason: Annotated[str | None, strawberry.argument(description="Why (max 2000).")] = None,
    ) -> QuotePayload:
        session, actor = await info.context.session(), info.context.actor
        return quote_payload(
            await quotes.reject_quote(session, actor, decode_id(id, "Quote"), version, reason)
        )

    @strawberry.mutation(description="Copy a sent/rejected/expired quote into a new draft revision.")
    @mutation_payload(QuotePayload)
    async def revise_quote(self, info: Info, id: Id, version: Version) -> QuotePayload:
        session, actor = await info.context.session(), info.context.actor
        return quote_payload(await quotes.revise_quote(session, actor, decode_id(id, "Quote"), version))

    @strawberry.mutation(description="Accept a sent, unexpired quote: creates its contract in the same step.")
    @mutation_payload(ContractPayload)
    async def accept_quote(
        self, info: Info, id: Id, version: Version, input: Input[AcceptQuoteInput | None] = None
    ) -> ContractPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input) if input is not None else {}
        contract = await contracts.accept_quote(session, actor, decode_id(id, "Quote"), version, values)
        quote = await quotes.get_quote(session, actor, contract.quote_id)
        return ContractPayload(contract=Contract.from_model(contract), quote=Quote.from_model(quote))

    @strawberry.mutation(description="Change a draft contract's dates, terms or signatory.")
    @mutation_payload(ContractPayload)
    async def update_contract(
        self, info: Info, id: Id, version: Version, input: Input[UpdateContractInput]
    ) -> ContractPayload:
        session, actor = await info.context.session(), info.context.actor
        contract_id = decode_id(id, "Contract")
        contract = await contracts.update_contract(session, actor, contract_id, version, given_values(input))
        return ContractPayload(contract=Contract.from_model(contract))

    @strawberry.mutation(description="Activate a draft contract.")
    @mutation_payload(ContractPayload)
    async def activate_contract(self, info: Info, id: Id, version: Version) -> ContractPayload:
        session, actor = await info.context.session(), info.context.actor
        contract = await contracts.activate_contract(session, actor, decode_id(id, "Contract"), version)
        return ContractPayload(contract=Contract.from_model(contract))

    @strawberry.mutation(description="Cancel a draft or active contract with nothing paid.")
    @mutation_payload(ContractPayload)
    async def cancel_contract(self, info: Info, id: Id, version: Version) -> ContractPayload:
        session, actor = await info.context.session(), info.context.actor
        contract = await contracts.cancel_contract(session, actor, decode_id(id, "Contract"), version)
        return ContractPayload(contract=Contract.from_model(contract))

    @strawberry.mutation(description="Replace the payment plan; installments must add up to the amount.")
    @mutation_payload(ContractPayload)
    async def set_payment_plan(
        self, info: Info, id: Id, version: Version, installments: Input[list[InstallmentInput]]
    ) -> ContractPayload:
        session, actor = await info.context.session(), info.context.actor
        plan = [(item.due_date, item.amount) for item in installments]
        contract = await payments.set_payment_plan(session, actor, decode_id(id, "Contract"), version, plan)
        return ContractPayload(contract=Contract.from_model(contract))

    @strawberry.mutation(
        description="Record a payment (at most the outstanding amount) or a refund (negative)."
    )
    @mutation_payload(PaymentPayload)
    async def record_payment(self, info: Info, input: Input[RecordPaymentInput]) -> PaymentPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        contract, payment = await payments.record_payment(session, actor, values.pop("contract_id"), values)
        return PaymentPayload(
            payment=Payment.from_model(payment, contract.currency), contract=Contract.from_model(contract)
        )

    @strawberry.mutation(
        description="Record a delivery against a contract line (never above the ordered quantity)."
    )
    @mutation_payload(DeliveryPayload)
    async def record_delivery(self, info: Info, input: Input[RecordDeliveryInput]) -> DeliveryPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        contract, delivery = await payments.record_delivery(
            session, actor, values.pop("contract_line_id"), values
        )
        return DeliveryPayload(delivery=Delivery.from_model(delivery), contract=Contract.from_model(contract))

    @strawberry.mutation(
        description="Move a delivery: PENDING -> DELIVERED | CANCELLED, DELIVERED -> CANCELLED."
    )
    @mutation_payload(DeliveryPayload)
    async def set_delivery_status(
        self,
        info: Info,
        id: Id,
        version: Version,
        status: Annotated[DeliveryStatus, strawberry.argument(description="The new status.")],
    ) -> DeliveryPayload:
        session, actor = await info.context.session(), info.context.actor
        delivery_id = decode_id(id, "Delivery")
        contract, delivery = await payments.set_delivery_status(
            session, actor, delivery_id, version, status.value
        )
        return DeliveryPayload(delivery=Delivery.from_model(delivery), contract=Contract.from_model(contract))


CommerceQuery = merge_types(
    "CommerceQuery", (DealQuery, OrderQuery, InvoiceQuery, TargetQuery, SalesApprovalQuery)
)
CommerceMutation = merge_types(
    "CommerceMutation",
    (CatalogMutation, DealMutation, OrderMutation, InvoiceMutation, TargetMutation, SalesApprovalMutation),
)
