"""Languages: which locale a reader gets, and the English text of the API in that language.

The API stays English: error `code`s, field names, enum values and option keys never change. What a
person reads is localized: error `message`s, built-in labels, notification wording, printed documents and
the formatting of numbers, dates and money (Babel/CLDR).

Catalogs are gettext `.po` files (`tenants/i18n/locales/<ll_CC>/LC_MESSAGES/messages.po`) keyed by the
English text, gettext's own convention, read with Babel's `read_po` when first needed: translators use any
PO editor, and there is no compile step to forget (a `.mo` would only save the few milliseconds of parsing
at start-up). Messages are built with f-strings all over the services, so a msgid may hold `{name}`
placeholders: "No {what} with this id." matches "No account with this id." and the value is put into the
translation, itself translated when the catalog has it as a term (msgctxt "term": "account" -> "客户").
A message without an entry stays English, so a new message is never lost, only untranslated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_currency

ENGLISH = "en"
# The languages with a catalog, as the locale tags a reader may choose (BCP 47), each with its catalog.
CATALOGS = {"zh-CN": "zh_CN"}
SUPPORTED = (ENGLISH, *CATALOGS)
TERM = "term"  # msgctxt of the words put into placeholders (record kinds, actions)
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
MAX_ACCEPT_LANGUAGE = 500  # longer headers are ignored, not parsed


@dataclass(frozen=True)
class Pattern:
    expression: re.Pattern[str]
    translation: str
    literal: int  # characters of the msgid outside placeholders: the most literal pattern is tried first


# What a typed placeholder may match (any other matches any text): an amount, a currency code, an ISO date.
TYPED = {"amount": r"-?[0-9]+(?:\.[0-9]+)?", "currency": "[A-Z]{3}", "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}"}


@dataclass(frozen=True)
class Catalog:
    exact: dict[str, str]
    terms: dict[str, str]
    patterns: tuple[Pattern, ...]


def catalog_name(locale: str | None) -> str | None:
    """The catalog of a locale tag (zh-CN, zh, zh-Hans, zh-Hans-CN, zh_CN -> zh_CN); None: English."""
    if not locale:
        return None
    try:
        parsed = Locale.parse(locale.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if (
        parsed.language == "zh"
        and (parsed.script or "Hans") == "Hans"
        and parsed.territory in (None, "CN", "SG")
    ):
        return "zh_CN"
    return None


@cache
def load(name: str) -> Catalog:
    source = resources.files("tenants.i18n") / "locales" / name / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as file:
        po = read_po(file)
    exact: dict[str, str] = {}
    terms: dict[str, str] = {}
    patterns: list[Pattern] = []
    for message in po:
        if not message.id or not message.string or "fuzzy" in message.flags:
            continue
        msgid, msgstr = str(message.id), str(message.string)
        if message.context == TERM:
            terms[msgid] = msgstr
        elif PLACEHOLDER.search(msgid):
            if not set(PLACEHOLDER.findall(msgstr)) <= set(PLACEHOLDER.findall(msgid)):
                continue  # a translation naming a value its English text lacks could never be filled
            patterns.append(Pattern(compile_pattern(msgid), msgstr, len(PLACEHOLDER.sub("", msgid))))
        else:
            exact[msgid] = msgstr
    # The most literal msgid first: a specific message wins over a generic one that also matches it.
    patterns.sort(key=lambda p: -p.literal)
    return Catalog(exact, terms, tuple(patterns))


def compile_pattern(msgid: str) -> re.Pattern[str]:
    parts, position = [], 0
    for match in PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[position : match.start()]))
        name = match.group(1)
        kind = next((TYPED[prefix] for prefix in TYPED if name.startswith(prefix)), ".+?")
        parts.append(f"(?P<{name}>{kind})")
        position = match.end()
    parts.append(re.escape(msgid[position:]))
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=4096)
def translate(message: str, locale: str | None) -> str:
    """`message` in `locale`'s language; unchanged for English or without a catalog entry."""
    name = catalog_name(locale)
    if name is None or not message:
        return message
    catalog = load(name)
    found = catalog.exact.get(message)
    if found is not None:
        return found
    for pattern in catalog.patterns:
        match = pattern.expression.fullmatch(message)
        if match:
            found = match.groupdict()
            values = {
                key: localized_value(key, value, found, locale, catalog) for key, value in found.items()
            }
            return pattern.translation.format(**values)
    return message


def localized_value(
    name: str, value: str, found: dict[str, str], locale: str | None, catalog: Catalog
) -> str:
    """A placeholder's value for the reader: `{date...}` holding an ISO date in the locale's date format,
    `{amount}` beside `{currency}` as money in the locale's format, a known term translated, else as is."""
    try:
        if name.startswith("date"):
            return format_day(date.fromisoformat(value), locale)
        if name == "amount" and "currency" in found:
            return format_money(Decimal(value), found["currency"], locale)
    except (ValueError, ArithmeticError):
        pass
    return catalog.terms.get(value, value)


def babel_locale(locale: str | None) -> str:
    """Babel's name of a locale tag, English for one CLDR does not know."""
    try:
        return str(Locale.parse((locale or ENGLISH).strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return ENGLISH


def format_money(amount: Decimal, currency: str, locale: str | None) -> str:
    """Money as the locale writes it (CLDR): €1,240.50 in en and zh-CN, 1.240,50 € in de-DE."""
    try:
        text = format_currency(amount, currency, locale=babel_locale(locale))
    except (ValueError, UnknownLocaleError):
        text = format_currency(amount, currency, locale=ENGLISH)
    return text.replace("\xa0", " ").replace("\u202f", " ")  # plain spaces: text stays searchable


def format_day(day: date, locale: str | None) -> str:
    """A date as the locale writes it in full: January 15, 2026 (en), 2026年1月15日 (zh-CN)."""
    return format_date(day, "long", locale=babel_locale(locale))


def term(word: str, locale: str | None) -> str:
    """A label (an enum value's name, a record kind) in `locale`'s language, or as given."""
    name = catalog_name(locale)
    return load(name).terms.get(word, word) if name else word


def negotiate(accept_language: str | None) -> str | None:
    """The supported locale an `Accept-Language` header prefers most (RFC 9110 q-values), or None.

    `zh`, `zh-CN`, `zh-Hans` and `zh-Hans-CN` ask for zh-CN, any `en` for English; `*` and languages we
    have no catalog for are skipped."""
    if not accept_language or len(accept_language) > MAX_ACCEPT_LANGUAGE:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept_language.split(",")):
        tag, _, parameters = item.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and 0 < quality <= 1:
            ranked.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(ranked):
        if tag.lower() == ENGLISH or tag.lower().startswith(ENGLISH + "-"):
            return ENGLISH
        name = catalog_name(tag)
        if name is not None:
            return next(locale for locale, catalog in CATALOGS.items() if catalog == name)
    return None


def choose(user_locale: str | None, accept_language: str | None, tenant_locale: str | None) -> str:
    """A reader's locale: their own choice, else what their client asks for, else the tenant's."""
    return user_locale or negotiate(accept_language) or tenant_locale or ENGLISH
