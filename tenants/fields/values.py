"""Custom values on every write, through the service path the API, imports and integrations share.

`apply_custom_values` is the one call an area's create/update service makes: it refuses writes to
fields the actor's role makes read-only (built-in or custom), validates the given custom values
against the tenant's definitions (every problem reported at once, on `custom.<key>`), fills defaults
and checks required fields on create, enforces unique-within-tenant values, and sets `custom` and
`custom_sort` on the record. It returns the audit diff of the custom values.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.fields.kinds import FieldType, clean_value, sort_key
from tenants.fields.models import FieldDefinition
from tenants.fields.registry import TARGETS, target
from tenants.models import Membership
from tenants.permissions import Actor, FieldAccess


def custom_path(key: str) -> str:
    return f"custom.{key}"


async def active_definitions(session: AsyncSession, object_type: str) -> list[FieldDefinition]:
    """The tenant's live (not archived) definitions of one object type, in form order."""
    rows = await session.scalars(
        select(FieldDefinition)
        .where(FieldDefinition.object_type == object_type, FieldDefinition.archived_at.is_(None))
        .order_by(FieldDefinition.position, FieldDefinition.key)
    )
    return list(rows)


FIELDS_VERSION = "crm_fields_version"
# (tenant id, fields version, object type) -> definitions; a definition change bumps the version.
DEFINITIONS_CACHE: OrderedDict[tuple[uuid.UUID, int, str], list[FieldDefinition]] = OrderedDict()
DEFINITIONS_CACHE_SIZE = 2048


def remember_fields_version(session: AsyncSession, tenant_id: uuid.UUID, version: int | None) -> None:
    """The tenant's definitions version, read by the request's credential check (tenants/credentials.py)."""
    if version is not None:
        session.info[FIELDS_VERSION] = (tenant_id, version)


async def definitions_for_writes(session: AsyncSession, object_type: str) -> list[FieldDefinition]:
    """`active_definitions`, cached per process while the tenant's definitions do not change.

    Only for reading: the cached rows are detached and shared between requests, never to be changed.
    A session that does not know its tenant's version (jobs, the CLI) reads them every time.
    """
    known = session.info.get(FIELDS_VERSION)
    if known is None:
        return await active_definitions(session, object_type)
    key = (known[0], known[1], object_type)
    cached = DEFINITIONS_CACHE.get(key)
    if cached is None:
        cached = DEFINITIONS_CACHE[key] = await active_definitions(session, object_type)
        for definition in cached:
            session.expunge(definition)
        if len(DEFINITIONS_CACHE) > DEFINITIONS_CACHE_SIZE:
            DEFINITIONS_CACHE.popitem(last=False)
    return cached


def cached_definitions(
    tenant_id: uuid.UUID, version: int | None, object_type: str
) -> dict[str, FieldDefinition] | None:
    """The definitions `definitions_for_writes` cached for this tenant's version, by key; None when
    they are not cached (the compiled create then leaves the request to the executor, which caches them)."""
    if version is None:
        return None
    cached = DEFINITIONS_CACHE.get((tenant_id, version, object_type))
    return None if cached is None else {definition.key: definition for definition in cached}


def visible_definitions(
    actor: Actor, object_type: str, definitions: Sequence[FieldDefinition]
) -> list[FieldDefinition]:
    """Definitions minus those the actor's role hides: to that actor, a hidden field does not exist."""
    hidden = actor.permissions.hidden_fields(object_type)
    return [d for d in definitions if custom_path(d.key) not in hidden]


def unknown_field(object_type: str, key: str) -> DomainError:
    return DomainError(
        ErrorCode.INVALID, f"There is no custom field '{key}' on {object_type} records.", custom_path(key)
    )


def read_only(field: str) -> DomainError:
    return DomainError(ErrorCode.PERMISSION_DENIED, "Your role may not change this field.", field)


def check_builtin_writes(actor: Actor, object_type: str, values: Mapping[str, Any]) -> None:
    """A read-only (or hidden) built-in field named in the write is a PERMISSION_DENIED on it."""
    rules = actor.permissions.field_rules(object_type)
    if not rules:
        return
    entry = TARGETS.get(object_type)
    errors = []
    for attribute in values:
        if attribute == "custom":
            continue
        field = entry.field_for_attribute(attribute) if entry else attribute
        if rules.get(field) in (FieldAccess.READ_ONLY, FieldAccess.HIDDEN) and field not in {
            e.field for e in errors
        }:
            errors.append(read_only(field))
    if errors:
        raise ValidationErrors(errors)


@dataclass
class CustomChanges:
    """What a write does to a record's custom values, before the checks that read the database."""

    current: dict[str, Any]
    updated: dict[str, Any]
    changed: list[str]  # keys whose value changes (every set key on create), sorted
    errors: list[DomainError]


