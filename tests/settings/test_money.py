"""Currencies, rounding and exchange rates: the money rules every area shares."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import literal, select

from graph.money.service import quantize, rate_on, rate_to_base_sql, validate_currency
from tenants.errors import DomainError
from tests.support import GraphQLClient

SET_BASE = """mutation($c: String!) { setBaseCurrency(currency: $c) {
  settings { baseCurrency } errors { field code message } } }"""
SET_RATE = """mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) {
  rate { id currency effectiveOn rate } errors { field code message } } }"""
DELETE_RATE = """mutation($id: ID!) { deleteExchangeRate(id: $id) {
  rate { id } errors { field code message } } }"""
RATES = """query($c: String) { exchangeRates(filter: {currency: $c}) { edges { node { currency effectiveOn rate } } } }"""


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),  # half-up, not banker's rounding
        ("2.335", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),  # away from zero on a tie
        ("1234.5", "JPY", "1235"),
        ("1.2345", "KWD", "1.235"),
        (str(Decimal(1) / Decimal(3)), "USD", "0.33"),
    ],
)
def test_rounding_to_the_currency_minor_unit(amount: str, currency: str, expected: str) -> None:
    assert quantize(Decimal(amount), currency) == Decimal(expected)


def test_currency_codes() -> None:
    assert validate_currency(" eur ") == "EUR"
    for bad in ["EURO", "", None, "XXX", "ABC"]:
        with pytest.raises(DomainError):
            validate_currency(bad, "currency")


async def rate(client: GraphQLClient, token: str, currency: str, on: str, value: str) -> dict:
    variables = {"input": {"currency": currency, "effectiveOn": on, "rate": value}}
    return await client.mutate(SET_RATE, variables, token, "setExchangeRate")


async def test_conversion_uses_the_rate_in_effect_on_the_date(services, client: GraphQLClient) -> None:
    admin = await client.sign_up("Rates")
    assert (await client.execute(SET_BASE, {"c": "eur"}, admin.token))["setBaseCurrency"]["settings"] == {
        "baseCurrency": "EUR"
    }
    assert (await rate(client, admin.token, "USD", "2026-01-01", "0.9"))["errors"] == []
    assert (await rate(client, admin.token, "USD", "2026-06-01", "0.8"))["errors"] == []
    replaced = await rate(client, admin.token, "USD", "2026-06-01", "0.85")
    assert replaced["rate"]["rate"] == "0.85"

    tenant = uuid.UUID(admin.tenant_id)
    async with services.db.transaction(tenant) as session:
        assert await rate_on(session, tenant, "USD", date(2026, 3, 1)) == Decimal("0.9")
        assert await rate_on(session, tenant, "USD", date(2026, 7, 1)) == Decimal("0.85")
        assert await rate_on(session, tenant, "EUR", date(2020, 1, 1)) == Decimal(1)
        assert await rate_on(session, tenant, "USD", date(2025, 12, 31)) is None
        in_sql = await session.execute(
            select(
                rate_to_base_sql(literal("USD"), literal(date(2026, 7, 1))),
                rate_to_base_sql(literal("EUR"), literal(date(2026, 7, 1))),
                rate_to_base_sql(literal("GBP"), literal(date(2026, 7, 1))),
            )
        )
        assert tuple(in_sql.one()) == (Decimal("0.85"), Decimal(1), None)

    listed = await client.execute(RATES, {"c": "USD"}, admin.token)
    assert [e["node"]["effectiveOn"] for e in listed["exchangeRates"]["edges"]] == [
        "2026-06-01",
        "2026-01-01",
    ]


async def test_bad_rates_and_permissions(client: GraphQLClient) -> None:
    admin = await client.sign_up("Bad rates")
    manager = await client.add_member(admin, "manager")
    assert (await rate(client, admin.token, "EUR", "2026-01-01", "0"))["errors"][0]["field"] == "rate"
    assert (await rate(client, admin.token, "EUR", "2026-01-01", "-1"))["errors"][0]["field"] == "rate"
    assert (await rate(client, admin.token, "DOLLARS", "2026-01-01", "1"))["errors"][0]["field"] == "currency"
    base = await rate(client, admin.token, "USD", "2026-01-01", "2")  # USD is the default base
    assert base["errors"][0]["code"] == "INVALID" and "base currency" in base["errors"][0]["message"]
    bad_base = await client.execute(SET_BASE, {"c": "EURO"}, admin.token)
    assert bad_base["setBaseCurrency"]["errors"][0]["field"] == "currency"

    assert (await rate(client, manager.token, "EUR", "2026-01-01", "1.1"))["errors"][0]["code"] == (
        "PERMISSION_DENIED"
    )
    assert await client.refused(SET_BASE, {"c": "GBP"}, manager.token, "setBaseCurrency") == [
        (None, "PERMISSION_DENIED")
    ]


async def test_another_tenant_cannot_see_or_delete_rates(client: GraphQLClient) -> None:
    a = await client.sign_up("A rates")
    b = await client.sign_up("B rates")
    created = await rate(client, a.token, "EUR", "2026-01-01", "1.1")
    assert (await client.execute(RATES, {}, b.token))["exchangeRates"]["edges"] == []
    deleted = await client.execute(DELETE_RATE, {"id": created["rate"]["id"]}, b.token)
    assert deleted["deleteExchangeRate"]["errors"][0]["code"] == "NOT_FOUND"
    assert len((await client.execute(RATES, {}, a.token))["exchangeRates"]["edges"]) == 1
    gone = await client.execute(DELETE_RATE, {"id": created["rate"]["id"]}, a.token)
    assert gone["deleteExchangeRate"]["errors"] == []


async def test_every_amount_input_refuses_more_decimals_than_its_currency_has(client: GraphQLClient):
    """One validator, one policy: extra decimals are refused (never rounded), per the currency's minor unit."""
    from tests.admin.documents import define_field
    from tests.crm.documents import create_account
    from tests.projects.documents import CREATE_PROJECT
    from tests.sales.pipeline.documents import CREATE_OPPORTUNITY

    admin = await client.sign_up()
    account = await create_account(client, admin, name="Money Co")
    await define_field(client, admin, "account", "deal_size", "CURRENCY_AMOUNT")

    def deal(amount: str, currency: str) -> dict:
        return {"input": {"name": "Deal", "accountId": account["id"], "amount": amount, "currency": currency}}

    async def errors(document: str, variables: dict, name: str) -> list:
        payload = (await client.execute(document, variables, admin.token))[name]
        return [(error["field"], error["code"], error["message"]) for error in payload["errors"]]

    assert await errors(CREATE_OPPORTUNITY, deal("10.005", "EUR"), "createOpportunity") == [
        ("amount", "INVALID", "EUR amounts have at most 2 decimal places.")
    ]
    assert await errors(CREATE_OPPORTUNITY, deal("10.5", "JPY"), "createOpportunity") == [
        ("amount", "INVALID", "JPY amounts have at most 0 decimal places.")
    ]
    assert await errors(CREATE_OPPORTUNITY, deal("10.125", "KWD"), "createOpportunity") == []
    project = {"input": {"name": "P", "budget": "100.001", "currency": "EUR"}}
    assert await errors(CREATE_PROJECT, project, "createProject") == [
        ("budget", "INVALID", "EUR amounts have at most 2 decimal places.")
    ]
    custom = {
        "id": account["id"],
        "version": account["version"],
        "input": {"custom": {"deal_size": {"amount": "1.001", "currency": "EUR"}}},
    }
    update = "mutation($id: ID!, $version: Int!, $input: UpdateAccountInput!) { updateAccount(id: $id, version: $version, input: $input) { errors { field code message } } }"
    assert await errors(update, custom, "updateAccount") == [
        ("custom.deal_size", "INVALID", "EUR amounts have at most 2 decimal places.")
    ]
    # The figure given is the figure kept, shown with the currency's digits.
    kept = (await client.execute(CREATE_OPPORTUNITY, deal("10", "EUR"), admin.token))["createOpportunity"]
    assert kept["opportunity"]["amount"] == "10.00"
