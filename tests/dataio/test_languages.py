# ruff: noqa: RUF001 - Chinese punctuation (full-width commas) is what these tests read
"""Languages: a reader's locale (their own choice, else Accept-Language, else the tenant's) changes error
messages, labels, printed documents and notifications, never codes or field names."""

from __future__ import annotations

import uuid
from datetime import date
from io import BytesIO

from pdfminer.high_level import extract_text

from gateway.jobs import registered_jobs, run_one
from tests.dataio.test_printing import PRINT_QUOTE, pdf_of
from tests.notifications.support import at, inbox
from tests.sales.commerce.documents import SET_PLAN, activated, contract_from_quote, sent_quote
from tests.support import ok

ERRORS = "errors { field code message }"
LANGUAGE = "{ myLanguage { locale preferredLocale tenantLocale translatedLocales } }"
SET_LOCALE = f"""
mutation S($locale: String) {{ setMyLocale(locale: $locale) {{ language {{ locale preferredLocale }} {ERRORS} }} }}"""
NAMELESS_ACCOUNT = f'mutation {{ createAccount(input: {{name: " "}}) {{ account {{ id }} {ERRORS} }} }}'
API_KEYS = "{ apiKeys(first: 5) { totalCount } }"
OPTIONS = (
    '{ optionList(key: "lead_sources") { options { key label baseLabel translations { locale label } } } }'
)
TRANSLATE = f"""
mutation T($input: SetOptionTranslationInput!) {{
  setOptionTranslation(input: $input) {{ option {{ key label translations {{ locale label }} }} {ERRORS} }} }}"""
QUOTE_DATE = "query Q($id: ID!) { node(id: $id) { ... on Quote { quoteDate } } }"

REQUIRED_EN = "This field is required."
REQUIRED_ZH = "此字段为必填项。"
DENIED_EN = "Your role lacks the 'manage_users' capability; ask a tenant admin."
DENIED_ZH = "您的角色缺少“manage_users”权限，请联系租户管理员。"


async def payload_error(client, member, language: str | None = None) -> dict:
    headers = {"accept-language": language} if language else {}
    body = (await client.post(NAMELESS_ACCOUNT, None, member.token, **headers)).json()
    return body["data"]["createAccount"]["errors"][0]


async def top_level_error(client, member, language: str | None = None) -> dict:
    headers = {"accept-language": language} if language else {}
    body = (await client.post(API_KEYS, None, member.token, **headers)).json()
    return body["errors"][0]


async def test_messages_follow_the_users_choice_then_accept_language_then_the_tenant(client, app):
    admin = await client.sign_up()  # an en-US tenant
    sales = await client.add_member(admin, "sales")

    # No choice, no header: the tenant's locale (English).
    assert await payload_error(client, admin) == {"field": "name", "code": "REQUIRED", "message": REQUIRED_EN}
    # Accept-Language decides when the user has no locale of their own (q-values honoured).
    assert await payload_error(client, admin, "fr-FR, zh-CN;q=0.9, en;q=0.5") == {
        "field": "name",
        "code": "REQUIRED",
        "message": REQUIRED_ZH,
    }
    refused = await top_level_error(client, sales, "zh")
    assert (refused["extensions"]["code"], refused["message"]) == ("PERMISSION_DENIED", DENIED_ZH)
    assert (await top_level_error(client, sales, "de-DE, en;q=0.1"))["message"] == DENIED_EN

    # The user's own choice wins over the header, in every tenant and for the rest of the request.
    chosen = (await client.execute(SET_LOCALE, {"locale": "zh-Hans-CN"}, sales.token))["setMyLocale"]
    assert chosen == {"language": {"locale": "zh-CN", "preferredLocale": "zh-CN"}, "errors": []}
    refused = await top_level_error(client, sales, "en-US")
    assert (refused["extensions"]["code"], refused["message"]) == ("PERMISSION_DENIED", DENIED_ZH)
    language = (await client.execute(LANGUAGE, None, sales.token))["myLanguage"]
    assert language == {
        "locale": "zh-CN",
        "preferredLocale": "zh-CN",
        "tenantLocale": "en-US",
        "translatedLocales": ["en", "zh-CN"],
    }
    # Clearing it hands the choice back to the header, then the tenant.
    await client.execute(SET_LOCALE, {"locale": None}, sales.token)
    assert (await top_level_error(client, sales))["message"] == DENIED_EN
    # The admin's choice is the admin's alone.
    assert (await payload_error(client, admin))["message"] == REQUIRED_EN


