"""Custom field types: how a value is checked, stored (canonical JSON in `custom`) and sorted.

Canonical forms: text kinds are trimmed strings; integers JSON numbers (32-bit, GraphQL `Int`);
decimals canonical strings ("12.5": a JSON number would come back as a float); currency amounts
{"amount": "12.50", "currency": "EUR"}; dates "YYYY-MM-DD"; datetimes UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ";
booleans JSON booleans; single select an option key; multi select a list of option keys; references a
raw UUID string. Equal values always have equal JSON, so equality is a GIN containment test.

Sort keys (`custom_sort`) are text whose bytewise ("C") order is the value order: numbers as
fixed-width offset decimals, dates and datetimes as their ISO text, text kinds lowercased. One text
expression per field is then enough for a btree index serving range filters and ordering, with no
cast that could fail on another tenant's value under the same key.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, Decimal, localcontext
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from tenants.errors import DomainError, ErrorCode
from tenants.fields.patterns import PatternError, full_match
from tenants.validation import DECIMAL_FORMAT_HINT, email_address, money_amount, plain_decimal


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    CURRENCY_AMOUNT = "currency_amount"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    SINGLE_SELECT = "single_select"
    MULTI_SELECT = "multi_select"
    USER_REFERENCE = "user_reference"
    RECORD_REFERENCE = "record_reference"
    URL = "url"
    EMAIL = "email"
    PHONE = "phone"


TEXT_KINDS = {FieldType.TEXT, FieldType.LONG_TEXT, FieldType.URL, FieldType.EMAIL, FieldType.PHONE}
NUMBER_KINDS = {FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY_AMOUNT}
RANGE_KINDS = NUMBER_KINDS | {FieldType.DATE, FieldType.DATETIME} | TEXT_KINDS
SORTABLE_KINDS = RANGE_KINDS | {FieldType.BOOLEAN, FieldType.SINGLE_SELECT}
SELECT_KINDS = {FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT}
# Type changes allowed at all (existing values are still checked one by one before the change).
COMPATIBLE = [TEXT_KINDS | {FieldType.SINGLE_SELECT}, {FieldType.INTEGER, FieldType.DECIMAL}, SELECT_KINDS]

DEFAULT_MAX_LENGTH = {FieldType.TEXT: 255, FieldType.LONG_TEXT: 10_000}
MAX_LENGTH_LIMIT = {FieldType.TEXT: 1_000, FieldType.LONG_TEXT: 100_000}
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
DECIMAL_LIMIT = Decimal(10) ** 18  # |value| below this, at most MAX_SCALE decimal places
MAX_SCALE = 10
MAX_OPTIONS = 200
MAX_SELECTED = 50
SORT_TEXT_LENGTH = 200
PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{2,38}")
CURRENCY = re.compile(r"[A-Z]{3}")
OPTION_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def invalid(message: str, path: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, path)


def compatible(old: FieldType, new: FieldType) -> bool:
    return old == new or any(old in family and new in family for family in COMPATIBLE)


# --- values ---------------------------------------------------------------------------------------


def clean_value(field_type: FieldType, rules: Mapping[str, Any], raw: Any, path: str) -> Any:
    """The canonical JSON form of `raw`, or None for an empty value; DomainError naming `path`."""
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    match field_type:
        case FieldType.TEXT | FieldType.LONG_TEXT:
            return clean_text(field_type, rules, raw, path)
        case FieldType.URL:
            return clean_url(raw, path)
        case FieldType.EMAIL:
            return email_address(expect(raw, str, "an email address", path), path)
        case FieldType.PHONE:
            phone = " ".join(expect(raw, str, "a phone number", path).split())
            if not PHONE.fullmatch(phone):
                raise invalid("Not a phone number: digits, spaces, ()./- and an optional leading +.", path)
            return phone
        case FieldType.INTEGER:
            return in_range(clean_integer(raw, path), rules, path, Decimal)
        case FieldType.DECIMAL:
            number = in_range(clean_decimal(raw, path, rules.get("scale", MAX_SCALE)), rules, path, Decimal)
            return decimal_text(number)
        case FieldType.CURRENCY_AMOUNT:
            return clean_money(rules, raw, path)
        case FieldType.DATE:
            return in_range(clean_date(raw, path), rules, path, clean_date_bound).isoformat()
        case FieldType.DATETIME:
            return datetime_text(in_range(clean_datetime(raw, path), rules, path, clean_datetime_bound))
        case FieldType.BOOLEAN:
            return expect(raw, bool, "true or false", path)
        case FieldType.SINGLE_SELECT:
            return clean_option(rules, raw, path)
        case FieldType.MULTI_SELECT:
            return clean_options(rules, raw, path)
        case FieldType.USER_REFERENCE:
            return clean_uuid(raw, path, "User")
        case FieldType.RECORD_REFERENCE:
            from tenants.fields.registry import target

            return clean_uuid(raw, path, target(rules["target_type"], path).graphql_type)
    raise invalid(f"Unknown field type {field_type}.", path)  # pragma: no cover - enum is exhaustive


def expect(raw: Any, kind: type, what: str, path: str) -> Any:
    # bool is an int in Python; never accept one for the other.
    if not isinstance(raw, kind) or (kind is not bool and isinstance(raw, bool)):
        raise invalid(f"Expected {what}.", path)
    return raw


def clean_text(field_type: FieldType, rules: Mapping[str, Any], raw: Any, path: str) -> str:
    value = expect(raw, str, "text", path).strip()
    max_length = rules.get("max_length", DEFAULT_MAX_LENGTH[field_type])
    if len(value) > max_length:
        raise DomainError(ErrorCode.TOO_LONG, f"Use at most {max_length} characters.", path)
    if len(value) < rules.get("min_length", 0):
        raise invalid(f"Use at least {rules['min_length']} characters.", path)
    pattern = rules.get("pattern")
    if pattern and not matches(pattern, value, path):
        raise invalid(f"Must match the pattern {pattern}.", path)
    return value


def matches(pattern: str, value: str, path: str) -> bool:
    """On RE2 (linear time); a stored pattern RE2 refuses (defined before RE2 checks) refuses the value."""
    try:
        return full_match(pattern, value)
    except PatternError:
        message = f"The field's pattern {pattern} is not supported; ask an admin to change it."
        raise invalid(message, path) from None


def clean_url(raw: Any, path: str) -> str:
    value = expect(raw, str, "a URL", path).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 2000 or " " in value:
        raise invalid("Not a web address; use http(s)://host/path (max 2000 characters).", path)
    return value


def clean_integer(raw: Any, path: str) -> int:
    if isinstance(raw, str) and re.fullmatch(r"-?[0-9]{1,10}", raw.strip()):
        raw = int(raw.strip())
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = expect(raw, int, "a whole number", path)
    if not INT_MIN <= value <= INT_MAX:
        raise invalid(f"Whole numbers are limited to {INT_MIN}..{INT_MAX}.", path)
    return int(value)


def clean_decimal(raw: Any, path: str, scale: int = MAX_SCALE) -> Decimal:
    try:
        value = plain_decimal(raw.strip() if isinstance(raw, str) else raw)
    except ValueError:
        raise invalid(f"Expected a plain decimal number, {DECIMAL_FORMAT_HINT}.", path) from None
    if not value.is_finite() or abs(value) >= DECIMAL_LIMIT:
        raise invalid("Numbers must be finite and below 10^18 in size.", path)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > scale:
        raise invalid(f"Use at most {scale} decimal places.", path)
    return value


def decimal_text(value: Decimal) -> str:
    """Canonical text of a decimal: no exponent, no trailing zeros ("12.5", "10", "-0.25")."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def clean_money(rules: Mapping[str, Any], raw: Any, path: str) -> dict[str, str]:
    fixed = rules.get("currency")
    if isinstance(raw, Mapping):
        amount, currency = raw.get("amount"), raw.get("currency") or fixed
    else:
        amount, currency = raw, fixed
    if not isinstance(currency, str) or not CURRENCY.fullmatch(currency.strip().upper()):
        raise invalid('Give {"amount": "12.50", "currency": "EUR"} with an ISO 4217 currency code.', path)
    currency = currency.strip().upper()
    if fixed and currency != fixed:
        raise invalid(f"This field holds amounts in {fixed} only.", path)
    number = in_range(clean_decimal(amount, path, 4), rules, path, Decimal)
    money_amount(number, currency, path)
    return {"amount": decimal_text(number), "currency": currency}


