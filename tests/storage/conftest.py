from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from storage.base import BlobStore
from storage.local import LocalBlobStore
from storage.signing import Signer
from tests.s3server import S3Server, make_s3_store, start_s3_server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = start_s3_server()
    yield server
    server.stop()


@pytest.fixture(params=["local", "s3"])
async def store(request, tmp_path, s3_server) -> AsyncIterator[BlobStore]:  # type: ignore[no-untyped-def]
    if request.param == "local":
        blobs: BlobStore = LocalBlobStore(tmp_path / "blobs", Signer(b"k" * 32))
    else:
        blobs = make_s3_store(s3_server.url, f"store-{uuid.uuid4().hex[:12]}")
    await blobs.ensure_ready()
    yield blobs
