"""Input checks shared by every service, each raising a `DomainError` that names the field."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision
from email_validator import EmailNotValidError, validate_email

from tenants.errors import DomainError, ErrorCode

DOMAIN_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# Decimal() also takes "1_000", "1e3", " 12", "NaN" and any script's digits ("١٢٣"); accept only this.
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
MAX_DECIMAL_DIGITS = 32
DECIMAL_FORMAT_HINT = (
    'e.g. "1234.50" or "-0.5": ASCII digits with an optional minus sign and decimal point '
    f"(no exponent, group separators or spaces; at most {MAX_DECIMAL_DIGITS} digits)"
)


def required_text(value: str | None, field: str, max_length: int) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise DomainError(ErrorCode.REQUIRED, "This field is required.", field)
    return bounded_text(cleaned, field, max_length)


def required_flag(value: bool | None, field: str) -> bool:
    """A yes/no that has no "unknown": null is refused rather than read as false."""
    if value is None:
        raise DomainError(ErrorCode.REQUIRED, "Say true or false.", field)
    return bool(value)


def optional_text(value: str | None, field: str, max_length: int) -> str | None:
    cleaned = (value or "").strip()
    return bounded_text(cleaned, field, max_length) if cleaned else None


def bounded_text(value: str, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise DomainError(ErrorCode.TOO_LONG, f"Use at most {max_length} characters.", field)
    return value


def email_address(value: str | None, field: str = "email") -> str:
    """Syntax check only (no DNS): returns the normalized address."""
    cleaned = required_text(value, field, 320)
    try:
        return validate_email(cleaned, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise DomainError(ErrorCode.INVALID, f"Not a valid email address: {error}", field) from None


def account_email(value: str | None, field: str = "email") -> str:
    """A login address, so that look-alikes cannot become a second account: NFKC folds fullwidth and
    other compatibility forms to ASCII, the local part must then be ASCII (homoglyphs from other scripts
    such as a Cyrillic a, U+0430, are refused), and the domain is lowercased in its ASCII (IDNA) form, where a
    look-alike domain shows as the different name it is (xn--...)."""
    cleaned = unicodedata.normalize("NFKC", required_text(value, field, 320))
    try:
        checked = validate_email(cleaned, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise DomainError(ErrorCode.INVALID, f"Not a valid email address: {error}", field) from None
    return bounded_text(checked.ascii_email or checked.normalized, field, 320)


def domain_name(value: str | None, field: str = "domain") -> str | None:
    cleaned = (value or "").strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not cleaned:
        return None
    if not DOMAIN_NAME.fullmatch(cleaned):
        raise DomainError(ErrorCode.INVALID, "Not a valid domain name, e.g. example.com.", field)
    return cleaned


def plain_decimal(value: Any) -> Decimal:
    """The one parser of decimal (money, rate, quantity, percent) input; `ValueError` when not plain.

    Strings and JSON numbers are accepted (a JSON number is read through its text, so 1.1 stays 1.1).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"Use a plain decimal number, {DECIMAL_FORMAT_HINT}.")
    text = str(value)
    if len(text) > MAX_DECIMAL_DIGITS + 2 or not PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(f"Use a plain decimal number, {DECIMAL_FORMAT_HINT}.")
    return Decimal(text)


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit: 2 for EUR and CNY, 0 for JPY, 3 for KWD (CLDR)."""
    return int(get_currency_precision(currency))


def money_amount(value: Any, currency: str, field: str) -> Decimal:
    """The one check of an amount of money a caller gives, in every input (payments, installments,
    budgets, expenses, cost rates, deal amounts, currency custom fields): a plain decimal with at most the
    currency's minor digits. More digits are refused, never rounded, so a stored figure is always the
    figure the caller sent. Sign and size are the caller's rules."""
    try:
        amount = value if isinstance(value, Decimal) else plain_decimal(value)
    except ValueError as error:
        raise DomainError(ErrorCode.INVALID, str(error), field) from None
    if not amount.is_finite():
        raise DomainError(ErrorCode.INVALID, "An amount must be a finite number.", field)
    places = minor_units(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise DomainError(
            ErrorCode.INVALID, f"{currency} amounts have at most {places} decimal places.", field
        )
    return amount
