"""What an import can write: one `ImportTarget` per object type, registered by name.

A target names its importable fields (the API names a mapping uses, the service keys they fill, how a
cell's text becomes a value) and the service functions that write records: the same functions the API
mutations call, so an import obeys the same validation, permissions, field rules and audit. Another list
type joins with one `register_target(...)` call (see graph/dataio/crm_targets.py).

Type coercion happens here, before the service runs, so every problem of a row is reported at once and
with the column it came from; custom-field cells are converted to the JSON form of their field's type and
then validated by the service like any API value.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.errors import DomainError, ErrorCode
from tenants.fields.kinds import FieldType
from tenants.fields.models import FieldDefinition
from tenants.models import Membership, User
from tenants.permissions import Actor
from tenants.validation import plain_decimal

LIST_SEPARATORS = re.compile(r"[;\n]")
TRUE_WORDS = {"true", "yes", "y", "1", "是", "对"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "不"}


# A reference cell's text to the id of a record the importing member may see (an account by its name).
Resolver = Callable[[AsyncSession, "Actor", str, str], Awaitable[uuid.UUID]]


@dataclass(frozen=True)
class ImportField:
    """One importable built-in field: `name` as in the API, `key` as the service takes it."""

    name: str
    key: str
    kind: str = "text"  # text | list | date | decimal | member | reference (with `resolve`)
    resolve: Resolver | None = None


Finder = Callable[[AsyncSession, Actor, Mapping[str, Any]], Awaitable[Any]]
Creator = Callable[[AsyncSession, Actor, Mapping[str, Any]], Awaitable[Any]]
Updater = Callable[[AsyncSession, Actor, uuid.UUID, int, Mapping[str, Any]], Awaitable[Any]]
Deleter = Callable[[AsyncSession, Actor, uuid.UUID, int], Awaitable[Any]]
Getter = Callable[[AsyncSession, Actor, uuid.UUID], Awaitable[Any]]


@dataclass(frozen=True)
class Match:
    """What the duplicate rules say of one row of a batch: the record it duplicates (None: a new one),
    the normalized keys it was looked up by, and the keys the record it writes will have (a later row
    looking for one of those must wait for this row's write)."""

    record: Any
    lookup: frozenset[tuple[str, str]]
    keys: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class BatchWrites:
    """A target's service functions for many rows at once, each with the same rules (and the same
    per-row errors) as its single-row function: an import's batch then costs a few statements, not a
    few per row. Optional: a target without them is written row by row."""

    find_duplicates: Callable[[AsyncSession, Actor, Sequence[Mapping[str, Any]]], Awaitable[list[Match]]]
    create: Callable[[AsyncSession, Actor, Sequence[Mapping[str, Any]]], Awaitable[list[Any]]]
    # The live versions of the records among the ids the actor may see, locked for the transaction.
    versions: Callable[[AsyncSession, Actor, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, int]]]
    delete: Callable[[AsyncSession, Actor, Sequence[tuple[uuid.UUID, int]]], Awaitable[list[Any]]]


@dataclass(frozen=True)
class ImportTarget:
    object_type: str
    fields: tuple[ImportField, ...]
    required: tuple[str, ...]  # field names a mapping must fill for a create
    find_duplicate: Finder  # the duplicate rules: a visible live record this row duplicates, or None
    create: Creator
    update: Updater
    delete: Deleter
    get: Getter
    batch: BatchWrites | None = None

    def field(self, name: str) -> ImportField | None:
        return next((field for field in self.fields if field.name == name), None)


TARGETS: dict[str, ImportTarget] = {}


def register_target(target: ImportTarget) -> ImportTarget:
    TARGETS[target.object_type] = target
    return target


def get_target(object_type: str, field: str = "objectType") -> ImportTarget:
    target = TARGETS.get(object_type)
    if target is None:
        known = ", ".join(sorted(TARGETS))
        raise DomainError(ErrorCode.INVALID, f"Imports take one of: {known}.", field)
    return target


def invalid(message: str, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, field)


def parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise invalid(f"'{text[:40]}' is not a date; write it as YYYY-MM-DD.", field) from None


def split_list(text: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]


