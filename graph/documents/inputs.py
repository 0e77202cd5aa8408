"""Inputs, filters and payloads of the documents area."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, exists, func, select
from strawberry import UNSET, relay
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from graph.admin.filters import (
    CustomFieldCondition,
    custom_conditions_field,
    custom_order_field,
    custom_values_field,
)
from graph.admin.lists import CustomSort, sort_columns
from graph.core.errors import UserError
from graph.core.filters import OrderDirection, like_pattern, ordered, soft_deleted
from graph.core.scalars import ByteCount
from graph.documents.models import Document as DocumentModel
from graph.documents.models import DocumentLink as DocumentLinkModel
from graph.documents.targets import target_for_type_name
from graph.documents.types import Document, DocumentLinkRole, DocumentStorage, UploadTicket
from tenants.errors import DomainError, ErrorCode


@strawberry.input(description="A record to attach the document to.")
class DocumentLinkInput:
    target_id: relay.GlobalID = strawberry.field(
        description="Global id of an Account, Contact or Activity (more types as areas join)."
    )
    role: DocumentLinkRole = strawberry.field(
        default=DocumentLinkRole.ATTACHMENT, description="ATTACHMENT, or SIGNED_COPY (one per record)."
    )


def link_pairs(links: list[DocumentLinkInput] | None) -> list[tuple[relay.GlobalID, str]]:
    return [(link.target_id, link.role.value) for link in links or []]


@strawberry.input(
    description="A new document sent in this request (GraphQL multipart request). For files over a "
    "few MB use requestUpload."
)
class UploadDocumentInput:
    file: Upload = strawberry.field(description="The file part (the multipart request's `map` points here).")
    name: str | None = strawberry.field(default=None, description="Display name; defaults to the file name.")
    content_type: str | None = strawberry.field(
        default=None,
        description="Media type; defaults to the part's Content-Type. Checked against the bytes.",
    )
    tags: list[str] | None = strawberry.field(default=None, description="At most 20 tags.")
    links: list[DocumentLinkInput] | None = strawberry.field(
        default=None, description="Records to attach it to."
    )
    custom: JSON | None = custom_values_field()


@strawberry.input(description="A new version of a document, sent in this request (multipart).")
class UploadDocumentVersionInput:
    document_id: relay.GlobalID = strawberry.field(description="The Document.")
    file: Upload = strawberry.field(description="The file part.")
    content_type: str | None = strawberry.field(
        default=None, description="Media type; defaults to the part's."
    )


@strawberry.input(description="Announce a file to upload straight to storage (any size up to the limit).")
class RequestUploadInput:
    name: str | None = strawberry.field(
        default=None, description="Display name (required for a new document; renames on a new version)."
    )
    content_type: str = strawberry.field(description="Media type; must be allowed, and match the bytes.")
    size: ByteCount = strawberry.field(
        description="Exact size in bytes; the upload URL accepts only this size."
    )
    sha256: str = strawberry.field(description="SHA-256 of the file, 64 hex digits; checked on completion.")
    document_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Add a version to this Document instead of creating one."
    )
    tags: list[str] | None = strawberry.field(default=None, description="At most 20 tags (new documents).")
    links: list[DocumentLinkInput] | None = strawberry.field(
        default=None, description="Records to attach it to."
    )
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a document; fields you leave out stay as they are.")
class UpdateDocumentInput:
    name: str | None = strawberry.field(default=UNSET, description="Display name, 1-255 characters.")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces all tags.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Attach a document to a record, or detach it.")
class LinkDocumentInput:
    document_id: relay.GlobalID = strawberry.field(description="The Document.")
    target_id: relay.GlobalID = strawberry.field(description="The record (Account, Contact, Activity, ...).")
    role: DocumentLinkRole = strawberry.field(
        default=DocumentLinkRole.ATTACHMENT, description="The link's role."
    )


@strawberry.input(description="New limits; the ones you leave out keep their value.")
class SetDocumentLimitsInput:
    max_file_bytes: ByteCount | None = strawberry.field(
        default=None, description="Largest single file, in bytes."
    )
    quota_bytes: ByteCount | None = strawberry.field(
        default=None, description="Total bytes the workspace may store."
    )
    allowed_content_types: list[str] | None = strawberry.field(
        default=None, description="Accepted media types (at most 100); replaces the list."
    )


@strawberry.input(description="Conditions on documents; all given ones must hold.")
class DocumentFilter:
    deleted: bool | None = strawberry.field(default=None, description="Only soft-deleted ones when true.")
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive part of the name."
    )
    tag: str | None = strawberry.field(default=None, description="Has this tag.")
    linked_to: relay.GlobalID | None = strawberry.field(default=None, description="Attached to this record.")
    role: DocumentLinkRole | None = strawberry.field(
        default=None, description="With `linkedTo`: only this role."
    )
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


@strawberry.enum(description="What documents can be sorted by.")
class DocumentOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    SIZE = "size"


@strawberry.input(description="One sort key.")
class DocumentOrder:
    field: DocumentOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection | None = strawberry.field(
        default=OrderDirection.ASC, description="Ascending (default) or descending."
    )


def document_conditions(filter: DocumentFilter | None) -> list[ColumnElement[bool]]:
    filter = filter or DocumentFilter()
    conditions = [soft_deleted(DocumentModel.deleted_at, filter.deleted)]
    if filter.name_contains:
        conditions.append(DocumentModel.name.ilike(like_pattern(filter.name_contains.strip()[:200])))
    if filter.tag:
        conditions.append(DocumentModel.tags.contains([filter.tag]))
    if filter.linked_to is not None:
        target = target_for_type_name(filter.linked_to.type_name, "filter.linkedTo")
        try:
            target_id = uuid.UUID(filter.linked_to.node_id)
        except ValueError:
            raise DomainError(ErrorCode.NOT_FOUND, "No record with this id.", "filter.linkedTo") from None
        link = select(DocumentLinkModel.document_id).where(
            DocumentLinkModel.tenant_id == DocumentModel.tenant_id,
            DocumentLinkModel.document_id == DocumentModel.id,
            DocumentLinkModel.target_type == target.object_type,
            DocumentLinkModel.target_id == target_id,
        )
        if filter.role is not None:
            link = link.where(DocumentLinkModel.role == filter.role.value)
        conditions.append(exists(link))
    return conditions


def document_ordering(order_by: list[DocumentOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        DocumentOrderField.NAME: [func.lower(DocumentModel.name)],
        DocumentOrderField.CREATED_AT: [DocumentModel.created_at],
        DocumentOrderField.SIZE: [DocumentModel.size],
    }
    keys = [
        ordered(column, o.direction)
        for o in order_by or []
        for column in sort_columns(o, columns, custom_sort)
    ] or columns[DocumentOrderField.NAME]
    return [*keys, DocumentModel.id]


@strawberry.type(description="Result of a document mutation: the document, or errors.")
class DocumentPayload:
    document: Document | None = strawberry.field(default=None, description="The document after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of requestUpload: where to send the bytes, or errors.")
class RequestUploadPayload:
    upload: UploadTicket | None = strawberry.field(
        default=None, description="The upload URL and form fields."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of purgeDocument.")
class PurgeDocumentPayload:
    purged_id: relay.GlobalID | None = strawberry.field(default=None, description="The purged Document's id.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of setDocumentLimits.")
class DocumentLimitsPayload:
    storage: DocumentStorage | None = strawberry.field(default=None, description="The limits and usage now.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )
