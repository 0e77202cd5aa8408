"""GraphQL types of tenant administration: field definitions, roles, teams."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

import strawberry
from sqlalchemy import text
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from graph.admin.fields import CustomFieldType
from graph.core.context import Info, RequestContext
from graph.core.errors import UserError, payload_errors
from graph.core.ids import nodes_in_order
from tenants.fields.definitions import definitions_by_id
from tenants.fields.indexes import index_name
from tenants.fields.kinds import SORTABLE_KINDS, FieldType
from tenants.fields.models import FieldDefinition as FieldDefinitionRow
from tenants.fields.registry import target


def valid_indexes(context: RequestContext) -> DataLoader[str, bool]:
    """Whether each named index exists and is valid: one catalog query for the whole list."""

    async def load(names: Sequence[str]) -> list[bool]:
        session = await context.session()
        rows = await session.execute(
            text(
                "select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid"
                " where c.relname = any(:names) and i.indisvalid"
            ),
            {"names": list(names)},
        )
        valid = {row[0] for row in rows}
        return [name in valid for name in names]

    return DataLoader(load_fn=load)


@strawberry.type(description="One inline option of a select field.")
class FieldOption:
    key: str = strawberry.field(description="Stable key stored in records; never changes.")
    label: str = strawberry.field(description="What users see.")


@strawberry.type(description="Validation settings; only those that apply to the field's type are set.")
class FieldValidation:
    min: JSON | None = strawberry.field(description="Smallest value (numbers, dates) or null.")
    max: JSON | None = strawberry.field(description="Largest value or null.")
    min_length: int | None = strawberry.field(description="Shortest text allowed, or null.")
    max_length: int | None = strawberry.field(description="Longest text allowed, or null.")
    pattern: str | None = strawberry.field(description="Regular expression the whole text must match.")
    options: list[FieldOption] | None = strawberry.field(description="Inline options of select fields.")
    option_list: str | None = strawberry.field(description="Key of a tenant option list instead.")
    max_selected: int | None = strawberry.field(description="Most options a multi select takes, or null.")
    currency: str | None = strawberry.field(description="Fixed currency of a currency amount field.")
    target_type: str | None = strawberry.field(description="Object type a record reference points at.")
    scale: int | None = strawberry.field(description="Most decimal places of a decimal field.")


@strawberry.type(description="A tenant's custom field on one object type.")
class FieldDefinition(relay.Node):
    id: relay.NodeID[str]
    object_type: str = strawberry.field(description="The object type it belongs to, e.g. account.")
    key: str = strawberry.field(description="Stable key: the name in `customFields` and in filters.")
    label: str = strawberry.field(description="What users see on forms.")
    description: str | None = strawberry.field(description="Help text for the field, or null.")
    type: CustomFieldType = strawberry.field(description="The value type.")  # type: ignore[valid-type]
    required: bool = strawberry.field(description="Every record must have a value.")
    default: JSON | None = strawberry.field(description="Value new records get when none is given.")
    validation: FieldValidation = strawberry.field(description="Rules values must follow.")
    unique: bool = strawberry.field(description="No two records of the tenant share a value.")
    position: int = strawberry.field(description="Form order, ascending.")
    searchable: bool = strawberry.field(description="Matched by the list's `search` filter.")
    filterable: bool = strawberry.field(description="May be used in list filters and ordering.")
    archived_at: datetime | None = strawberry.field(description="Set while archived (deleted, restorable).")
    version: int = strawberry.field(description="Optimistic-concurrency version; pass it to updates.")
    _index_name: strawberry.Private[str | None] = None

    @strawberry.field(
        description="Filterable sortable fields: whether their index is built (range filters and ordering"
        " work either way; the index makes them fast). Null for other fields."
    )
    async def indexed(self, info: Info) -> bool | None:
        if self._index_name is None:
            return None
        return await info.context.loader("valid_indexes", valid_indexes).load(self._index_name)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[FieldDefinition | None]:
        """As `fieldDefinitions` shows them: readable object type, not hidden, archived for managers."""

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, FieldDefinition]:
            rows = await definitions_by_id(await info.context.session(), info.context.actor, ids)
            return {row_id: cls.from_model(row) for row_id, row in rows.items()}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: FieldDefinitionRow) -> FieldDefinition:
        rules = row.validation or {}
        return cls(
            id=str(row.id),
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
            _index_name=index_name(target(row.object_type).table, row.key)
            if row.filterable and FieldType(row.field_type) in SORTABLE_KINDS
            else None,
        )


@strawberry.type(description="Result of a field definition mutation.")
class FieldDefinitionPayload:
    field_definition: FieldDefinition | None = strawberry.field(
        default=None, description="The definition after the change."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of purging a field: how many records lost their value.")
class PurgeFieldDefinitionPayload:
    records_cleared: int | None = strawberry.field(
        default=None, description="Records whose value was removed."
    )
    errors: list[UserError] = payload_errors()
