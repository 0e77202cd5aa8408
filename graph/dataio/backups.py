"""Backups through the API: the tenant's owner (an admin) asks, the `backups.run` job writes the archive
(graph/dataio/backup.py) to the blob store under `tenants/<tenant>/backups/<id>.zip`, and a short-lived
link downloads it. Restoring is an operator's act: `crm tenant restore`."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import Transactions, batched_job
from graph.dataio.backup import write_backup
from graph.dataio.models import BackupSettings, TenantBackup
from storage import BlobStore, StorageUnavailable, current_blob_store
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Actor

BACKUP = "tenant_backup"


def require_owner(actor: Actor) -> None:
    """A backup holds every row of the tenant, whatever any role hides: only admins (the owner's role)."""
    if actor.role_key != "admin" or actor.api_key_id is not None:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "Only the workspace's admins may back it up, and not by API key."
        )


def visible_backups(actor: Actor) -> Select[tuple[TenantBackup]]:
    require_owner(actor)
    return (
        select(TenantBackup).where(TenantBackup.tenant_id == actor.tenant_id).order_by(TenantBackup.id.desc())
    )


async def request_backup(session: AsyncSession, actor: Actor) -> TenantBackup:
    require_owner(actor)
    backup = TenantBackup(tenant_id=actor.tenant_id, status="queued", requested_by_id=actor.user_id)
    session.add(backup)
    await session.flush()
    await audit.record(session, actor, "tenant.backup", BACKUP, backup.id, {"status": [None, "queued"]})
    return backup


async def download_url(
    session: AsyncSession, actor: Actor, blobs: BlobStore, backup_id: uuid.UUID, lifetime: timedelta
) -> tuple[str, datetime]:
    require_owner(actor)
    backup = await session.scalar(
        select(TenantBackup).where(TenantBackup.tenant_id == actor.tenant_id, TenantBackup.id == backup_id)
    )
    if backup is None:
        raise not_found("backup")
    if backup.storage_key is None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The backup is not written yet; wait until it is done.", "id"
        )
    filename = f"backup-{backup.created_at:%Y%m%d-%H%M%S}.zip"
    url = await blobs.presigned_get(
        backup.storage_key, int(lifetime.total_seconds()), filename, "application/zip"
    )
    await audit.record(session, actor, "tenant.backup_download", BACKUP, backup.id, {})
    return url, datetime.now(UTC) + lifetime


async def set_schedule(
    session: AsyncSession, actor: Actor, every_days: int | None, keep: int
) -> BackupSettings:
    """Back up every `every_days` days (None: only when asked), keeping the newest `keep` archives."""
    require_owner(actor)
    if every_days is not None and not 1 <= every_days <= 365:
        raise DomainError(ErrorCode.INVALID, "Use 1 to 365 days, or null for no schedule.", "everyDays")
    if not 1 <= keep <= 100:
        raise DomainError(ErrorCode.INVALID, "Keep 1 to 100 backups.", "keep")
    settings = await session.get(BackupSettings, actor.tenant_id)
    before = {"every_days": settings.every_days, "keep": settings.keep} if settings else {}
    if settings is None:
        settings = BackupSettings(tenant_id=actor.tenant_id, keep=keep, set_by_id=actor.user_id)
        session.add(settings)
    settings.every_days, settings.keep, settings.set_by_id = every_days, keep, actor.user_id
    await session.flush()
    after = {"every_days": every_days, "keep": keep}
    await audit.record(session, actor, "tenant.backup_schedule", BACKUP, None, audit.diff(before, after))
    return settings


async def schedule_due(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> BackupSettings | None:
    """Queues the scheduled backup when the last one (asked for or scheduled) is `every_days` old."""
    settings = await session.get(BackupSettings, tenant_id)
    if settings is None or settings.every_days is None:
        return settings
    last = await session.scalar(
        select(func.max(TenantBackup.created_at)).where(TenantBackup.tenant_id == tenant_id)
    )
    if last is None or last <= now - timedelta(days=settings.every_days):
        session.add(
            TenantBackup(
                tenant_id=tenant_id, status="queued", requested_by_id=settings.set_by_id, created_at=now
            )
        )
    return settings


async def expired_keys(session: AsyncSession, tenant_id: uuid.UUID, keep: int) -> list[str]:
    """Removes the finished backups beyond the newest `keep`; returns their objects' keys."""
    old = list(
        await session.scalars(
            select(TenantBackup)
            .where(TenantBackup.tenant_id == tenant_id, TenantBackup.status != "queued")
            .order_by(TenantBackup.created_at.desc(), TenantBackup.id.desc())
            .offset(keep)
        )
    )
    for backup in old:
        await session.delete(backup)
    return [backup.storage_key for backup in old if backup.storage_key]


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            yield chunk


async def async_chunks(path: Path) -> AsyncIterator[bytes]:
    for chunk in file_chunks(path):
        yield chunk


@batched_job("backups.run")
async def run_backups(transactions: Transactions, tenant_id: uuid.UUID, now: datetime) -> str:
    """Each queued backup of the tenant (a scheduled one queued first when due): the archive in one read
    transaction, then the upload; then the oldest beyond the tenant's retention are removed."""
    async with transactions() as session:
        settings = await schedule_due(session, tenant_id, now)
        keep = settings.keep if settings else None
    async with transactions() as session:
        queued = list(
            await session.scalars(
                select(TenantBackup.id).where(
                    TenantBackup.tenant_id == tenant_id, TenantBackup.status == "queued"
                )
            )
        )
    blobs = current_blob_store()
    for backup_id in queued:
        handle, name = tempfile.mkstemp(prefix="crm-backup-", suffix=".zip")
        os.close(handle)
        key = f"tenants/{tenant_id}/backups/{backup_id}.zip"
        outcome: dict[str, Any]
        try:
            manifest = await write_backup(transactions, blobs, tenant_id, Path(name))

            size = await blobs.put(key, async_chunks(Path(name)), "application/zip")
            outcome = {
                "status": "done",
                "storage_key": key,
                "size": size,
                "row_count": sum(manifest["rows"].values()),
            }
        except StorageUnavailable:
            outcome = {"status": "failed", "failure": "The file store is unavailable; ask again later."}
        finally:
            os.unlink(name)
        async with transactions() as session:
            backup = await session.get(TenantBackup, (tenant_id, backup_id))
            assert backup is not None
            for attribute, value in outcome.items():
                setattr(backup, attribute, value)
            backup.finished_at = now
    removed: list[str] = []
    if keep is not None:
        async with transactions() as session:
            removed = await expired_keys(session, tenant_id, keep)
        if removed:
            await blobs.delete(removed)
    return f"{len(queued)} backup(s), {len(removed)} removed"
