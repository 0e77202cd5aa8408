"""Export rules: a list (its filter and sort as the API list takes them) to CSV or XLSX, as a job.

Who: members with the `export` capability who may read the object type; the rows are the ones the
requester's record scope reaches, and the columns leave out every field their role hides (built-in and
custom). An export of more rows than the tenant's threshold (`setExportSettings`, default
DEFAULT_APPROVAL_THRESHOLD) waits for the tenant's `data_export` approval chain (graph/approvals);
requests, decisions and completed files are in the audit log with purpose and scope. The file goes to the
blob store under `tenants/<tenant>/exports/<id>`; `exportDownloadUrl` gives the requester a short-lived link.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.chains import register_approval_subject
from graph.approvals.models import ApprovalRequest
from graph.approvals.requests import start_approval
from graph.core.jobs import job
from graph.dataio.codec import decode, encode
from graph.dataio.export_lists import ExportList, export_list
from graph.dataio.imports import own_or_managed
from graph.dataio.models import DataExport, ExportSettings
from graph.dataio.runner import ImportStopped, member_actor
from graph.dataio.writers import CONTENT_TYPES, TableWriter
from storage import BlobStore, StorageUnavailable, current_blob_store
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields.values import active_definitions, visible_definitions
from tenants.models import Membership, User
from tenants.permissions import Action, Actor, Capability
from tenants.validation import required_text

EXPORT = "data_export"
APPROVAL_SUBJECT = "data_export"
DEFAULT_APPROVAL_THRESHOLD = 10_000
FORMATS = ("csv", "xlsx")
STREAM_ROWS = 1000


def export_scope(actor: Actor) -> ColumnElement[bool]:
    return own_or_managed(actor, DataExport.tenant_id, DataExport.requested_by_id)


def visible_exports(actor: Actor) -> Select[tuple[DataExport]]:
    return select(DataExport).where(export_scope(actor)).order_by(DataExport.id.desc())


async def get_export(
    session: AsyncSession, actor: Actor, export_id: uuid.UUID, field: str = "id"
) -> DataExport:
    found = await session.scalar(select(DataExport).where(export_scope(actor), DataExport.id == export_id))
    if found is None:
        raise not_found("export", field)
    return found


async def approval_threshold(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    settings = await session.get(ExportSettings, tenant_id)
    return settings.approval_threshold if settings else DEFAULT_APPROVAL_THRESHOLD


async def set_approval_threshold(session: AsyncSession, actor: Actor, threshold: int) -> int:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    if not 0 <= threshold <= 100_000_000:
        raise DomainError(
            ErrorCode.INVALID,
            "Use 0 to 100000000 rows (0: every export needs approval).",
            "approvalThreshold",
        )
    settings = await session.get(ExportSettings, actor.tenant_id)
    before = settings.approval_threshold if settings else None
    if settings is None:
        settings = ExportSettings(tenant_id=actor.tenant_id, approval_threshold=threshold)
        session.add(settings)
    settings.approval_threshold = threshold
    await session.flush()
    await audit.record(
        session, actor, "export_settings.update", EXPORT, None, {"approval_threshold": [before, threshold]}
    )
    return threshold


def visible_columns(actor: Actor, entry: ExportList, definitions: list[Any]) -> list[str]:
    hidden = actor.permissions.hidden_fields(entry.object_type)
    built_in = [column.header for column in entry.columns if column.field not in hidden]
    custom = [f"custom.{d.key}" for d in visible_definitions(actor, entry.object_type, definitions)]
    return ["id", *built_in, *custom]


async def request_export(
    session: AsyncSession,
    actor: Actor,
    *,
    object_type: str,
    file_format: str,
    purpose: str,
    given_filter: Any,
    order_by: list[Any] | None,
) -> DataExport:
    actor.require_capability(Capability.EXPORT)
    entry = export_list(object_type)
    actor.require(object_type, Action.READ)
    if file_format not in FORMATS:
        raise DomainError(ErrorCode.INVALID, "Use csv or xlsx.", "format")
    purpose = required_text(purpose, "purpose", 500)
    statement = await entry.statement(session, actor, given_filter, order_by)
    rows = int(
        await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    )
    threshold = await approval_threshold(session, actor.tenant_id)
    columns = visible_columns(actor, entry, await active_definitions(session, object_type))
    export = DataExport(
        tenant_id=actor.tenant_id,
        object_type=object_type,
        file_format=file_format,
        purpose=purpose,
        filter=encode(given_filter) if given_filter is not None else None,
        order_by=encode(order_by) if order_by is not None else None,
        status="awaiting_approval" if rows > threshold else "queued",
        row_count=rows,
        columns=columns,
        requested_by_id=actor.user_id,
    )
    session.add(export)
    await session.flush()
    if rows > threshold:
        title = f"Export of {rows} {object_type} records ({purpose[:100]})"
        request = await start_approval(session, actor, APPROVAL_SUBJECT, export.id, title)
        export.approval_request_id = request.id
    await audit.record(
        session,
        actor,
        "export.request",
        EXPORT,
        export.id,
        {
            "purpose": purpose,
            "object_type": object_type,
            "filter": export.filter,
            "order_by": export.order_by,
            "rows": rows,
            "columns": columns,
            "status": export.status,
        },
    )
    return export


async def on_approval_decision(
    session: AsyncSession, actor: Actor, request: ApprovalRequest, comment: str | None
) -> None:
    """Approved: the export is queued for the job; rejected: it never runs."""
    if request.status not in ("approved", "rejected"):
        return
    export = await session.scalar(
        select(DataExport).where(
            DataExport.tenant_id == actor.tenant_id, DataExport.approval_request_id == request.id
        )
    )
    if export is None or export.status != "awaiting_approval":
        return
    export.status = "queued" if request.status == "approved" else "rejected"
    if export.status == "rejected":
        export.finished_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        actor,
        f"export.{request.status}",
        EXPORT,
        export.id,
        {"status": ["awaiting_approval", export.status], "comment": comment},
    )


register_approval_subject(APPROVAL_SUBJECT, "Data exports", "DataExport", on_approval_decision)


async def download_url(
    session: AsyncSession, actor: Actor, blobs: BlobStore, export_id: uuid.UUID, lifetime: timedelta
) -> tuple[str, datetime]:
    """A short-lived link to a finished export's file, for the member who asked for it."""
    export = await get_export(session, actor, export_id)
    if export.requested_by_id != actor.user_id:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "Only the member who asked for an export may download it."
        )
    if export.status != "done" or export.storage_key is None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The export has no file yet; wait until it is done.", "id"
        )
    filename = f"{export.object_type}s-{export.created_at:%Y%m%d-%H%M%S}.{export.file_format}"
    seconds = int(lifetime.total_seconds())
    url = await blobs.presigned_get(export.storage_key, seconds, filename, CONTENT_TYPES[export.file_format])
    await audit.record(session, actor, "export.download", EXPORT, export.id, {"purpose": export.purpose})
    return url, datetime.now(UTC) + lifetime


