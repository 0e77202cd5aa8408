"""Import tables (DDL and RLS in migrations/versions/0250_imports.py): saved column mappings, import runs
with their persisted progress, per-row errors, and the records each run wrote (for undo)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned
from tenants.models import Base, TenantMixin, TimestampMixin

# Where a run stands. `queued`/`running` import rows; `undo_queued`/`undoing` reverse a finished run.
ACTIVE_STATUSES = ("queued", "running", "undo_queued", "undoing")
DUPLICATE_MODES = ("skip", "update", "create")


class ImportMapping(TenantMixin, TimestampMixin, Versioned, Base):
    """A named column mapping (file column -> field) a tenant keeps for one object type."""

    __tablename__ = "import_mappings"

    object_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    # [{"column": "Company", "field": "name"}, ...] in file order.
    columns: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


class DataImport(TenantMixin, TimestampMixin, Versioned, Base):
    """One import of a file: its settings, where it stands, and its counts.

    `next_row` is the number of data rows consumed; it is written in the same transaction as the rows
    it covers, so a run resumed after a crash continues exactly where the last committed batch ended.
    """

    __tablename__ = "data_imports"

    object_type: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[uuid.UUID] = mapped_column()
    storage_key: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(16))
    columns: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    duplicate_mode: Mapped[str] = mapped_column(String(8))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    next_row: Mapped[int] = mapped_column(Integer, default=0)
    total_rows: Mapped[int | None] = mapped_column(Integer)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    undone_count: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    undo_requested_by_id: Mapped[uuid.UUID | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportRowError(TenantMixin, Base):
    """One problem with one row (1-based data row; 0: the file itself)."""

    __tablename__ = "import_row_errors"

    import_id: Mapped[uuid.UUID] = mapped_column()
    phase: Mapped[str] = mapped_column(String(8))
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)


class ImportRecord(TenantMixin, Base):
    """A record an import created or updated (with the values it replaced), for undo."""

    __tablename__ = "import_records"

    import_id: Mapped[uuid.UUID] = mapped_column()
    row_number: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[uuid.UUID] = mapped_column()
    action: Mapped[str] = mapped_column(String(8))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    version_after: Mapped[int] = mapped_column(Integer)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class DataExport(TenantMixin, TimestampMixin, Versioned, Base):
    """An export of a list: its filter and sort as given (JSON), why, and where it stands."""

    __tablename__ = "data_exports"

    object_type: Mapped[str] = mapped_column(String(64))
    file_format: Mapped[str] = mapped_column(String(8))
    purpose: Mapped[str] = mapped_column(Text)
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    order_by: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(20))
    row_count: Mapped[int] = mapped_column(Integer)
    written_rows: Mapped[int] = mapped_column(Integer, default=0)
    columns: Mapped[list[str]] = mapped_column(JSONB, default=list)
    storage_key: Mapped[str | None] = mapped_column(Text)
    approval_request_id: Mapped[uuid.UUID | None] = mapped_column()
    failure: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[uuid.UUID] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExportSettings(Base):
    """A tenant's export rule; without a row, DEFAULT_APPROVAL_THRESHOLD applies."""

    __tablename__ = "export_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    approval_threshold: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TenantBackup(TenantMixin, Base):
    """A backup asked for through the API; its archive lands in the blob store."""

    __tablename__ = "tenant_backups"

    status: Mapped[str] = mapped_column(String(8))
    storage_key: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    failure: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PrintTemplate(TenantMixin, TimestampMixin, Versioned, Base):
    """How a tenant's quotes or contracts print; without a row, DEFAULT_TEMPLATES apply."""

    __tablename__ = "print_templates"

    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    header: Mapped[str | None] = mapped_column(Text)
    footer: Mapped[str | None] = mapped_column(Text)
    signatures: Mapped[list[str]] = mapped_column(JSONB, default=list)
    chinese_amounts: Mapped[bool] = mapped_column(Boolean, default=False)


class BackupSettings(Base):
    """A tenant's backup schedule: every `every_days` (None: off), keeping the newest `keep` archives."""

    __tablename__ = "backup_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    every_days: Mapped[int | None] = mapped_column(Integer)
    keep: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[uuid.UUID] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
