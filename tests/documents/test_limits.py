"""Per-tenant limits: a refused upload says exactly why and leaves no row and no object behind."""

from __future__ import annotations

from tests.documents.support import PDF, PNG, SET_LIMITS, STORAGE, TEXT, codes, row_counts, sha256

NOTHING = dict.fromkeys(("documents", "document_versions", "document_links", "document_uploads"), 0)


async def set_limits(docs, member, **values):
    data = await docs.client.execute(SET_LIMITS, {"input": values}, member.token)
    return data["setDocumentLimits"]


async def test_over_size_is_refused_on_both_paths(docs, db):
    admin = await docs.client.sign_up("Size")
    assert (await set_limits(docs, admin, maxFileBytes=1000))["errors"] == []

    multipart = (await docs.upload(admin, PDF)).json()["data"]["uploadDocument"]
    assert codes(multipart) == [("file", "FILE_TOO_LARGE")]
    assert "1000 bytes" in multipart["errors"][0]["message"]
    presigned = await docs.request_upload(admin, PDF)
    assert codes(presigned) == [("size", "FILE_TOO_LARGE")]

    assert await row_counts(db, admin.tenant_id) == NOTHING
    assert await docs.stored_keys(admin.tenant_id) == []


async def test_over_quota_counts_committed_and_reserved_bytes(docs, db):
    admin = await docs.client.sign_up("Quota")
    await set_limits(docs, admin, quotaBytes=len(PDF) * 2 + 10)
    await docs.upload_document(admin, PDF)
    reserved = await docs.request_upload(admin, PDF)
    assert reserved["errors"] == []

    storage = (await docs.client.execute(STORAGE, {}, admin.token))["documentStorage"]
    assert (storage["usedBytes"], storage["reservedBytes"]) == (len(PDF), len(PDF))
    multipart = (await docs.upload(admin, PDF)).json()["data"]["uploadDocument"]
    assert codes(multipart) == [("file", "QUOTA_EXCEEDED")]
    assert "only 10 of" in multipart["errors"][0]["message"]
    presigned = await docs.request_upload(admin, PDF)
    assert codes(presigned) == [("size", "QUOTA_EXCEEDED")]

    counts = await row_counts(db, admin.tenant_id)
    assert (counts["documents"], counts["document_versions"], counts["document_uploads"]) == (1, 1, 1)
    assert len(await docs.stored_keys(admin.tenant_id)) == 1


async def test_type_not_allowed_is_refused_before_any_byte(docs, db):
    admin = await docs.client.sign_up("Types")
    exe = b"MZ\x90\x00" + b"\x00" * 200
    multipart = (await docs.upload(admin, exe, "tool.exe", "application/x-msdownload")).json()["data"][
        "uploadDocument"
    ]
    assert codes(multipart) == [("contentType", "CONTENT_TYPE_NOT_ALLOWED")]
    assert await set_limits(docs, admin, allowedContentTypes=["text/plain"])
    presigned = await docs.request_upload(admin, PDF)
    assert codes(presigned) == [("contentType", "CONTENT_TYPE_NOT_ALLOWED")]
    assert await row_counts(db, admin.tenant_id) == NOTHING
    assert await docs.stored_keys(admin.tenant_id) == []


async def test_bytes_that_do_not_match_the_declared_type_leave_nothing(docs, db):
    admin = await docs.client.sign_up("Magic")
    png_as_pdf = (await docs.upload(admin, PNG, "x.pdf", "application/pdf")).json()["data"]["uploadDocument"]
    assert codes(png_as_pdf) == [("file", "CONTENT_TYPE_MISMATCH")]
    assert "image/png" in png_as_pdf["errors"][0]["message"]
    binary_as_text = (await docs.upload(admin, b"\x00\x01\x02binary", "x.txt", "text/plain")).json()["data"][
        "uploadDocument"
    ]
    assert codes(binary_as_text) == [("file", "CONTENT_TYPE_MISMATCH")]
    text_as_pdf = (await docs.upload(admin, TEXT, "x.pdf", "application/pdf")).json()["data"][
        "uploadDocument"
    ]
    assert codes(text_as_pdf) == [("file", "CONTENT_TYPE_MISMATCH")]

    # Presigned: the store accepts the bytes; completion sniffs them and removes the upload.
    requested = await docs.request_upload(admin, PNG, contentType="image/jpeg")
    assert (await docs.post_form(requested["upload"], PNG)).status_code in (200, 204)
    refused = await docs.complete(admin, requested["upload"]["uploadId"])
    assert codes(refused) == [("contentType", "CONTENT_TYPE_MISMATCH")]

    assert await row_counts(db, admin.tenant_id) == NOTHING
    assert await docs.stored_keys(admin.tenant_id) == []


