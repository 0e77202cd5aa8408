"""Amounts in words: Chinese financial capitals and English cheque style."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph.dataio.amounts import chinese_uppercase, english_words


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "零元整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("105", "壹佰零伍元整"),
        ("1005", "壹仟零伍元整"),
        ("1010", "壹仟零壹拾元整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("1.05", "壹元零伍分"),
        ("1.50", "壹元伍角整"),
        ("0.05", "伍分"),
        ("0.5", "伍角整"),
        ("100000", "壹拾万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("10000001", "壹仟万零壹元整"),
        ("20000000", "贰仟万元整"),
        ("123456789.01", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分"),
        ("-8.8", "负捌元捌角整"),
        ("0.004", "零元整"),
        ("0.005", "壹分"),
    ],
)
def test_chinese_capitals(amount, expected):
    assert chinese_uppercase(Decimal(amount)) == expected


def test_chinese_capitals_refuse_what_has_no_unit():
    with pytest.raises(ValueError):
        chinese_uppercase(Decimal(10) ** 16)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.56", "USD", "One thousand two hundred thirty-four and 56/100 US dollars"),
        ("0.5", "EUR", "Zero and 50/100 euros"),
        ("1000000", "CNY", "One million and 00/100 Chinese yuan"),
        ("21", "JPY", "Twenty-one Japanese yen"),
        ("1.2345", "KWD", "One and 235/1000 Kuwaiti dinars"),
        ("-7", "USD", "Minus seven and 00/100 US dollars"),
        (
            "999999999999.99",
            "USD",
            "Nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred ninety-nine thousand "
            "nine hundred ninety-nine and 99/100 US dollars",
        ),
    ],
)
def test_english_words(amount, currency, expected):
    assert english_words(Decimal(amount), currency) == expected