async def test_a_chinese_tenant_reads_chinese_and_a_bad_locale_is_refused_in_the_readers_language(
    client, app
):
    admin = await client.sign_up("上海贸易", locale="zh-CN")
    assert (await payload_error(client, admin))["message"] == REQUIRED_ZH
    assert (await payload_error(client, admin, "en"))["message"] == REQUIRED_EN

    refused = (await client.execute(SET_LOCALE, {"locale": "xx-nowhere"}, admin.token))["setMyLocale"]
    assert refused == {
        "language": None,
        "errors": [
            {
                "field": "locale",
                "code": "INVALID",
                "message": "“xx-nowhere”不是已知的语言区域，例如 zh-CN、en-US 或 de-DE。",
            }
        ],
    }
    english = (await client.execute(SET_LOCALE, {"locale": "en-GB"}, admin.token))["setMyLocale"]
    assert english["language"]["locale"] == "en-GB"
    refused = (await client.execute(SET_LOCALE, {"locale": "x" * 40}, admin.token))["setMyLocale"]
    assert (
        refused["errors"][0]["message"]
        == f"'{'x' * 40}' is not a known locale such as zh-CN, en-US or de-DE."
    )


def long_date(day: date, language: str) -> str:
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day:%B} {day.day}, {day.year}"


async def test_a_printed_quote_follows_the_readers_language_dates_and_amounts(client, app):
    admin = await client.sign_up("Acme Trading")
    quote = await sent_quote(client, admin)
    day = date.fromisoformat(
        (await client.execute(QUOTE_DATE, {"id": quote["id"]}, admin.token))["node"]["quoteDate"]
    )

    async def printed_text(language: str) -> str:
        response = await client.post(
            PRINT_QUOTE, {"id": quote["id"]}, admin.token, **{"accept-language": language}
        )
        payload = response.json()["data"]["printQuote"]
        assert payload["errors"] == [], payload
        return " ".join(extract_text(BytesIO(await pdf_of(client, admin, payload["document"]["id"]))).split())

    english = await printed_text("en")
    assert f"Quotation {quote['number']}" in english
    # pdfminer reads a table column by column: labels and values are checked apart.
    assert long_date(day, "en") in english and all(word in english for word in ("Date", "Customer", "Total"))
    assert "€240.00" in english and "In words: Two hundred forty and 00/100 euros" in english
    assert "大写" not in english

    chinese = await printed_text("zh-CN")
    assert f"报价单 {quote['number']}" in chinese
    assert long_date(day, "zh") in chinese and all(word in chinese for word in ("日期", "客户", "总计"))
    assert "€240.00" in chinese and "大写金额: 贰佰肆拾元整 (EUR)" in chinese
    assert "单价" in chinese and "Unit price" not in chinese

    # A locale without translations still formats in its own way.
    await client.execute(SET_LOCALE, {"locale": "de-DE"}, admin.token)
    german = await printed_text("zh-CN")  # the user's own choice wins over the header
    assert "240,00 €" in german and "€240.00" not in german and f"{day.day}. " in german


