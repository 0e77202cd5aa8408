"""Document rules: read, rename and tag, link to records, soft delete, restore and purge.

Plain async functions taking the request session and the actor; they raise `DomainError` and never
commit. Documents outside the actor's scope, or in another tenant, are reported like missing ones.
Uploads (which also create documents and versions) live in `graph/documents/uploads.py`.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from graph.core.rules import check_version, clean_tags, collect, flush_versioned, snapshot
from graph.documents.models import DOCUMENT, Document, DocumentLink, DocumentVersion
from graph.documents.targets import LINK_TARGETS, check_visible, visible_target
from storage import BlobStore, StorageUnavailable
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.permissions import Action, Actor, Scope, record_scope_clause
from tenants.validation import required_text

AUDITED_FIELDS = ("name", "tags", "owner_id", "deleted_at")
MAX_LINKS = 50


class LinkRole(StrEnum):
    ATTACHMENT = "attachment"
    # The slot a record keeps for its signed copy (a contract's): at most one per record.
    SIGNED_COPY = "signed_copy"


def storage_unavailable() -> DomainError:
    return DomainError(
        ErrorCode.STORAGE_UNAVAILABLE, "The file store is not answering; nothing was changed. Try again."
    )


def document_scope(actor: Actor) -> ColumnElement[bool]:
    return record_scope_clause(actor, DOCUMENT, Document.owner_id) & (Document.tenant_id == actor.tenant_id)


def linked_to_visible_records(actor: Actor) -> ColumnElement[bool]:
    """Documents linked to a live record the actor may see, by that record's own scope (a project
    member sees the project's documents, a rep those of the deals they own)."""
    links = []
    for target in LINK_TARGETS.values():
        if not actor.permissions.can(target.object_type, Action.READ):
            continue
        visible = select(target.model.id).where(target.scope(actor))
        if hasattr(target.model, "deleted_at"):
            visible = visible.where(target.model.deleted_at.is_(None))
        links.append(
            exists().where(
                DocumentLink.tenant_id == Document.tenant_id,
                DocumentLink.document_id == Document.id,
                DocumentLink.target_type == target.object_type,
                DocumentLink.target_id.in_(visible),
            )
        )
    return or_(false(), *links)


def document_read_scope(actor: Actor) -> ColumnElement[bool]:
    """What the actor may read: documents in their own scope, and whatever is linked to a record they
    may see. Changing a document stays with `document_scope` (its owner's scope)."""
    if actor.permissions.scope(DOCUMENT) is Scope.ALL:
        return document_scope(actor)
    return (Document.tenant_id == actor.tenant_id) & or_(
        document_scope(actor), linked_to_visible_records(actor)
    )


def visible_documents(actor: Actor) -> Select[tuple[Document]]:
    actor.require(DOCUMENT, Action.READ)
    return select(Document).where(document_read_scope(actor))


async def get_document(
    session: AsyncSession,
    actor: Actor,
    document_id: uuid.UUID,
    field: str = "id",
    *,
    deleted: bool = False,
    lock: bool = False,
) -> Document:
    """A visible document, live (or only soft-deleted when `deleted`); else NOT_FOUND on `field`."""
    statement = select(Document).where(
        document_scope(actor),
        Document.id == document_id,
        Document.deleted_at.is_not(None) if deleted else Document.deleted_at.is_(None),
    )
    if lock:
        # Fresh values, not the ones this session read before someone else committed.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    document = await session.scalar(statement)
    if document is None:
        raise not_found("document", field)
    return document


def clean_name(name: str | None, field: str = "name") -> str:
    # Display only: a name never becomes part of a storage key. It does become a download's
    # Content-Disposition header, where a line break would end the header: no control characters
    # (nor format characters such as U+202E, which make "exe.pdf" read as a PDF).
    cleaned = required_text(name, field, 255)
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in cleaned):
        raise DomainError(
            ErrorCode.INVALID, "A name may not contain control characters (line breaks, tabs).", field
        )
    return cleaned


async def clean_links(
    session: AsyncSession, actor: Actor, links: Sequence[tuple[relay.GlobalID, str]], field: str = "links"
) -> list[tuple[str, uuid.UUID, str]]:
    """[(object type, id, role)] of visible live records; errors name `links.<index>.targetId`."""
    if len(links) > MAX_LINKS:
        raise DomainError(ErrorCode.INVALID, f"Link at most {MAX_LINKS} records at once.", field)
    cleaned: list[tuple[str, uuid.UUID, str]] = []
    for index, (global_id, role) in enumerate(links):
        object_type, target_id = await visible_target(session, actor, global_id, f"{field}.{index}.targetId")
        if (object_type, target_id, role) not in cleaned:
            cleaned.append((object_type, target_id, role))
    return cleaned


