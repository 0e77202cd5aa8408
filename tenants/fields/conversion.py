"""Stored values under a changed definition: checked one by one, converted and rewritten in bulk."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.errors import DomainError, ErrorCode
from tenants.fields.kinds import FieldType, clean_value, sort_key
from tenants.fields.models import FieldDefinition
from tenants.fields.registry import target

BATCH = 2_000
CURRENT_TENANT = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)"


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
    # One expression object for SELECT and GROUP BY: two would bind the key twice, as different parameters.
    value = model.custom[definition.key].label("value")
    duplicates = await session.scalar(
        select(func.count()).select_from(
            select(value)
            .where(model.custom.has_key(definition.key))
            .group_by(literal_column("1"))
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
