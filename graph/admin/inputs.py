"""Inputs of tenant administration and their translation into service values."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from graph.admin.fields import CustomFieldType


@strawberry.input(description="One inline option: a stable key (a-z, 0-9, _ or -) and a label.")
class FieldOptionInput:
    key: str = strawberry.field(description="Stable key stored in records (a-z, 0-9, _ or -).")
    label: str = strawberry.field(description="What users see.")


@strawberry.input(description="Validation settings; give only those that apply to the type.")
class FieldValidationInput:
    min: JSON | None = strawberry.field(default=None, description="Integer, decimal (string), date.")
    max: JSON | None = strawberry.field(default=None, description="Largest allowed value.")
    min_length: int | None = strawberry.field(default=None, description="Text: shortest allowed.")
    max_length: int | None = strawberry.field(default=None, description="Text: up to 1000; long text 100000.")
    pattern: str | None = strawberry.field(default=None, description="Regex the whole text must match.")
    options: list[FieldOptionInput] | None = strawberry.field(default=None, description="1-200 options.")
    option_list: str | None = strawberry.field(default=None, description="A tenant option list key.")
    max_selected: int | None = strawberry.field(default=None, description="Multi select: most options.")
    currency: str | None = strawberry.field(default=None, description="Currency amounts: fixed ISO code.")
    target_type: str | None = strawberry.field(default=None, description="Record references: object type.")
    scale: int | None = strawberry.field(default=None, description="Decimals: at most 10 places.")


@strawberry.input(description="A new custom field.")
class CreateFieldDefinitionInput:
    object_type: str = strawberry.field(description="account, contact, activity, ...")
    key: str = strawberry.field(description="Stable key: a-z, 0-9 and _, starting with a letter, max 63.")
    label: str = strawberry.field(description="Form label, max 100 characters.")
    type: CustomFieldType = strawberry.field(description="The value type.")  # type: ignore[valid-type]
    description: str | None = strawberry.field(default=None, description="Help text for the field.")
    required: bool = strawberry.field(default=False, description="Every record must have a value.")
    default: JSON | None = strawberry.field(default=None, description="Validated like a value.")
    validation: FieldValidationInput | None = strawberry.field(
        default=None, description="Rules values must follow (those of the type)."
    )
    unique: bool = strawberry.field(default=False, description="Unique within the tenant.")
    position: int = strawberry.field(default=0, description="Form order, ascending.")
    searchable: bool = strawberry.field(default=False, description="Matched by the list's `search` filter.")
    filterable: bool = strawberry.field(default=False, description="Allow filters and ordering on it.")


@strawberry.input(description="Changes to a custom field; fields you leave out stay as they are.")
class UpdateFieldDefinitionInput:
    label: str | None = strawberry.field(default=UNSET, description="Form label; left out: unchanged.")
    description: str | None = strawberry.field(default=UNSET, description="Help text; null clears it.")
    type: CustomFieldType | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="Only to a compatible type; existing values are checked first."
    )
    required: bool | None = strawberry.field(default=UNSET, description="Every record must have a value.")
    default: JSON | None = strawberry.field(default=UNSET, description="Value for new records; null clears.")
    validation: FieldValidationInput | None = strawberry.field(
        default=UNSET, description="Replaces all validation settings; existing values are checked first."
    )
    unique: bool | None = strawberry.field(default=UNSET, description="Unique within the tenant.")
    position: int | None = strawberry.field(default=UNSET, description="Form order, ascending.")
    searchable: bool | None = strawberry.field(default=UNSET, description="Matched by `search`.")
    filterable: bool | None = strawberry.field(default=UNSET, description="Allow filters and ordering.")


def validation_values(given: FieldValidationInput | None) -> dict[str, Any]:
    if given is None:
        return {}
    values = {
        name: getattr(given, name)
        for name in (
            "min",
            "max",
            "min_length",
            "max_length",
            "pattern",
            "option_list",
            "max_selected",
            "currency",
            "target_type",
            "scale",
        )
    }
    if given.options is not None:
        values["options"] = [{"key": o.key, "label": o.label} for o in given.options]
    return {key: value for key, value in values.items() if value is not None}


def definition_values(given: Any) -> dict[str, Any]:
    """Service values of a create or update input (UNSET fields left out)."""
    renames = {"type": "field_type", "unique": "is_unique"}
    values: dict[str, Any] = {}
    for field in given.__strawberry_definition__.fields:
        value = getattr(given, field.python_name)
        if value is UNSET or field.python_name == "object_type":
            continue
        if field.python_name == "validation":
            value = validation_values(value)
        elif field.python_name == "type" and value is not None:
            value = value.value
        values[renames.get(field.python_name, field.python_name)] = value
    return values
