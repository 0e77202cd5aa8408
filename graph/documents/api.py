"""Documents queries and mutations. Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import relay

from graph.admin.lists import custom_page
from graph.core.context import Info
from graph.core.errors import mutation_payload, user_errors
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id, encode_id
from graph.core.pagination import Connection
from graph.documents import documents, downloads, limits, loaders, orphans, presigned, uploads
from graph.documents.inputs import (
    DocumentFilter,
    DocumentLimitsPayload,
    DocumentOrder,
    DocumentPayload,
    LinkDocumentInput,
    PurgeDocumentPayload,
    RequestUploadInput,
    RequestUploadPayload,
    SetDocumentLimitsInput,
    UpdateDocumentInput,
    UploadDocumentInput,
    UploadDocumentVersionInput,
    document_conditions,
    document_ordering,
    link_pairs,
)
from graph.documents.models import DOCUMENT
from graph.documents.models import Document as DocumentRow
from graph.documents.types import (
    Document,
    DocumentStorage,
    DocumentVersion,
    DownloadUrl,
    FormField,
    UploadTicket,
)
from tenants.errors import DomainError

T = TypeVar("T")
REGISTERED_JOBS = (orphans.remove_orphans,)  # importing the area registers `documents.orphans`

DocumentId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Document.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


def now() -> datetime:
    return datetime.now(UTC)


def upload_config(info: Info) -> uploads.UploadConfig:
    services = info.context.services
    return uploads.UploadConfig(
        blobs=services.blobs,
        default_limits=default_limits(info),
        upload_url_minutes=services.settings.upload_url_minutes,
    )


def default_limits(info: Info) -> limits.Limits:
    settings = info.context.services.settings
    return limits.default_limits(settings.document_max_file_bytes, settings.document_quota_bytes)


def storage_view(found: limits.Limits, used: int, reserved: int) -> DocumentStorage:
    return DocumentStorage(
        used_bytes=used,
        reserved_bytes=reserved,
        quota_bytes=found.quota_bytes,
        max_file_bytes=found.max_file_bytes,
        allowed_content_types=list(found.allowed_content_types),
    )


def payload(document: Any) -> DocumentPayload:
    return DocumentPayload(document=Document.from_model(document))


@strawberry.type
class DocumentsQuery:
    @strawberry.field(description="Documents you may see; live ones unless `filter.deleted` is true.")
    async def documents(
        self,
        info: Info,
        filter: Annotated[DocumentFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[DocumentOrder] | None, strawberry.argument(description="Sort keys; default NAME ASC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Document]:
        actor = info.context.actor
        statement = documents.visible_documents(actor).where(*document_conditions(filter))
        return await custom_page(
            info,
            DOCUMENT,
            DocumentRow,
            statement,
            filter,
            order_by,
            document_ordering,
            Document.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One document (also soft-deleted); null if missing or not yours to see.")
    async def document(self, info: Info, id: DocumentId) -> Document | None:
        try:
            document_id = decode_id(id, "Document")
        except DomainError:
            return None
        record = await info.context.loader("documents_by_id", loaders.documents_by_id).load(document_id)
        return Document.from_model(record) if record else None

    @strawberry.field(description="The workspace's document limits and current usage.")
    async def document_storage(self, info: Info) -> DocumentStorage:
        session, actor = await info.context.session(), info.context.actor
        found, used, reserved = await limits.storage_usage(session, actor, default_limits(info), now())
        return storage_view(found, used, reserved)

    @strawberry.field(
        description="A short-lived URL to download a live document's version (default: the current one); "
        "null if the document or version is missing or not yours to see."
    )
    async def download_url(
        self,
        info: Info,
        document_id: DocumentId,
        version: Annotated[int | None, strawberry.argument(description="Version number.")] = None,
    ) -> DownloadUrl | None:
        try:
            document_uuid = decode_id(document_id, "Document", "documentId")
        except DomainError:
            return None
        services = info.context.services
        link = await downloads.download_link(
            await info.context.session(),
            info.context.actor,
            services.blobs,
            document_uuid,
            version,
            timedelta(seconds=services.settings.download_url_seconds),
            now(),
        )
        if link is None:
            return None
        return DownloadUrl(
            url=link.url,
            expires_at=link.expires_at,
            filename=link.filename,
            version=DocumentVersion.from_model(link.version),
        )


@strawberry.type
class DocumentsMutation:
    @strawberry.mutation(
        description="Upload a new document in this request (GraphQL multipart request; send the header "
        "`Apollo-Require-Preflight: true`). Needs document create permission."
    )
    @mutation_payload(DocumentPayload)
    async def upload_document(self, info: Info, input: Input[UploadDocumentInput]) -> DocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        file = input.file
        new = uploads.NewFile(
            name=input.name or file.filename,
            content_type=input.content_type or file.content_type or "application/octet-stream",
            tags=input.tags,
            links=link_pairs(input.links),
            custom=None if input.custom is strawberry.UNSET else input.custom,
        )
        document = await uploads.upload_file(
            session, actor, upload_config(info), new, file.read, getattr(file, "size", None), now()
        )
        return payload(document)

    @strawberry.mutation(description="Upload a new version of a document in this request (multipart).")
    @mutation_payload(DocumentPayload)
    async def upload_document_version(
        self, info: Info, input: Input[UploadDocumentVersionInput]
    ) -> DocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        file = input.file
        new = uploads.NewFile(
            name=None,
            content_type=input.content_type or file.content_type or "application/octet-stream",
            document_id=decode_id(input.document_id, "Document", "documentId"),
        )
        document = await uploads.upload_file(
            session, actor, upload_config(info), new, file.read, getattr(file, "size", None), now()
        )
        return payload(document)

    @strawberry.mutation(
        description="Get a URL to upload a file straight to storage (a presigned POST for exactly this "
        "size and type, valid for minutes); then call completeUpload."
    )
    @mutation_payload(RequestUploadPayload)
    async def request_upload(self, info: Info, input: Input[RequestUploadInput]) -> RequestUploadPayload:
        session, actor = await info.context.session(), info.context.actor
        new = uploads.NewFile(
            name=input.name,
            content_type=input.content_type,
            tags=input.tags,
            links=link_pairs(input.links),
            document_id=decode_optional_id(input.document_id, "Document", "documentId"),
            custom=None if input.custom is strawberry.UNSET else input.custom,
        )
        ticket = await presigned.request_upload(
            session, actor, upload_config(info), new, input.size, input.sha256, now()
        )
        return RequestUploadPayload(
            upload=UploadTicket(
                upload_id=encode_id("DocumentUpload", ticket.upload.id),
                url=ticket.post.url,
                fields=[FormField(name=k, value=v) for k, v in ticket.post.fields.items()],
                expires_at=ticket.upload.expires_at,
                document_id=encode_id("Document", ticket.upload.document_id),
            )
        )

    @strawberry.mutation(
        description="Verify an uploaded file (size, SHA-256, type) and make it a visible version. A file "
        "that does not match is deleted along with its upload."
    )
    @mutation_payload(DocumentPayload)
    async def complete_upload(
        self,
        info: Info,
        upload_id: Annotated[relay.GlobalID, strawberry.argument(description="From requestUpload.")],
    ) -> DocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        outcome = await presigned.complete_upload(
            session, actor, upload_config(info), decode_id(upload_id, "DocumentUpload", "uploadId"), now()
        )
        if isinstance(outcome, DomainError):
            # Returned, not raised: the removal of the refused upload must commit.
            return DocumentPayload(errors=user_errors(outcome))
        return payload(outcome)

    @strawberry.mutation(description="Rename or retag a document.")
    @mutation_payload(DocumentPayload)
    async def update_document(
        self, info: Info, id: DocumentId, version: Version, input: Input[UpdateDocumentInput]
    ) -> DocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        given = (("name", input.name), ("tags", input.tags), ("custom", input.custom))
        values = {k: v for k, v in given if v is not strawberry.UNSET}
        document = await documents.update_document(session, actor, decode_id(id, "Document"), version, values)
        return payload(document)

    @strawberry.mutation(description="Soft-delete a document; restoreDocument brings it back.")
    @mutation_payload(DocumentPayload)
    async def delete_document(self, info: Info, id: DocumentId, version: Version) -> DocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        return payload(await documents.delete_document(session, actor, decode_id(id, "Document"), version))

    @strawberry.mutation(description="Bring back a soft-deleted document.")
    @mutation_payload(DocumentPayload)
    async def restore_document(self, info: Info, id: DocumentId) -> DocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        return payload(await documents.restore_document(session, actor, decode_id(id, "Document")))

    @strawberry.mutation(
        description="Permanently remove a soft-deleted document and every version's stored file."
    )
    @mutation_payload(PurgeDocumentPayload)
    async def purge_document(self, info: Info, id: DocumentId) -> PurgeDocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        blobs = info.context.services.blobs
        purged = await documents.purge_document(session, actor, blobs, decode_id(id, "Document"))
        return PurgeDocumentPayload(purged_id=encode_id("Document", purged))

    @strawberry.mutation(description="Attach a document to a record you can see.")
    @mutation_payload(DocumentPayload)
    async def link_document(self, info: Info, input: Input[LinkDocumentInput]) -> DocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        document = await documents.link_document(
            session,
            actor,
            decode_id(input.document_id, "Document", "documentId"),
            input.target_id,
            input.role.value,
        )
        return payload(document)

    @strawberry.mutation(description="Detach a document from a record.")
    @mutation_payload(DocumentPayload)
    async def unlink_document(self, info: Info, input: Input[LinkDocumentInput]) -> DocumentPayload:
        session, actor = await info.context.session(), info.context.actor
        document = await documents.unlink_document(
            session,
            actor,
            decode_id(input.document_id, "Document", "documentId"),
            input.target_id,
            input.role.value,
        )
        return payload(document)

    @strawberry.mutation(description="Change the workspace's document limits (manage-settings capability).")
    @mutation_payload(DocumentLimitsPayload)
    async def set_document_limits(
        self, info: Info, input: Input[SetDocumentLimitsInput]
    ) -> DocumentLimitsPayload:
        session, actor = await info.context.session(), info.context.actor
        await limits.set_document_limits(
            session,
            actor,
            default_limits(info),
            input.max_file_bytes,
            input.quota_bytes,
            input.allowed_content_types,
        )
        found, used, reserved = await limits.storage_usage(session, actor, default_limits(info), now())
        return DocumentLimitsPayload(storage=storage_view(found, used, reserved))
