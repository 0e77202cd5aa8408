"""Sales order queries and mutations (issue 15): inputs, payloads and thin resolvers over `orders.py`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.admin.filters import CustomFieldCondition, custom_conditions_field, custom_values_field
from graph.admin.lists import custom_page
from graph.core import inputs as core_inputs
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.nodes import load_by_id
from graph.core.pagination import Connection
from graph.sales.commerce import invoices, loaders, orders, returns
from graph.sales.commerce import models as m
from graph.sales.commerce.inputs import ID_FIELDS, QuoteLineInput, given_values
from graph.sales.commerce.order_types import (
    CustomerBalance,
    CustomerSales,
    ReturnResolution,
    SalesOrder,
    SalesOrderDelivery,
    SalesOrderPayment,
    SalesOrderStatus,
    SalesReturn,
)
from graph.sales.commerce.ordering import OrderBy, commerce_ordering, status_value
from graph.sales.commerce.types import PaymentMethod

T = TypeVar("T")
Id = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the record.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[int, strawberry.argument(description="The `version` you last read; stale: CONFLICT.")]
Errors = strawberry.field(default_factory=list, description="What went wrong, if anything.")
ORDER_ID_FIELDS = {
    **ID_FIELDS,
    "order_id": ("SalesOrder", "orderId"),
    "order_line_id": ("SalesOrderLine", "orderLineId"),
}


def order_values(data: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return core_inputs.given_values(data, ORDER_ID_FIELDS, skip=skip)


@strawberry.input(
    description="A direct order for an account; the lines are priced as a quote's, then frozen."
)
class CreateSalesOrderInput:
    account_id: relay.GlobalID = strawberry.field(description="The Account (must be visible to you).")
    currency: str = strawberry.field(description="ISO 4217 code of every amount.")
    lines: list[QuoteLineInput] = strawberry.field(description="1 to 200 lines.")
    customer_type: str | None = strawberry.field(default=UNSET, description="Key in `customer_types`.")
    cash_discount_percent: Decimal | None = strawberry.field(default=UNSET, description="0-100.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Owning User; default you.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes (max 10,000 characters).")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="What an order made from a quote adds to it.")
class CreateSalesOrderFromQuoteInput:
    owner_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Default: the quote's owner."
    )
    notes: str | None = strawberry.field(default=UNSET, description="Notes (max 10,000 characters).")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to an order; its lines and amounts are frozen.")
class UpdateSalesOrderInput:
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Owning User.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes; null clears them.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="A delivery against one order line.")
class RecordSalesOrderDeliveryInput:
    order_line_id: relay.GlobalID = strawberry.field(description="The SalesOrderLine.")
    quantity: Decimal = strawberry.field(
        description="> 0; with earlier deliveries at most the ordered quantity."
    )
    delivered_on: date = strawberry.field(description="Delivery date.")


@strawberry.input(description="Money received on an order (or refunded, with a negative amount).")
class RecordSalesOrderPaymentInput:
    order_id: relay.GlobalID = strawberry.field(description="The SalesOrder.")
    received_on: date = strawberry.field(description="Date received; today or earlier.")
    amount: Decimal = strawberry.field(description="At most the outstanding amount; negative: a refund.")
    method: PaymentMethod | None = strawberry.field(default=UNSET, description="Default BANK_TRANSFER.")
    reference: str | None = strawberry.field(default=UNSET, description="Max 200 characters.")


@strawberry.input(description="A quantity of one delivered order line coming back.")
class ReturnLineInput:
    order_line_id: relay.GlobalID = strawberry.field(description="A SalesOrderLine of the order.")
    quantity: Decimal = strawberry.field(description="> 0, at most delivered minus already returned.")


@strawberry.input(description="A return against an order's delivered lines.")
class CreateSalesReturnInput:
    order_id: relay.GlobalID = strawberry.field(description="The SalesOrder.")
    reason: str = strawberry.field(description="Key in the tenant's `return_reasons` option list.")
    lines: list[ReturnLineInput] = strawberry.field(description="The lines coming back, each once.")
    resolution: ReturnResolution | None = strawberry.field(default=UNSET, description="Default REFUND.")
    refund_method: PaymentMethod | None = strawberry.field(
        default=UNSET, description="How a refund is paid back (default BANK_TRANSFER)."
    )
    notes: str | None = strawberry.field(default=UNSET, description="Notes (max 10,000 characters).")


@strawberry.input(description="Sales order conditions; all given ones must hold.")
class SalesOrderFilter:
    status: SalesOrderStatus | None = strawberry.field(default=None, description="In this status.")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="For this Account.")
    quote_id: relay.GlobalID | None = strawberry.field(default=None, description="Made from this Quote.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


@strawberry.type(description="Result of a sales order mutation.")
class SalesOrderPayload:
    sales_order: SalesOrder | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of recordSalesOrderDelivery.")
class SalesOrderDeliveryPayload:
    delivery: SalesOrderDelivery | None = strawberry.field(default=None, description="The delivery.")
    sales_order: SalesOrder | None = strawberry.field(default=None, description="The order after it.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of recordSalesOrderPayment.")
class SalesOrderPaymentPayload:
    payment: SalesOrderPayment | None = strawberry.field(default=None, description="The payment.")
    sales_order: SalesOrder | None = strawberry.field(default=None, description="The order after it.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of createSalesReturn.")
class SalesReturnPayload:
    sales_return: SalesReturn | None = strawberry.field(default=None, description="The return.")
    sales_order: SalesOrder | None = strawberry.field(default=None, description="The order after it.")
    errors: list[UserError] = Errors


def order_statement(actor: Any, filter: SalesOrderFilter | None) -> Any:
    """The list's statement: record scope, then the filter's own conditions."""
    statement = orders.visible_orders(actor)
    if filter is not None:
        if filter.status is not None:
            statement = statement.where(m.SalesOrder.status == status_value(filter.status))
        if filter.account_id is not None:
            account_id = decode_id(filter.account_id, "Account", "filter.accountId")
            statement = statement.where(m.SalesOrder.account_id == account_id)
        if filter.quote_id is not None:
            quote_id = decode_id(filter.quote_id, "Quote", "filter.quoteId")
            statement = statement.where(m.SalesOrder.quote_id == quote_id)
    return statement


def payload(order: m.SalesOrder) -> SalesOrderPayload:
    return SalesOrderPayload(sales_order=SalesOrder.from_model(order))


@strawberry.type
class OrderQuery:
    @strawberry.field(description="Sales orders you may see, newest first.")
    async def sales_orders(
        self,
        info: Info,
        filter: Annotated[SalesOrderFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: OrderBy = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[SalesOrder]:
        return await custom_page(
            info,
            m.SALES_ORDER,
            m.SalesOrder,
            order_statement(info.context.actor, filter),
            filter,
            order_by,
            partial(commerce_ordering, m.SalesOrder),
            SalesOrder.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One sales order; null if missing or not yours to see.")
    async def sales_order(self, info: Info, id: Id) -> SalesOrder | None:
        try:
            order_id = decode_id(id, "SalesOrder")
        except Exception:
            return None
        record = await load_by_id(info, "orders_by_id", loaders.orders_by_id, order_id)
        return SalesOrder.from_model(record) if record else None

    @strawberry.field(
        description="A customer's sales (360° view) over the records you may see: ordered, returned,"
        " invoiced, paid and refunded per currency, and counts."
    )
    async def customer_sales(
        self,
        info: Info,
        account_id: Annotated[relay.GlobalID, strawberry.argument(description="The Account.")],
    ) -> CustomerSales:
        session, actor = await info.context.session(), info.context.actor
        account = decode_id(account_id, "Account", "accountId")
        balances = await invoices.customer_balances(session, actor, account)
        order_count, return_count, invoice_count = await invoices.customer_counts(session, actor, account)
        return CustomerSales(
            balances=[CustomerBalance.from_balance(row) for row in balances],
            order_count=order_count,
            return_count=return_count,
            invoice_count=invoice_count,
            account_id=account,
        )


@strawberry.type
class OrderMutation:
    @strawberry.mutation(description="Create a draft order for an account, priced like a quote then frozen.")
    @mutation_payload(SalesOrderPayload)
    async def create_sales_order(self, info: Info, input: Input[CreateSalesOrderInput]) -> SalesOrderPayload:
        session, actor = await info.context.session(), info.context.actor
        lines = [given_values(line, prefix=f"lines.{i}") for i, line in enumerate(input.lines)]
        order = await orders.create_order(session, actor, order_values(input, skip=("lines",)), lines)
        return payload(order)

    @strawberry.mutation(
        description="Create a draft order from a sent or accepted quote (a sent one is accepted now);"
        " lines, prices, discounts and tax are copied and frozen."
    )
    @mutation_payload(SalesOrderPayload)
    async def create_sales_order_from_quote(
        self,
        info: Info,
        quote_id: Id,
        version: Version,
        input: Input[CreateSalesOrderFromQuoteInput | None] = None,
    ) -> SalesOrderPayload:
        session, actor = await info.context.session(), info.context.actor
        values = order_values(input) if input is not None else {}
        quote_uuid = decode_id(quote_id, "Quote", "quoteId")
        return payload(await orders.create_order_from_quote(session, actor, quote_uuid, version, values))

    @strawberry.mutation(description="Change an order's owner, notes or custom values.")
    @mutation_payload(SalesOrderPayload)
    async def update_sales_order(
        self, info: Info, id: Id, version: Version, input: Input[UpdateSalesOrderInput]
    ) -> SalesOrderPayload:
        session, actor = await info.context.session(), info.context.actor
        order_id = decode_id(id, "SalesOrder")
        return payload(await orders.update_order(session, actor, order_id, version, order_values(input)))

    @strawberry.mutation(description="Confirm a draft order: it can now be delivered and paid.")
    @mutation_payload(SalesOrderPayload)
    async def confirm_sales_order(self, info: Info, id: Id, version: Version) -> SalesOrderPayload:
        session, actor = await info.context.session(), info.context.actor
        return payload(await orders.confirm_order(session, actor, decode_id(id, "SalesOrder"), version))

    @strawberry.mutation(description="Close a delivered order.")
    @mutation_payload(SalesOrderPayload)
    async def close_sales_order(self, info: Info, id: Id, version: Version) -> SalesOrderPayload:
        session, actor = await info.context.session(), info.context.actor
        return payload(await orders.close_order(session, actor, decode_id(id, "SalesOrder"), version))

    @strawberry.mutation(description="Cancel a draft or confirmed order with nothing delivered or paid.")
    @mutation_payload(SalesOrderPayload)
    async def cancel_sales_order(self, info: Info, id: Id, version: Version) -> SalesOrderPayload:
        session, actor = await info.context.session(), info.context.actor
        return payload(await orders.cancel_order(session, actor, decode_id(id, "SalesOrder"), version))

    @strawberry.mutation(
        description="Record a delivery against an order line (never above the ordered quantity)."
    )
    @mutation_payload(SalesOrderDeliveryPayload)
    async def record_sales_order_delivery(
        self, info: Info, input: Input[RecordSalesOrderDeliveryInput]
    ) -> SalesOrderDeliveryPayload:
        session, actor = await info.context.session(), info.context.actor
        values = order_values(input)
        order, delivery = await orders.record_delivery(session, actor, values.pop("order_line_id"), values)
        return SalesOrderDeliveryPayload(
            delivery=SalesOrderDelivery.from_model(delivery), sales_order=SalesOrder.from_model(order)
        )

    @strawberry.mutation(
        description="Record a payment on an order (at most outstanding) or a refund (negative)."
    )
    @mutation_payload(SalesOrderPaymentPayload)
    async def record_sales_order_payment(
        self, info: Info, input: Input[RecordSalesOrderPaymentInput]
    ) -> SalesOrderPaymentPayload:
        session, actor = await info.context.session(), info.context.actor
        values = order_values(input)
        order, payment = await orders.record_payment(session, actor, values.pop("order_id"), values)
        return SalesOrderPaymentPayload(
            payment=SalesOrderPayment.from_model(payment, order.currency),
            sales_order=SalesOrder.from_model(order),
        )

    @strawberry.mutation(
        description="Record goods returned against delivered order lines: refunded (negative payment of what"
        " was paid beyond the new worth) or replaced (to be delivered again)."
    )
    @mutation_payload(SalesReturnPayload)
    async def create_sales_return(
        self, info: Info, input: Input[CreateSalesReturnInput]
    ) -> SalesReturnPayload:
        session, actor = await info.context.session(), info.context.actor
        values = order_values(input, skip=("lines",))
        lines = [
            core_inputs.given_values(line, ORDER_ID_FIELDS, prefix=f"lines.{index}")
            for index, line in enumerate(input.lines)
        ]
        order, returned = await returns.create_return(session, actor, values.pop("order_id"), values, lines)
        return SalesReturnPayload(
            sales_return=SalesReturn.from_model(returned), sales_order=SalesOrder.from_model(order)
        )
