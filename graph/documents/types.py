"""GraphQL types of the documents area: Document, its versions and links, limits and upload tickets."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.nodes import resolve_by_ids
from graph.core.scalars import ByteCount
from graph.documents import loaders
from graph.documents import models as documents
from graph.documents.documents import LinkRole
from graph.documents.targets import target_global_id
from graph.identity.types import User, owner


@strawberry.enum(description="Why a document is linked to a record.")
class DocumentLinkRole(Enum):
    ATTACHMENT = LinkRole.ATTACHMENT.value
    SIGNED_COPY = strawberry.enum_value(
        LinkRole.SIGNED_COPY.value, description="The record's signed copy (a contract's): one per record."
    )


@strawberry.type(description="One stored upload of a document; versions are never changed, only added.")
class DocumentVersion:
    number: int = strawberry.field(description="1 for the first upload, then 2, 3, ...")
    size: ByteCount = strawberry.field(description="Bytes.")
    sha256: str = strawberry.field(description="SHA-256 of the bytes, 64 hex digits.")
    content_type: str = strawberry.field(description="Media type, checked against the bytes.")
    created_at: datetime = strawberry.field(description="When it was committed (UTC).")
    created_by_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, version: documents.DocumentVersion) -> DocumentVersion:
        return cls(
            number=version.number,
            size=version.size,
            sha256=version.sha256,
            content_type=version.content_type,
            created_at=version.created_at,
            created_by_id=version.created_by_id,
        )

    @strawberry.field(description="Who uploaded it.")
    async def created_by(self, info: Info) -> User | None:
        return await owner(info, self.created_by_id) if self.created_by_id else None


@strawberry.type(description="A record the document is attached to. Fetch it with `node(id: targetId)`.")
class DocumentLink:
    target_type: str = strawberry.field(description="The record's object type, e.g. account, contact.")
    target_id: relay.GlobalID = strawberry.field(description="Global id of the record.")
    role: DocumentLinkRole = strawberry.field(description="ATTACHMENT or SIGNED_COPY.")
    created_at: datetime = strawberry.field(description="When the link was made (UTC).")

    @classmethod
    def from_model(cls, link: documents.DocumentLink) -> DocumentLink:
        return cls(
            target_type=link.target_type,
            target_id=target_global_id(link.target_type, link.target_id),
            role=DocumentLinkRole(link.role),
            created_at=link.created_at,
        )


@strawberry.type(description="A stored file with versions, owner, tags and links to records.")
class Document(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = documents.DOCUMENT
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name (1-255 characters); never part of a storage key.")
    content_type: str = strawberry.field(description="Media type of the current version.")
    size: ByteCount = strawberry.field(description="Bytes of the current version.")
    sha256: str = strawberry.field(description="SHA-256 of the current version.")
    current_version: int = strawberry.field(description="Number of the current version.")
    tags: list[str] = strawberry.field(description="Labels, at most 20.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    deleted_at: datetime | None = strawberry.field(description="Set while soft-deleted; restore to clear.")
    version: int = strawberry.field(description="Pass to updates and deletes; a stale one is a CONFLICT.")
    owner_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, document: documents.Document) -> Document:
        return cls(
            id=str(document.id),
            name=document.name,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
            current_version=document.current_version,
            tags=list(document.tags),
            created_at=document.created_at,
            updated_at=document.updated_at,
            deleted_at=document.deleted_at,
            version=document.version,
            owner_id=document.owner_id,
            custom=document.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Document | None]:
        return await resolve_by_ids(
            info, "documents_by_id", loaders.documents_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="The member responsible for this document.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)

    @strawberry.field(description="Every version, newest first.")
    async def versions(self, info: Info) -> list[DocumentVersion]:
        loader = info.context.loader("document_versions_by_document_id", loaders.versions_by_document_id)
        return [DocumentVersion.from_model(v) for v in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="The records this document is attached to.")
    async def links(self, info: Info) -> list[DocumentLink]:
        loader = info.context.loader("document_links_by_document_id", loaders.links_by_document_id)
        return [DocumentLink.from_model(link) for link in await loader.load(uuid.UUID(self.id))]


@strawberry.type(description="The workspace's document limits and how much of the quota is used.")
class DocumentStorage:
    used_bytes: ByteCount = strawberry.field(
        description="Bytes of every stored version, deleted documents too."
    )
    reserved_bytes: ByteCount = strawberry.field(
        description="Bytes held for uploads requested, not yet completed."
    )
    quota_bytes: ByteCount = strawberry.field(description="Total bytes the workspace may store.")
    max_file_bytes: ByteCount = strawberry.field(description="Largest single file accepted.")
    allowed_content_types: list[str] = strawberry.field(
        description="Media types accepted (checked on the bytes)."
    )


@strawberry.type(description="A short-lived URL that downloads one version.")
class DownloadUrl:
    url: str = strawberry.field(
        description="GET it before `expiresAt`; relative URLs are on this API's host."
    )
    expires_at: datetime = strawberry.field(description="When the URL stops working (UTC).")
    filename: str = strawberry.field(description="The document's name.")
    version: DocumentVersion = strawberry.field(description="The version it downloads.")


@strawberry.type(description="A form field to send with the upload POST.")
class FormField:
    name: str = strawberry.field(description="The form field's name.")
    value: str = strawberry.field(description="Its value, sent as is.")


@strawberry.type(
    description="Where to POST the file: multipart/form-data with every `fields` entry first, then the "
    "file in a part named `file`; exactly `size` bytes of `contentType`, before `expiresAt`. "
    "Then call completeUpload."
)
class UploadTicket:
    upload_id: relay.GlobalID = strawberry.field(
        description="The pending upload (a one-time ticket, not a node): pass it to completeUpload."
    )
    url: str = strawberry.field(description="The form's action; relative URLs are on this API's host.")
    fields: list[FormField] = strawberry.field(description="Form fields to send before the file.")
    expires_at: datetime = strawberry.field(description="After this the URL refuses the upload.")
    document_id: relay.GlobalID = strawberry.field(description="The document the version will belong to.")
