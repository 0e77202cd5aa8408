"""Invoice queries and mutations (issue 15): thin resolvers over `invoices.py`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, paginate
from graph.sales.commerce import invoices
from graph.sales.commerce import models as m
from graph.sales.commerce.order_api import order_values
from graph.sales.commerce.order_types import (
    CustomerBalance,
    InvoiceKind,
    InvoiceReceivables,
    InvoiceStatus,
    SalesInvoice,
)

T = TypeVar("T")
Id = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the invoice.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[int, strawberry.argument(description="The `version` you last read; stale: CONFLICT.")]
Errors = strawberry.field(default_factory=list, description="What went wrong, if anything.")


@strawberry.input(description="An invoice request against one order or one contract (give exactly one).")
class RequestInvoiceInput:
    kind: InvoiceKind = strawberry.field(description="VAT special or ordinary invoice.")
    order_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="The SalesOrder.")
    contract_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="The Contract.")
    amount: Decimal | None = strawberry.field(
        default=UNSET, description="Tax included; default all that remains to invoice."
    )
    buyer_name: str | None = strawberry.field(default=UNSET, description="Buyer's name (max 200).")
    buyer_tax_id: str | None = strawberry.field(default=UNSET, description="Buyer's taxpayer id (max 40).")


@strawberry.input(description="The official number and date of an issued invoice.")
class IssueInvoiceInput:
    invoice_number: str = strawberry.field(description="1-40 characters, unique per tenant.")
    invoice_date: date | None = strawberry.field(default=UNSET, description="Default today (UTC).")


@strawberry.input(description="Invoice conditions; all given ones must hold.")
class InvoiceFilter:
    status: InvoiceStatus | None = strawberry.field(default=None, description="In this status.")
    order_id: relay.GlobalID | None = strawberry.field(default=None, description="Against this SalesOrder.")
    contract_id: relay.GlobalID | None = strawberry.field(default=None, description="Against this Contract.")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="For this Account.")


@strawberry.type(description="Result of an invoice mutation.")
class InvoicePayload:
    invoice: SalesInvoice | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


def invoice_conditions(filter: InvoiceFilter | None) -> list[Any]:
    if filter is None:
        return []
    conditions: list[Any] = []
    if filter.status is not None:
        conditions.append(m.SalesInvoice.status == filter.status.value)
    pairs = (
        (filter.order_id, "SalesOrder", "orderId", m.SalesInvoice.order_id),
        (filter.contract_id, "Contract", "contractId", m.SalesInvoice.contract_id),
        (filter.account_id, "Account", "accountId", m.SalesInvoice.account_id),
    )
    for given, type_name, field, column in pairs:
        if given is not None:
            conditions.append(column == decode_id(given, type_name, f"filter.{field}"))
    return conditions


def payload(invoice: m.SalesInvoice) -> InvoicePayload:
    return InvoicePayload(invoice=SalesInvoice.from_model(invoice))


@strawberry.type
class InvoiceQuery:
    @strawberry.field(description="Invoices of the orders and contracts you may see, oldest first.")
    async def invoices(
        self,
        info: Info,
        filter: Annotated[InvoiceFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[SalesInvoice]:
        statement = (
            invoices.visible_invoices(info.context.actor)
            .where(*invoice_conditions(filter))
            .order_by(m.SalesInvoice.created_at, m.SalesInvoice.id)
        )
        session = await info.context.session()
        return await paginate(session, statement, SalesInvoice.from_model, first, after, before, last)

    @strawberry.field(
        description="Per customer and currency: ordered (orders and contracts past draft, less returns),"
        " invoiced (issued or sent) and paid (less refunds), over the records you may see."
    )
    async def invoice_receivables(
        self,
        info: Info,
        account_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this Account.")
        ] = None,
    ) -> InvoiceReceivables:
        account = decode_id(account_id, "Account", "accountId") if account_id is not None else None
        rows = await invoices.customer_balances(await info.context.session(), info.context.actor, account)
        return InvoiceReceivables(customers=[CustomerBalance.from_balance(row) for row in rows])


@strawberry.type
class InvoiceMutation:
    @strawberry.mutation(
        description="Request an invoice against an order or contract (invoiced <= its worth)."
    )
    @mutation_payload(InvoicePayload)
    async def request_invoice(self, info: Info, input: Input[RequestInvoiceInput]) -> InvoicePayload:
        session, actor = await info.context.session(), info.context.actor
        return payload(await invoices.request_invoice(session, actor, order_values(input)))

    @strawberry.mutation(description="Record that a requested invoice was issued, with its official number.")
    @mutation_payload(InvoicePayload)
    async def issue_invoice(
        self, info: Info, id: Id, version: Version, input: Input[IssueInvoiceInput]
    ) -> InvoicePayload:
        session, actor = await info.context.session(), info.context.actor
        values = order_values(input)
        invoice = await invoices.issue_invoice(session, actor, decode_id(id, "SalesInvoice"), version, values)
        return payload(invoice)

    @strawberry.mutation(description="Record that an issued invoice was sent to the customer.")
    @mutation_payload(InvoicePayload)
    async def send_invoice(self, info: Info, id: Id, version: Version) -> InvoicePayload:
        session, actor = await info.context.session(), info.context.actor
        return payload(await invoices.send_invoice(session, actor, decode_id(id, "SalesInvoice"), version))

    @strawberry.mutation(
        description="Red-letter reverse an issued or sent invoice (reason required), or withdraw a request."
    )
    @mutation_payload(InvoicePayload)
    async def reverse_invoice(
        self,
        info: Info,
        id: Id,
        version: Version,
        reason: Annotated[str | None, strawberry.argument(description="Why (max 2000).")] = None,
    ) -> InvoicePayload:
        session, actor = await info.context.session(), info.context.actor
        invoice_id = decode_id(id, "SalesInvoice")
        return payload(await invoices.reverse_invoice(session, actor, invoice_id, version, reason))
