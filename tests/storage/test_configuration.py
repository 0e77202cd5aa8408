"""`crm serve` with no configuration stores locally; with S3_ENDPOINT_URL it uses (and may create) the bucket."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3

from gateway.app import create_app
from storage import build_blob_store
from storage.local import LocalBlobStore
from storage.s3 import S3BlobStore
from tests.conftest import make_settings
from tests.s3server import ACCESS_KEY, SECRET_KEY


def test_no_configuration_means_the_local_directory(tmp_path):
    store = build_blob_store(make_settings(CRM_DATA_DIR=str(tmp_path)))
    assert isinstance(store, LocalBlobStore) and store.root == (tmp_path / "blobs").resolve()
    assert not (tmp_path / "blob-signing.key").exists()  # created on first use only
    store.signer.sign("x", {}, 1)
    assert (tmp_path / "blob-signing.key").stat().st_mode & 0o077 == 0


def test_an_endpoint_means_s3_unless_told_otherwise(tmp_path):
    s3 = build_blob_store(make_settings(S3_ENDPOINT_URL="http://127.0.0.1:9", S3_ADDRESSING="virtual"))
    assert isinstance(s3, S3BlobStore) and s3.client.meta.config.s3["addressing_style"] == "virtual"
    local = build_blob_store(
        make_settings(
            S3_ENDPOINT_URL="http://127.0.0.1:9", STORAGE_BACKEND="local", CRM_BLOB_DIR=str(tmp_path)
        )
    )
    assert isinstance(local, LocalBlobStore) and local.root == Path(tmp_path).resolve()


async def test_server_start_creates_the_bucket_when_allowed(database_urls, s3_server):
    bucket = f"startup-{uuid.uuid4().hex[:10]}"
    settings = make_settings(
        S3_ENDPOINT_URL=s3_server.url,
        S3_BUCKET=bucket,
        S3_ACCESS_KEY_ID=ACCESS_KEY,
        S3_SECRET_ACCESS_KEY=SECRET_KEY,
        S3_CREATE_BUCKET=True,
    )
    app = create_app(settings, database_urls.app)
    async with app.router.lifespan_context(app):
        client = boto3.client(
            "s3",
            endpoint_url=s3_server.url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        assert bucket in [b["Name"] for b in client.list_buckets()["Buckets"]]
