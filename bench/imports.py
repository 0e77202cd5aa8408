"""Imports at scale: a dry run, the import and its undo of N contacts, with the process's memory.

    python -m bench.imports                    # 100,000 contacts, embedded PostgreSQL under .crm/bench
    python -m bench.imports --rows 10000

One tenant signs up through the API (in process, over ASGI), uploads a CSV of N contacts (names, an email,
a phone, tags; every 50th row a bad email, so the error path is exercised too) as a document, then runs, each
to its end through the `imports.run` job exactly as cron would: a dry run, the real import, and its undo.
Every row goes through the contact services' batch versions (`create_contacts`/`delete_contacts`: the
validation, role, audit and events of `create_contact`/`delete_contact`, a few statements per batch of
500). A thread samples the process's resident set size (VmRSS) every 0.2 s beside the import's progress
(`processedRows`, read by a second connection), so the report shows RSS when the import passed 10% of the
rows and at its end: flat memory means the two agree whatever N is. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import resource
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.database import admin_url_for, prepare_database, server_facts
from config.settings import Settings
from gateway.app import create_app
from gateway.jobs import run_jobs
from storage import use_blob_store
from tenants.embedded import DatabaseUrls

DATABASE = "crm_bench_imports"
SIGN_UP = """
mutation($input: SignUpInput!) { signUp(input: $input) { token errors { code message } } }"""
UPLOAD = """
mutation($input: UploadDocumentInput!) {
  uploadDocument(input: $input) { document { id } errors { code message } } }"""
START = """
mutation($input: StartImportInput!) {
  startImport(input: $input) { dataImport { id } errors { code message } } }"""
UNDO = "mutation($id: ID!) { undoImport(id: $id) { dataImport { id } errors { code message } } }"
STATE = """
query($id: ID!) { dataImport(id: $id) { status processedRows created failedRows undone } }"""
COLUMNS = [
    {"column": "First", "field": "firstName"},
    {"column": "Last", "field": "lastName"},
    {"column": "Email", "field": "emails"},
    {"column": "Phone", "field": "phones"},
    {"column": "Tags", "field": "tags"},
]


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def csv_file(rows: int, directory: Path) -> Path:
    path = directory / f"contacts-{rows}.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["First", "Last", "Email", "Phone", "Tags"])
        for n in range(rows):
            email = f"not-an-email-{n}" if n % 50 == 49 else f"person{n}@bench.example.com"
            writer.writerow([f"Given{n}", f"Family{n}", email, f"+1 555 {n:07d}", "bench;import"])
    return path


class Sampler:
    """VmRSS every `interval` seconds with the latest known progress of the phase being measured."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.samples: list[tuple[str, int, int]] = []  # (phase, processed rows, rss KiB)
        self.phase, self.processed = "setup", 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.samples.append((self.phase, self.processed, rss_kib()))

    def rss_at(self, phase: str, processed_at_least: int) -> int | None:
        found = [rss for p, n, rss in self.samples if p == phase and n >= processed_at_least]
        return found[0] if found else None

    def peak(self, phase: str) -> int:
        return max((rss for p, _, rss in self.samples if p == phase), default=0)


async def graphql(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = (
        await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    ).json()
    assert not body.get("errors"), body
    return body["data"]


async def run_phase(
    app: Any, client: httpx.AsyncClient, token: str, import_id: str, sampler: Sampler, phase: str, rows: int
) -> dict[str, Any]:
    sampler.phase, sampler.processed = phase, 0

    async def progress() -> None:
        while True:
            state = (await graphql(client, STATE, {"id": import_id}, token))["dataImport"]
            sampler.processed = state["undone"] if phase == "undo" else state["processedRows"]
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(progress())
    started = time.perf_counter()
    try:
        failed = [
            o for o in await run_jobs(app.state.services.db, datetime.now(UTC), "imports.run") if o.failed
        ]
    finally:
        watcher.cancel()
    seconds = time.perf_counter() - started
    assert not failed, failed
    state = (await graphql(client, STATE, {"id": import_id}, token))["dataImport"]
    done = state["undone"] if phase == "undo" else state["processedRows"]
    return {
        "phase": phase,
        "seconds": round(seconds, 1),
        "rows_per_second": round(done / seconds) if seconds else None,
        "state": state,
        "rss_mib_at_10pct": round((sampler.rss_at(phase, rows // 10) or 0) / 1024, 1),
        "rss_mib_peak": round(sampler.peak(phase) / 1024, 1),
    }


async def bench(rows: int, data_dir: Path, admin_url: str, urls: DatabaseUrls) -> dict[str, Any]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        CRM_ENV="development",
        CRM_DATA_DIR=str(data_dir),
        CRM_COMPILED_READS="off",
        CRM_DOCUMENT_MAX_FILE_BYTES=200 * 1024 * 1024,
        CRM_DOCUMENT_QUOTA_BYTES=1024 * 1024 * 1024,
        CRM_MAX_MULTIPART_BYTES=200 * 1024 * 1024,
    )
    app = create_app(settings, urls.app)
    use_blob_store(app.state.services.blobs)
    sampler = Sampler()
    sampler.thread.start()
    report: dict[str, Any] = {"rows": rows, "server": await server_facts(admin_url), "phases": []}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
        sign_up = {
            "tenantName": "Bench imports",
            "email": "bench-imports@example.com",
            "password": "correct horse battery staple 42",
            "fullName": "Bench Admin",
        }
        token = (await graphql(client, SIGN_UP, {"input": sign_up}, None))["signUp"]["token"]
        with tempfile.TemporaryDirectory() as directory:
            path = csv_file(rows, Path(directory))
            report["file_mib"] = round(path.stat().st_size / 1024 / 1024, 1)
            operations = {"query": UPLOAD, "variables": {"input": {"name": path.name, "file": None}}}
            with path.open("rb") as file:
                response = await client.post(
                    "/graphql",
                    data={
                        "operations": json.dumps(operations),
                        "map": json.dumps({"0": ["variables.input.file"]}),
                    },
                    files={"0": (path.name, file, "text/csv")},
                    headers={"authorization": f"Bearer {token}", "apollo-require-preflight": "true"},
                )
        uploaded = response.json()["data"]["uploadDocument"]
        assert uploaded["errors"] == [], uploaded
        document_id = uploaded["document"]["id"]
        for dry_run in (True, False):
            started = (
                await graphql(
                    client,
                    START,
                    {
                        "input": {
                            "documentId": document_id,
                            "objectType": "contact",
                            "columns": COLUMNS,
                            "dryRun": dry_run,
                            "duplicates": "CREATE",
                        }
                    },
                    token,
                )
            )["startImport"]
            assert started["errors"] == [], started
            import_id = started["dataImport"]["id"]
            phase = "dry run" if dry_run else "import"
            report["phases"].append(await run_phase(app, client, token, import_id, sampler, phase, rows))
        undo = (await graphql(client, UNDO, {"id": import_id}, token))["undoImport"]
        assert undo["errors"] == [], undo
        report["phases"].append(await run_phase(app, client, token, import_id, sampler, "undo", rows))
    sampler.stopped.set()
    report["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    await app.state.services.db.dispose()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=Path(".crm/bench"))
    arguments = parser.parse_args()
    admin_url, _ = admin_url_for(arguments.data_dir / "pg")
    urls = prepare_database(admin_url, DATABASE, recreate=True)
    report = asyncio.run(bench(arguments.rows, arguments.data_dir, admin_url, urls))
    out = io.StringIO()
    json.dump(report, out, indent=2)
    print(out.getvalue())


if __name__ == "__main__":
    main()
