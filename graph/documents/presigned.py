"""Presigned uploads: the bytes go straight to the store, the gateway checks them before they count.

`request_upload` reserves the bytes against the quota and returns a form POST restricted to a
server-built key, the exact length and the content type, valid for minutes. `complete_upload` checks
size (HEAD), SHA-256 and magic number (a streamed GET) before `commit_version` writes the rows; a file
that does not match is deleted along with its pending upload, so nothing is left behind.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.documents.documents import get_document, storage_unavailable
from graph.documents.limits import check_contents, check_quota, check_size
from graph.documents.models import DOCUMENT, Document, DocumentUpload
from graph.documents.uploads import Committed, Digest, NewFile, UploadConfig, commit_version, prepare
from storage import BlobStore, PresignedPost, StorageUnavailable, object_key
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.permissions import Action, Actor

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class UploadTicket:
    upload: DocumentUpload
    post: PresignedPost


async def request_upload(
    session: AsyncSession,
    actor: Actor,
    config: UploadConfig,
    file: NewFile,
    size: int,
    sha256: str,
    now: datetime,
) -> UploadTicket:
    ready = await prepare(session, actor, config, file)
    document, content_type, limits = ready.document, ready.content_type, ready.limits
    checksum = sha256.strip().lower()
    if not SHA256_HEX.fullmatch(checksum):
        raise DomainError(ErrorCode.INVALID, "Give the file's SHA-256 as 64 hexadecimal digits.", "sha256")
    check_size(limits, size)
    await check_quota(session, actor.tenant_id, limits, size, now, "size")
    document_id = ready.document_id
    upload_id = new_id()
    key = object_key(actor.tenant_id, document_id, upload_id)
    lifetime = timedelta(minutes=config.upload_url_minutes)
    post = await config.blobs.presigned_post(key, content_type, size, int(lifetime.total_seconds()))
    upload = DocumentUpload(
        tenant_id=actor.tenant_id,
        id=upload_id,
        document_id=document_id,
        new_document=document is None,
        name=ready.name or "",  # empty: a new version that keeps the document's name
        content_type=content_type,
        size=size,
        sha256=checksum,
        tags=ready.tags,
        links=[{"type": t, "id": str(i), "role": r} for t, i, r in ready.links],
        custom=ready.custom,
        storage_key=key,
        created_by_id=actor.user_id,
        expires_at=now + lifetime,
    )
    session.add(upload)
    await session.flush()
    await audit.record(
        session,
        actor,
        "document.upload_request",
        DOCUMENT,
        document_id,
        {"upload": [None, {"id": str(upload_id), "size": size, "content_type": content_type}]},
    )
    return UploadTicket(upload, post)


async def pending_upload(session: AsyncSession, actor: Actor, upload_id: uuid.UUID) -> DocumentUpload:
    """Only its requester completes an upload; anyone else's is NOT_FOUND."""
    upload = await session.scalar(
        select(DocumentUpload)
        .where(DocumentUpload.id == upload_id, DocumentUpload.created_by_id == actor.user_id)
        .with_for_update()
    )
    if upload is None:
        raise not_found("upload", "uploadId")
    return upload


async def complete_upload(
    session: AsyncSession, actor: Actor, config: UploadConfig, upload_id: uuid.UUID, now: datetime
) -> Document | DomainError:
    """The document once the stored object matched; or the refusal, with the object and the pending
    upload already removed (the caller returns it as a payload error and commits the removal)."""
    upload = await pending_upload(session, actor, upload_id)
    if upload.expires_at <= now:
        raise DomainError(ErrorCode.EXPIRED, "This upload expired; request a new one.", "uploadId")
    document: Document | None = None
    if upload.new_document:
        actor.require(DOCUMENT, Action.CREATE)
    else:
        actor.require(DOCUMENT, Action.UPDATE)
        document = await get_document(session, actor, upload.document_id, "uploadId")
    try:
        info = await config.blobs.head(upload.storage_key)
        if info is None:
            raise DomainError(
                ErrorCode.UPLOAD_MISMATCH,
                "No file has arrived at the upload URL yet; POST it there, then complete the upload.",
                "uploadId",
            )
        if info.size != upload.size:
            return await refuse(
                session,
                config.blobs,
                upload,
                ErrorCode.UPLOAD_MISMATCH,
                f"The stored file has {info.size} bytes, not the {upload.size} announced; upload it again.",
                "size",
            )
        digest = Digest()
        async for chunk in config.blobs.get(upload.storage_key):
            digest.feed(chunk)
    except StorageUnavailable:
        raise storage_unavailable() from None
    except KeyError:
        raise DomainError(
            ErrorCode.UPLOAD_MISMATCH, "The uploaded file disappeared; upload it again.", "uploadId"
        ) from None
    if digest.sha256.hexdigest() != upload.sha256:
        return await refuse(
            session,
            config.blobs,
            upload,
            ErrorCode.UPLOAD_MISMATCH,
            "The stored file's SHA-256 differs from the one announced; upload it again.",
            "sha256",
        )
    try:
        check_contents(upload.content_type, bytes(digest.sample), "contentType")
    except DomainError as error:
        return await refuse(session, config.blobs, upload, error.code, error.message, error.field)
    links = [(link["type"], uuid.UUID(link["id"]), link["role"]) for link in upload.links]
    committed = Committed(
        upload.document_id,
        upload.id,
        upload.storage_key,
        upload.name or None,
        upload.content_type,
        digest.size,
        upload.sha256,
        list(upload.tags),
        links,
        dict(upload.custom or {}),
    )
    await session.delete(upload)
    return await commit_version(session, actor, document, committed)


async def refuse(
    session: AsyncSession,
    blobs: BlobStore,
    upload: DocumentUpload,
    code: ErrorCode,
    message: str,
    field: str | None,
) -> DomainError:
    """Removes a refused upload's object and pending row, so nothing is left behind."""
    try:
        await blobs.delete([upload.storage_key])
    except StorageUnavailable:
        raise storage_unavailable() from None
    await session.execute(delete(DocumentUpload).where(DocumentUpload.id == upload.id))
    return DomainError(code, message, field)