def clean_date(raw: Any, path: str) -> date:
    try:
        return date.fromisoformat(expect(raw, str, "a date (YYYY-MM-DD)", path).strip())
    except ValueError:
        raise invalid("Expected a date as YYYY-MM-DD.", path) from None


def clean_datetime(raw: Any, path: str) -> datetime:
    try:
        value = datetime.fromisoformat(expect(raw, str, "a date and time", path).strip())
    except ValueError:
        raise invalid("Expected an ISO 8601 date and time, e.g. 2026-11-25T14:30:00Z.", path) from None
    if value.tzinfo is None:
        raise invalid("Include a time zone offset, e.g. 2026-11-25T14:30:00Z.", path)
    return value.astimezone(UTC)


def datetime_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clean_date_bound(raw: Any) -> date:
    return clean_date(raw, "validation")


def clean_datetime_bound(raw: Any) -> datetime:
    return clean_datetime(raw, "validation")


def in_range(value: Any, rules: Mapping[str, Any], path: str, convert: Any) -> Any:
    low, high = rules.get("min"), rules.get("max")
    if low is not None and value < convert(low):
        raise invalid(f"Must be at least {low}.", path)
    if high is not None and value > convert(high):
        raise invalid(f"Must be at most {high}.", path)
    return value


def option_keys(rules: Mapping[str, Any]) -> list[str] | None:
    """The inline option keys, or None when the field uses a tenant option list."""
    if rules.get("option_list"):
        return None
    return [option["key"] for option in rules.get("options", [])]