async def test_completion_refuses_other_bytes_and_removes_them(docs, db):
    admin = await docs.client.sign_up("Checksum")
    requested = await docs.request_upload(admin, PDF)
    impostor = b"%PDF-1.7\n" + b"x" * (len(PDF) - 9)  # same size, other bytes
    assert (await docs.post_form(requested["upload"], impostor)).status_code in (200, 204)
    refused = await docs.complete(admin, requested["upload"]["uploadId"])
    assert codes(refused) == [("sha256", "UPLOAD_MISMATCH")]
    assert await row_counts(db, admin.tenant_id) == NOTHING
    assert await docs.stored_keys(admin.tenant_id) == []


async def test_s3_post_of_another_size_is_caught_at_completion(s3_docs, db):
    # The policy pins the length on real S3; moto does not enforce policies, so completion must.
    admin = await s3_docs.client.sign_up("Size mismatch")
    requested = await s3_docs.request_upload(admin, PDF)
    assert (await s3_docs.post_form(requested["upload"], PDF + b"extra")).status_code in (200, 204)
    refused = await s3_docs.complete(admin, requested["upload"]["uploadId"])
    assert codes(refused) == [("size", "UPLOAD_MISMATCH")]
    assert await row_counts(db, admin.tenant_id) == NOTHING
    assert await s3_docs.stored_keys(admin.tenant_id) == []


async def test_local_upload_url_enforces_the_policy_itself(local_docs):
    admin = await local_docs.client.sign_up("Local policy")
    ticket = (await local_docs.request_upload(admin, PDF))["upload"]
    http = local_docs.client.http
    longer = await local_docs.post_form(ticket, PDF + b"extra")
    assert longer.status_code == 400 and "exactly" in longer.text
    wrong_type = await http.post(
        ticket["url"], data={"Content-Type": "text/plain"}, files={"file": ("a", PDF, "text/plain")}
    )
    assert wrong_type.status_code == 403
    other_key = ticket["url"].replace("token=", "token=x")
    assert (
        await http.post(other_key, data={"Content-Type": "application/pdf"}, files={"file": ("a", PDF)})
    ).status_code == 403
    assert await local_docs.stored_keys(admin.tenant_id) == []
    assert (await local_docs.post_form(ticket, PDF)).status_code == 204
    assert (await local_docs.complete(admin, ticket["uploadId"]))["errors"] == []


async def test_limits_need_the_settings_capability_and_valid_values(docs):
    admin = await docs.client.sign_up("Admin limits")
    manager = await docs.client.add_member(admin, "manager", "manager")
    denied = await docs.client.refused(
        SET_LIMITS, {"input": {"quotaBytes": 1}}, manager.token, "setDocumentLimits"
    )
    assert denied == [(None, "PERMISSION_DENIED")]
    invalid = await set_limits(docs, admin, maxFileBytes=0, allowedContentTypes=["pdf"])
    assert codes(invalid) == [("maxFileBytes", "INVALID"), ("allowedContentTypes", "INVALID")]
    negative = await docs.client.errors(SET_LIMITS, {"input": {"quotaBytes": -1}}, admin.token)
    assert "byte count" in negative[0]["message"]
    huge = await docs.client.errors(SET_LIMITS, {"input": {"quotaBytes": 2**60}}, admin.token)
    assert "byte count" in huge[0]["message"]
    changed = await set_limits(
        docs, admin, maxFileBytes=5000, allowedContentTypes=["Application/PDF", "text/plain"]
    )
    assert changed["storage"]["maxFileBytes"] == 5000
    assert changed["storage"]["allowedContentTypes"] == ["application/pdf", "text/plain"]
    viewer = await docs.client.add_member(admin, "viewer", "viewer")
    seen = (await docs.client.execute(STORAGE, {}, viewer.token))["documentStorage"]
    assert seen["maxFileBytes"] == 5000 and seen["usedBytes"] == 0


async def test_quota_usage_survives_soft_delete_and_drops_after_purge(docs):
    from tests.documents.support import DELETE, PURGE

    admin = await docs.client.sign_up("Usage")
    document = await docs.upload_document(admin, PDF)
    await docs.client.execute(DELETE, {"id": document["id"], "version": document["version"]}, admin.token)
    assert (await docs.client.execute(STORAGE, {}, admin.token))["documentStorage"]["usedBytes"] == len(PDF)
    purged = (await docs.client.execute(PURGE, {"id": document["id"]}, admin.token))["purgeDocument"]
    assert purged["errors"] == [] and purged["purgedId"] == document["id"]
    assert (await docs.client.execute(STORAGE, {}, admin.token))["documentStorage"]["usedBytes"] == 0
    assert sha256(PDF)  # the sample is intact for other tests


async def test_racing_uploads_cannot_overshoot_the_quota(docs, db):
    import asyncio

    admin = await docs.client.sign_up("Race")
    await set_limits(docs, admin, quotaBytes=len(PDF) + 10)
    responses = await asyncio.gather(*(docs.upload(admin, PDF, f"r{i}.pdf") for i in range(2)))
    payloads = [response.json()["data"]["uploadDocument"] for response in responses]
    assert sorted(code for payload in payloads for _, code in codes(payload)) == ["QUOTA_EXCEEDED"]
    assert (await row_counts(db, admin.tenant_id))["documents"] == 1
    assert len(await docs.stored_keys(admin.tenant_id)) == 1
