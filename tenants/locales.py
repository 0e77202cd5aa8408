"""A tenant's locale and what follows from it: the default base currency and the default tax rule for
cash (early-payment) discounts. Pure functions over Babel's CLDR data; no database.

Locales are BCP 47 tags (`zh-CN`, `en-US`) and are stored as language-TERRITORY (`zh-Hans-CN` is stored
as `zh-CN`). A locale without a territory (`fr`) takes CLDR's likely one (`fr` -> France) for defaults.
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import get_territory_currencies, list_currencies

from tenants.errors import DomainError, ErrorCode, ValidationErrors

DEFAULT_LOCALE = "en-US"

# Where the law lets a cash discount lower the tax base when it is granted on the invoice. Everywhere
# else (China among them: a cash discount is a financial expense, 财务费用) it does not: tax is charged
# on the price after the discounts shown on the invoice (line, promotion, volume, customer type) but
# before the early-payment discount. US: the Streamlined Sales Tax definition of "sales price" leaves
# out cash discounts allowed and taken.
CASH_DISCOUNT_REDUCES_TAX_BASE = frozenset({"US"})


@cache
def known_currencies() -> frozenset[str]:
    # ISO's X-codes (no currency, testing, gold, SDR, ...) are not money; the CFA francs XAF/XOF are.
    return frozenset(code for code in list_currencies() if not code.startswith("X") or code in {"XAF", "XOF"})


def validate_currency(code: str | None, field: str = "currency") -> str:
    normalized = (code or "").strip().upper()
    if normalized not in known_currencies():
        raise DomainError(
            ErrorCode.INVALID, f"'{code}' is not an ISO 4217 currency code such as EUR or USD.", field
        )
    return normalized


def _parse(tag: str) -> Locale:
    return Locale.parse(tag.strip().replace("-", "_"))


def validate_locale(tag: str | None, field: str = "locale") -> str:
    """The canonical language-TERRITORY form of a BCP 47 tag that CLDR knows."""
    try:
        if not tag or not tag.strip() or len(tag) > 35:
            raise ValueError
        locale = _parse(tag)
    except (UnknownLocaleError, ValueError, TypeError):
        raise DomainError(
            ErrorCode.INVALID, f"'{tag}' is not a known locale such as zh-CN, en-US or de-DE.", field
        ) from None
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


def territory_of(locale: str) -> str | None:
    parsed = _parse(locale)
    if parsed.territory:
        return str(parsed.territory)
    likely = get_global("likely_subtags").get(parsed.language)
    return Locale.parse(likely).territory if likely else None


def default_currency(locale: str, field: str = "baseCurrency") -> str:
    """The currency in legal tender in the locale's country (zh-CN -> CNY, en-US -> USD, de-DE -> EUR)."""
    territory = territory_of(locale)
    in_use = get_territory_currencies(territory) if territory else []
    currencies = [code for code in in_use if code in known_currencies()]
    if not currencies:
        raise DomainError(
            ErrorCode.REQUIRED,
            f"The locale {locale} names no country with a currency; give the base currency (e.g. EUR).",
            field,
        )
    return currencies[0]


def default_cash_discount_reduces_tax_base(locale: str) -> bool:
    return territory_of(locale) in CASH_DISCOUNT_REDUCES_TAX_BASE


def regional_defaults(locale: str | None, base_currency: str | None) -> tuple[str, str]:
    """(locale, base currency) of a new tenant: both checked, the currency defaulting from the locale."""
    errors: list[DomainError] = []
    tag = currency = None
    try:
        tag = DEFAULT_LOCALE if locale is None else validate_locale(locale)
    except DomainError as error:
        errors.append(error)
    try:
        if base_currency is not None:
            currency = validate_currency(base_currency, "baseCurrency")
        elif tag is not None:
            currency = default_currency(tag)
    except DomainError as error:
        errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    assert tag is not None and currency is not None  # both are set when nothing failed
    return tag, currency
