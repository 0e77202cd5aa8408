"""Who may do what: other tenants see and change nothing, roles and scopes hold, URLs expire."""

from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import parse_qs, urlparse

import asyncpg
import pytest

from tests.crm.documents import create_account, create_activity
from tests.documents.support import (
    COMPLETE_UPLOAD,
    DELETE,
    DOCUMENT,
    DOCUMENTS,
    DOWNLOAD_URL,
    LINK,
    NODE,
    PDF,
    PURGE,
    REQUEST_UPLOAD,
    RESTORE,
    SET_LIMITS,
    STORAGE,
    UNLINK,
    UPDATE,
    UPLOAD_VERSION,
    codes,
    raw,
    row_counts,
    sha256,
)
from tests.support import mutation_outcome


async def tenant_a(docs):
    a = await docs.client.sign_up("Tenant A")
    account = await create_account(docs.client, a, name="A account")
    document = await docs.upload_document(a, PDF, links=[{"targetId": account["id"]}])
    deleted = await docs.upload_document(a, PDF, name="old.pdf")
    await docs.client.execute(DELETE, {"id": deleted["id"], "version": deleted["version"]}, a.token)
    pending = (await docs.request_upload(a, PDF))["upload"]
    return a, account, document, deleted, pending


async def test_another_tenant_can_neither_see_nor_touch_documents(docs):
    a, account, document, deleted, pending = await tenant_a(docs)
    b = await docs.client.sign_up("Tenant B")
    b_account = await create_account(docs.client, b, name="B account")
    b_document = await docs.upload_document(b, PDF, name="b.pdf")

    listed = (await docs.client.execute(DOCUMENTS, {}, b.token))["documents"]
    assert [edge["node"]["name"] for edge in listed["edges"]] == ["b.pdf"]
    for filters in ({"deleted": True}, {"linkedTo": account["id"]}):
        assert (await docs.client.execute(DOCUMENTS, {"filter": filters}, b.token))["documents"][
            "totalCount"
        ] == 0
    for document_id in (document["id"], deleted["id"]):
        assert (await docs.client.execute(DOCUMENT, {"id": document_id}, b.token))["document"] is None
        assert (await docs.client.execute(NODE, {"id": document_id}, b.token))["node"] is None
        assert (await docs.client.execute(DOWNLOAD_URL, {"id": document_id}, b.token))["downloadUrl"] is None

    attempts = [
        (UPDATE, {"id": document["id"], "version": 1, "input": {"name": "x"}}, "updateDocument", "id"),
        (DELETE, {"id": document["id"], "version": 1}, "deleteDocument", "id"),
        (RESTORE, {"id": deleted["id"]}, "restoreDocument", "id"),
        (PURGE, {"id": deleted["id"]}, "purgeDocument", "id"),
        (
            LINK,
            {"input": {"documentId": document["id"], "targetId": b_account["id"]}},
            "linkDocument",
            "documentId",
        ),
        (
            LINK,
            {"input": {"documentId": b_document["id"], "targetId": account["id"]}},
            "linkDocument",
            "targetId",
        ),
        (
            UNLINK,
            {"input": {"documentId": document["id"], "targetId": account["id"]}},
            "unlinkDocument",
            "documentId",
        ),
        (COMPLETE_UPLOAD, {"id": pending["uploadId"]}, "completeUpload", "uploadId"),
        (
            REQUEST_UPLOAD,
            {
                "input": {
                    "documentId": document["id"],
                    "contentType": "application/pdf",
                    "size": 9,
                    "sha256": "0" * 64,
                }
            },
            "requestUpload",
            "documentId",
        ),
        (
            REQUEST_UPLOAD,
            {
                "input": {
                    "name": "x",
                    "contentType": "application/pdf",
                    "size": 9,
                    "sha256": "0" * 64,
                    "links": [{"targetId": account["id"]}],
                }
            },
            "requestUpload",
            "links.0.targetId",
        ),
    ]
    for query, variables, name, field in attempts:
        payload = (await docs.client.execute(query, variables, b.token))[name]
        assert codes(payload) == [(field, "NOT_FOUND")], name
    multipart = await docs.upload(
        b, PDF, variables={"input": {"name": "x", "links": [{"targetId": account["id"]}]}}
    )
    assert codes(multipart.json()["data"]["uploadDocument"]) == [("links.0.targetId", "NOT_FOUND")]

    seen_by_a = (await docs.client.execute(DOCUMENT, {"id": document["id"]}, a.token))["document"]
    assert (seen_by_a["name"], seen_by_a["version"], len(seen_by_a["links"])) == ("contract.pdf", 1, 1)
    assert await docs.download(a, document["id"]) == PDF


