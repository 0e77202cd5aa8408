"""Tax and the cash (early-payment) discount: the discounts shown on the invoice lower the tax base, the
cash discount only where the tenant's rule says so (China's default: it does not, it is a financial
expense). Checked on a quote of 1 x 100.00 with a 10 % line discount, a 2 % cash discount and 13 % VAT:
net 88.20 either way; tax 13 % of 90.00 = 11.70 when the cash discount leaves the base alone, 13 % of
88.20 = 11.47 when it lowers it."""

from __future__ import annotations

import uuid

from tests.crm.documents import create_account
from tests.sales.commerce.documents import UPDATE_QUOTE, create_product, create_quote, ok

SET_RULE = """mutation($r: Boolean) { setCashDiscountTaxRule(reducesTaxBase: $r) {
  settings { cashDiscountReducesTaxBase isDefault } errors { field code message } } }"""


async def discounted_quote(client, member) -> dict:
    account = await create_account(client, member, name="Hualei Tech")
    sku = f"SKU-{uuid.uuid4().hex[:8]}"
    product = await create_product(client, member, sku=sku, listPrice="100", taxRate="13", currency="CNY")
    return await create_quote(
        client,
        member,
        account["id"],
        currency="CNY",
        cashDiscountPercent="2",
        lines=[{"productId": product["id"], "quantity": "1", "discountPercent": "10"}],
    )


def tax_figures(quote: dict) -> tuple[str, ...]:
    return (quote["grossTotal"], quote["netTotal"], quote["taxTotal"], quote["total"])


async def test_in_china_a_cash_discount_does_not_lower_the_vat_base(client) -> None:
    admin = await client.sign_up("Hualei", locale="zh-CN")
    quote = await discounted_quote(client, admin)
    assert tax_figures(quote) == ("100.00", "88.20", "11.70", "99.90")
    line = quote["lines"][0]
    assert (line["netAmount"], line["taxAmount"], line["totalAmount"]) == ("88.20", "11.70", "99.90")


async def test_a_tenant_whose_rule_lowers_the_base_taxes_the_amount_after_the_cash_discount(client) -> None:
    admin = await client.sign_up("Hualei", locale="zh-CN")
    quote = await discounted_quote(client, admin)
    await ok(client, admin, SET_RULE, {"r": True}, "setCashDiscountTaxRule")
    # A draft is repriced on its next change.
    repriced = await ok(
        client,
        admin,
        UPDATE_QUOTE,
        {"id": quote["id"], "version": quote["version"], "input": {"cashDiscountPercent": "2"}},
        "updateQuote",
    )
    assert tax_figures(repriced["quote"]) == ("100.00", "88.20", "11.47", "99.67")

    # The locale's default for the United States (sales price excludes cash discounts taken).
    american = await client.sign_up("Acme", locale="en-US")
    assert tax_figures(await discounted_quote(client, american)) == ("100.00", "88.20", "11.47", "99.67")
    # ... and chosen the other way.
    await ok(client, american, SET_RULE, {"r": False}, "setCashDiscountTaxRule")
    assert tax_figures(await discounted_quote(client, american)) == ("100.00", "88.20", "11.70", "99.90")
