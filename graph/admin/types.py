"""GraphQL types of tenant administration: field definitions, roles, teams."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from graph.admin.fields import CustomFieldType
from graph.core.errors import UserError
from graph.core.ids import encode_id
from tenants.fields.models import FieldDefinition as FieldDefinitionRow


@strawberry.type(description="One inline option of a select field.")
class FieldOption:
    key: str = strawberry.field(description="Stable key stored in records; never changes.")
    label: str


@strawberry.type(description="Validation settings; only those that apply to the field's type are set.")
class FieldValidation:
    min: JSON | None = strawberry.field(description="Smallest value (numbers, dates) or null.")
    max: JSON | None = strawberry.field(description="Largest value or null.")
    min_length: int | None
    max_length: int | None
    pattern: str | None = strawberry.field(description="Regular expression the whole text must match.")
    options: list[FieldOption] | None = strawberry.field(description="Inline options of select fields.")
    option_list: str | None = strawberry.field(description="Key of a tenant option list instead.")
    max_selected: int | None
    currency: str | None = strawberry.field(description="Fixed currency of a currency amount field.")
    target_type: str | None = strawberry.field(description="Object type a record reference points at.")
    scale: int | None = strawberry.field(description="Most decimal places of a decimal field.")


@strawberry.type(description="A tenant's custom field on one object type.")
class FieldDefinition:
    id: strawberry.ID = strawberry.field(description="Global id (FieldDefinition).")
    object_type: str
    key: str = strawberry.field(description="Stable key: the name in `customFields` and in filters.")
    label: str
    description: str | None
    type: CustomFieldType  # type: ignore[valid-type]
    required: bool
    default: JSON | None = strawberry.field(description="Value new records get when none is given.")
    validation: FieldValidation
    unique: bool = strawberry.field(description="No two records of the tenant share a value.")
    position: int = strawberry.field(description="Form order, ascending.")
    searchable: bool
    filterable: bool = strawberry.field(description="May be used in list filters and ordering.")
    archived_at: datetime | None = strawberry.field(description="Set while archived (deleted, restorable).")
    version: int

    @classmethod
    def from_model(cls, row: FieldDefinitionRow) -> FieldDefinition:
        rules = row.validation or {}
        return cls(
            id=strawberry.ID(str(encode_id("FieldDefinition", row.id))),
            object_type=row.object_type,
            key=row.key,
            label=row.label,
            description=row.description,
            type=CustomFieldType(row.field_type),
            required=row.required,
            default=row.default_value,
            validation=FieldValidation(
                min=rules.get("min"),
                max=rules.get("max"),
                min_length=rules.get("min_length"),
                max_length=rules.get("max_length"),
                pattern=rules.get("pattern"),
                options=[FieldOption(key=o["key"], label=o["label"]) for o in rules["options"]]
                if "options" in rules
                else None,
                option_list=rules.get("option_list"),
                max_selected=rules.get("max_selected"),
                currency=rules.get("currency"),
                target_type=rules.get("target_type"),
                scale=rules.get("scale"),
            ),
            unique=row.is_unique,
            position=row.position,
            searchable=row.searchable,
            filterable=row.filterable,
            archived_at=row.archived_at,
            version=row.version,
        )


@strawberry.type(description="Result of a field definition mutation.")
class FieldDefinitionPayload:
    field_definition: FieldDefinition | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of purging a field: how many records lost their value.")
class PurgeFieldDefinitionPayload:
    records_cleared: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
