"""Quotes through the API: server pricing in the documented order, bad input, the status flow,
revisions, expiry and numbering under concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from gateway.jobs import run_jobs
from tests.crm.documents import create_account
from tests.crm.sql import raw_id
from tests.sales.commerce.documents import (
    ACCEPT_QUOTE,
    ADD_LINE,
    CREATE_PRICE_LIST,
    CREATE_PRODUCT_LINE,
    CREATE_PROMOTION,
    CREATE_QUOTE,
    QUOTE,
    QUOTES,
    REJECT_QUOTE,
    REMOVE_LINE,
    REVISE_QUOTE,
    SEND_QUOTE,
    SET_CUSTOMER_DISCOUNT,
    SET_PRICES,
    SET_TIERS,
    UPDATE_LINE,
    UPDATE_PRODUCT,
    UPDATE_QUOTE,
    create_product,
    create_quote,
    error_pairs,
    ok,
    sent_quote,
)


async def test_discounts_apply_in_order_then_tax_and_totals_add_up(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    line = await ok(client, admin, CREATE_PRODUCT_LINE, {"input": {"name": "Hardware"}}, "createProductLine")
    product = await create_product(
        client, admin, listPrice="60", taxRate="19", productLineId=line["productLine"]["id"]
    )
    wholesale = (
        await ok(
            client,
            admin,
            CREATE_PRICE_LIST,
            {"input": {"name": "Wholesale EUR", "currency": "EUR", "customerType": "wholesale"}},
            "createPriceList",
        )
    )["priceList"]
    await ok(
        client,
        admin,
        SET_PRICES,
        {"id": wholesale["id"], "version": 1, "prices": [{"productId": product["id"], "unitPrice": "50"}]},
        "setPriceListPrices",
    )
    await ok(
        client, admin, CREATE_PROMOTION, {"input": {"name": "Spring", "percent": "5"}}, "createPromotion"
    )
    await ok(
        client,
        admin,
        CREATE_PROMOTION,
        {"input": {"name": "Hardware week", "percent": "3", "productLineId": line["productLine"]["id"]}},
        "createPromotion",
    )
    tiers = [{"minQuantity": "5", "percent": "2"}, {"minQuantity": "10", "percent": "4"}]
    await ok(client, admin, SET_TIERS, {"productId": product["id"], "tiers": tiers}, "setVolumeTiers")
    await ok(
        client,
        admin,
        SET_CUSTOMER_DISCOUNT,
        {"customerType": "wholesale", "percent": "2.5"},
        "setCustomerTypeDiscount",
    )

    quote = await create_quote(
        client,
        admin,
        account["id"],
        customerType="wholesale",
        cashDiscountPercent="2",
        lines=[
            {"productId": product["id"], "quantity": "10", "discountPercent": "10"},
            {"description": "Installation", "quantity": "1", "unitPrice": "99.99", "taxRate": "7"},
        ],
    )

    hardware, service = quote["lines"]
    assert (hardware["unitPrice"], hardware["priceGiven"]) == ("50.00", False)  # from the wholesale list
    assert [
        hardware[key]
        for key in (
            "discountPercent",
            "promotionPercent",
            "volumePercent",
            "customerTypePercent",
            "cashPercent",
        )
    ] == ["10", "5", "4", "2.5", "2"]  # best promotion wins (5 over 3); tier for 10 pieces
    assert (hardware["grossAmount"], hardware["netAmount"]) == ("500.00", "392.14")
    assert (hardware["taxAmount"], hardware["totalAmount"]) == ("74.51", "466.65")
    # Free text: line discount none, no promotion/tier, but customer-type and cash discounts apply.
    # 99.99 * 0.975 * 0.98 = 95.540445 -> 95.54; tax 7 % = 6.6878 -> 6.69
    assert (service["promotionPercent"], service["volumePercent"]) == ("0", "0")
    assert (service["netAmount"], service["taxAmount"], service["totalAmount"]) == ("95.54", "6.69", "102.23")
    assert (quote["grossTotal"], quote["netTotal"], quote["taxTotal"], quote["total"]) == (
        "599.99",
        "487.68",
        "81.20",
        "568.88",
    )
    assert quote["discountTotal"] == "112.31"
    assert quote["number"] == f"QUO-{datetime.now(UTC).year}-0001"


async def test_totals_are_recomputed_on_every_change(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    product = await create_product(client, admin, listPrice="100", taxRate="20")
    quote = await create_quote(client, admin, account["id"])
    assert (quote["total"], quote["lines"], quote["version"]) == ("0.00", [], 1)

    added = await ok(
        client,
        admin,
        ADD_LINE,
        {
            "quoteId": quote["id"],
            "version": quote["version"],
            "input": {"productId": product["id"], "quantity": "3"},
        },
        "addQuoteLine",
    )
    quote = added["quote"]
    assert (quote["netTotal"], quote["taxTotal"], quote["total"]) == ("300.00", "60.00", "360.00")
    assert quote["version"] == 2

    line_id = quote["lines"][0]["id"]
    changed = await ok(
        client,
        admin,
        UPDATE_LINE,
        {"id": line_id, "version": quote["version"], "input": {"unitPrice": "33.3333"}},
        "updateQuoteLine",
    )
    quote = changed["quote"]
    assert (quote["lines"][0]["unitPrice"], quote["lines"][0]["priceGiven"]) == ("33.3333", True)
    assert (quote["netTotal"], quote["total"]) == ("100.00", "120.00")  # 99.9999 -> 100.00

    header = await ok(
        client,
        admin,
        UPDATE_QUOTE,
        {"id": quote["id"], "version": quote["version"], "input": {"cashDiscountPercent": "50"}},
        "updateQuote",
    )
    assert (header["quote"]["netTotal"], header["quote"]["total"]) == ("50.00", "60.00")
    assert header["quote"]["version"] == quote["version"] + 1

    stale = (
        await client.execute(
            UPDATE_QUOTE,
            {"id": quote["id"], "version": quote["version"], "input": {"notes": "x"}},
            admin.token,
        )
    )["updateQuote"]
    assert error_pairs(stale) == [("version", "CONFLICT")]

    removed = await ok(
        client, admin, REMOVE_LINE, {"id": line_id, "version": header["quote"]["version"]}, "removeQuoteLine"
    )
    assert (removed["quote"]["lines"], removed["quote"]["total"]) == ([], "0.00")


async def test_price_list_choice_validity_and_currency_mismatch(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    product = await create_product(client, admin, listPrice="10", currency="USD")
    today = datetime.now(UTC).date()

    async def price_list(name: str, price: str, **values):
        created = (
            await ok(
                client,
                admin,
                CREATE_PRICE_LIST,
                {"input": {"name": name, "currency": "EUR", **values}},
                "createPriceList",
            )
        )["priceList"]
        await ok(
            client,
            admin,
            SET_PRICES,
            {"id": created["id"], "version": 1, "prices": [{"productId": product["id"], "unitPrice": price}]},
            "setPriceListPrices",
        )

    # No EUR price anywhere: the USD list price cannot be used on a EUR quote.
    mismatch = (
        await client.execute(
            CREATE_QUOTE,
            {
                "input": {
                    "accountId": account["id"],
                    "currency": "EUR",
                    "lines": [{"productId": product["id"], "quantity": "1"}],
                }
            },
            admin.token,
        )
    )["createQuote"]
    assert error_pairs(mismatch) == [("lines.0.productId", "INVALID")]

    await price_list("General", "9")
    await price_list("Future", "1", validFrom=(today + timedelta(days=1)).isoformat())
    await price_list("Expired", "2", validUntil=(today - timedelta(days=1)).isoformat())
    await price_list("Retail", "8", customerType="retail")

    general = await create_quote(
        client, admin, account["id"], lines=[{"productId": product["id"], "quantity": "1"}]
    )
    retail = await create_quote(
        client,
        admin,
        account["id"],
        customerType="retail",
        lines=[{"productId": product["id"], "quantity": "1"}],
    )
    usd = await create_quote(
        client, admin, account["id"], currency="USD", lines=[{"productId": product["id"], "quantity": "1"}]
    )
    assert general["lines"][0]["unitPrice"] == "9.00"
    assert retail["lines"][0]["unitPrice"] == "8.00"
    assert usd["lines"][0]["unitPrice"] == "10.00"


async def test_bad_quote_input_is_refused_with_field_errors(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    account = await create_account(client, admin)
    product = await create_product(client, admin)
    inactive = await create_product(client, admin, sku="OLD-1")
    await ok(
        client,
        admin,
        UPDATE_PRODUCT,
        {"id": inactive["id"], "version": 1, "input": {"active": False}},
        "updateProduct",
    )
    foreign = await create_product(client, other, sku="THEIRS")

    def line(**values):
        return {
            "input": {"accountId": account["id"], "currency": "EUR", "lines": [{"quantity": "1", **values}]}
        }

    cases = [
        ({"input": {"accountId": account["id"], "currency": "EURO"}}, [("currency", "INVALID")]),
        (
            {"input": {"accountId": account["id"], "currency": "EUR", "cashDiscountPercent": "100.5"}},
            [("cashDiscountPercent", "INVALID")],
        ),
        (
            {"input": {"accountId": account["id"], "currency": "EUR", "validUntil": "2000-01-01"}},
            [("validUntil", "INVALID")],
        ),
        ({"input": {"accountId": product["id"], "currency": "EUR"}}, [("accountId", "NOT_FOUND")]),
        (
            {"input": {"accountId": account["id"], "currency": "EUR", "customerType": "vip"}},
            [("customerType", "INVALID")],
        ),
        (line(productId=product["id"], quantity="-1"), [("lines.0.quantity", "INVALID")]),
        (line(productId=product["id"], quantity="0"), [("lines.0.quantity", "INVALID")]),
        (line(productId=product["id"], discountPercent="101"), [("lines.0.discountPercent", "INVALID")]),
        (line(productId=product["id"], discountPercent="-1"), [("lines.0.discountPercent", "INVALID")]),
        (line(productId=product["id"], unitPrice="-5"), [("lines.0.unitPrice", "INVALID")]),
        (line(productId=product["id"], unitPrice="1.00001"), [("lines.0.unitPrice", "INVALID")]),
        (line(productId=product["id"], currency="USD"), [("lines.0.currency", "INVALID")]),
        (line(productId=inactive["id"]), [("lines.0.productId", "INVALID")]),
        (line(productId=foreign["id"]), [("lines.0.productId", "NOT_FOUND")]),
        (line(productId=account["id"]), [("lines.0.productId", "NOT_FOUND")]),
        (line(description="Consulting"), [("lines.0.unitPrice", "REQUIRED")]),
        (line(unitPrice="10"), [("lines.0.description", "REQUIRED")]),
        (line(productId=product["id"], taxRate="5"), [("lines.0.taxRate", "INVALID")]),
    ]
    for variables, expected in cases:
        payload = (await client.execute(CREATE_QUOTE, variables, admin.token))["createQuote"]
        assert error_pairs(payload) == expected, variables
        assert payload["quote"] is None
    listed = (await client.execute(QUOTES, {}, admin.token))["quotes"]
    assert listed["totalCount"] == 0  # nothing half-written, and no number consumed by the failures
    first = await create_quote(client, admin, account["id"])
    assert first["number"].endswith("-0001")


async def test_sent_quote_is_immutable_and_revise_makes_a_new_draft(client):
    admin = await client.sign_up()
    quote = await sent_quote(client, admin)
    assert (quote["status"], quote["total"]) == ("SENT", "240.00")
    line_id = quote["lines"][0]["id"]
    version = quote["version"]

    attempts = [
        (UPDATE_QUOTE, {"id": quote["id"], "version": version, "input": {"notes": "x"}}, "updateQuote"),
        (
            ADD_LINE,
            {
                "quoteId": quote["id"],
                "version": version,
                "input": {"description": "x", "quantity": "1", "unitPrice": "1"},
            },
            "addQuoteLine",
        ),
        (UPDATE_LINE, {"id": line_id, "version": version, "input": {"quantity": "5"}}, "updateQuoteLine"),
        (REMOVE_LINE, {"id": line_id, "version": version}, "removeQuoteLine"),
        (SEND_QUOTE, {"id": quote["id"], "version": version}, "sendQuote"),
    ]
    for document, variables, name in attempts:
        payload = (await client.execute(document, variables, admin.token))[name]
        assert [code for _, code in error_pairs(payload)] == ["INVALID_TRANSITION"], name
    unchanged = (await client.execute(QUOTE, {"id": quote["id"]}, admin.token))["quote"]
    assert (unchanged["version"], unchanged["total"], len(unchanged["lines"])) == (version, "240.00", 1)

    revision = (
        await ok(client, admin, REVISE_QUOTE, {"id": quote["id"], "version": version}, "reviseQuote")
    )["quote"]
    assert (revision["number"], revision["revision"], revision["status"]) == (quote["number"], 2, "DRAFT")
    assert revision["previousRevision"] == {"id": quote["id"], "status": "SUPERSEDED"}
    assert [x["quantity"] for x in revision["lines"]] == ["2"]
    assert (revision["total"], revision["version"]) == ("240.00", 1)
    again = (await client.execute(REVISE_QUOTE, {"id": quote["id"], "version": version + 1}, admin.token))[
        "reviseQuote"
    ]
    assert [code for _, code in error_pairs(again)] == ["INVALID_TRANSITION"]
    edited = await ok(
        client,
        admin,
        UPDATE_LINE,
        {"id": revision["lines"][0]["id"], "version": revision["version"], "input": {"quantity": "1"}},
        "updateQuoteLine",
    )
    assert edited["quote"]["total"] == "120.00"
    old = (await client.execute(ACCEPT_QUOTE, {"id": quote["id"], "version": version + 1}, admin.token))[
        "acceptQuote"
    ]
    assert [code for _, code in error_pairs(old)] == ["INVALID_TRANSITION"]


async def test_reject_and_send_rules(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    empty = await create_quote(client, admin, account["id"])
    payload = (
        await client.execute(SEND_QUOTE, {"id": empty["id"], "version": empty["version"]}, admin.token)
    )["sendQuote"]
    assert error_pairs(payload) == [("id", "INVALID")]
    draft_reject = (
        await client.execute(REJECT_QUOTE, {"id": empty["id"], "version": empty["version"]}, admin.token)
    )["rejectQuote"]
    assert [code for _, code in error_pairs(draft_reject)] == ["INVALID_TRANSITION"]

    quote = await sent_quote(client, admin, sku="SKU-2")
    rejected = await ok(
        client, admin, REJECT_QUOTE, {"id": quote["id"], "version": quote["version"]}, "rejectQuote"
    )
    assert rejected["quote"]["status"] == "REJECTED"
    revision = await ok(
        client,
        admin,
        REVISE_QUOTE,
        {"id": quote["id"], "version": rejected["quote"]["version"]},
        "reviseQuote",
    )
    assert revision["quote"]["previousRevision"]["status"] == "REJECTED"


async def test_expire_job_is_idempotent_and_expired_quotes_cannot_be_accepted(client, services):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    product = await create_product(client, admin)
    today = datetime.now(UTC).date()
    quote = await create_quote(
        client,
        admin,
        account["id"],
        validUntil=today.isoformat(),
        lines=[{"productId": product["id"], "quantity": "1"}],
    )
    later = await create_quote(
        client,
        admin,
        account["id"],
        validUntil=(today + timedelta(days=5)).isoformat(),
        lines=[{"productId": product["id"], "quantity": "1"}],
    )
    quote = (
        await ok(client, admin, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote")
    )["quote"]
    await ok(client, admin, SEND_QUOTE, {"id": later["id"], "version": later["version"]}, "sendQuote")

    same_day = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=23)
    await run_jobs(services.db, same_day, only="quotes.expire")
    assert (await client.execute(QUOTE, {"id": quote["id"]}, admin.token))["quote"]["status"] == "SENT"

    tomorrow = same_day + timedelta(hours=2)
    first = await run_jobs(services.db, tomorrow, only="quotes.expire")
    second = await run_jobs(services.db, tomorrow, only="quotes.expire")
    mine = [o.summary for o in first if str(o.tenant_id) == admin.tenant_id]
    assert mine == ["1 quote(s) expired"]
    assert [o.summary for o in second if str(o.tenant_id) == admin.tenant_id] == ["0 quote(s) expired"]

    expired = (await client.execute(QUOTE, {"id": quote["id"]}, admin.token))["quote"]
    assert (expired["status"], expired["version"]) == ("EXPIRED", quote["version"] + 1)
    assert (await client.execute(QUOTE, {"id": later["id"]}, admin.token))["quote"]["status"] == "SENT"
    accept = (
        await client.execute(ACCEPT_QUOTE, {"id": quote["id"], "version": expired["version"]}, admin.token)
    )["acceptQuote"]
    assert error_pairs(accept) == [("id", "EXPIRED")]
    assert accept["contract"] is None


async def test_twenty_concurrent_creates_get_twenty_consecutive_numbers(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    year = date.today().year

    async def create(index: int) -> str:
        payload = (
            await client.execute(
                CREATE_QUOTE,
                {"input": {"accountId": account["id"], "currency": "EUR", "notes": str(index)}},
                admin.token,
            )
        )["createQuote"]
        assert payload["errors"] == [], payload
        return payload["quote"]["number"]

    numbers = await asyncio.gather(*(create(index) for index in range(20)))
    assert sorted(numbers) == [f"QUO-{year}-{n:04d}" for n in range(1, 21)]


async def test_a_sent_quote_past_its_date_cannot_be_accepted_before_the_job_runs(client, db):
    admin = await client.sign_up()
    quote = await sent_quote(client, admin)
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute(
            "update quotes set valid_until = current_date - 1, quote_date = current_date - 30 where id = $1",
            raw_id(quote["id"]),
        )

    payload = (
        await client.execute(ACCEPT_QUOTE, {"id": quote["id"], "version": quote["version"]}, admin.token)
    )["acceptQuote"]
    assert error_pairs(payload) == [("id", "EXPIRED")]
    still = (await client.execute(QUOTE, {"id": quote["id"]}, admin.token))["quote"]
    assert (still["status"], still["contract"]) == ("SENT", None)


async def test_quote_and_contract_numbers_follow_the_tenants_pattern(client):
    admin = await client.sign_up()
    set_pattern = """mutation($sequence: String!, $pattern: String!) {
      setNumberingPattern(sequence: $sequence, pattern: $pattern) { errors { field code } } }"""
    await ok(
        client,
        admin,
        set_pattern,
        {"sequence": "quote", "pattern": "Q{YY}{MM}-{SEQ:3}"},
        "setNumberingPattern",
    )
    await ok(
        client, admin, set_pattern, {"sequence": "contract", "pattern": "C-{SEQ}"}, "setNumberingPattern"
    )
    now = datetime.now(UTC)

    quote = await sent_quote(client, admin)
    accepted = await ok(
        client, admin, ACCEPT_QUOTE, {"id": quote["id"], "version": quote["version"]}, "acceptQuote"
    )

    assert quote["number"] == f"Q{now:%y%m}-001"
    assert accepted["contract"]["number"] == "C-1"