# --- the job ------------------------------------------------------------------------------------


async def member_emails(session: AsyncSession, user_ids: set[uuid.UUID], known: dict[uuid.UUID, str]) -> None:
    wanted = [user_id for user_id in user_ids if user_id not in known]
    if wanted:
        rows = await session.execute(
            select(User.id, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(User.id.in_(wanted))
        )
        known.update({user_id: email for user_id, email in rows})


async def write_export(session: AsyncSession, actor: Actor, export: DataExport, path: Path) -> int:
    """Streams the list into the file at `path` with the requester's rights as they are now."""
    entry = export_list(export.object_type)
    given = decode(entry.filter_type | None, export.filter)
    order_by = decode(list[entry.order_type] | None, export.order_by)  # type: ignore[name-defined]
    statement = await entry.statement(session, actor, given, order_by)
    columns = visible_columns(actor, entry, await active_definitions(session, export.object_type))
    built_in = {column.header: column for column in entry.columns}
    writer = TableWriter(path, export.file_format, columns)
    emails: dict[uuid.UUID, str] = {}
    written = 0
    try:
        result = await session.stream_scalars(statement.execution_options(yield_per=STREAM_ROWS))
        async for chunk in result.partitions(STREAM_ROWS):
            owners = {record.owner_id for record in chunk if getattr(record, "owner_id", None)}
            await member_emails(session, owners, emails)
            for record in chunk:
                row: list[Any] = []
                for name in columns:
                    if name == "id":
                        row.append(str(record.id))
                    elif name.startswith("custom."):
                        row.append((record.custom or {}).get(name.removeprefix("custom.")))
                    else:
                        value = built_in[name].value(record)
                        row.append(emails.get(value) if built_in[name].member else value)
                writer.write(row)
                written += 1
            for record in chunk:  # constant memory: the session forgets each chunk
                session.expunge(record)
    finally:
        writer.close()
    export.columns = columns
    return written


@job("exports.run")
async def run_exports(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    """Every queued export of the tenant, in one transaction each run (one snapshot of the rows)."""
    queued = list(
        await session.scalars(
            select(DataExport)
            .where(DataExport.tenant_id == tenant_id, DataExport.status == "queued")
            .order_by(DataExport.created_at, DataExport.id)
            .with_for_update(skip_locked=True)
        )
    )
    blobs = current_blob_store()
    for export in queued:
        await run_export(session, blobs, export, now)
    return f"{len(queued)} export(s)"


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            yield chunk


async def run_export(session: AsyncSession, blobs: BlobStore, export: DataExport, now: datetime) -> None:
    handle, name = tempfile.mkstemp(prefix="crm-export-")
    os.close(handle)
    path = Path(name)
    key = f"tenants/{export.tenant_id}/exports/{export.id}.{export.file_format}"
    try:
        actor = await member_actor(session, export.tenant_id, export.requested_by_id)
        savepoint = await session.begin_nested()
        try:
            written = await write_export(session, actor, export, path)
            await savepoint.commit()
        except DomainError:
            await savepoint.rollback()
            raise

        async def chunks() -> Any:
            for chunk in file_chunks(path):
                yield chunk

        await blobs.put(key, chunks(), CONTENT_TYPES[export.file_format])
    except (ImportStopped, DomainError, StorageUnavailable) as error:
        export.status, export.finished_at = "failed", now
        export.failure = getattr(error, "message", None) or "The file store is unavailable; ask again later."
        await session.flush()
        return
    finally:
        os.unlink(name)
    export.status, export.storage_key, export.written_rows, export.finished_at = "done", key, written, now
    await session.flush()
    await audit.record(
        session,
        None,
        "export.complete",
        EXPORT,
        export.id,
        {"purpose": export.purpose, "rows": written, "columns": export.columns},
        tenant_id=export.tenant_id,
        user_id=export.requested_by_id,
    )
