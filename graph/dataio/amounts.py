"""Amounts in words for printed documents: Chinese financial capitals (大写, as on invoices and contracts)
and English cheque style ("One thousand two hundred thirty-four and 56/100 US dollars").

Chinese: digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within groups of four and 万/亿 between them, 元角分,
整 when nothing follows; runs of zeros inside the number are one 零 (1005 → 壹仟零伍元整, 100010000 →
壹亿零壹万元整), a zero 角 before 分 is written (1.05 → 壹元零伍分), tens are written with 壹 (壹拾).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_name

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
GROUPS = ("", "万", "亿", "万亿")
LIMIT = Decimal(10) ** 16  # 万亿 groups cover up to 9999 万亿 = 10^16 - 1


def group_text(number: int) -> str:
    """1..9999 without leading zeros, inner zeros as one 零."""
    out, zero = "", False
    for index, place in enumerate(PLACES):
        digit = number // 10 ** (3 - index) % 10
        if digit == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[digit] + place
    return out


def integer_text(number: int) -> str:
    groups = []
    while number:
        groups.append(number % 10_000)
        number //= 10_000
    out, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = gap or bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        out += group_text(group) + GROUPS[index]
        gap = False
    return out


def chinese_uppercase(amount: Decimal) -> str:
    """An amount (rounded half-up to 分) in financial capitals: 壹仟贰佰叁拾肆元伍角陆分."""
    cents = int((abs(amount) * 100).quantize(Decimal(1), ROUND_HALF_UP))
    if cents >= LIMIT * 100:
        raise ValueError("Amounts up to 9999万亿 can be written in capitals.")
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    sign = "负" if amount < 0 and cents else ""
    if cents == 0:
        return "零元整"
    out = integer_text(yuan) + "元" if yuan else ""
    if jiao:
        out += DIGITS[jiao] + "角"
    elif fen and yuan:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    else:
        out += "整"
    return sign + out


ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SCALES = ("", "thousand", "million", "billion", "trillion")


def below_thousand(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    words = [f"{ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        words.append(TENS[rest // 10] + (f"-{ONES[rest % 10]}" if rest % 10 else ""))
    elif rest:
        words.append(ONES[rest])
    return " ".join(words)


def english_number(number: int) -> str:
    if number == 0:
        return "zero"
    parts, scale = [], 0
    while number:
        number, chunk = divmod(number, 1000)
        if chunk:
            parts.append(below_thousand(chunk) + (f" {SCALES[scale]}" if SCALES[scale] else ""))
        scale += 1
        if scale == len(SCALES) and number:
            raise ValueError("Amounts below a thousand trillion can be written in words.")
    return " ".join(reversed(parts))


def english_words(amount: Decimal, currency: str) -> str:
    """Cheque style, the minor units as a fraction: 'One thousand two hundred thirty-four and 56/100 US
    dollars'; a currency without minor units (JPY) has no fraction."""
    from babel.numbers import get_currency_precision

    digits = get_currency_precision(currency)
    quantum = Decimal(1).scaleb(-digits)
    rounded = abs(amount).quantize(quantum, ROUND_HALF_UP)
    whole = int(rounded)
    words = english_number(whole)
    words = ("minus " if amount < 0 and rounded else "") + words
    if digits:
        minor = int((rounded - whole) * 10**digits)
        words += f" and {minor:0{digits}d}/{10**digits}"
    name = get_currency_name(currency, count=2, locale="en")
    return f"{words[0].upper()}{words[1:]} {name}"
