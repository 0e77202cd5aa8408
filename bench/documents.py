"""Documents benchmark: upload and download throughput of one 50 MB file and 1,000 small files, through
both upload paths (GraphQL multipart, presigned POST + completeUpload), on both stores (the local
directory and S3: moto's server over HTTP on 127.0.0.1), with the server's peak memory during the
50 MB uploads.

    python -m bench.documents [--big-mb 50] [--small-files 1000] [--concurrency 8]

The server is a real `uvicorn gateway.app:app_from_environment --factory` process (production mode, one
worker); its memory is its resident set (VmRSS) sampled every 10 ms from /proc, against the same value
just before the upload. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.database import admin_url_for, prepare_database
from bench.server import ROOT, UvicornServer
from tests.s3server import ACCESS_KEY, SECRET_KEY, start_s3_server

SIGN_UP = """mutation($input: SignUpInput!) { signUp(input: $input) { token errors { code message } } }"""
UPLOAD = """mutation($input: UploadDocumentInput!) {
  uploadDocument(input: $input) { document { id size sha256 } errors { code message } } }"""
REQUEST = """mutation($input: RequestUploadInput!) {
  requestUpload(input: $input) { upload { uploadId url fields { name value } } errors { code message } } }"""
COMPLETE = """mutation($id: ID!) {
  completeUpload(uploadId: $id) { document { id sha256 } errors { code message } } }"""
DOWNLOAD = """query($id: ID!) { downloadUrl(documentId: $id) { url } }"""


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.documents", description=__doc__.split("\n")[0])
    parser.add_argument("--big-mb", type=int, default=50, help="size of the large file in MB")
    parser.add_argument("--small-files", type=int, default=1000, help="number of small files")
    parser.add_argument("--small-bytes", type=int, default=4096, help="size of each small file")
    parser.add_argument("--concurrency", type=int, default=8, help="small-file requests in flight")
    parser.add_argument("--backends", default="local,s3", help="comma-separated: local, s3")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".crm" / "bench-documents")
    return parser.parse_args(argv)


class MemorySampler:
    """Peak VmRSS of a process, sampled from /proc every 10 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self.baseline = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def __enter__(self) -> MemorySampler:
        self.baseline = self.peak = self.rss()

        def sample() -> None:
            while not self._stop.wait(0.01):
                self.peak = max(self.peak, self.rss())

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.peak = max(self.peak, self.rss())


@dataclass
class Result:
    backend: str
    rows: list[dict[str, Any]] = field(default_factory=list)


def mb(n: int) -> float:
    return n / 1_000_000