async def test_sql_wall_hides_and_protects_document_rows(docs, db):
    a, _, document, *_ = await tenant_a(docs)
    b = await docs.client.sign_up("Tenant B")
    assert (await row_counts(db, a.tenant_id))["documents"] == 2
    assert await row_counts(db, b.tenant_id) == dict.fromkeys(
        ("documents", "document_versions", "document_links", "document_uploads"), 0
    )
    connection = await db.connect()
    document_id = raw(document["id"])
    tables = {
        "documents": "id",
        "document_versions": "document_id",
        "document_links": "document_id",
        "document_uploads": "document_id",
        "document_settings": "tenant_id",
    }
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        for table, column in tables.items():
            value = uuid.UUID(a.tenant_id) if column == "tenant_id" else document_id
            assert (
                await connection.execute(
                    f"update {table} set tenant_id = tenant_id where {column} = $1", value
                )
                == "UPDATE 0"
            )
            assert await connection.execute(f"delete from {table} where {column} = $1", value) == "DELETE 0"
    async with connection.transaction():  # no tenant set: nothing at all
        for table in tables:
            assert await connection.fetchval(f"select count(*) from {table}") == 0
    inserts = [
        "insert into documents (tenant_id, id, name, content_type, size, sha256, owner_id) values ($1, gen_random_uuid(), 'x', 'text/plain', 0, repeat('0', 64), gen_random_uuid())",
        "insert into document_settings (tenant_id, max_file_bytes, quota_bytes, allowed_content_types) values ($1, 1, 1, '{}')",
        "insert into document_uploads (tenant_id, id, document_id, new_document, name, content_type, size, sha256, storage_key, created_by_id, expires_at) values ($1, gen_random_uuid(), gen_random_uuid(), true, 'x', 'text/plain', 1, repeat('0', 64), 'k', gen_random_uuid(), now())",
    ]
    for statement in inserts:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
                await connection.execute(statement, uuid.UUID(a.tenant_id))


async def test_viewer_reads_but_cannot_upload_or_change(docs, db):
    admin = await docs.client.sign_up("Roles")
    viewer = await docs.client.add_member(admin, "viewer", "viewer")
    document = await docs.upload_document(admin, PDF)

    multipart = (await docs.upload(viewer, PDF)).json()
    assert mutation_outcome(multipart, "uploadDocument") == [(None, "PERMISSION_DENIED")]
    assert await docs.refused_upload_request(viewer, PDF) == [(None, "PERMISSION_DENIED")]
    renamed = await docs.client.refused(
        UPDATE, {"id": document["id"], "version": 1, "input": {"name": "x"}}, viewer.token, "updateDocument"
    )
    assert renamed == [(None, "PERMISSION_DENIED")]
    deleted = await docs.client.refused(
        DELETE, {"id": document["id"], "version": 1}, viewer.token, "deleteDocument"
    )
    assert deleted == [(None, "PERMISSION_DENIED")]
    assert await docs.download(viewer, document["id"]) == PDF
    assert (await row_counts(db, admin.tenant_id))["documents"] == 1
    assert len(await docs.stored_keys(admin.tenant_id)) == 1


async def test_sales_reps_see_their_own_documents_and_link_only_what_they_see(docs):
    admin = await docs.client.sign_up("Scopes")
    rep = await docs.client.add_member(admin, "sales", "rep")
    admins_account = await create_account(docs.client, admin, name="Admin's")
    reps_account = await create_account(docs.client, rep, name="Rep's")
    admins_document = await docs.upload_document(admin, PDF, name="admin.pdf")

    mine = await docs.upload_document(rep, PDF, name="rep.pdf", links=[{"targetId": reps_account["id"]}])
    listed = (await docs.client.execute(DOCUMENTS, {}, rep.token))["documents"]
    assert [edge["node"]["name"] for edge in listed["edges"]] == ["rep.pdf"]
    assert (await docs.client.execute(DOWNLOAD_URL, {"id": admins_document["id"]}, rep.token))[
        "downloadUrl"
    ] is None
    hidden_target = (
        await docs.client.execute(
            LINK, {"input": {"documentId": mine["id"], "targetId": admins_account["id"]}}, rep.token
        )
    )["linkDocument"]
    assert codes(hidden_target) == [("targetId", "NOT_FOUND")]
    others = (
        await docs.client.execute(
            LINK, {"input": {"documentId": admins_document["id"], "targetId": reps_account["id"]}}, rep.token
        )
    )["linkDocument"]
    assert codes(others) == [("documentId", "NOT_FOUND")]
    # An activity the rep can see is a valid target too.
    activity = await create_activity(docs.client, rep, accountId=reps_account["id"])
    linked = await docs.client.execute(
        LINK, {"input": {"documentId": mine["id"], "targetId": activity["id"]}}, rep.token
    )
    assert linked["linkDocument"]["errors"] == []


