"""A tenant's locale: sign-up takes it with a base currency (defaulting from the locale's country), and it
sets the default of the cash-discount tax rule, which the tenant may then choose explicitly."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, SIGN_UP, GraphQLClient, error_pairs, unique_email

SETTINGS = """{ currencySettings { baseCurrency locale }
  taxSettings { cashDiscountReducesTaxBase isDefault } }"""
SET_RULE = """mutation($r: Boolean) { setCashDiscountTaxRule(reducesTaxBase: $r) {
  settings { cashDiscountReducesTaxBase isDefault } errors { field code message } } }"""


async def sign_up(client: GraphQLClient, **regional: str | None) -> dict:
    variables = {
        "input": {
            "tenantName": "Regional",
            "email": unique_email("regional"),
            "password": PASSWORD,
            "fullName": "Wei Zhang",
            **regional,
        }
    }
    return (await client.execute(SIGN_UP, variables))["signUp"]


@pytest.mark.parametrize(
    ("regional", "expected"),
    [
        ({"locale": "zh-CN"}, {"baseCurrency": "CNY", "locale": "zh-CN"}),
        ({"locale": "en-US"}, {"baseCurrency": "USD", "locale": "en-US"}),
        ({"locale": "de_DE"}, {"baseCurrency": "EUR", "locale": "de-DE"}),
        ({"locale": "ja"}, {"baseCurrency": "JPY", "locale": "ja"}),  # CLDR's likely country, Japan
        ({"locale": "zh-CN", "baseCurrency": "usd"}, {"baseCurrency": "USD", "locale": "zh-CN"}),
        ({}, {"baseCurrency": "USD", "locale": "en-US"}),
    ],
)
async def test_sign_up_takes_a_locale_and_a_base_currency(client, regional, expected) -> None:
    payload = await sign_up(client, **regional)
    assert payload["errors"] == []
    settings = (await client.execute(SETTINGS, token=payload["token"]))["currencySettings"]
    assert settings == expected


async def test_sign_up_refuses_an_unknown_locale_or_currency_with_typed_errors(client) -> None:
    both = await sign_up(client, locale="xx-YY", baseCurrency="ABC")
    assert both["token"] is None
    assert error_pairs(both) == [("locale", "INVALID"), ("baseCurrency", "INVALID")]
    assert both["errors"][0]["message"] == "'xx-YY' is not a known locale such as zh-CN, en-US or de-DE."
    assert both["errors"][1]["message"] == "'ABC' is not an ISO 4217 currency code such as EUR or USD."

    no_country = await sign_up(client, locale="es-419")
    assert no_country["errors"] == [
        {
            "field": "baseCurrency",
            "code": "REQUIRED",
            "message": "The locale es-419 names no country with a currency; give the base currency (e.g. EUR).",
        }
    ]
    assert (await sign_up(client, locale="es-419", baseCurrency="MXN"))["errors"] == []
    for bad in ["", "zh-CN-" + "x" * 40, "XXX"]:
        field = "baseCurrency" if bad == "XXX" else "locale"
        refused = await sign_up(client, **{field: bad})
        assert error_pairs(refused) == [(field, "INVALID")]


async def test_the_cash_discount_rule_defaults_from_the_locale_and_can_be_chosen(client) -> None:
    china = await client.sign_up("China Co", locale="zh-CN")
    usa = await client.sign_up("US Co", locale="en-US")
    default = {"cashDiscountReducesTaxBase": False, "isDefault": True}
    assert (await client.execute(SETTINGS, token=china.token))["taxSettings"] == default
    assert (await client.execute(SETTINGS, token=usa.token))["taxSettings"] == {
        "cashDiscountReducesTaxBase": True,
        "isDefault": True,
    }

    chosen = (await client.execute(SET_RULE, {"r": True}, china.token))["setCashDiscountTaxRule"]
    assert chosen == {"settings": {"cashDiscountReducesTaxBase": True, "isDefault": False}, "errors": []}
    assert (await client.execute(SETTINGS, token=china.token))["taxSettings"]["isDefault"] is False
    # The other tenant's rule is its own.
    assert (await client.execute(SETTINGS, token=usa.token))["taxSettings"]["isDefault"] is True

    back = (await client.execute(SET_RULE, {"r": None}, china.token))["setCashDiscountTaxRule"]
    assert back["settings"] == default

    sales = await client.add_member(china, "sales")
    assert await client.refused(SET_RULE, {"r": True}, sales.token, "setCashDiscountTaxRule") == [
        (None, "PERMISSION_DENIED")
    ]
    assert (await client.execute(SETTINGS, token=china.token))["taxSettings"] == default
