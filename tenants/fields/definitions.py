"""Field definition rules: create, change, archive, restore and purge (manage_fields capability).

Safe changes: label, description, position, flags and validation change freely; the type changes only
within a compatible family, and only after every existing value was checked (and converted) under the
new type; unique is switched on only when no two records share a value. Deleting archives: values stay
in the records, hidden and not writable, until `purge_definition` removes them.
"""

from __future__ import annotations

import json
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
from tenants.fields.kinds import FieldType, clean_value, sort_key
from tenants.fields.models import FieldDefinition
from tenants.fields.registry import target
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
BATCH = 2_000
CURRENT_TENANT = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)"


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


async def get_definition(session: AsyncSession, definition_id: uuid.UUID) -> FieldDefinition:
    definition = await session.get(FieldDefinition, (await current_tenant(session), definition_id))
    if definition is None:
        raise not_found("field definition")
    return definition


async def current_tenant(session: AsyncSession) -> uuid.UUID:
    return uuid.UUID(await session.scalar(text("select current_setting('app.tenant_id', true)")))


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
    if not isinstance(pattern, str) or not pattern or len(pattern) > 200:
        raise DomainError(ErrorCode.INVALID, "Give a pattern of 1-200 characters.", "validation.pattern")
    try:
        re.compile(pattern)
    except re.error as error:
        raise DomainError(ErrorCode.INVALID, f"Not a valid pattern: {error}.", "validation.pattern") from None
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
    del session
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
    definition = await get_definition(session, definition_id)
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


async def convert_values(session: AsyncSession, definition: FieldDefinition, *, write: bool) -> None:
    """Checks every stored value under the definition's (new) type and rules; when the type changed,
    rewrites values and sort keys in their new canonical form. Refuses the whole change, naming how
    many records fail, if any value does not fit."""
    model = target(definition.object_type).model
    field_type = FieldType(definition.field_type)
    key = definition.key
    failures = 0
    converted: list[tuple[uuid.UUID, Any, str | None]] = []
    result = await session.stream(
        select(model.id, model.custom[key])
        .where(model.custom.has_key(key))
        .execution_options(yield_per=BATCH)
    )
    async for record_id, raw in result:
        try:
            value = clean_value(field_type, definition.validation, upgrade(raw, field_type), "custom")
        except DomainError:
            failures += 1
            continue
        converted.append((record_id, value, sort_key(field_type, value)))
    if failures:
        raise DomainError(
            ErrorCode.INVALID,
            f"{failures} {definition.object_type} record(s) hold values of '{key}' that are not valid"
            f" as {field_type.value} under these rules; fix or clear them first.",
            "fieldType" if write else "validation",
        )
    if write:
        await rewrite_values(session, model.__table__.name, key, converted)


def upgrade(raw: Any, field_type: FieldType) -> Any:
    """A stored value in the shape the new type reads: one option becomes a list and back."""
    if field_type is FieldType.MULTI_SELECT and isinstance(raw, str):
        return [raw]
    if field_type is FieldType.SINGLE_SELECT and isinstance(raw, list):
        return raw[0] if len(raw) == 1 else raw
    return raw


async def rewrite_values(
    session: AsyncSession, table: str, key: str, rows: list[tuple[uuid.UUID, Any, str | None]]
) -> None:
    """Bulk rewrite of one key's values and sort keys, BATCH rows per statement."""
    statement = text(
        f"update {table} as t set"  # table name: from the registry
        " custom = jsonb_set(t.custom, array[cast(:key as text)], cast(u.value as jsonb)),"
        " custom_sort = case when u.sort is null then t.custom_sort - cast(:key as text)"
        " else jsonb_set(t.custom_sort, array[cast(:key as text)], to_jsonb(u.sort)) end,"
        " version = t.version + 1"
        " from unnest(cast(:ids as uuid[]), cast(:values as text[]), cast(:sorts as text[]))"
        " as u(id, value, sort)"
        f" where t.tenant_id = {CURRENT_TENANT} and t.id = u.id"
    )
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        await session.execute(
            statement,
            {
                "key": key,
                "ids": [row[0] for row in batch],
                "values": [json.dumps(row[1]) for row in batch],
                "sorts": [row[2] for row in batch],
            },
        )


async def check_no_duplicates(session: AsyncSession, definition: FieldDefinition) -> None:
    model = target(definition.object_type).model
    duplicates = await session.scalar(
        select(func.count()).select_from(
            select(model.custom[definition.key])
            .where(model.custom.has_key(definition.key))
            .group_by(model.custom[definition.key])
            .having(func.count() > 1)
            .subquery()
        )
    )
    if duplicates:
        raise DomainError(
            ErrorCode.DUPLICATE,
            f"{duplicates} value(s) of '{definition.key}' are shared by several records; make them"
            " unique first.",
            "unique",
        )


async def archive_definition(
    session: AsyncSession, actor: Actor, definition_id: uuid.UUID
) -> FieldDefinition:
    """'Delete': the field disappears from forms, results and filters; values stay until purged."""
    actor.require_capability(Capability.MANAGE_FIELDS)
    definition = await get_definition(session, definition_id)
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
    definition = await get_definition(session, definition_id)
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
    definition = await get_definition(session, definition_id)
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
