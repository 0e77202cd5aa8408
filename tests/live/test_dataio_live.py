"""dataImportChanged over a real socket: one item per committed batch, only for who may see the import."""

from __future__ import annotations

from graph.dataio import runner
from tests.dataio.support import columns, csv_bytes, run_imports, start, upload
from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server

DATA_IMPORT_CHANGED = """
subscription($id: ID!) { dataImportChanged(importId: $id) {
  type importId dataImport { status processedRows created } } }
"""


async def test_import_progress_arrives_batch_by_batch(server_a: Server, client, app, monkeypatch) -> None:
    admin = await client.sign_up()
    sales = await client.add_member(admin, "sales")
    monkeypatch.setattr(runner, "BATCH_ROWS", 2)
    lines = ["First,Last"] + [f"P{n},Person" for n in range(1, 4)]
    started = await start(
        client,
        admin,
        documentId=await upload(client, admin, csv_bytes(*lines)),
        objectType="contact",
        dryRun=False,
        columns=columns(First="firstName", Last="lastName"),
    )
    import_id = started["dataImport"]["id"]
    watcher = await NodeSubscriber.start(
        server_a.ws_url, bearer(admin.token), DATA_IMPORT_CHANGED, {"id": import_id}
    )
    outsider = await NodeSubscriber.start(
        server_a.ws_url, bearer(sales.token), DATA_IMPORT_CHANGED, {"id": import_id}
    )
    try:
        first = await watcher.subscribed("dataImportChanged")
        assert first["dataImport"] == {"status": "QUEUED", "processedRows": 0, "created": 0}
        assert (await outsider.next())["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert await run_imports(app) == []
        changes = [await watcher.change("dataImportChanged") for _ in range(2)]
        assert [(c["type"], c["dataImport"]["processedRows"]) for c in changes] == [
            ("import.progress", 2),
            ("import.progress", 3),
        ]
        assert changes[1]["dataImport"]["status"] == "DONE"
        await watcher.nothing_within(0.3)
    finally:
        await watcher.stop()
        await outsider.stop()