def given_custom(values: Mapping[str, Any]) -> dict[str, Any]:
    given = values.get("custom")
    if given is not None and not isinstance(given, Mapping):
        raise DomainError(ErrorCode.INVALID, 'Give custom values as an object {"key": value}.', "custom")
    return dict(given or {})


def custom_changes(
    actor: Actor,
    object_type: str,
    definitions: Mapping[str, FieldDefinition],
    given: Mapping[str, Any],
    current: Mapping[str, Any],
    *,
    creating: bool,
) -> CustomChanges:
    """Validates `given` against the definitions and the actor's field rules, fills defaults and checks
    required fields on create (no database work: references and uniqueness are checked after)."""
    rules = actor.permissions.field_rules(object_type)
    updated = dict(current)
    errors: list[DomainError] = []
    for key, raw in given.items():
        definition = definitions.get(key)
        access = rules.get(custom_path(key))
        if definition is None or access is FieldAccess.HIDDEN:
            errors.append(unknown_field(object_type, key))
            continue
        if access is FieldAccess.READ_ONLY:
            errors.append(read_only(custom_path(key)))
            continue
        try:
            value = clean_value(
                FieldType(definition.field_type), definition.validation, raw, custom_path(key)
            )
        except DomainError as error:
            errors.append(error)
            continue
        if value is None and definition.required:
            errors.append(DomainError(ErrorCode.REQUIRED, "This field is required.", custom_path(key)))
        elif value is None:
            updated.pop(key, None)
        else:
            updated[key] = value
    if creating:
        for key, definition in definitions.items():
            if key in given:
                continue
            if definition.default_value is not None:
                updated[key] = definition.default_value
            elif definition.required:
                errors.append(DomainError(ErrorCode.REQUIRED, "This field is required.", custom_path(key)))
    changed = {key for key in given if key in definitions and updated.get(key) != current.get(key)}
    if creating:
        changed |= set(updated)
    return CustomChanges(dict(current), updated, sorted(changed), errors)


def needs_database_checks(definition: FieldDefinition) -> bool:
    """Whether a value of this field is checked against other rows (`check_references`, `check_unique`)."""
    return (
        definition.is_unique
        or FieldType(definition.field_type) in (FieldType.USER_REFERENCE, FieldType.RECORD_REFERENCE)
        or bool(definition.validation.get("option_list"))
    )


async def apply_custom_values(
    session: AsyncSession,
    actor: Actor,
    object_type: str,
    record: Any,
    values: Mapping[str, Any],
    *,
    creating: bool,
) -> dict[str, list[Any]]:
    """Checks `values` (the service's values, `custom` among them) and sets the record's custom values.

    Call it after the record's own fields are cleaned and before the flush (a new record may have no id
    yet: uniqueness then compares with every existing record). Returns {"custom.<key>": [old, new]}.
    """
    check_builtin_writes(actor, object_type, values)
    given = given_custom(values)
    if not given and not creating:
        return {}
    definitions = {d.key: d for d in await definitions_for_writes(session, object_type)}
    current: dict[str, Any] = dict(record.custom or {}) if not creating else {}
    plan = custom_changes(actor, object_type, definitions, given, current, creating=creating)
    errors = plan.errors
    for key in plan.changed:
        if key in plan.updated and not any(e.field == custom_path(key) for e in errors):
            try:
                await check_references(session, actor, definitions[key], plan.updated[key])
                await check_unique(session, object_type, record, definitions[key], plan.updated[key])
            except DomainError as error:
                errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    record.custom = plan.updated
    previous_sort = dict(getattr(record, "custom_sort", None) or {})
    record.custom_sort = sort_keys(definitions, plan.updated, previous_sort)
    return audit_changes(plan)


async def apply_custom_values_to_many(
    session: AsyncSession,
    actor: Actor,
    object_type: str,
    writes: Sequence[tuple[Any, Mapping[str, Any]]],
) -> tuple[list[dict[str, list[Any]] | DomainError], list[FieldDefinition]]:
    """`apply_custom_values(..., creating=True)` for new records written together (an import's batch):
    the definitions are read once, and a unique value is checked against the other records of the batch
    as well as the database. Per record: its audit diff, or the error the single call would raise; with
    the definitions used (for `searchable_text`)."""
    listed = await definitions_for_writes(session, object_type)
    definitions = {d.key: d for d in listed}
    taken: dict[tuple[str, str], Any] = {}  # (key, value as JSON) -> the record of the batch holding it
    outcomes: list[dict[str, list[Any]] | DomainError] = []
    for record, values in writes:
        try:
            check_builtin_writes(actor, object_type, values)
            plan = custom_changes(actor, object_type, definitions, given_custom(values), {}, creating=True)
        except DomainError as error:
            outcomes.append(error)
            continue
        errors = plan.errors
        claimed: list[tuple[str, str]] = []
        for key in plan.changed:
            definition = definitions[key]
            if not needs_database_checks(definition) or any(e.field == custom_path(key) for e in errors):
                continue
            try:
                await check_references(session, actor, definition, plan.updated[key])
                await check_unique(session, object_type, record, definition, plan.updated[key])
            except DomainError as error:
                errors.append(error)
                continue
            if definition.is_unique:
                value_key = (key, orjson.dumps(plan.updated[key], option=orjson.OPT_SORT_KEYS).decode())
                if value_key in taken:
                    errors.append(
                        DomainError(
                            ErrorCode.DUPLICATE, "Another record already has this value.", custom_path(key)
                        )
                    )
                claimed.append(value_key)
        if errors:
            outcomes.append(ValidationErrors(errors))
            continue
        taken.update((value_key, record) for value_key in claimed)
        record.custom = plan.updated
        record.custom_sort = sort_keys(definitions, plan.updated, {})
        outcomes.append(audit_changes(plan))
    return outcomes, listed


