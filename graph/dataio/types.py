"""GraphQL types of imports: saved mappings, import runs with their progress, and row errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import in_readers_language
from graph.core.ids import nodes_in_order
from graph.dataio import imports, models
from graph.identity.types import User, owner

MAX_ERRORS_PAGE = 500


@strawberry.enum(description="What an import does with a row that duplicates an existing record.")
class DuplicateMode(Enum):
    SKIP = "skip"
    UPDATE = "update"
    CREATE = "create"


@strawberry.enum(description="Where an import stands.")
class ImportStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    UNDO_QUEUED = "undo_queued"
    UNDOING = "undoing"
    UNDONE = "undone"


@strawberry.type(description="One file column and the field it fills.")
class ColumnMapping:
    column: str = strawberry.field(description="The column's header in the file.")
    field: str = strawberry.field(description="The field it fills: a built-in name or custom.<key>.")


def mapped(columns: list[dict[str, str]]) -> list[ColumnMapping]:
    return [ColumnMapping(column=c["column"], field=c["field"]) for c in columns]


@strawberry.type(description="A tenant's saved column mapping for one object type.")
class ImportMapping(relay.Node):
    id: relay.NodeID[str]
    object_type: str = strawberry.field(description="account, contact, ...")
    name: str = strawberry.field(description="Unique per object type.")
    columns: list[ColumnMapping] = strawberry.field(description="The mapping, in file order.")
    updated_at: datetime = strawberry.field(description="When it was last saved (UTC).")

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ImportMapping | None]:
        """Mappings of object types the caller may create (as `importMappings`)."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, ImportMapping]:
            session = await info.context.session()
            rows = await imports.list_mappings(session, actor, None)
            return {row.id: cls.from_model(row) for row in rows if row.id in ids}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: models.ImportMapping) -> ImportMapping:
        return cls(
            id=str(row.id),
            object_type=row.object_type,
            name=row.name,
            columns=mapped(row.columns),
            updated_at=row.updated_at,
        )


@strawberry.type(description="One problem with one row of an import (or of its undo).")
class ImportRowError:
    row: int = strawberry.field(description="The data row, counted from 1 after the header; 0: the file.")
    phase: str = strawberry.field(description="import, or undo.")
    field: str | None = strawberry.field(description="The field (API name) or 'file'.")
    code: str = strawberry.field(description="An error code (docs/errors.md).")
    message: strawberry.Private[str]  # as the services wrote it, in English

    @strawberry.field(
        name="message",
        description="What is wrong and how to fix it, in the reader's language (as `UserError.message`); "
        "`code` and `field` never change with the language.",
    )
    async def localized_message(self, info: strawberry.Info) -> str:
        return await in_readers_language(info, self.message)


