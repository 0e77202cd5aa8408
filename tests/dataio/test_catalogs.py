"""The message catalogs: every entry usable, placeholders filled, formats per locale (no database)."""

from __future__ import annotations

from babel.messages.pofile import read_po

from tenants import i18n


def test_every_zh_cn_entry_is_translated_and_fills_only_placeholders_it_has():
    source = i18n.resources.files("tenants.i18n") / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as file:
        entries = [m for m in read_po(file) if m.id]
    assert entries and all(m.string for m in entries)
    for message in entries:
        assert set(i18n.PLACEHOLDER.findall(message.string)) <= set(i18n.PLACEHOLDER.findall(message.id)), (
            message.id
        )
    catalog = i18n.load("zh_CN")
    assert len(catalog.exact) + len(catalog.terms) + len(catalog.patterns) == len(entries)


def test_translation_matches_built_messages_and_leaves_unknown_ones_english():
    assert i18n.translate("No account with this id.", "zh-CN") == "找不到此 id 对应的客户。"
    assert i18n.translate("No widget with this id.", "zh-CN") == "找不到此 id 对应的widget。"
    assert i18n.translate("Use at most 200 characters.", "zh-Hans-CN") == "最多 200 个字符。"
    assert i18n.translate("Something new.", "zh-CN") == "Something new."
    assert i18n.translate("140.0000 EUR.", "zh-CN") == "€140.00。"  # {amount} {currency}: money only
    assert i18n.translate("This field is required.", "en-GB") == "This field is required."
    assert i18n.translate("This field is required.", "zh-TW") == "This field is required."  # no catalog
    assert i18n.translate("Contract C-7 ends on 2030-07-15", "zh-CN") == "合同 C-7 将于 2030年7月15日 到期"


def test_accept_language_is_negotiated_by_quality():
    assert i18n.negotiate("fr-CH, fr;q=0.9, zh-CN;q=0.8, en;q=0.7") == "zh-CN"
    assert i18n.negotiate("en-US,zh;q=0.9") == "en"
    assert i18n.negotiate("zh;q=0, en;q=0.2") == "en"  # q=0: not acceptable
    assert i18n.negotiate("de-DE, *;q=0.5") is None
    assert i18n.negotiate("zh-" + "x" * 600) is None  # an oversized header is ignored
    assert i18n.choose(None, "zh", "en-US") == "zh-CN"
    assert i18n.choose("de-DE", "zh", "en-US") == "de-DE"
    assert i18n.choose(None, None, "en-US") == "en-US"


def test_money_and_dates_follow_the_locale():
    from datetime import date
    from decimal import Decimal

    assert i18n.format_money(Decimal("1240.5"), "EUR", "de-DE") == "1.240,50 €"
    assert i18n.format_money(Decimal("1240.5"), "CNY", "zh-CN") == "¥1,240.50"
    assert i18n.format_money(Decimal("1240.5"), "USD", "en") == "$1,240.50"
    assert i18n.format_day(date(2030, 3, 1), "zh-CN") == "2030年3月1日"
    assert i18n.format_day(date(2030, 3, 1), "en") == "March 1, 2030"
    assert i18n.format_day(date(2030, 3, 1), "xx-nowhere") == "March 1, 2030"