async def test_only_the_requester_completes_an_upload(docs):
    admin = await docs.client.sign_up("Requester")
    colleague = await docs.client.add_member(admin, "admin", "colleague")
    ticket = (await docs.request_upload(admin, PDF))["upload"]
    await docs.post_form(ticket, PDF)
    assert codes(await docs.complete(colleague, ticket["uploadId"])) == [("uploadId", "NOT_FOUND")]
    assert (await docs.complete(admin, ticket["uploadId"]))["errors"] == []


async def test_local_urls_cannot_be_forged_and_expire(local_docs, monkeypatch):
    admin = await local_docs.client.sign_up("Local URLs")
    other = await local_docs.client.sign_up("Other")
    document = await local_docs.upload_document(admin, PDF)
    theirs = await local_docs.upload_document(other, PDF, name="theirs.pdf")
    found = (await local_docs.client.execute(DOWNLOAD_URL, {"id": document["id"]}, admin.token))[
        "downloadUrl"
    ]
    http = local_docs.client.http
    token = found["url"].rsplit("/", 1)[1]
    payload, _, mac = token.partition(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    their_key = (await local_docs.stored_keys(other.tenant_id))[0]
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "key": their_key}).encode()).decode().rstrip("=")

    assert (await http.get(f"/blobs/{forged}.{mac}")).status_code == 403
    assert (await http.get(f"/blobs/{token}x")).status_code == 403
    assert (await http.get("/blobs/not-a-token")).status_code == 403
    ok = await http.get(found["url"])
    assert ok.status_code == 200 and ok.content == PDF
    assert (
        "attachment" in ok.headers["content-disposition"]
        and ok.headers["x-content-type-options"] == "nosniff"
    )
    assert theirs["id"] != document["id"]

    signer = local_docs.blobs.signer
    ticket = (await local_docs.request_upload(admin, PDF))["upload"]
    monkeypatch.setattr(signer, "clock", lambda: claims["exp"] + 3600)
    expired = await http.get(found["url"])
    assert expired.status_code == 403 and "expired" in expired.text
    late = await local_docs.post_form(ticket, PDF)
    assert late.status_code == 403 and "expired" in late.text


async def test_s3_urls_are_short_lived_and_pinned(s3_docs):
    admin = await s3_docs.client.sign_up("S3 URLs")
    document = await s3_docs.upload_document(admin, PDF)
    found = (await s3_docs.client.execute(DOWNLOAD_URL, {"id": document["id"]}, admin.token))["downloadUrl"]
    query = parse_qs(urlparse(found["url"]).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert f"/tenants/{admin.tenant_id}/documents/{raw(document['id'])}/" in urlparse(found["url"]).path

    ticket = (await s3_docs.request_upload(admin, PDF))["upload"]
    fields = {field["name"]: field["value"] for field in ticket["fields"]}
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", len(PDF), len(PDF)] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert {"key": fields["key"]} in policy["conditions"]
    assert (
        fields["key"]
        == f"tenants/{admin.tenant_id}/documents/{raw(ticket['documentId'])}/{raw(ticket['uploadId'])}"
    )
    from datetime import datetime

    lifetime = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")) - datetime.fromisoformat(
        ticket["expiresAt"]
    )
    assert abs(lifetime.total_seconds()) < 5  # the policy expires with the ticket, 15 minutes out
    assert sha256(PDF)


async def test_completing_an_expired_upload_is_refused(docs, monkeypatch):
    from datetime import UTC, datetime, timedelta

    import graph.documents.api as documents_api

    admin = await docs.client.sign_up("Expiry")
    ticket = (await docs.request_upload(admin, PDF))["upload"]
    await docs.post_form(ticket, PDF)
    monkeypatch.setattr(documents_api, "now", lambda: datetime.now(UTC) + timedelta(minutes=16))
    assert codes(await docs.complete(admin, ticket["uploadId"])) == [("uploadId", "EXPIRED")]