def audit_changes(plan: CustomChanges) -> dict[str, list[Any]]:
    return {custom_path(key): [plan.current.get(key), plan.updated.get(key)] for key in plan.changed}


def sort_keys(
    definitions: Mapping[str, FieldDefinition], values: Mapping[str, Any], previous: Mapping[str, Any]
) -> dict[str, str]:
    # Keys of archived fields keep their sort keys (their values are kept too, until purge).
    keys = {key: value for key, value in previous.items() if key not in definitions}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is not None:
            entry = sort_key(FieldType(definition.field_type), value)
            if entry is not None:
                keys[key] = entry
    return keys


async def check_references(
    session: AsyncSession, actor: Actor, definition: FieldDefinition, value: Any
) -> None:
    path = custom_path(definition.key)
    field_type = FieldType(definition.field_type)
    if field_type is FieldType.USER_REFERENCE:
        found = await session.scalar(
            select(Membership.user_id).where(
                Membership.tenant_id == actor.tenant_id,
                Membership.user_id == uuid.UUID(value),
                Membership.is_active.is_(True),
            )
        )
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No active member with this id.", path)
    elif field_type is FieldType.RECORD_REFERENCE:
        referenced = target(definition.validation["target_type"], path)
        model = referenced.model
        statement = select(model.id).where(model.tenant_id == actor.tenant_id, model.id == uuid.UUID(value))
        if hasattr(model, "deleted_at"):
            statement = statement.where(model.deleted_at.is_(None))
        if await session.scalar(statement) is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"No {referenced.object_type} with this id.", path)
    elif definition.validation.get("option_list"):
        from tenants.options import require_option  # the lead's option lists (tenants/options.py)

        list_key = definition.validation["option_list"]
        for option in value if isinstance(value, list) else [value]:
            await require_option(session, actor.tenant_id, list_key, option, path)


async def check_unique(
    session: AsyncSession, object_type: str, record: Any, definition: FieldDefinition, value: Any
) -> None:
    """Unique within the tenant (live and deleted records alike). The transaction-scoped advisory lock
    on (tenant, type, key) makes concurrent writers of the same field take turns, so two records can
    never both pass the check with the same value."""
    if not definition.is_unique:
        return
    model = target(object_type).model
    lock_key = f"custom-unique:{record.tenant_id}:{object_type}:{definition.key}"
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(lock_key, 0))))
    taken = await session.scalar(
        select(model.id)
        .where(
            model.tenant_id == record.tenant_id,
            model.custom.contains({definition.key: value}),
            model.id != record.id,
        )
        .limit(1)
    )
    if taken is not None:
        raise DomainError(
            ErrorCode.DUPLICATE, "Another record already has this value.", custom_path(definition.key)
        )


def hidden_change_keys(actor: Actor, object_type: str) -> set[str]:
    """Keys of audit diffs (model attributes, `custom.<key>`) that show fields the actor's role hides."""
    hidden = actor.permissions.hidden_fields(object_type)
    if not hidden:
        return set()
    entry = TARGETS.get(object_type)
    keys: set[str] = set()
    for field in hidden:
        keys.add(field)
        if entry is not None:
            keys.update(entry.builtin_fields.get(field, ()))
    return keys


async def searchable_values(session: AsyncSession, object_type: str, custom: Mapping[str, Any]) -> list[str]:
    """Text of the record's values in live `searchable` fields, for an area's search column."""
    if not custom:
        return []
    return searchable_text(await active_definitions(session, object_type), custom)


def searchable_text(definitions: Sequence[FieldDefinition], custom: Mapping[str, Any]) -> list[str]:
    """`searchable_values` with the live definitions (in form order) already read."""
    values = []
    for definition in definitions:
        value = custom.get(definition.key)
        if definition.searchable and value is not None:
            values.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return values
