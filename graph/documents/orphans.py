"""`crm jobs run --job documents.orphans`: objects that no committed version points at are removed.

An object can lose its row when a request failed after the bytes were stored, a presigned upload was
never completed, or the store failed while a refused upload was being cleaned up. After the grace
period (long enough for any upload in flight to finish) such objects, expired pending uploads, and
uploads the store never finished (S3 multipart parts whose abort failed, partial local files) are
deleted. Idempotent: running it twice, or concurrently, removes nothing more.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.documents.models import DocumentUpload, DocumentVersion
from storage import current_blob_store
from storage.base import tenant_prefix

BATCH = 1000


def grace_period() -> timedelta:
    from config.settings import get_settings

    return timedelta(minutes=get_settings().orphan_grace_minutes)


@job("documents.orphans")
async def remove_orphans(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    blobs = current_blob_store()
    cutoff = now - grace_period()
    expired = await session.execute(
        delete(DocumentUpload).where(DocumentUpload.expires_at < cutoff).returning(DocumentUpload.id)
    )
    expired_count = len(expired.all())
    candidates: list[str] = []
    removed = 0
    async for info in blobs.list(tenant_prefix(tenant_id)):
        if info.last_modified < cutoff:
            candidates.append(info.key)
        if len(candidates) >= BATCH:
            removed += await remove_unreferenced(session, blobs, candidates)
            candidates = []
    if candidates:
        removed += await remove_unreferenced(session, blobs, candidates)
    incomplete = await blobs.remove_incomplete(tenant_prefix(tenant_id), cutoff)
    summary = f"removed {removed} orphaned object(s) and {expired_count} expired upload(s)"
    return summary + (f", aborted {incomplete} incomplete upload(s)" if incomplete else "")


async def remove_unreferenced(session: AsyncSession, blobs, keys: list[str]) -> int:  # type: ignore[no-untyped-def]
    referenced = set(
        await session.scalars(
            union(
                select(DocumentVersion.storage_key).where(DocumentVersion.storage_key.in_(keys)),
                select(DocumentUpload.storage_key).where(DocumentUpload.storage_key.in_(keys)),
            )
        )
    )
    orphans = [key for key in keys if key not in referenced]
    if orphans:
        await blobs.delete(orphans)
    return len(orphans)
