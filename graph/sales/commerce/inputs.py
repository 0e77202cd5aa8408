"""Inputs and payloads of the commerce mutations, and their translation into service values.

Update inputs leave every field UNSET by default: only the fields a caller sends change. Totals are
never inputs: the server computes them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core import inputs as core_inputs
from graph.core.errors import UserError
from graph.sales.commerce.catalog_types import (
    CustomerTypeDiscount,
    PriceList,
    Product,
    ProductLine,
    Promotion,
    VolumeTier,
)
from graph.sales.commerce.types import Contract, Delivery, DeliveryStatus, Payment, PaymentMethod, Quote

Errors = strawberry.field(default_factory=list, description="What went wrong, if anything.")


@strawberry.input(description="A new product line.")
class CreateProductLineInput:
    name: str = strawberry.field(description="1-200 characters, unique per tenant.")
    description: str | None = strawberry.field(default=UNSET, description="Free text.")


@strawberry.input(description="Changes to a product line.")
class UpdateProductLineInput:
    name: str | None = strawberry.field(default=UNSET, description="1-200 characters, unique per tenant.")
    description: str | None = strawberry.field(default=UNSET, description="Free text; null clears it.")


@strawberry.input(description="A new product.")
class CreateProductInput:
    sku: str = strawberry.field(description="1-64 characters, unique per tenant ignoring case.")
    name: str = strawberry.field(description="1-200 characters.")
    unit: str = strawberry.field(description="Unit of sale, 1-20 characters (piece, hour, ...).")
    list_price: Decimal = strawberry.field(description=">= 0, at most four decimals.")
    currency: str = strawberry.field(description="ISO 4217 code of the list price.")
    tax_rate: Decimal | None = strawberry.field(default=UNSET, description="Percent 0-100 (default 0).")
    description: str | None = strawberry.field(default=UNSET, description="Free text.")
    product_line_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A ProductLine.")
    active: bool | None = strawberry.field(default=UNSET, description="Default true.")


@strawberry.input(description="Changes to a product; fields you leave out stay as they are.")
class UpdateProductInput:
    sku: str | None = strawberry.field(default=UNSET, description="Unique per tenant ignoring case.")
    name: str | None = strawberry.field(default=UNSET, description="1-200 characters.")
    unit: str | None = strawberry.field(default=UNSET, description="Unit of sale.")
    list_price: Decimal | None = strawberry.field(default=UNSET, description=">= 0.")
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217 code.")
    tax_rate: Decimal | None = strawberry.field(default=UNSET, description="Percent 0-100.")
    description: str | None = strawberry.field(default=UNSET, description="Free text; null clears it.")
    product_line_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="null detaches it.")
    active: bool | None = strawberry.field(default=UNSET, description="false: no new quote lines.")


@strawberry.input(description="A new price list.")
class CreatePriceListInput:
    name: str = strawberry.field(description="1-200 characters.")
    currency: str = strawberry.field(description="ISO 4217 code of its prices.")
    customer_type: str | None = strawberry.field(default=UNSET, description="Key in `customer_types`.")
    valid_from: date | None = strawberry.field(default=UNSET, description="First day (inclusive).")
    valid_until: date | None = strawberry.field(default=UNSET, description="Last day (inclusive).")
    active: bool | None = strawberry.field(default=UNSET, description="Default true.")


@strawberry.input(description="Changes to a price list.")
class UpdatePriceListInput:
    name: str | None = strawberry.field(default=UNSET, description="1-200 characters.")
    currency: str | None = strawberry.field(default=UNSET, description="Only while it has no prices.")
    customer_type: str | None = strawberry.field(default=UNSET, description="null: any customer type.")
    valid_from: date | None = strawberry.field(default=UNSET, description="First day (inclusive).")
    valid_until: date | None = strawberry.field(default=UNSET, description="Last day (inclusive).")
    active: bool | None = strawberry.field(default=UNSET, description="false: ignored by pricing.")


@strawberry.input(description="One product's price on a list; a null price removes the product.")
class PriceInput:
    product_id: relay.GlobalID = strawberry.field(description="A Product.")
    unit_price: Decimal | None = strawberry.field(description=">= 0 in the list's currency, or null.")


@strawberry.input(description="A new promotion; target a product, a product line, or neither (everything).")
class CreatePromotionInput:
    name: str = strawberry.field(description="1-200 characters.")
    percent: Decimal = strawberry.field(description="Discount percent 0-100.")
    valid_from: date | None = strawberry.field(default=UNSET, description="First day (inclusive).")
    valid_until: date | None = strawberry.field(default=UNSET, description="Last day (inclusive).")
    product_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A Product.")
    product_line_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A ProductLine.")
    active: bool | None = strawberry.field(default=UNSET, description="Default true.")


@strawberry.input(description="Changes to a promotion.")
class UpdatePromotionInput:
    name: str | None = strawberry.field(default=UNSET, description="1-200 characters.")
    percent: Decimal | None = strawberry.field(default=UNSET, description="Discount percent 0-100.")
    valid_from: date | None = strawberry.field(default=UNSET, description="First day (inclusive).")
    valid_until: date | None = strawberry.field(default=UNSET, description="Last day (inclusive).")
    product_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A Product or null.")
    product_line_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="A ProductLine or null."
    )
    active: bool | None = strawberry.field(default=UNSET, description="false: ignored by pricing.")


@strawberry.input(description="A volume tier: from `minQuantity` on, `percent` off.")
class VolumeTierInput:
    min_quantity: Decimal = strawberry.field(description="> 0; unique within the set.")
    percent: Decimal = strawberry.field(description="0-100.")


@strawberry.input(description="A quote line: a product, or free text with a unit price.")
class QuoteLineInput:
    product_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="An active Product.")
    description: str | None = strawberry.field(default=UNSET, description="Defaults to the product name.")
    quantity: Decimal = strawberry.field(description="> 0, at most four decimals.")
    unit_price: Decimal | None = strawberry.field(
        default=UNSET, description="Omit for the applicable price-list or list price; required for free text."
    )
    discount_percent: Decimal | None = strawberry.field(default=UNSET, description="Line discount 0-100.")
    tax_rate: Decimal | None = strawberry.field(default=UNSET, description="Free-text lines only (percent).")
    currency: str | None = strawberry.field(default=UNSET, description="If sent, must be the quote currency.")


@strawberry.input(description="Changes to a quote line; fields you leave out stay as they are.")
class UpdateQuoteLineInput:
    product_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="An active Product.")
    description: str | None = strawberry.field(default=UNSET, description="Text of the line.")
    quantity: Decimal | None = strawberry.field(default=UNSET, description="> 0.")
    unit_price: Decimal | None = strawberry.field(default=UNSET, description="null: back to catalogue price.")
    discount_percent: Decimal | None = strawberry.field(default=UNSET, description="Line discount 0-100.")
    tax_rate: Decimal | None = strawberry.field(default=UNSET, description="Free-text lines only.")
    currency: str | None = strawberry.field(default=UNSET, description="If sent, must be the quote currency.")


@strawberry.input(description="A new quote (draft) for an account.")
class CreateQuoteInput:
    account_id: relay.GlobalID = strawberry.field(
        description="The Account (required, must be visible to you)."
    )
    currency: str = strawberry.field(description="ISO 4217 code of every amount on the quote.")
    opportunity_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="An Opportunity.")
    customer_type: str | None = strawberry.field(default=UNSET, description="Key in `customer_types`.")
    valid_until: date | None = strawberry.field(default=UNSET, description="Default: 30 days from today.")
    cash_discount_percent: Decimal | None = strawberry.field(default=UNSET, description="0-100.")
    terms: str | None = strawberry.field(default=UNSET, description="Terms (max 10,000 characters).")
    notes: str | None = strawberry.field(default=UNSET, description="Notes (max 10,000 characters).")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Owning User; default you.")
    lines: list[QuoteLineInput] | None = strawberry.field(default=UNSET, description="At most 200 lines.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a draft quote's header.")
class UpdateQuoteInput:
    currency: str | None = strawberry.field(default=UNSET, description="Only while the quote has no lines.")
    opportunity_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="An Opportunity.")
    customer_type: str | None = strawberry.field(default=UNSET, description="Key in `customer_types`.")
    valid_until: date | None = strawberry.field(default=UNSET, description="Not before the quote date.")
    cash_discount_percent: Decimal | None = strawberry.field(default=UNSET, description="0-100.")
    terms: str | None = strawberry.field(default=UNSET, description="Terms; null clears them.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes; null clears them.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Owning User.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="The contract terms set when accepting a quote.")
class AcceptQuoteInput:
    start_date: date | None = strawberry.field(default=UNSET, description="Default today.")
    end_date: date | None = strawberry.field(default=UNSET, description="Not before the start date.")
    signatory_contact_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A Contact.")
    terms: str | None = strawberry.field(default=UNSET, description="Default: the quote's terms.")
    custom: JSON | None = strawberry.field(
        default=UNSET,
        description="The contract's custom values by field key; see fieldDefinitions(contract).",
    )


@strawberry.input(description="Changes to a draft contract.")
class UpdateContractInput:
    start_date: date | None = strawberry.field(default=UNSET, description="Start date.")
    end_date: date | None = strawberry.field(default=UNSET, description="End date; null clears it.")
    signatory_contact_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A Contact.")
    terms: str | None = strawberry.field(default=UNSET, description="Terms; null clears them.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="One installment of a payment plan.")
class InstallmentInput:
    due_date: date = strawberry.field(description="When it is due.")
    amount: Decimal = strawberry.field(description="> 0, at most the currency's minor digits.")


@strawberry.input(description="Money received (or refunded, with a negative amount).")
class RecordPaymentInput:
    contract_id: relay.GlobalID = strawberry.field(description="The Contract.")
    received_on: date = strawberry.field(description="Date received.")
    amount: Decimal = strawberry.field(description="At most the outstanding amount; negative: a refund.")
    method: PaymentMethod | None = strawberry.field(default=UNSET, description="Default BANK_TRANSFER.")
    reference: str | None = strawberry.field(default=UNSET, description="Max 200 characters.")


@strawberry.input(description="A delivery against one contract line.")
class RecordDeliveryInput:
    contract_line_id: relay.GlobalID = strawberry.field(description="The ContractLine.")
    quantity: Decimal = strawberry.field(
        description="> 0; with earlier deliveries at most the ordered quantity."
    )
    delivered_on: date = strawberry.field(description="Delivery date.")
    status: DeliveryStatus | None = strawberry.field(
        default=UNSET, description="PENDING or DELIVERED (default)."
    )


@strawberry.type(description="Result of a product line mutation.")
class ProductLinePayload:
    product_line: ProductLine | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of a price list mutation.")
class PriceListPayload:
    price_list: PriceList | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of a promotion mutation.")
class PromotionPayload:
    promotion: Promotion | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of setVolumeTiers: the new tiers.")
class VolumeTiersPayload:
    tiers: list[VolumeTier] = strawberry.field(default_factory=list, description="Lowest threshold first.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of setCustomerTypeDiscount (null discount: removed).")
class CustomerTypeDiscountPayload:
    discount: CustomerTypeDiscount | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of a quote mutation: the quote with recomputed totals, or errors.")
class QuotePayload:
    quote: Quote | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of a contract mutation.")
class ContractPayload:
    contract: Contract | None = strawberry.field(default=None, description="After the change.")
    quote: Quote | None = strawberry.field(default=None, description="The quote (acceptQuote only).")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of recordPayment.")
class PaymentPayload:
    payment: Payment | None = strawberry.field(default=None, description="The recorded payment.")
    contract: Contract | None = strawberry.field(default=None, description="The contract after it.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of recordDelivery / setDeliveryStatus.")
class DeliveryPayload:
    delivery: Delivery | None = strawberry.field(default=None, description="The delivery.")
    contract: Contract | None = strawberry.field(default=None, description="The contract after it.")
    errors: list[UserError] = Errors


# input attribute -> (GraphQL type of the global id, GraphQL field name)
ID_FIELDS = {
    "account_id": ("Account", "accountId"),
    "owner_id": ("User", "ownerId"),
    "product_id": ("Product", "productId"),
    "product_line_id": ("ProductLine", "productLineId"),
    "opportunity_id": ("Opportunity", "opportunityId"),
    "signatory_contact_id": ("Contact", "signatoryContactId"),
    "contract_id": ("Contract", "contractId"),
    "contract_line_id": ("ContractLine", "contractLineId"),
}
RENAMED = {"discount_percent": "line_discount_percent"}


def given_values(data: Any, skip: tuple[str, ...] = (), prefix: str = "") -> dict[str, Any]:
    """The fields the caller sent (see graph/core/inputs.py); `prefix` names a nested input in error
    paths, e.g. "lines.2" gives "lines.2.productId"."""
    return core_inputs.given_values(data, ID_FIELDS, skip=skip, prefix=prefix, renamed=RENAMED)
