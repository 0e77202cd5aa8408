"""The BlobStore contract, run against the local directory and an S3 server over HTTP (moto)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid

import httpx
import pytest

from storage.base import ObjectTooLarge, StorageUnavailable, object_key
from storage.local import LocalBlobStore
from storage.s3 import PART_SIZE
from storage.signing import InvalidToken, Signer
from tests.s3server import make_s3_store, start_s3_server


async def chunks_of(data: bytes, size: int = 64 * 1024):
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.get(key)])


def key() -> str:
    return object_key(uuid.uuid4(), uuid.uuid4(), uuid.uuid4())


async def test_put_get_head_list_delete(store):
    tenant = uuid.uuid4()
    first, second = (
        object_key(tenant, uuid.uuid4(), uuid.uuid4()),
        object_key(tenant, uuid.uuid4(), uuid.uuid4()),
    )
    data = os.urandom(300_000)

    assert await store.put(first, chunks_of(data), "application/octet-stream") == len(data)
    await store.put(second, chunks_of(b"hello"), "text/plain")

    assert await read_all(store, first) == data
    info = await store.head(first)
    assert info is not None and info.size == len(data) and info.key == first
    listed = sorted([item.key async for item in store.list(f"tenants/{tenant}/documents/")])
    assert listed == sorted([first, second])
    assert [item async for item in store.list(f"tenants/{uuid.uuid4()}/documents/")] == []

    await store.delete([first, key()])  # a missing key is fine
    assert await store.head(first) is None
    assert [item.key async for item in store.list(f"tenants/{tenant}/documents/")] == [second]
    with pytest.raises(KeyError):
        await read_all(store, first)


async def test_large_object_streams_in_parts(store):
    # Past one S3 part, so the multipart path runs; the hash proves the parts were joined in order.
    data = os.urandom(PART_SIZE + 300_000)
    target = key()
    assert await store.put(target, chunks_of(data, 1024 * 1024), "application/pdf") == len(data)
    digest = hashlib.sha256()
    async for chunk in store.get(target):
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()


async def test_over_the_limit_leaves_nothing(store):
    target = key()
    with pytest.raises(ObjectTooLarge):
        await store.put(
            target, chunks_of(os.urandom(PART_SIZE + 10), 1024 * 1024), "text/plain", max_size=PART_SIZE
        )
    assert await store.head(target) is None
    with pytest.raises(ObjectTooLarge):
        await store.put(target, chunks_of(b"x" * 11), "text/plain", max_size=10)
    assert await store.head(target) is None


async def test_s3_presigned_post_pins_key_type_and_exact_length(s3_server):
    store = make_s3_store(s3_server.url, f"post-{uuid.uuid4().hex[:12]}")
    await store.ensure_ready()
    target = key()
    post = await store.presigned_post(target, "application/pdf", 9, 600)

    policy = json.loads(base64.b64decode(post.fields["policy"]))
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert ["content-length-range", 9, 9] in policy["conditions"]
    assert {"key": target} in policy["conditions"]
    assert policy["expiration"]
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            post.url, data=post.fields, files={"file": ("a.pdf", b"%PDF-1.4\n", "application/pdf")}
        )
    assert answer.status_code in (200, 204), answer.text
    info = await store.head(target)
    assert info is not None and info.size == 9 and info.content_type == "application/pdf"


async def test_s3_presigned_get_serves_the_bytes_and_names_its_expiry(s3_server):
    store = make_s3_store(s3_server.url, f"get-{uuid.uuid4().hex[:12]}")
    await store.ensure_ready()
    target = key()
    await store.put(target, chunks_of(b"report"), "text/plain")
    url = await store.presigned_get(target, 120, "Q3 report é.txt", "text/plain")
    assert "X-Amz-Expires=120" in url
    async with httpx.AsyncClient() as http:
        answer = await http.get(url)
    assert answer.status_code == 200 and answer.content == b"report"
    assert "attachment" in answer.headers["content-disposition"]


async def test_missing_bucket_without_permission_to_create_is_a_clear_error(s3_server):
    store = make_s3_store(s3_server.url, f"absent-{uuid.uuid4().hex[:12]}")
    store.create_bucket = False
    with pytest.raises(StorageUnavailable, match="S3_CREATE_BUCKET"):
        await store.ensure_ready()


async def test_s3_stopped_mid_upload_is_storage_unavailable():
    server = start_s3_server()
    store = make_s3_store(server.url, "midway")
    await store.ensure_ready()
    target = key()

    async def stop_after_first_part():
        yield os.urandom(PART_SIZE)
        server.stop()
        yield os.urandom(PART_SIZE)

    try:
        with pytest.raises(StorageUnavailable):
            await store.put(target, stop_after_first_part(), "application/octet-stream")
        for call in (store.head(target), store.delete([target])):
            with pytest.raises(StorageUnavailable):
                await call
        with pytest.raises(StorageUnavailable):
            [item async for item in store.list("tenants/")]
    finally:
        server.stop()


def test_local_keys_cannot_leave_the_root(tmp_path):
    store = LocalBlobStore(tmp_path, Signer(b"s" * 32))
    for bad in ("../escape", "/etc/passwd", ".partial/x", "tenants/../../x"):
        with pytest.raises(ValueError):
            store.path_of(bad)


def test_signed_tokens_refuse_tampering_other_purposes_and_expiry():
    now = [1_000_000.0]
    signer = Signer(b"a" * 32, clock=lambda: now[0])
    token = signer.sign("blob-download", {"key": "tenants/x"}, 60)
    assert signer.verify("blob-download", token)["key"] == "tenants/x"

    payload, _, mac = token.partition(".")
    forged = (
        base64.urlsafe_b64encode(
            json.dumps({"key": "tenants/y", "purpose": "blob-download", "exp": 2e9}).encode()
        )
        .decode()
        .rstrip("=")
    )
    for bad in (f"{forged}.{mac}", token + "x", "garbage", f"{payload}."):
        with pytest.raises(InvalidToken):
            signer.verify("blob-download", bad)
    with pytest.raises(InvalidToken):
        signer.verify("blob-upload", token)
    with pytest.raises(InvalidToken):
        Signer(b"b" * 32).verify("blob-download", token)
    now[0] += 61
    with pytest.raises(InvalidToken, match="expired"):
        signer.verify("blob-download", token)


async def test_incomplete_uploads_are_removed_once_older_than_the_cutoff(store):
    from datetime import UTC, datetime, timedelta

    tenant = uuid.uuid4()
    prefix = f"tenants/{tenant}/documents/"
    if store.kind == "s3":
        started = store.client.create_multipart_upload(
            Bucket=store.bucket, Key=f"{prefix}{uuid.uuid4()}/{uuid.uuid4()}"
        )
        store.client.upload_part(
            Bucket=store.bucket,
            Key=started["Key"],
            UploadId=started["UploadId"],
            PartNumber=1,
            Body=b"x" * 100,
        )
        other = store.client.create_multipart_upload(
            Bucket=store.bucket, Key=f"tenants/{uuid.uuid4()}/documents/a/b"
        )
    else:
        await store.ensure_ready()
        (store.root / ".partial" / uuid.uuid4().hex).write_bytes(b"half a file")
    now = datetime.now(UTC)

    if store.kind == "local":  # moto reports every multipart upload as initiated in 2010: see below
        assert await store.remove_incomplete(prefix, now - timedelta(hours=1)) == 0
    assert await store.remove_incomplete(prefix, now + timedelta(hours=1)) == 1
    assert await store.remove_incomplete(prefix, now + timedelta(hours=1)) == 0
    if store.kind == "s3":
        remaining = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
        assert [upload["UploadId"] for upload in remaining] == [other["UploadId"]]  # another tenant's stays


async def test_s3_keeps_multipart_uploads_younger_than_the_cutoff(s3_server, monkeypatch):
    from datetime import UTC, datetime, timedelta

    store = make_s3_store(s3_server.url, "young-uploads")
    recent = {
        "Uploads": [{"Key": "tenants/t/documents/d/v", "UploadId": "u", "Initiated": datetime.now(UTC)}]
    }
    aborted = []
    monkeypatch.setattr(store.client, "list_multipart_uploads", lambda **_: recent)
    monkeypatch.setattr(store.client, "abort_multipart_upload", lambda **kwargs: aborted.append(kwargs))
    assert await store.remove_incomplete("tenants/t/documents/", datetime.now(UTC) - timedelta(hours=1)) == 0
    assert aborted == []
    assert await store.remove_incomplete("tenants/t/documents/", datetime.now(UTC) + timedelta(hours=1)) == 1
    assert aborted == [{"Bucket": "young-uploads", "Key": "tenants/t/documents/d/v", "UploadId": "u"}]