async def test_viewer_can_change_nothing_at_all(docs, db):
    admin = await docs.client.sign_up("Viewer")
    viewer = await docs.client.add_member(admin, "viewer", "viewer")
    account = await create_account(docs.client, admin)
    live = await docs.upload_document(admin, PDF, links=[{"targetId": account["id"]}])
    deleted = await docs.upload_document(admin, PDF, name="deleted.pdf")
    await docs.client.execute(DELETE, {"id": deleted["id"], "version": 1}, admin.token)
    link_input = {"input": {"documentId": live["id"], "targetId": account["id"]}}

    attempts = [
        (RESTORE, {"id": deleted["id"]}, "restoreDocument"),
        (PURGE, {"id": deleted["id"]}, "purgeDocument"),
        (LINK, {"input": {**link_input["input"], "role": "SIGNED_COPY"}}, "linkDocument"),
        (UNLINK, link_input, "unlinkDocument"),
    ]
    for query, variables, name in attempts:
        payload = await docs.client.refused(query, variables, viewer.token, name)
        assert payload == [(None, "PERMISSION_DENIED")], name
    version = await docs.upload(
        viewer, PDF, query=UPLOAD_VERSION, variables={"input": {"documentId": live["id"]}}
    )
    assert mutation_outcome(version.json(), "uploadDocumentVersion") == [(None, "PERMISSION_DENIED")]
    new_version = await docs.refused_upload_request(viewer, PDF, documentId=live["id"], name=None)
    assert new_version == [(None, "PERMISSION_DENIED")]
    assert (await row_counts(db, admin.tenant_id))["document_versions"] == 2
    assert len(await docs.stored_keys(admin.tenant_id)) == 2


async def test_new_versions_and_limits_stay_inside_their_tenant(docs):
    a = await docs.client.sign_up("Versions A")
    b = await docs.client.sign_up("Versions B")
    document = await docs.upload_document(a, PDF)
    await docs.upload_document(b, PDF)

    version = await docs.upload(
        b, PDF, query=UPLOAD_VERSION, variables={"input": {"documentId": document["id"]}}
    )
    assert codes(version.json()["data"]["uploadDocumentVersion"]) == [("documentId", "NOT_FOUND")]
    bad = await docs.upload(b, PDF, query=UPLOAD_VERSION, variables={"input": {"documentId": a.user_id}})
    assert codes(bad.json()["data"]["uploadDocumentVersion"]) == [("documentId", "NOT_FOUND")]
    assert len(await docs.stored_keys(b.tenant_id)) == 1

    changed = await docs.client.execute(
        SET_LIMITS, {"input": {"maxFileBytes": 10, "quotaBytes": 10}}, b.token
    )
    assert changed["setDocumentLimits"]["errors"] == []
    a_storage = (await docs.client.execute(STORAGE, {}, a.token))["documentStorage"]
    b_storage = (await docs.client.execute(STORAGE, {}, b.token))["documentStorage"]
    assert a_storage["usedBytes"] == b_storage["usedBytes"] == len(PDF)
    assert (a_storage["maxFileBytes"], b_storage["maxFileBytes"]) == (100 * 1024 * 1024, 10)
    assert (await docs.upload_document(a, PDF))["size"] == len(PDF)


async def test_s3_post_to_another_key_never_completes(s3_docs):
    # Real S3 refuses a form whose key breaks the policy; moto does not, so completion must not be fooled.
    admin = await s3_docs.client.sign_up("Wrong key")
    ticket = (await s3_docs.request_upload(admin, PDF))["upload"]
    fields = {field["name"]: field["value"] for field in ticket["fields"]}
    fields["key"] = fields["key"].rsplit("/", 1)[0] + f"/{uuid.uuid4()}"
    await s3_docs.outside.post(ticket["url"], data=fields, files={"file": ("a.pdf", PDF, "application/pdf")})
    refused = await s3_docs.complete(admin, ticket["uploadId"])
    assert codes(refused) == [("uploadId", "UPLOAD_MISMATCH")]
    assert (await s3_docs.client.execute(DOCUMENTS, {}, admin.token))["documents"]["totalCount"] == 0