def clean_option(rules: Mapping[str, Any], raw: Any, path: str) -> str:
    value = expect(raw, str, "an option key", path).strip()
    keys = option_keys(rules)
    if keys is not None and value not in keys:
        raise invalid(f"Unknown option '{value}'; use one of: {', '.join(keys)}.", path)
    return value


def clean_options(rules: Mapping[str, Any], raw: Any, path: str) -> list[str] | None:
    if isinstance(raw, str):
        raw = [raw]
    values: list[str] = []
    for item in expect(raw, list, "a list of option keys", path):
        value = clean_option(rules, item, path)
        if value not in values:
            values.append(value)
    limit = rules.get("max_selected", MAX_SELECTED)
    if len(values) > limit:
        raise invalid(f"Choose at most {limit} options.", path)
    return values or None


def clean_uuid(raw: Any, path: str, type_name: str) -> str:
    """A raw UUID, or the global id of a `type_name` (what the API shows); stored as the raw UUID."""
    value = expect(raw, str, "an id", path).strip()
    try:
        return str(uuid.UUID(value))
    except ValueError:
        pass
    try:
        decoded = base64.b64decode(value, validate=True).decode()
        kind, _, node_id = decoded.partition(":")
        if kind == type_name:
            return str(uuid.UUID(node_id))
    except (ValueError, UnicodeDecodeError):
        pass
    raise invalid(f"Expected the id of a {type_name}.", path)


# --- sort keys ------------------------------------------------------------------------------------


def number_sort_key(value: Decimal) -> str:
    """Fixed width `value + 10^18`, 19 integer and 10 fraction digits: text order is number order."""
    with localcontext() as context:
        context.prec = 60
        shifted = (value + DECIMAL_LIMIT).quantize(Decimal(1).scaleb(-MAX_SCALE), rounding=ROUND_FLOOR)
    whole, _, fraction = f"{shifted:f}".partition(".")
    return f"{whole.zfill(19)}.{fraction.ljust(MAX_SCALE, '0')}"


def sort_key(field_type: FieldType, value: Any) -> str | None:
    """The `custom_sort` entry of a canonical value (None: not sortable or empty)."""
    if value is None or field_type not in SORTABLE_KINDS:
        return None
    if field_type in (FieldType.INTEGER, FieldType.DECIMAL):
        return number_sort_key(Decimal(str(value)))
    if field_type is FieldType.CURRENCY_AMOUNT:
        return number_sort_key(Decimal(value["amount"]))
    if field_type is FieldType.BOOLEAN:
        return "1" if value else "0"
    if field_type in (FieldType.DATE, FieldType.DATETIME, FieldType.SINGLE_SELECT):
        return str(value)
    return str(value).lower()[:SORT_TEXT_LENGTH]


def bound_sort_key(field_type: FieldType, raw: Any, path: str) -> str:
    """A range bound in sort-key form (validated like a value, without the field's own limits)."""
    if field_type is FieldType.CURRENCY_AMOUNT:
        amount = raw.get("amount") if isinstance(raw, Mapping) else raw
        return number_sort_key(clean_decimal(amount, path))
    if field_type in (FieldType.INTEGER, FieldType.DECIMAL):
        return number_sort_key(clean_decimal(raw, path))
    if field_type is FieldType.DATE:
        return clean_date(raw, path).isoformat()
    if field_type is FieldType.DATETIME:
        return datetime_text(clean_datetime(raw, path))
    return expect(raw, str, "text", path).strip().lower()[:SORT_TEXT_LENGTH]
