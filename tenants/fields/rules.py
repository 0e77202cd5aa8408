"""Validation settings of a field definition: which apply to which type, and their checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tenants.errors import DomainError, ErrorCode
from tenants.fields import kinds
from tenants.fields.kinds import FieldType, clean_value
from tenants.fields.models import FieldDefinition
from tenants.fields.patterns import MAX_PATTERN_LENGTH, PatternError, compile_pattern
from tenants.fields.registry import target
from tenants.validation import required_text


def clean_rules(field_type: FieldType, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The validation settings that apply to the type, checked; anything else is refused."""
    given = {key: value for key, value in (given or {}).items() if value is not None}
    allowed = allowed_rules(field_type)
    extra = sorted(set(given) - allowed)
    if extra:
        raise DomainError(
            ErrorCode.INVALID,
            f"{', '.join(extra)} do not apply to {field_type.value} fields.",
            f"validation.{extra[0]}",
        )
    rules: dict[str, Any] = {}
    for name in ("min_length", "max_length", "max_selected", "scale"):
        if name in given:
            value = given[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise DomainError(
                    ErrorCode.INVALID, "Give a whole number of 0 or more.", f"validation.{name}"
                )
            rules[name] = value
    limit = kinds.MAX_LENGTH_LIMIT.get(field_type)
    if limit and rules.get("max_length", 0) > limit:
        raise DomainError(ErrorCode.INVALID, f"At most {limit}.", "validation.maxLength")
    if rules.get("scale", 0) > kinds.MAX_SCALE:
        raise DomainError(ErrorCode.INVALID, f"At most {kinds.MAX_SCALE}.", "validation.scale")
    if "pattern" in given:
        rules["pattern"] = clean_pattern(given["pattern"])
    if "currency" in given:
        currency = str(given["currency"]).strip().upper()
        if not kinds.CURRENCY.fullmatch(currency):
            raise DomainError(ErrorCode.INVALID, "Use an ISO 4217 code, e.g. EUR.", "validation.currency")
        rules["currency"] = currency
    if "target_type" in given:
        rules["target_type"] = target(given["target_type"], "validation.targetType").object_type
    elif field_type is FieldType.RECORD_REFERENCE:
        raise DomainError(ErrorCode.REQUIRED, "Name the object type it refers to.", "validation.targetType")
    if field_type in kinds.SELECT_KINDS:
        rules.update(clean_option_rules(given))
    for name in ("min", "max"):
        if name in given:
            rules[name] = clean_bound(field_type, rules, given[name], f"validation.{name}")
    return rules


def allowed_rules(field_type: FieldType) -> set[str]:
    if field_type in (FieldType.TEXT, FieldType.LONG_TEXT):
        return {"min_length", "max_length", "pattern"}
    if field_type in (FieldType.INTEGER, FieldType.DATE, FieldType.DATETIME):
        return {"min", "max"}
    if field_type is FieldType.DECIMAL:
        return {"min", "max", "scale"}
    if field_type is FieldType.CURRENCY_AMOUNT:
        return {"min", "max", "currency"}
    if field_type is FieldType.SINGLE_SELECT:
        return {"options", "option_list"}
    if field_type is FieldType.MULTI_SELECT:
        return {"options", "option_list", "max_selected"}
    if field_type is FieldType.RECORD_REFERENCE:
        return {"target_type"}
    return set()


def clean_pattern(pattern: Any) -> str:
    """Checked with RE2, the only engine user patterns ever run on (tenants/fields/patterns.py)."""
    try:
        if not isinstance(pattern, str):
            raise PatternError(f"Give a pattern of 1-{MAX_PATTERN_LENGTH} characters.")
        compile_pattern(pattern)
    except PatternError as error:
        raise DomainError(ErrorCode.INVALID, str(error), "validation.pattern") from None
    return pattern


def clean_option_rules(given: Mapping[str, Any]) -> dict[str, Any]:
    if given.get("option_list") and given.get("options"):
        raise DomainError(
            ErrorCode.INVALID, "Give either inline options or an option list, not both.", "validation.options"
        )
    if given.get("option_list"):
        return {"option_list": str(given["option_list"])}
    options = given.get("options") or []
    if not options or len(options) > kinds.MAX_OPTIONS:
        raise DomainError(
            ErrorCode.REQUIRED,
            f"Give 1-{kinds.MAX_OPTIONS} options (key and label) or an option list key.",
            "validation.options",
        )
    cleaned: list[dict[str, str]] = []
    for option in options:
        key = str(option.get("key", "")).strip()
        if not kinds.OPTION_KEY.fullmatch(key) or key in {o["key"] for o in cleaned}:
            raise DomainError(
                ErrorCode.INVALID,
                f"Option key '{key}' must be unique: lowercase letters, digits, _ or -.",
                "validation.options",
            )
        label = required_text(option.get("label"), "validation.options", 100)
        cleaned.append({"key": key, "label": label})
    return {"options": cleaned}


def clean_bound(field_type: FieldType, rules: Mapping[str, Any], raw: Any, path: str) -> Any:
    if field_type in (FieldType.INTEGER,):
        return kinds.clean_integer(raw, path)
    if field_type in (FieldType.DECIMAL, FieldType.CURRENCY_AMOUNT):
        return kinds.decimal_text(kinds.clean_decimal(raw, path))
    if field_type is FieldType.DATE:
        return kinds.clean_date(raw, path).isoformat()
    return kinds.datetime_text(kinds.clean_datetime(raw, path))


async def clean_option_list(session: AsyncSession, rules: Mapping[str, Any]) -> None:
    """The option list must be one of the registered lists (tenants/options.py)."""
    del session  # the lists are registered in code; the tenant's options are read when values are
    if rules.get("option_list"):
        from tenants.options import option_list_named

        option_list_named(rules["option_list"], "validation.optionList")


def clean_default(definition: FieldDefinition, raw: Any) -> Any:
    if raw is None:
        return None
    if FieldType(definition.field_type) in (FieldType.USER_REFERENCE, FieldType.RECORD_REFERENCE):
        raise DomainError(ErrorCode.INVALID, "Reference fields have no default.", "default")
    return clean_value(FieldType(definition.field_type), definition.validation, raw, "default")


def clean_field_type(value: Any) -> FieldType:
    try:
        return FieldType(value)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, f"Unknown field type '{value}'.", "fieldType") from None