async def test_option_labels_translate_built_in_and_per_tenant(client, app):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    sales = await client.add_member(admin, "sales")

    async def web(member, language: str | None = None) -> dict:
        headers = {"accept-language": language} if language else {}
        body = (await client.post(OPTIONS, None, member.token, **headers)).json()
        return next(o for o in body["data"]["optionList"]["options"] if o["key"] == "web")

    assert (await web(admin))["label"] == "Web form"
    assert (await web(admin, "zh-CN"))["label"] == "网站表单"  # the built-in default's translation

    variables = {"input": {"listKey": "lead_sources", "key": "web", "locale": "zh-CN", "label": "官网"}}
    translated = (await client.execute(TRANSLATE, variables, admin.token))["setOptionTranslation"]
    assert translated["errors"] == [] and translated["option"]["translations"] == [
        {"locale": "zh-CN", "label": "官网"}
    ]
    assert (await web(admin, "zh")) == {
        "key": "web",
        "label": "官网",
        "baseLabel": "Web form",
        "translations": [{"locale": "zh-CN", "label": "官网"}],
    }
    assert (await web(admin, "en"))["label"] == "Web form"
    # Another tenant keeps the built-in translation and sees none of this tenant's.
    assert (await web(other, "zh-CN"))["label"] == "网站表单"
    assert (await web(other))["translations"] == []

    bad = {"input": {**variables["input"], "locale": "zz-ZZ-nope"}}
    assert (await client.execute(TRANSLATE, bad, admin.token))["setOptionTranslation"]["errors"] == [
        {
            "field": "locale",
            "code": "INVALID",
            "message": "'zz-ZZ-nope' is not a known locale such as zh-CN, en-US or de-DE.",
        }
    ]
    missing = {"input": {**variables["input"], "key": "nope"}}
    assert (await client.execute(TRANSLATE, missing, admin.token))["setOptionTranslation"]["errors"] == [
        {"field": "key", "code": "NOT_FOUND", "message": "The list 'lead_sources' has no option 'nope'."}
    ]
    denied = (await client.post(TRANSLATE, variables, sales.token)).json()
    assert denied["data"]["setOptionTranslation"] is None
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # Removing the translation brings back the built-in one.
    removed = {"input": {**variables["input"], "label": None}}
    assert (await client.execute(TRANSLATE, removed, admin.token))["setOptionTranslation"]["errors"] == []
    assert (await web(admin, "zh-CN"))["label"] == "网站表单"


async def test_notifications_are_worded_in_each_recipients_language(client, services):
    admin = await client.sign_up()
    contract = await contract_from_quote(client, admin, startDate="2030-01-01", endDate="2030-12-31")
    installments = [{"dueDate": "2030-03-01", "amount": "100"}, {"dueDate": "2030-04-01", "amount": "140"}]
    variables = {"id": contract["id"], "version": contract["version"], "installments": installments}
    planned = await ok(client, admin, SET_PLAN, variables, "setPaymentPlan")
    await activated(client, admin, planned["contract"])
    number = contract["number"]

    async def reminders_at(moment: str) -> None:
        job = "commerce.reminders"
        outcome = await run_one(
            services.db, job, registered_jobs()[job], uuid.UUID(admin.tenant_id), at(moment)
        )
        assert not outcome.failed, outcome

    async def newest() -> tuple[str, str]:
        node = (await inbox(client, admin, first=1))["notifications"]["edges"][0]["node"]
        body = await client.execute(
            "query N($id: ID!) { node(id: $id) { ... on Notification { body } } }",
            {"id": node["id"]},
            admin.token,
        )
        return node["subject"], body["node"]["body"]

    await client.execute(SET_LOCALE, {"locale": "zh-CN"}, admin.token)
    await reminders_at("2030-02-27T09:00:00+00:00")
    assert await newest() == (f"合同 {number} 的第 1 期款项将于 2030年3月1日 到期", "€100.00。")

    await client.execute(SET_LOCALE, {"locale": None}, admin.token)  # back to the tenant's en-US
    await reminders_at("2030-03-30T09:00:00+00:00")
    assert await newest() == (f"Installment 2 of contract {number} is due on 2030-04-01", "140.0000 EUR.")
