"""No orphans, nothing lost: the S3 server is stopped mid-operation and the database stays unchanged."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from gateway.app import create_app
from gateway.jobs import JOBS, run_one
from graph.documents.orphans import remove_orphans
from storage.s3 import PART_SIZE, S3BlobStore
from tests.documents.conftest import backend_settings, docs_client
from tests.documents.support import DELETE, DOCUMENTS, PDF, PURGE, codes, raw, row_counts
from tests.s3server import start_s3_server

NOTHING = dict.fromkeys(("documents", "document_versions", "document_links", "document_uploads"), 0)


@pytest.fixture
async def fragile(database_urls, tmp_path) -> AsyncIterator:  # type: ignore[type-arg]
    """An app on its own S3 server, which the test may stop."""
    server = start_s3_server()
    settings = backend_settings("s3", str(tmp_path), server.url, CRM_MAX_MULTIPART_BYTES=3 * PART_SIZE)
    app = create_app(settings, database_urls.app)
    await app.state.services.blobs.ensure_ready()
    try:
        async for docs in docs_client(app, "s3"):
            yield docs, server
    finally:
        server.stop()
        await app.state.services.db.dispose()


async def test_store_down_before_a_multipart_upload(fragile, db):
    docs, server = fragile
    admin = await docs.client.sign_up("Down")
    server.stop()
    payload = (await docs.upload(admin, PDF)).json()["data"]["uploadDocument"]
    assert codes(payload) == [(None, "STORAGE_UNAVAILABLE")]
    assert "nothing was changed" in payload["errors"][0]["message"]
    assert await row_counts(db, admin.tenant_id) == NOTHING


async def test_store_stopped_in_the_middle_of_a_streamed_upload(fragile, db, monkeypatch):
    docs, server = fragile
    admin = await docs.client.sign_up("Midway")
    original = S3BlobStore._upload_part

    async def first_part_then_stop(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        answer = await original(self, *args, **kwargs)
        server.stop()  # the first part is in; the store dies before the second
        return answer

    monkeypatch.setattr(S3BlobStore, "_upload_part", first_part_then_stop)
    big = b"%PDF-1.7\n" + os.urandom(PART_SIZE + 100_000)
    payload = (await docs.upload(admin, big)).json()["data"]["uploadDocument"]
    assert codes(payload) == [(None, "STORAGE_UNAVAILABLE")]
    assert await row_counts(db, admin.tenant_id) == NOTHING
    assert (await docs.client.execute(DOCUMENTS, {}, admin.token))["documents"]["totalCount"] == 0


async def test_store_stopped_before_completion_keeps_the_upload_pending(fragile, db):
    docs, server = fragile
    admin = await docs.client.sign_up("Complete")
    ticket = (await docs.request_upload(admin, PDF))["upload"]
    assert (await docs.post_form(ticket, PDF)).status_code in (200, 204)
    server.stop()
    refused = await docs.complete(admin, ticket["uploadId"])
    assert codes(refused) == [(None, "STORAGE_UNAVAILABLE")]
    assert await row_counts(db, admin.tenant_id) == {**NOTHING, "document_uploads": 1}


async def test_store_stopped_before_a_purge_keeps_the_document(fragile, db):
    docs, server = fragile
    admin = await docs.client.sign_up("Purge")
    document = await docs.upload_document(admin, PDF)
    await docs.client.execute(DELETE, {"id": document["id"], "version": 1}, admin.token)
    server.stop()
    refused = (await docs.client.execute(PURGE, {"id": document["id"]}, admin.token))["purgeDocument"]
    assert codes(refused) == [(None, "STORAGE_UNAVAILABLE")]
    assert await row_counts(db, admin.tenant_id) == {**NOTHING, "documents": 1, "document_versions": 1}
    kept = (await docs.client.execute(DOCUMENTS, {"filter": {"deleted": True}}, admin.token))["documents"]
    assert kept["totalCount"] == 1


async def test_orphans_job_fails_cleanly_when_the_store_is_down(fragile, db):
    docs, server = fragile
    admin = await docs.client.sign_up("Job down")
    await docs.request_upload(admin, PDF)
    server.stop()
    later = datetime.now(UTC) + timedelta(days=3)
    outcome = await run_one(
        docs.app.state.services.db, "documents.orphans", remove_orphans, raw(admin.tenant_id), later
    )
    assert outcome.failed
    assert (await row_counts(db, admin.tenant_id))["document_uploads"] == 1  # rolled back


async def test_orphans_are_removed_after_the_grace_period_only(docs, db):
    assert JOBS["documents.orphans"] is remove_orphans
    admin = await docs.client.sign_up("Orphans")
    tenant_id = raw(admin.tenant_id)
    kept = await docs.upload_document(admin, PDF)
    orphan = f"tenants/{tenant_id}/documents/{uuid.uuid4()}/{uuid.uuid4()}"

    async def one_chunk():
        yield b"left behind by a request that failed after storing"

    await docs.blobs.put(orphan, one_chunk(), "text/plain")
    abandoned = (await docs.request_upload(admin, PDF))["upload"]
    await docs.post_form(abandoned, PDF)
    pending = (await docs.request_upload(admin, PDF))["upload"]
    await docs.post_form(pending, PDF)
    database = docs.app.state.services.db
    assert len(await docs.stored_keys(admin.tenant_id)) == 4

    now = datetime.now(UTC)
    soon = await run_one(database, "documents.orphans", remove_orphans, tenant_id, now)
    assert soon.summary == "removed 0 orphaned object(s) and 0 expired upload(s)"
    assert len(await docs.stored_keys(admin.tenant_id)) == 4

    if docs.backend == "s3":  # parts of an upload whose abort failed while the store was down
        docs.blobs.client.create_multipart_upload(Bucket=docs.blobs.bucket, Key=f"{orphan}-parts")
        aborted = ", aborted 1 incomplete upload(s)"
    else:  # half a file written by a process that died
        await docs.blobs.ensure_ready()
        (docs.blobs.root / ".partial" / uuid.uuid4().hex).write_bytes(b"half")
        aborted = ", aborted 1 incomplete upload(s)"

    # Two days on: the orphan and both never-completed uploads (expired past the grace) go.
    later = await run_one(database, "documents.orphans", remove_orphans, tenant_id, now + timedelta(days=2))
    assert later.summary == "removed 3 orphaned object(s) and 2 expired upload(s)" + aborted, later
    remaining = await docs.stored_keys(admin.tenant_id)
    assert len(remaining) == 1 and remaining[0].split("/")[3] == str(raw(kept["id"]))
    assert await docs.download(admin, kept["id"]) == PDF
    assert (await row_counts(db, admin.tenant_id))["document_uploads"] == 0
    again = await run_one(database, "documents.orphans", remove_orphans, tenant_id, now + timedelta(days=2))
    assert again.summary == "removed 0 orphaned object(s) and 0 expired upload(s)"
