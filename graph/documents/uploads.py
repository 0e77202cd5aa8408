"""Bytes arriving in the GraphQL request itself, and the one way any version becomes visible.

GraphQL multipart upload (small files): the request's file part is streamed into the store in chunks,
hashed on the fly, its first bytes sniffed; only then are the rows written. The presigned path (large
files) lives in `graph/documents/presigned.py` and ends in the same `commit_version`.

Either way a `document_versions` row is written only after its object exists and matches. A failed
store call raises STORAGE_UNAVAILABLE, and the mutation's savepoint leaves the database unchanged. An
object whose rows never commit is removed by the `documents.orphans` job after a grace period.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from graph.core.rules import clean_tags, flush_versioned
from graph.documents.documents import (
    add_links,
    clean_links,
    clean_name,
    get_document,
    storage_unavailable,
)
from graph.documents.limits import (
    SAMPLE_SIZE,
    Limits,
    check_allowed,
    check_contents,
    check_quota,
    check_size,
    file_too_large,
    normalize_content_type,
    tenant_limits,
)
from graph.documents.models import DOCUMENT, Document, DocumentVersion
from storage import BlobStore, ObjectTooLarge, StorageUnavailable, object_key
from tenants import audit
from tenants.fields import apply_custom_values
from tenants.ids import new_id
from tenants.permissions import Action, Actor

logger = logging.getLogger("crm.documents")
Read = Callable[[int], Awaitable[bytes]]


@dataclass(frozen=True)
class UploadConfig:
    """What the upload rules need from the process: the store, default limits, URL lifetimes."""

    blobs: BlobStore
    default_limits: Limits
    upload_url_minutes: int


@dataclass
class NewFile:
    """What the caller says about the file (the bytes are checked against it)."""

    name: str | None
    content_type: str
    tags: Sequence[str] | None = None
    links: Sequence[tuple[relay.GlobalID, str]] = ()
    document_id: uuid.UUID | None = None  # a new version of this document; None: a new document
    custom: Mapping[str, Any] | None = None  # custom values as given


@dataclass
class Digest:
    """sha256, size and the first bytes of a stream, computed as it passes."""

    sha256: hashlib._Hash = field(default_factory=hashlib.sha256)
    size: int = 0
    sample: bytearray = field(default_factory=bytearray)

    def feed(self, chunk: bytes) -> None:
        self.sha256.update(chunk)
        self.size += len(chunk)
        if len(self.sample) < SAMPLE_SIZE:
            self.sample.extend(chunk[: SAMPLE_SIZE - len(self.sample)])


@dataclass(frozen=True)
class Prepared:
    document: Document | None
    document_id: uuid.UUID
    content_type: str
    name: str | None
    tags: list[str]
    links: list[tuple[str, uuid.UUID, str]]
    limits: Limits
    custom: dict[str, Any]  # the custom values as given (checked); applied again on commit


async def check_custom(
    session: AsyncSession, actor: Actor, document: Document | None, custom: Mapping[str, Any] | None
) -> uuid.UUID:
    """Validates custom values on a stand-in record (never added to the session), so a bad value is
    refused before any byte moves. Returns the document id (a fresh one for a new document, so a
    unique field compares with every other document)."""
    probe = Document(
        tenant_id=actor.tenant_id,
        id=document.id if document else new_id(),
        custom=dict(document.custom or {}) if document else {},
        custom_sort=dict(document.custom_sort or {}) if document else {},
    )
    await apply_custom_values(session, actor, DOCUMENT, probe, {"custom": custom}, creating=document is None)
    return probe.id


async def prepare(session: AsyncSession, actor: Actor, config: UploadConfig, file: NewFile) -> Prepared:
    """Permission, target document, name, type, tags, links and custom values checked before any
    byte moves."""
    document: Document | None = None
    if file.document_id is None:
        actor.require(DOCUMENT, Action.CREATE)
    else:
        actor.require(DOCUMENT, Action.UPDATE)
        document = await get_document(session, actor, file.document_id, "documentId")
    name = clean_name(file.name) if document is None or file.name is not None else None
    content_type = normalize_content_type(file.content_type)
    tags = clean_tags(file.tags) if file.tags is not None else []
    links = await clean_links(session, actor, file.links)
    limits = await tenant_limits(session, actor.tenant_id, config.default_limits)
    check_allowed(limits, content_type)
    document_id = await check_custom(session, actor, document, file.custom)
    custom = dict(file.custom or {})
    return Prepared(document, document_id, content_type, name, tags, links, limits, custom)


# --- 1. multipart upload through the GraphQL endpoint ------------------------------------------


async def upload_file(
    session: AsyncSession,
    actor: Actor,
    config: UploadConfig,
    file: NewFile,
    read: Read,
    declared_size: int | None,
    now: datetime,
) -> Document:
    """Streams `read(n)` into the store and commits the version; nothing remains if anything fails."""
    ready = await prepare(session, actor, config, file)
    document, content_type, limits = ready.document, ready.content_type, ready.limits
    if declared_size is not None:
        # Refuse early, before any byte moves; the locked check below decides, so that the quota lock
        # is not held while a large file streams to the store.
        check_size(limits, declared_size, "file")
        await check_quota(session, actor.tenant_id, limits, declared_size, now, "file", lock=False)
    document_id = ready.document_id
    version_id = new_id()
    key = object_key(actor.tenant_id, document_id, version_id)
    digest = Digest()

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await read(1024 * 1024):
            digest.feed(chunk)
            yield chunk

    try:
        await config.blobs.put(key, chunks(), content_type, max_size=limits.max_file_bytes)
    except ObjectTooLarge:
        raise file_too_large(limits, "file") from None
    except StorageUnavailable:
        raise storage_unavailable() from None
    try:
        check_contents(content_type, bytes(digest.sample), "file")
        await check_quota(session, actor.tenant_id, limits, digest.size, now, "file")
        return await commit_version(
            session,
            actor,
            document,
            Committed(
                document_id,
                version_id,
                key,
                ready.name,
                content_type,
                digest.size,
                digest.sha256.hexdigest(),
                ready.tags,
                ready.links,
                ready.custom,
            ),
        )
    except BaseException:
        await discard_object(config.blobs, key)
        raise


async def discard_object(blobs: BlobStore, key: str) -> None:
    """Best effort: if the store is down too, the orphans job removes the object later."""
    try:
        await blobs.delete([key])
    except StorageUnavailable:
        logger.warning("could not remove %s now; the orphans job will", key)


# --- the one way a version becomes visible --------------------------------------------------------


@dataclass(frozen=True)
class Committed:
    document_id: uuid.UUID
    version_id: uuid.UUID
    key: str
    name: str | None
    content_type: str
    size: int
    sha256: str
    tags: list[str]
    links: list[tuple[str, uuid.UUID, str]]
    custom: dict[str, Any] = field(default_factory=dict)


async def commit_version(
    session: AsyncSession, actor: Actor, document: Document | None, new: Committed
) -> Document:
    """Writes the version row (and the document, for a first upload) for an object that matched."""
    if document is None:
        document = Document(
            tenant_id=actor.tenant_id,
            id=new.document_id,
            name=new.name,
            content_type=new.content_type,
            size=new.size,
            sha256=new.sha256,
            current_version=1,
            owner_id=actor.user_id,
            tags=new.tags,
            created_by_id=actor.user_id,
        )
        # Checked before the bytes moved; checked again here, where uniqueness is decided under its lock.
        custom = await apply_custom_values(
            session, actor, DOCUMENT, document, {"custom": new.custom}, creating=True
        )
        session.add(document)
        await session.flush()
        action, changes = (
            "document.create",
            {
                "name": [None, new.name],
                "size": [None, new.size],
                "sha256": [None, new.sha256],
                "version": [None, 1],
            }
            | custom,
        )
    else:
        # The row lock orders concurrent uploads of one document, so version numbers never collide.
        document = await get_document(session, actor, document.id, "documentId", lock=True)
        before = (document.current_version, document.size, document.sha256)
        document.current_version += 1
        document.content_type, document.size, document.sha256 = new.content_type, new.size, new.sha256
        if new.name:
            document.name = new.name
        custom = await apply_custom_values(
            session, actor, DOCUMENT, document, {"custom": new.custom}, creating=False
        )
        await flush_versioned(session, "document")
        action, changes = (
            "document.add_version",
            {
                "version": [before[0], document.current_version],
                "size": [before[1], new.size],
                "sha256": [before[2], new.sha256],
            }
            | custom,
        )
    session.add(
        DocumentVersion(
            tenant_id=actor.tenant_id,
            id=new.version_id,
            document_id=document.id,
            number=document.current_version,
            storage_key=new.key,
            size=new.size,
            sha256=new.sha256,
            content_type=new.content_type,
            created_by_id=actor.user_id,
        )
    )
    await session.flush()
    await audit.record(session, actor, action, DOCUMENT, document.id, changes)
    await add_links(session, actor, document, new.links)
    return document