async def add_links(
    session: AsyncSession,
    actor: Actor,
    document: Document,
    links: Iterable[tuple[str, uuid.UUID, str]],
    field: str = "links",
) -> None:
    """Adds links (already validated); an existing identical link is left as it is."""
    for object_type, target_id, role in links:
        await check_visible(session, actor, object_type, target_id, field)
        key = (document.tenant_id, document.id, object_type, target_id, role)
        if await session.get(DocumentLink, key) is not None:
            continue
        if role == LinkRole.SIGNED_COPY and await signed_copy_taken(session, object_type, target_id):
            raise DomainError(
                ErrorCode.DUPLICATE,
                "This record already has a signed copy; unlink it first or add a new version to it.",
                field,
            )
        session.add(
            DocumentLink(
                tenant_id=document.tenant_id,
                document_id=document.id,
                target_type=object_type,
                target_id=target_id,
                role=role,
                created_by_id=actor.user_id,
            )
        )
        await audit.record(
            session,
            actor,
            "document.link",
            DOCUMENT,
            document.id,
            {"link": [None, {"type": object_type, "id": str(target_id), "role": role}]},
        )
    await session.flush()


async def signed_copy_taken(session: AsyncSession, object_type: str, target_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(DocumentLink.document_id).where(
            DocumentLink.target_type == object_type,
            DocumentLink.target_id == target_id,
            DocumentLink.role == LinkRole.SIGNED_COPY.value,
        )
    )
    return found is not None


async def link_document(
    session: AsyncSession, actor: Actor, document_id: uuid.UUID, target: relay.GlobalID, role: str
) -> Document:
    actor.require(DOCUMENT, Action.UPDATE)
    document = await get_document(session, actor, document_id, "documentId")
    object_type, target_id = await visible_target(session, actor, target, "targetId")
    await add_links(session, actor, document, [(object_type, target_id, role)], "targetId")
    return document


async def unlink_document(
    session: AsyncSession, actor: Actor, document_id: uuid.UUID, target: relay.GlobalID, role: str
) -> Document:
    actor.require(DOCUMENT, Action.UPDATE)
    document = await get_document(session, actor, document_id, "documentId")
    object_type, target_id = await visible_target(session, actor, target, "targetId")
    removed = await session.execute(
        delete(DocumentLink)
        .where(
            DocumentLink.document_id == document.id,
            DocumentLink.target_type == object_type,
            DocumentLink.target_id == target_id,
            DocumentLink.role == role,
        )
        .returning(DocumentLink.document_id)
    )
    if removed.first() is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This document is not linked to that record.", "targetId")
    await audit.record(
        session,
        actor,
        "document.unlink",
        DOCUMENT,
        document.id,
        {"link": [{"type": object_type, "id": str(target_id), "role": role}, None]},
    )
    return document


async def update_document(
    session: AsyncSession, actor: Actor, document_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Document:
    actor.require(DOCUMENT, Action.UPDATE)
    document = await get_document(session, actor, document_id)
    check_version(document, version, "document")
    checks: dict[str, Any] = {}
    if "name" in values:
        checks["name"] = lambda: clean_name(values["name"])
    if "tags" in values:
        checks["tags"] = lambda: clean_tags(values["tags"])
    cleaned = collect(checks)
    before = snapshot(document, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(document, key, value)
    custom = await apply_custom_values(session, actor, DOCUMENT, document, values, creating=False)
    await flush_versioned(session, "document")
    changes = audit.diff(before, snapshot(document, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "document.update", DOCUMENT, document.id, changes)
    return document


async def delete_document(
    session: AsyncSession, actor: Actor, document_id: uuid.UUID, version: int
) -> Document:
    """Soft delete: hidden, not downloadable, still counted against the quota until purged."""
    actor.require(DOCUMENT, Action.DELETE)
    document = await get_document(session, actor, document_id)
    check_version(document, version, "document")
    document.deleted_at = datetime.now(UTC)
    await flush_versioned(session, "document")
    await audit.record(
        session,
        actor,
        "document.delete",
        DOCUMENT,
        document.id,
        {"deleted_at": [None, document.deleted_at.isoformat()]},
    )
    return document


async def restore_document(session: AsyncSession, actor: Actor, document_id: uuid.UUID) -> Document:
    actor.require(DOCUMENT, Action.DELETE)
    document = await get_document(session, actor, document_id, deleted=True)
    deleted_at = document.deleted_at
    document.deleted_at = None
    await flush_versioned(session, "document")
    await audit.record(
        session,
        actor,
        "document.restore",
        DOCUMENT,
        document.id,
        audit.diff({"deleted_at": deleted_at}, {"deleted_at": None}),
    )
    return document


async def purge_document(
    session: AsyncSession, actor: Actor, blobs: BlobStore, document_id: uuid.UUID
) -> uuid.UUID:
    """Removes a soft-deleted document, its versions and links, and every version's object.

    The rows go first (inside the transaction), the objects second; if the store fails, the error
    rolls the rows back, and purging again finishes the job (deleting objects is idempotent).
    """
    actor.require(DOCUMENT, Action.DELETE)
    try:
        document = await get_document(session, actor, document_id, deleted=True)
    except DomainError:
        await get_document(session, actor, document_id)  # NOT_FOUND if it does not exist at all
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Delete the document first; only deleted documents are purged.",
            "id",
        ) from None
    keys = list(
        await session.scalars(
            select(DocumentVersion.storage_key).where(DocumentVersion.document_id == document.id)
        )
    )
    before = snapshot(document, ("name", "size", "sha256", "current_version"))
    await session.delete(document)
    await session.flush()
    await audit.record(
        session, actor, "document.purge", DOCUMENT, document_id, audit.diff(before, dict.fromkeys(before))
    )
    try:
        await blobs.delete(keys)
    except StorageUnavailable:
        raise storage_unavailable() from None
    return document_id
