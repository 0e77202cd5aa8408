"""Helpers of the document tests: sample files, multipart and presigned uploads, SQL probes."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support import GraphQLClient, Member, error_pairs

PDF = b"%PDF-1.7\n" + os.urandom(2000) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(500)
TEXT = "Quarterly notes — ünïcode\n".encode() * 20

DOCUMENT_FIELDS = """
  id name contentType size sha256 currentVersion tags version deletedAt
  owner { email }
  versions { number size sha256 contentType createdBy { email } }
  links { targetType targetId role }
"""
ERRORS = "errors { field code message }"

UPLOAD = f"""
mutation Upload($input: UploadDocumentInput!) {{
  uploadDocument(input: $input) {{ document {{ {DOCUMENT_FIELDS} }} {ERRORS} }}
}}"""
UPLOAD_VERSION = f"""
mutation UploadVersion($input: UploadDocumentVersionInput!) {{
  uploadDocumentVersion(input: $input) {{ document {{ {DOCUMENT_FIELDS} }} {ERRORS} }}
}}"""
REQUEST_UPLOAD = f"""
mutation Request($input: RequestUploadInput!) {{
  requestUpload(input: $input) {{ upload {{ uploadId url fields {{ name value }} expiresAt documentId }} {ERRORS} }}
}}"""
COMPLETE_UPLOAD = f"""
mutation Complete($id: ID!) {{
  completeUpload(uploadId: $id) {{ document {{ {DOCUMENT_FIELDS} }} {ERRORS} }}
}}"""
DOCUMENTS = f"""
query Documents($filter: DocumentFilter, $orderBy: [DocumentOrder!], $first: Int) {{
  documents(filter: $filter, orderBy: $orderBy, first: $first) {{ totalCount edges {{ node {{ {DOCUMENT_FIELDS} }} }} }}
}}"""
DOCUMENT = f"query Document($id: ID!) {{ document(id: $id) {{ {DOCUMENT_FIELDS} }} }}"
NODE = "query Node($id: ID!) { node(id: $id) { id ... on Document { name } } }"
DOWNLOAD_URL = """
query Download($id: ID!, $version: Int) {
  downloadUrl(documentId: $id, version: $version) { url expiresAt filename version { number size } }
}"""
STORAGE = "{ documentStorage { usedBytes reservedBytes quotaBytes maxFileBytes allowedContentTypes } }"
SET_LIMITS = f"""
mutation Limits($input: SetDocumentLimitsInput!) {{
  setDocumentLimits(input: $input) {{ storage {{ usedBytes quotaBytes maxFileBytes allowedContentTypes }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation Update($id: ID!, $version: Int!, $input: UpdateDocumentInput!) {{
  updateDocument(id: $id, version: $version, input: $input) {{ document {{ {DOCUMENT_FIELDS} }} {ERRORS} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!, $version: Int!) {{
  deleteDocument(id: $id, version: $version) {{ document {{ id deletedAt version }} {ERRORS} }}
}}"""
RESTORE = (
    f"mutation Restore($id: ID!) {{ restoreDocument(id: $id) {{ document {{ id deletedAt }} {ERRORS} }} }}"
)
PURGE = f"mutation Purge($id: ID!) {{ purgeDocument(id: $id) {{ purgedId {ERRORS} }} }}"
LINK = f"""
mutation Link($input: LinkDocumentInput!) {{
  linkDocument(input: $input) {{ document {{ links {{ targetType targetId role }} }} {ERRORS} }}
}}"""
UNLINK = f"""
mutation Unlink($input: LinkDocumentInput!) {{
  unlinkDocument(input: $input) {{ document {{ links {{ targetType targetId role }} }} {ERRORS} }}
}}"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Docs:
    """A GraphQL client on one backend's app, plus a plain HTTP client for the store's own URLs."""

    client: GraphQLClient
    backend: str
    app: Any
    outside: httpx.AsyncClient

    @property
    def blobs(self):  # type: ignore[no-untyped-def]
        return self.app.state.services.blobs

    async def upload(
        self,
        member: Member,
        data: bytes,
        name: str = "contract.pdf",
        content_type: str = "application/pdf",
        *,
        query: str = UPLOAD,
        variables: dict[str, Any] | None = None,
        preflight: bool = True,
    ) -> httpx.Response:
        """A GraphQL multipart request with one file at `variables.input.file`."""
        variables = variables if variables is not None else {"input": {"name": name}}
        variables["input"]["file"] = None
        headers = {"authorization": f"Bearer {member.token}"}
        if preflight:
            headers["apollo-require-preflight"] = "true"
        return await self.client.http.post(
            "/graphql",
            data={
                "operations": json.dumps({"query": query, "variables": variables}),
                "map": json.dumps({"0": ["variables.input.file"]}),
            },
            files={"0": (name, data, content_type)},
            headers=headers,
        )

    async def upload_document(self, member: Member, data: bytes = PDF, **input: Any) -> dict[str, Any]:
        content_type = input.pop("content_type", "application/pdf")
        input.setdefault("name", "contract.pdf")
        response = await self.upload(
            member, data, input["name"], content_type, variables={"input": dict(input)}
        )
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        payload = body["data"]["uploadDocument"]
        assert payload["errors"] == [], payload
        return payload["document"]

    async def request_upload(self, member: Member, data: bytes, **input: Any) -> dict[str, Any]:
        variables = upload_request(data, **input)
        return (await self.client.execute(REQUEST_UPLOAD, variables, member.token))["requestUpload"]

    async def refused_upload_request(self, member: Member, data: bytes, **input: Any) -> list[Any]:
        """`requestUpload` refused at top level: its (field, code) pairs (tests/support.py `refused`)."""
        return await self.client.refused(
            REQUEST_UPLOAD, upload_request(data, **input), member.token, "requestUpload"
        )

    def http_for(self, url: str) -> httpx.AsyncClient:
        # Local-store URLs are relative to this API; S3 URLs point at the S3 server.
        return self.client.http if url.startswith("/") else self.outside

    async def post_form(
        self, ticket: dict[str, Any], data: bytes, content_type: str | None = None
    ) -> httpx.Response:
        fields = {field["name"]: field["value"] for field in ticket["fields"]}
        part_type = content_type or fields.get("Content-Type", "application/octet-stream")
        return await self.http_for(ticket["url"]).post(
            ticket["url"], data=fields, files={"file": ("upload.bin", data, part_type)}
        )

    async def complete(self, member: Member, upload_id: str) -> dict[str, Any]:
        return (await self.client.execute(COMPLETE_UPLOAD, {"id": upload_id}, member.token))["completeUpload"]

    async def presigned_document(self, member: Member, data: bytes = PDF, **input: Any) -> dict[str, Any]:
        requested = await self.request_upload(member, data, **input)
        assert requested["errors"] == [], requested
        posted = await self.post_form(requested["upload"], data)
        assert posted.status_code in (200, 201, 204), posted.text
        completed = await self.complete(member, requested["upload"]["uploadId"])
        assert completed["errors"] == [], completed
        return completed["document"]

    async def download(self, member: Member, document_id: str, version: int | None = None) -> bytes:
        found = (
            await self.client.execute(DOWNLOAD_URL, {"id": document_id, "version": version}, member.token)
        )["downloadUrl"]
        assert found is not None
        response = await self.http_for(found["url"]).get(found["url"])
        assert response.status_code == 200, response.text
        return response.content

    async def stored_keys(self, tenant_id: str) -> list[str]:
        return sorted([info.key async for info in self.blobs.list(f"tenants/{raw(tenant_id)}/documents/")])


def raw(global_id: str) -> uuid.UUID:
    from strawberry import relay

    try:
        return uuid.UUID(global_id)
    except ValueError:
        return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


async def row_counts(db, tenant_id: str) -> dict[str, int]:
    """Rows of each document table in the tenant, read as the application role."""
    connection = await db.connect()
    counts = {}
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", str(raw(tenant_id)))
        for table in ("documents", "document_versions", "document_links", "document_uploads"):
            counts[table] = await connection.fetchval(f"select count(*) from {table}")
    return counts


# A payload's errors as (field, code) pairs.
codes = error_pairs


def upload_request(data: bytes, **input: Any) -> dict[str, Any]:
    """`requestUpload`'s variables for `data` (a PDF named big.pdf unless `input` says otherwise)."""
    values = {"name": "big.pdf", "contentType": "application/pdf", "size": len(data), "sha256": sha256(data)}
    return {"input": {**values, **input}}