class Client:
    def __init__(self, http: httpx.AsyncClient, outside: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.outside = outside
        self.headers = {"authorization": f"Bearer {token}"}

    async def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]

    def for_url(self, url: str) -> httpx.AsyncClient:
        return self.http if url.startswith("/") else self.outside

    async def multipart(self, data: bytes, name: str, content_type: str) -> str:
        response = await self.http.post(
            "/graphql",
            data={
                "operations": json.dumps(
                    {"query": UPLOAD, "variables": {"input": {"name": name, "file": None}}}
                ),
                "map": json.dumps({"0": ["variables.input.file"]}),
            },
            files={"0": (name, data, content_type)},
            headers={**self.headers, "apollo-require-preflight": "true"},
        )
        payload = response.json()["data"]["uploadDocument"]
        if payload["errors"]:
            raise RuntimeError(payload["errors"])
        return str(payload["document"]["id"])

    async def presigned(self, data: bytes, name: str, content_type: str) -> str:
        variables = {
            "input": {
                "name": name,
                "contentType": content_type,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        }
        payload = (await self.graphql(REQUEST, variables))["requestUpload"]
        if payload["errors"]:
            raise RuntimeError(payload["errors"])
        ticket = payload["upload"]
        fields = {item["name"]: item["value"] for item in ticket["fields"]}
        posted = await self.for_url(ticket["url"]).post(
            ticket["url"], data=fields, files={"file": (name, data, content_type)}
        )
        if posted.status_code not in (200, 204):
            raise RuntimeError(f"upload POST answered {posted.status_code}: {posted.text[:200]}")
        completed = (await self.graphql(COMPLETE, {"id": ticket["uploadId"]}))["completeUpload"]
        if completed["errors"]:
            raise RuntimeError(completed["errors"])
        return str(completed["document"]["id"])

    async def download(self, document_id: str) -> int:
        url = (await self.graphql(DOWNLOAD, {"id": document_id}))["downloadUrl"]["url"]
        size = 0
        async with self.for_url(url).stream("GET", url) as response:
            if response.status_code != 200:
                raise RuntimeError(f"download answered {response.status_code}")
            async for chunk in response.aiter_bytes():
                size += len(chunk)
        return size


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = await work()
    return time.perf_counter() - started, value


async def many(count: int, concurrency: int, one: Callable[[int], Awaitable[Any]]) -> list[Any]:
    queue = iter(range(count))
    results: list[Any] = [None] * count

    async def worker() -> None:
        for index in queue:
            results[index] = await one(index)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


async def run_backend(base_url: str, pid: int, arguments: argparse.Namespace, backend: str) -> Result:
    result = Result(backend)
    big = b"%PDF-1.7\n" + os.urandom(arguments.big_mb * 1_000_000 - 9)
    small = [f"note {i}\n".encode() * (arguments.small_bytes // 8) for i in range(arguments.small_files)]
    limits = httpx.Limits(max_connections=arguments.concurrency + 2)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=300, limits=limits) as http,
        httpx.AsyncClient(timeout=300, limits=limits) as outside,
    ):
        signed = await http.post(
            "/graphql",
            json={
                "query": SIGN_UP,
                "variables": {
                    "input": {
                        "tenantName": f"Bench documents {backend}",
                        "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                        "password": "a long bench passphrase",
                        "fullName": "Bench",
                    }
                },
            },
        )
        client = Client(http, outside, signed.json()["data"]["signUp"]["token"])
        for path, upload in (("multipart", client.multipart), ("presigned", client.presigned)):
            with MemorySampler(pid) as memory:
                seconds, document_id = await timed(lambda u=upload: u(big, "big.pdf", "application/pdf"))
            download_seconds, size = await timed(lambda d=document_id: client.download(d))
            assert size == len(big)
            result.rows.append(
                {
                    "what": f"{arguments.big_mb} MB file, {path}",
                    "upload": f"{seconds:.2f} s ({mb(len(big)) / seconds:.0f} MB/s)",
                    "download": f"{download_seconds:.2f} s ({mb(size) / download_seconds:.0f} MB/s)",
                    "server memory": f"{mb(memory.baseline):.0f} MB -> peak {mb(memory.peak):.0f} MB "
                    f"(+{mb(memory.peak - memory.baseline):.0f} MB)",
                }
            )
        for path, upload in (("multipart", client.multipart), ("presigned", client.presigned)):
            seconds, ids = await timed(
                lambda u=upload: many(
                    len(small),
                    arguments.concurrency,
                    lambda i, u=u: u(small[i], f"note-{i}.txt", "text/plain"),
                )
            )
            download_seconds, sizes = await timed(
                lambda ids=ids: many(len(ids), arguments.concurrency, lambda i: client.download(ids[i]))
            )
            assert sizes == [len(s) for s in small]
            result.rows.append(
                {
                    "what": f"{len(small)} x {arguments.small_bytes // 1024} KB files, {path}",
                    "upload": f"{seconds:.1f} s ({len(small) / seconds:.0f} files/s)",
                    "download": f"{download_seconds:.1f} s ({len(small) / download_seconds:.0f} files/s)",
                    "server memory": "",
                }
            )
    return result


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    admin_url, _ = admin_url_for(arguments.data_dir / "pg")
    urls = prepare_database(admin_url, "crm_bench_documents", recreate=True)
    s3 = start_s3_server() if "s3" in arguments.backends else None
    results: list[Result] = []
    try:
        for backend in arguments.backends.split(","):
            blob_dir = tempfile.mkdtemp(prefix="crm-bench-blobs-")
            os.environ.update(
                {
                    "STORAGE_BACKEND": backend,
                    "CRM_BLOB_DIR": blob_dir,
                    "CRM_BLOB_SIGNING_SECRET": uuid.uuid4().hex,
                    "CRM_MAX_MULTIPART_BYTES": str((arguments.big_mb + 5) * 1_000_000),
                    "CRM_DOCUMENT_MAX_FILE_BYTES": str((arguments.big_mb + 5) * 1_000_000),
                }
            )
            if backend == "s3":
                assert s3 is not None
                os.environ.update(
                    {
                        "S3_ENDPOINT_URL": s3.url,
                        "S3_BUCKET": f"bench-{uuid.uuid4().hex[:8]}",
                        "S3_ACCESS_KEY_ID": ACCESS_KEY,
                        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
                        "S3_CREATE_BUCKET": "true",
                    }
                )
            log = arguments.data_dir / f"uvicorn-{backend}.log"
            with UvicornServer(
                urls.app, workers=1, pool_size=10, log_path=log, environment="development"
            ) as server:
                assert server.process is not None
                results.append(
                    asyncio.run(run_backend(server.base_url, server.process.pid, arguments, backend))
                )
    finally:
        if s3 is not None:
            s3.stop()
    for result in results:
        print(f"\n### {result.backend}\n")
        print("| what | upload | download | server memory (RSS) during the upload |")
        print("| --- | --- | --- | --- |")
        for row in result.rows:
            print(f"| {row['what']} | {row['upload']} | {row['download']} | {row['server memory']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
