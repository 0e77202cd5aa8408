"""Download links: a short-lived presigned GET (S3) or a signed gateway URL (local), after a check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.documents.documents import document_read_scope
from graph.documents.models import DOCUMENT, Document, DocumentVersion
from storage import BlobStore
from tenants.permissions import Action, Actor


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_at: datetime
    version: DocumentVersion
    filename: str


async def download_link(
    session: AsyncSession,
    actor: Actor,
    blobs: BlobStore,
    document_id: uuid.UUID,
    number: int | None,
    lifetime: timedelta,
    now: datetime,
) -> DownloadLink | None:
    """None when the document (live, inside the actor's scope) or that version does not exist."""
    if not actor.permissions.can(DOCUMENT, Action.READ):
        return None
    row = (
        await session.execute(
            select(Document.name, DocumentVersion)
            .join(
                DocumentVersion,
                (DocumentVersion.tenant_id == Document.tenant_id)
                & (DocumentVersion.document_id == Document.id),
            )
            .where(
                document_read_scope(actor),
                Document.id == document_id,
                Document.deleted_at.is_(None),
                DocumentVersion.number == (number if number is not None else Document.current_version),
            )
        )
    ).first()
    if row is None:
        return None
    name, version = row
    seconds = int(lifetime.total_seconds())
    url = await blobs.presigned_get(version.storage_key, seconds, name, version.content_type)
    return DownloadLink(url, now + lifetime, version, name)
