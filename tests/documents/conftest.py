"""Every document test runs twice: on the local directory store and on S3 (moto over real HTTP)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from gateway.app import create_app
from storage import use_blob_store
from tests.conftest import make_settings
from tests.documents.support import Docs
from tests.s3server import ACCESS_KEY, SECRET_KEY, S3Server, start_s3_server
from tests.support import GraphQLClient

# Small caps so the limit tests stay cheap.
MULTIPART_CAP = 2 * 1024 * 1024


def backend_settings(backend: str, tmp_dir: str, s3_url: str | None, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "STORAGE_BACKEND": backend,
        "CRM_BLOB_DIR": tmp_dir,
        "CRM_BLOB_SIGNING_SECRET": "document-tests-secret",
        "CRM_MAX_MULTIPART_BYTES": MULTIPART_CAP,
    }
    if backend == "s3":
        values.update(
            {
                "S3_ENDPOINT_URL": s3_url,
                "S3_BUCKET": f"docs-{uuid.uuid4().hex[:12]}",
                "S3_ACCESS_KEY_ID": ACCESS_KEY,
                "S3_SECRET_ACCESS_KEY": SECRET_KEY,
                "S3_CREATE_BUCKET": True,
            }
        )
    values.update(overrides)
    return make_settings(**values)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = start_s3_server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def documents_apps(database_urls, s3_server, tmp_path_factory):  # type: ignore[no-untyped-def]
    apps = {}
    for backend in ("local", "s3"):
        settings = backend_settings(backend, str(tmp_path_factory.mktemp("blobs")), s3_server.url)
        app = create_app(settings, database_urls.app)
        await app.state.services.blobs.ensure_ready()
        apps[backend] = app
    yield apps
    for app in apps.values():
        await app.state.services.db.dispose()


async def docs_client(app, backend: str) -> AsyncIterator[Docs]:  # type: ignore[no-untyped-def]
    use_blob_store(app.state.services.blobs)  # scheduled jobs reach the store through `storage`
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        httpx.AsyncClient() as outside,
    ):
        yield Docs(GraphQLClient(http), backend, app, outside)


@pytest.fixture(params=["local", "s3"])
async def docs(request, documents_apps) -> AsyncIterator[Docs]:  # type: ignore[no-untyped-def]
    async for client in docs_client(documents_apps[request.param], request.param):
        yield client


@pytest.fixture
async def local_docs(documents_apps) -> AsyncIterator[Docs]:  # type: ignore[no-untyped-def]
    async for client in docs_client(documents_apps["local"], "local"):
        yield client


@pytest.fixture
async def s3_docs(documents_apps) -> AsyncIterator[Docs]:  # type: ignore[no-untyped-def]
    async for client in docs_client(documents_apps["s3"], "s3"):
        yield client