@strawberry.type(description="An import of a CSV or XLSX file (or its dry run): settings and progress.")
class DataImport(relay.Node):
    id: relay.NodeID[str]
    object_type: str = strawberry.field(description="What the rows become: account, contact, ...")
    file_name: str = strawberry.field(description="The uploaded document's name.")
    file_format: str = strawberry.field(description="csv or xlsx.")
    columns: list[ColumnMapping] = strawberry.field(description="The mapping used.")
    duplicates: DuplicateMode = strawberry.field(description="What happens to rows matching a record.")
    dry_run: bool = strawberry.field(description="True: nothing is written, only errors and counts.")
    status: ImportStatus = strawberry.field(description="Where it stands.")
    processed_rows: int = strawberry.field(description="Data rows read so far (committed progress).")
    total_rows: int | None = strawberry.field(description="Data rows in the file, once read to the end.")
    created: int = strawberry.field(description="Records created (a dry run: would be).")
    updated: int = strawberry.field(description="Duplicates updated (a dry run: would be).")
    skipped: int = strawberry.field(description="Duplicates skipped.")
    failed_rows: int = strawberry.field(description="Rows refused (see rowErrors), plus undo refusals.")
    undone: int = strawberry.field(description="Records an undo deleted or restored.")
    failure: str | None = strawberry.field(description="Why the import stopped, when it failed.")
    created_at: datetime = strawberry.field(description="When it was started (UTC).")
    finished_at: datetime | None = strawberry.field(description="When it (or its undo) finished (UTC).")
    created_by_id: strawberry.Private[uuid.UUID]
    model: strawberry.Private[models.DataImport]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[DataImport | None]:
        """Imports the caller started (every import for members with manage_settings)."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, DataImport]:
            session = await info.context.session()
            rows = await session.scalars(
                select(models.DataImport).where(imports.import_scope(actor), models.DataImport.id.in_(ids))
            )
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: models.DataImport) -> DataImport:
        return cls(
            id=str(row.id),
            object_type=row.object_type,
            file_name=row.file_name,
            file_format=row.file_format,
            columns=mapped(row.columns),
            duplicates=DuplicateMode(row.duplicate_mode),
            dry_run=row.dry_run,
            status=ImportStatus(row.status),
            processed_rows=row.next_row,
            total_rows=row.total_rows,
            created=row.created_count,
            updated=row.updated_count,
            skipped=row.skipped_count,
            failed_rows=row.error_count,
            undone=row.undone_count,
            failure=row.failure,
            created_at=row.created_at,
            finished_at=row.finished_at,
            created_by_id=row.created_by_id,
            model=row,
        )

    @strawberry.field(description="Who started it.")
    async def created_by(self, info: Info) -> User | None:
        return await owner(info, self.created_by_id)

    @strawberry.field(description="Problems by row, in row order; page with afterRow (the last row seen).")
    async def row_errors(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=f"At most {MAX_ERRORS_PAGE}.")] = 100,
        after_row: Annotated[
            int | None, strawberry.argument(description="Only rows after this row number.")
        ] = None,
    ) -> list[ImportRowError]:
        session = await info.context.session()
        size = max(1, min(first, MAX_ERRORS_PAGE))
        rows = await imports.row_errors(session, self.model, size, after_row)
        return [
            ImportRowError(row=r.row_number, phase=r.phase, field=r.field, code=r.code, message=r.message)
            for r in rows
        ]


@strawberry.enum(description="Where an export stands.")
class ExportStatus(Enum):
    AWAITING_APPROVAL = "awaiting_approval"
    QUEUED = "queued"
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"


@strawberry.enum(description="The file an export writes.")
class ExportFormat(Enum):
    CSV = "csv"
    XLSX = "xlsx"


@strawberry.type(description="An export of a list to a file: why, its scope, and where it stands.")
class DataExport(relay.Node):
    id: relay.NodeID[str]
    object_type: str = strawberry.field(description="The list exported: account, contact, ...")
    format: ExportFormat = strawberry.field(description="CSV or XLSX.")
    purpose: str = strawberry.field(description="Why it was asked for (kept in the audit log).")
    status: ExportStatus = strawberry.field(description="Where it stands.")
    row_count: int = strawberry.field(description="Rows the list held when it was asked for.")
    written_rows: int = strawberry.field(description="Rows in the file (once done).")
    columns: list[str] = strawberry.field(description="The columns; never a field your role hides.")
    failure: str | None = strawberry.field(description="Why it failed, when it did.")
    created_at: datetime = strawberry.field(description="When it was asked for (UTC).")
    finished_at: datetime | None = strawberry.field(description="When the file was written (UTC).")
    requested_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[DataExport | None]:
        """Exports the caller asked for (every export for members with manage_settings)."""
        from graph.dataio.exports import export_scope

        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, DataExport]:
            session = await info.context.session()
            rows = await session.scalars(
                select(models.DataExport).where(export_scope(actor), models.DataExport.id.in_(ids))
            )
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: models.DataExport) -> DataExport:
        return cls(
            id=str(row.id),
            object_type=row.object_type,
            format=ExportFormat(row.file_format),
            purpose=row.purpose,
            status=ExportStatus(row.status),
            row_count=row.row_count,
            written_rows=row.written_rows,
            columns=list(row.columns),
            failure=row.failure,
            created_at=row.created_at,
            finished_at=row.finished_at,
            requested_by_id=row.requested_by_id,
        )

    @strawberry.field(description="Who asked for it.")
    async def requested_by(self, info: Info) -> User | None:
        return await owner(info, self.requested_by_id)


@strawberry.type(description="A backup of the whole workspace.")
class TenantBackup(relay.Node):
    id: relay.NodeID[str]
    status: str = strawberry.field(description="queued, done or failed.")
    size: int | None = strawberry.field(description="The archive's bytes, once done.")
    row_count: int | None = strawberry.field(description="Rows in the archive, once done.")
    failure: str | None = strawberry.field(description="Why it failed, when it did.")
    created_at: datetime = strawberry.field(description="When it was asked for (UTC).")
    finished_at: datetime | None = strawberry.field(description="When it was written (UTC).")

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TenantBackup | None]:
        """The workspace's backups, for its admins."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, TenantBackup]:
            if actor.role_key != "admin":
                return {}
            session = await info.context.session()
            rows = await session.scalars(
                select(models.TenantBackup).where(
                    models.TenantBackup.tenant_id == actor.tenant_id, models.TenantBackup.id.in_(ids)
                )
            )
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: models.TenantBackup) -> TenantBackup:
        return cls(
            id=str(row.id),
            status=row.status,
            size=row.size,
            row_count=row.row_count,
            failure=row.failure,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )
