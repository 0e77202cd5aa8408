"""Import rules: saved mappings, starting an import (or a dry run), reading progress, asking for undo.

The rows themselves are written by the `imports.run` job (graph/dataio/runner.py) through the services
of the target type. Who sees an import: the member who started it, and members holding
`manage_settings`; anyone else, or another tenant, gets NOT_FOUND.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.ext.asyncio import AsyncSession

import graph.dataio.crm_targets  # registers accounts and contacts
import graph.dataio.sales_targets  # noqa: F401 - registers leads and opportunities
from graph.dataio.models import DUPLICATE_MODES, DataImport, ImportMapping, ImportRowError
from graph.dataio.targets import custom_definitions, get_target
from graph.documents.documents import get_document
from graph.documents.models import DocumentVersion
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.permissions import Action, Actor, Capability
from tenants.validation import required_text

IMPORT = "data_import"
FORMATS = {
    "text/csv": "csv",
    "text/plain": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
MAX_MAPPED_COLUMNS = 200
ENCODINGS = ("utf-8", "gbk", "gb18030", "utf-16")


def own_or_managed(actor: Actor, tenant_column: Any, member_column: Any) -> ColumnElement[bool]:
    """Rows the actor started, or every row of the tenant for members holding manage_settings."""
    everyone = actor.permissions.has(Capability.MANAGE_SETTINGS)
    return (tenant_column == actor.tenant_id) & (true() if everyone else member_column == actor.user_id)


def import_scope(actor: Actor) -> ColumnElement[bool]:
    return own_or_managed(actor, DataImport.tenant_id, DataImport.created_by_id)


def visible_imports(actor: Actor) -> Select[tuple[DataImport]]:
    return select(DataImport).where(import_scope(actor)).order_by(DataImport.id.desc())


async def get_import(
    session: AsyncSession, actor: Actor, import_id: uuid.UUID, field: str = "id"
) -> DataImport:
    found = await session.scalar(select(DataImport).where(import_scope(actor), DataImport.id == import_id))
    if found is None:
        raise not_found("import", field)
    return found


async def clean_columns(
    session: AsyncSession, object_type: str, columns: Sequence[dict[str, str]], field: str = "columns"
) -> list[dict[str, str]]:
    """Each column mapped to a known field (built-in or a live custom field), no field twice, and the
    fields a new record needs all mapped."""
    target = get_target(object_type)
    definitions = await custom_definitions(session, object_type)
    known = {f.name for f in target.fields} | set(definitions)
    errors: list[DomainError] = []
    cleaned: list[dict[str, str]] = []
    if not columns or len(columns) > MAX_MAPPED_COLUMNS:
        raise DomainError(ErrorCode.INVALID, f"Map 1 to {MAX_MAPPED_COLUMNS} columns.", field)
    for index, mapping in enumerate(columns):
        column = required_text(mapping.get("column"), f"{field}.{index}.column", 200)
        name = (mapping.get("field") or "").strip()
        if name not in known:
            errors.append(
                DomainError(
                    ErrorCode.INVALID,
                    f"'{name[:80]}' is not a field of {object_type}; use one of: {', '.join(sorted(known))}.",
                    f"{field}.{index}.field",
                )
            )
        elif name in {c["field"] for c in cleaned}:
            errors.append(
                DomainError(ErrorCode.DUPLICATE, f"'{name}' is mapped twice.", f"{field}.{index}.field")
            )
        cleaned.append({"column": column, "field": name})
    missing = [name for name in target.required if name not in {c["field"] for c in cleaned}]
    if missing:
        errors.append(DomainError(ErrorCode.REQUIRED, f"Map a column to {', '.join(missing)}.", field))
    if errors:
        raise ValidationErrors(errors)
    return cleaned


async def save_mapping(
    session: AsyncSession, actor: Actor, object_type: str, name: str, columns: Sequence[dict[str, str]]
) -> ImportMapping:
    """Create or replace the tenant's mapping with this name for the object type."""
    get_target(object_type)
    actor.require(object_type, Action.CREATE)
    name = required_text(name, "name", 100)
    cleaned = await clean_columns(session, object_type, columns)
    mapping = await session.scalar(
        select(ImportMapping).where(
            ImportMapping.tenant_id == actor.tenant_id,
            ImportMapping.object_type == object_type,
            ImportMapping.name == name,
        )
    )
    before = mapping.columns if mapping else None
    if mapping is None:
        mapping = ImportMapping(
            tenant_id=actor.tenant_id, object_type=object_type, name=name, created_by_id=actor.user_id
        )
        session.add(mapping)
    mapping.columns = cleaned
    await session.flush()
    await audit.record(
        session, actor, "import_mapping.save", IMPORT, mapping.id, {"columns": [before, cleaned]}
    )
    return mapping


async def list_mappings(session: AsyncSession, actor: Actor, object_type: str | None) -> list[ImportMapping]:
    statement = select(ImportMapping).where(ImportMapping.tenant_id == actor.tenant_id)
    if object_type is not None:
        statement = statement.where(ImportMapping.object_type == object_type)
    rows = await session.scalars(statement.order_by(ImportMapping.object_type, ImportMapping.name))
    return [row for row in rows if actor.permissions.can(row.object_type, Action.CREATE)]


async def mapping_columns(
    session: AsyncSession, actor: Actor, object_type: str, mapping_name: str | None, columns: Any
) -> list[dict[str, str]]:
    if (mapping_name is None) == (columns is None):
        raise DomainError(ErrorCode.INVALID, "Give either columns or the name of a saved mapping.", "columns")
    if columns is not None:
        return await clean_columns(session, object_type, columns)
    mapping = await session.scalar(
        select(ImportMapping).where(
            ImportMapping.tenant_id == actor.tenant_id,
            ImportMapping.object_type == object_type,
            ImportMapping.name == mapping_name,
        )
    )
    if mapping is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, f"No saved {object_type} mapping with this name.", "mappingName"
        )
    # Checked again: a custom field it names may have been archived since it was saved.
    return await clean_columns(session, object_type, mapping.columns, "mappingName")


async def start_import(
    session: AsyncSession,
    actor: Actor,
    *,
    object_type: str,
    document_id: uuid.UUID,
    columns: list[dict[str, str]] | None,
    mapping_name: str | None,
    duplicate_mode: str,
    dry_run: bool,
    encoding: str | None,
) -> DataImport:
    """Queue an import of a document the actor may read; the `imports.run` job does the rows."""
    get_target(object_type)
    actor.require(object_type, Action.CREATE)
    if duplicate_mode not in DUPLICATE_MODES:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(DUPLICATE_MODES)}.", "duplicates")
    if duplicate_mode == "update":
        actor.require(object_type, Action.UPDATE)
    if encoding is not None and encoding not in ENCODINGS:
        raise DomainError(
            ErrorCode.INVALID, f"Use one of: {', '.join(ENCODINGS)}, or leave it out.", "encoding"
        )
    document = await get_document(session, actor, document_id, "documentId")
    file_format = FORMATS.get(document.content_type)
    if file_format is None:
        raise DomainError(
            ErrorCode.INVALID, f"Imports read CSV or XLSX files, not {document.content_type}.", "documentId"
        )
    cleaned = await mapping_columns(session, actor, object_type, mapping_name, columns)
    key = await session.scalar(
        select(DocumentVersion.storage_key).where(
            DocumentVersion.document_id == document.id, DocumentVersion.number == document.current_version
        )
    )
    started = DataImport(
        tenant_id=actor.tenant_id,
        object_type=object_type,
        document_id=document.id,
        storage_key=key,
        file_name=document.name,
        file_format=file_format,
        encoding=encoding,
        columns=cleaned,
        duplicate_mode=duplicate_mode,
        dry_run=dry_run,
        status="queued",
        created_by_id=actor.user_id,
    )
    session.add(started)
    await session.flush()
    changes = {
        "object_type": [None, object_type],
        "document_id": [None, str(document.id)],
        "dry_run": [None, dry_run],
    }
    await audit.record(session, actor, "import.start", IMPORT, started.id, changes)
    return started


async def request_undo(session: AsyncSession, actor: Actor, import_id: uuid.UUID) -> DataImport:
    """Queue the undo of a finished (or failed part-way) import: its created records are deleted and its
    updated ones get their previous values back, through the same services; a record changed since the
    import is left as it is and reported."""
    found = await get_import(session, actor, import_id)
    if found.dry_run or found.status not in ("done", "failed"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Only a finished import that wrote records can be undone (not a dry run, not a running one).",
            "id",
        )
    found.status = "undo_queued"
    found.undo_requested_by_id = actor.user_id
    found.finished_at = None
    await session.flush()
    await audit.record(session, actor, "import.undo", IMPORT, found.id, {"status": ["done", "undo_queued"]})
    return found


async def row_errors(
    session: AsyncSession, found: DataImport, first: int, after_row: int | None
) -> list[ImportRowError]:
    statement = select(ImportRowError).where(
        ImportRowError.tenant_id == found.tenant_id, ImportRowError.import_id == found.id
    )
    if after_row is not None:
        statement = statement.where(ImportRowError.row_number > after_row)
    rows = await session.scalars(
        statement.order_by(ImportRowError.row_number, ImportRowError.id).limit(first)
    )
    return list(rows)