def custom_cell(definition: FieldDefinition, text: str, field: str) -> Any:
    """The JSON input form of a custom field's value from a cell's text (the service validates it)."""
    kind = FieldType(definition.field_type)
    if kind is FieldType.INTEGER:
        try:
            return int(text.replace(",", ""))
        except ValueError:
            raise invalid(f"'{text[:40]}' is not a whole number.", field) from None
    if kind is FieldType.BOOLEAN:
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise invalid(f"'{text[:40]}' is not yes or no (true/false, 1/0).", field)
    if kind is FieldType.MULTI_SELECT:
        return split_list(text)
    if kind is FieldType.CURRENCY_AMOUNT:
        parts = text.split()
        currency = next((part for part in parts if part.isalpha()), None)
        amount = next((part for part in parts if not part.isalpha()), "")
        return {"amount": amount.replace(",", ""), "currency": currency} if currency else amount
    if kind is FieldType.DATE:
        return parse_date(text, field).isoformat()
    return text


@dataclass
class RowReader:
    """Turns a row's cells into service values for one import (definitions and members cached)."""

    target: ImportTarget
    columns: list[dict[str, str]]
    definitions: dict[str, FieldDefinition]
    members: dict[str, uuid.UUID | None]

    async def values(
        self, session: AsyncSession, cells: Mapping[str, str], actor: Actor | None = None
    ) -> dict[str, Any]:
        """The row's values; empty cells are left out (an update keeps what the record has)."""
        values: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        errors: list[DomainError] = []
        for mapping in self.columns:
            text = (cells.get(mapping["column"]) or "").strip()
            if not text:
                continue
            name = mapping["field"]
            try:
                if name.startswith("custom."):
                    custom[name.removeprefix("custom.")] = custom_cell(self.definitions[name], text, name)
                    continue
                field = self.target.field(name)
                assert field is not None  # mappings are checked when the import starts
                values[field.key] = await self.builtin(session, field, text, actor)
            except DomainError as error:
                errors.append(error)
        if errors:
            from tenants.errors import ValidationErrors

            raise ValidationErrors(errors)
        if custom:
            values["custom"] = custom
        return values

    async def builtin(self, session: AsyncSession, field: ImportField, text: str, actor: Actor | None) -> Any:
        if field.resolve is not None and actor is not None:
            return await field.resolve(session, actor, text, field.name)
        if field.kind == "list":
            return split_list(text)
        if field.kind == "date":
            return parse_date(text, field.name)
        if field.kind == "decimal":
            try:
                return plain_decimal(text.replace(",", ""))
            except ValueError as error:
                raise invalid(f"'{text[:40]}': {error}", field.name) from None
        if field.kind == "member":
            return await self.member(session, text, field.name)
        return text

    async def member(self, session: AsyncSession, email: str, field: str) -> uuid.UUID:
        """A member of the tenant by email (the service then checks that they are active)."""
        key = email.lower()
        if key not in self.members:
            self.members[key] = await session.scalar(
                select(User.id)
                .join(Membership, Membership.user_id == User.id)
                .where(func.lower(User.email) == key)
            )
        user_id = self.members[key]
        if user_id is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, f"No member of this workspace has the email {email[:80]}.", field
            )
        return user_id


async def custom_definitions(session: AsyncSession, object_type: str) -> dict[str, FieldDefinition]:
    from tenants.fields.values import active_definitions

    return {f"custom.{row.key}": row for row in await active_definitions(session, object_type)}


def encode_before(target: ImportTarget, record: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values an update replaces (only the keys it sets), as JSON, for undo."""
    before: dict[str, Any] = {}
    for field in target.fields:
        if field.key in values:
            value = getattr(record, field.key)
            before[field.key] = str(value) if isinstance(value, uuid.UUID | date | Decimal) else value
    if "custom" in values:
        current = record.custom or {}
        before["custom"] = {key: current.get(key) for key in values["custom"]}
    return before


def decode_before(target: ImportTarget, before: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in before.items():
        field = next((f for f in target.fields if f.key == key), None)
        if value is not None and field is not None and field.kind == "date":
            value = date.fromisoformat(value)
        elif value is not None and field is not None and field.kind in ("member", "reference"):
            value = uuid.UUID(value)
        elif value is not None and field is not None and field.kind == "decimal":
            value = Decimal(value)
        values[key] = value
    return values
