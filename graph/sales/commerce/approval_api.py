"""Approvals on sales (issue 15): the tenant's thresholds and asking for an approval."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import UNSET, relay

from graph.approvals.types import ApprovalRequest
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.ids import decode_id
from graph.money.service import base_currency
from graph.sales.commerce import approval_rules, sales_approvals
from graph.sales.commerce import models as m
from graph.sales.commerce.catalog_types import amount, plain
from graph.sales.commerce.order_api import order_values

Errors = strawberry.field(default_factory=list, description="What went wrong, if anything.")


@strawberry.enum(description="What on a sales record is sent through approval.")
class SalesApprovalSubject(Enum):
    QUOTE_DISCOUNT = approval_rules.QUOTE_DISCOUNT
    CONTRACT_AMOUNT = approval_rules.CONTRACT_AMOUNT
    ORDER_CANCELLATION = approval_rules.ORDER_CANCELLATION
    REFUND = approval_rules.REFUND


NODE_TYPES = {
    SalesApprovalSubject.QUOTE_DISCOUNT: "Quote",
    SalesApprovalSubject.CONTRACT_AMOUNT: "Contract",
    SalesApprovalSubject.ORDER_CANCELLATION: "SalesOrder",
    SalesApprovalSubject.REFUND: "SalesOrder",
}


@strawberry.type(description="When sales records need an approval; null thresholds: never.")
class SalesApprovalSettings:
    quote_discount_percent: Decimal | None = strawberry.field(
        description="A quote discount above this percentage needs approval before it is sent."
    )
    contract_amount: Decimal | None = strawberry.field(
        description="A contract above this base-currency amount needs approval before it is activated."
    )
    order_cancellation: bool = strawberry.field(description="Cancelling an order needs approval.")
    refund_amount: Decimal | None = strawberry.field(
        description="A refund above this base-currency amount needs approval."
    )
    currency: str = strawberry.field(description="The tenant's base currency of the amounts.")

    @classmethod
    def from_model(cls, row: m.SalesApprovalSettings, currency: str) -> SalesApprovalSettings:
        return cls(
            quote_discount_percent=plain(row.quote_discount_percent)
            if row.quote_discount_percent is not None
            else None,
            contract_amount=amount(row.contract_amount, currency)
            if row.contract_amount is not None
            else None,
            order_cancellation=row.order_cancellation,
            refund_amount=amount(row.refund_amount, currency) if row.refund_amount is not None else None,
            currency=currency,
        )


@strawberry.input(description="Changes to the approval thresholds; fields you leave out stay as they are.")
class SalesApprovalSettingsInput:
    quote_discount_percent: Decimal | None = strawberry.field(
        default=UNSET, description="0-99.9999; null: never."
    )
    contract_amount: Decimal | None = strawberry.field(default=UNSET, description=">= 0; null: never.")
    order_cancellation: bool | None = strawberry.field(default=UNSET, description="Ask before cancelling.")
    refund_amount: Decimal | None = strawberry.field(default=UNSET, description=">= 0; null: never.")


@strawberry.type(description="Result of setSalesApprovalSettings.")
class SalesApprovalSettingsPayload:
    settings: SalesApprovalSettings | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of requestSalesApproval.")
class SalesApprovalPayload:
    approval_request: ApprovalRequest | None = strawberry.field(
        default=None, description="The request, walking the tenant's chain for the subject."
    )
    errors: list[UserError] = Errors


@strawberry.type
class SalesApprovalQuery:
    @strawberry.field(description="When sales records need an approval (any member may read it).")
    async def sales_approval_settings(self, info: Info) -> SalesApprovalSettings:
        session, actor = await info.context.session(), info.context.actor
        row = await approval_rules.approval_settings(session, actor.tenant_id)
        return SalesApprovalSettings.from_model(row, await base_currency(session, actor.tenant_id))


@strawberry.type
class SalesApprovalMutation:
    @strawberry.mutation(description="Set the approval thresholds on sales (capability manage_settings).")
    @mutation_payload(SalesApprovalSettingsPayload)
    async def set_sales_approval_settings(
        self,
        info: Info,
        input: Annotated[SalesApprovalSettingsInput, strawberry.argument(description="The changes.")],
    ) -> SalesApprovalSettingsPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await approval_rules.set_approval_settings(session, actor, order_values(input))
        currency = await base_currency(session, actor.tenant_id)
        return SalesApprovalSettingsPayload(settings=SalesApprovalSettings.from_model(row, currency))

    @strawberry.mutation(
        description="Ask for an approval the tenant's settings require (a quote's discount, a contract's"
        " amount, an order's cancellation, a refund); the next step waits until it passes."
    )
    @mutation_payload(SalesApprovalPayload)
    async def request_sales_approval(
        self,
        info: Info,
        subject: Annotated[SalesApprovalSubject, strawberry.argument(description="What is to be approved.")],
        id: Annotated[relay.GlobalID, strawberry.argument(description="The Quote, Contract or SalesOrder.")],
    ) -> SalesApprovalPayload:
        session, actor = await info.context.session(), info.context.actor
        record_id = decode_id(id, NODE_TYPES[subject])
        request = await sales_approvals.request_sales_approval(session, actor, subject.value, record_id)
        return SalesApprovalPayload(approval_request=ApprovalRequest.from_model(request))
