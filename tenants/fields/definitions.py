"""Field definition rules: create, change, archive, restore and purge (manage_fields capability).

Safe changes: label, description, position, flags and validation change freely; the type changes only
within a compatible family, and only after every existing value was checked (and converted) under the
new type; unique is switched on only when no two records share a value. Deleting archives: values stay
in the records, hidden and not writable, until `purge_definition` removes them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import kinds
from tenants.fields.conversion import CURRENT_TENANT, check_no_duplicates, convert_values
from tenants.fields.kinds import FieldType
from tenants.fields.models import FieldDefinition
from tenants.fields.registry import target
from tenants.fields.rules import (
    allowed_rules,
    clean_default,
    clean_field_type,
    clean_option_list,
    clean_rules,
)
from tenants.fields.values import custom_path
from tenants.permissions import Action, Actor, Capability
from tenants.validation import optional_text, required_text

FIELD_DEFINITION = "field_definition"
KEY = re.compile(r"[a-z][a-z0-9_]{0,62}")
MAX_DEFINITIONS = 200  # per object type, archived ones included
AUDITED = (
    "label",
    "description",
    "field_type",
    "required",
    "default_value",
    "validation",
    "is_unique",
    "position",
    "searchable",
    "filterable",
    "archived_at",
)


def snapshot(definition: FieldDefinition) -> dict[str, Any]:
    return {name: getattr(definition, name) for name in ("key", "object_type", *AUDITED)}


async def list_definitions(
    session: AsyncSession, actor: Actor, object_type: str, *, archived: bool = False
) -> list[FieldDefinition]:
    """For forms: anyone who may read the object type; fields hidden from the actor are left out."""
    target(object_type)
    actor.require(object_type, Action.READ)
    if archived:
        actor.require_capability(Capability.MANAGE_FIELDS)
    rows = await session.scalars(
        select(FieldDefinition)
        .where(
            FieldDefinition.object_type == object_type,
            FieldDefinition.archived_at.is_not(None) if archived else FieldDefinition.archived_at.is_(None),
        )
        .order_by(FieldDefinition.position, FieldDefinition.key)
    )
    hidden = actor.permissions.hidden_fields(object_type)
    return [row for row in rows if custom_path(row.key) not in hidden]


async def definitions_by_id(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, FieldDefinition]:
    """The definitions `list_definitions` would show this actor (node lookups); the others are absent."""
    rows = await session.scalars(select(FieldDefinition).where(FieldDefinition.id.in_(ids)))
    return {
        row.id: row
        for row in rows
        if actor.permissions.can(row.object_type, Action.READ)
        and custom_path(row.key) not in actor.permissions.hidden_fields(row.object_type)
        and (row.archived_at is None or actor.permissions.has(Capability.MANAGE_FIELDS))
    }


async def get_definition(session: AsyncSession, actor: Actor, definition_id: uuid.UUID) -> FieldDefinition:
    definition = await session.get(FieldDefinition, (actor.tenant_id, definition_id))
    if definition is None:
        raise not_found("field definition")
    return definition


async def create_definition(
    session: AsyncSession, actor: Actor, object_type: str, values: Mapping[str, Any]
) -> FieldDefinition:
    actor.require_capability(Capability.MANAGE_FIELDS)
    target(object_type)
    key = str(values.get("key") or "").strip()
    if not KEY.fullmatch(key):
        raise DomainError(
            ErrorCode.INVALID, "Keys are 1-63 lowercase letters, digits or _, starting with a letter.", "key"
        )
    existing = await session.scalar(
        select(FieldDefinition).where(FieldDefinition.object_type == object_type, FieldDefinition.key == key)
    )
    if existing is not None:
        state = "an archived" if existing.archived_at else "a"
        raise DomainError(
            ErrorCode.DUPLICATE, f"There is {state} field with key '{key}' on {object_type} already.", "key"
        )
    count = await session.scalar(
        select(func.count()).select_from(FieldDefinition).where(FieldDefinition.object_type == object_type)
    )
    if (count or 0) >= MAX_DEFINITIONS:
        raise DomainError(ErrorCode.LIMIT_REACHED, f"At most {MAX_DEFINITIONS} fields per object type.")
    field_type = clean_field_type(values.get("field_type"))
    definition = FieldDefinition(
        tenant_id=actor.tenant_id,
        object_type=object_type,
        key=key,
        field_type=field_type.value,
        validation=clean_rules(field_type, values.get("validation")),
    )
    await clean_option_list(session, definition.validation)
    apply_settings(definition, values, creating=True)
    if definition.is_unique and field_type not in kinds.SORTABLE_KINDS - {FieldType.BOOLEAN}:
        raise DomainError(ErrorCode.INVALID, f"{field_type.value} fields cannot be unique.", "unique")
    session.add(definition)
    await session.flush()
    await audit.record(
        session, actor, "field_definition.create", FIELD_DEFINITION, definition.id,
        audit.diff({}, snapshot(definition)),
    )  # fmt: skip
    return definition


def apply_settings(definition: FieldDefinition, values: Mapping[str, Any], *, creating: bool) -> None:
    if creating or "label" in values:
        definition.label = required_text(values.get("label"), "label", 100)
    if "description" in values:
        definition.description = optional_text(values["description"], "description", 1_000)
    for name in ("required", "searchable", "filterable", "is_unique"):
        if name in values and values[name] is not None:
            setattr(definition, name, bool(values[name]))
        elif creating:
            setattr(definition, name, False)
    if "position" in values and values["position"] is not None:
        definition.position = int(values["position"])
    elif creating:
        definition.position = 0
    if "default" in values:
        definition.default_value = clean_default(definition, values["default"])
    if definition.filterable and FieldType(definition.field_type) not in kinds.SORTABLE_KINDS | {
        FieldType.MULTI_SELECT,
        FieldType.USER_REFERENCE,
        FieldType.RECORD_REFERENCE,
    }:
        raise DomainError(ErrorCode.INVALID, "This type cannot be filtered on.", "filterable")


async def update_definition(
    session: AsyncSession, actor: Actor, definition_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> FieldDefinition:
    actor.require_capability(Capability.MANAGE_FIELDS)
    definition = await get_definition(session, actor, definition_id)
    if definition.version != version:
        raise DomainError(
            ErrorCode.CONFLICT, "This field was changed since you read it; reload and retry.", "version"
        )
    with session.no_autoflush:  # the checks below query; one UPDATE (one version bump) at the end
        return await apply_update(session, actor, definition, values)


async def apply_update(
    session: AsyncSession, actor: Actor, definition: FieldDefinition, values: Mapping[str, Any]
) -> FieldDefinition:
    before = snapshot(definition)
    new_type = clean_field_type(values["field_type"]) if values.get("field_type") else None
    old_type = FieldType(definition.field_type)
    type_changes = new_type is not None and new_type != old_type
    if "validation" in values or type_changes:
        kind = new_type or old_type
        # A type change without new rules keeps the old ones that still apply.
        kept = {k: v for k, v in definition.validation.items() if k in allowed_rules(kind)}
        definition.validation = clean_rules(kind, values.get("validation", kept))
        await clean_option_list(session, definition.validation)
    if type_changes:
        assert new_type is not None
        if not kinds.compatible(old_type, new_type):
            raise DomainError(
                ErrorCode.INVALID,
                f"A {old_type.value} field cannot become {new_type.value}; create a new field instead.",
                "fieldType",
            )
        definition.field_type = new_type.value
    apply_settings(definition, values, creating=False)
    if type_changes or "validation" in values:
        await convert_values(session, definition, write=type_changes)
    if definition.is_unique and not before["is_unique"]:
        await check_no_duplicates(session, definition)
    definition.updated_at = datetime.now(UTC)
    await session.flush()
    changes = audit.diff(before, snapshot(definition))
    await audit.record(session, actor, "field_definition.update", FIELD_DEFINITION, definition.id, changes)
    return definition


async def archive_definition(
    session: AsyncSession, actor: Actor, definition_id: uuid.UUID
) -> FieldDefinition:
    """'Delete': the field disappears from forms, results and filters; values stay until purged."""
    actor.require_capability(Capability.MANAGE_FIELDS)
    definition = await get_definition(session, actor, definition_id)
    if definition.archived_at is not None:
        raise DomainError(ErrorCode.INVALID, "This field is already archived.", "id")
    definition.archived_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session, actor, "field_definition.archive", FIELD_DEFINITION, definition.id,
        audit.diff({"archived_at": None}, {"archived_at": definition.archived_at}),
    )  # fmt: skip
    return definition


async def restore_definition(
    session: AsyncSession, actor: Actor, definition_id: uuid.UUID
) -> FieldDefinition:
    actor.require_capability(Capability.MANAGE_FIELDS)
    definition = await get_definition(session, actor, definition_id)
    if definition.archived_at is None:
        raise DomainError(ErrorCode.INVALID, "This field is not archived.", "id")
    before = definition.archived_at
    definition.archived_at = None
    await session.flush()
    await audit.record(
        session, actor, "field_definition.restore", FIELD_DEFINITION, definition.id,
        audit.diff({"archived_at": before}, {"archived_at": None}),
    )  # fmt: skip
    return definition


async def purge_definition(session: AsyncSession, actor: Actor, definition_id: uuid.UUID) -> int:
    """Removes an archived field for good, and its values from every record (one statement)."""
    actor.require_capability(Capability.MANAGE_FIELDS)
    definition = await get_definition(session, actor, definition_id)
    if definition.archived_at is None:
        raise DomainError(ErrorCode.INVALID, "Archive the field before purging it.", "id")
    table = target(definition.object_type).table
    key = definition.key
    result = await session.execute(
        text(
            f"update {table} set custom = custom - cast(:key as text),"  # table name: from the registry
            " custom_sort = custom_sort - cast(:key as text), version = version + 1"
            f" where tenant_id = {CURRENT_TENANT}"
            " and (jsonb_exists(custom, :key) or jsonb_exists(custom_sort, :key))"
        ),
        {"key": key},
    )
    await session.delete(definition)
    await session.flush()
    cleared = int(result.rowcount or 0)
    await audit.record(
        session, actor, "field_definition.purge", FIELD_DEFINITION, definition.id,
        {"key": key, "object_type": definition.object_type, "records_cleared": cleared},
    )  # fmt: skip
    return cleared
