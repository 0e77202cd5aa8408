"""Data backfills (migrations/backfill.py) update every tenant's rows in batches, with FORCE RLS lifted for
the revision's transaction only."""

from __future__ import annotations

import uuid

import asyncpg

from migrations import backfill
from tests.migrations.support import run_operations, scratch_database, superuser_url


async def test_backfill_updates_the_rows_of_every_tenant_in_batches(database_urls, monkeypatch):
    monkeypatch.setattr(backfill, "BATCH", 2)
    tenants = sorted(uuid.uuid4() for _ in range(2))
    async with scratch_database(database_urls.admin) as urls:
        owner = await asyncpg.connect(urls.owner)
        try:
            await owner.execute(
                "create table notes (tenant_id uuid not null, id uuid not null, body text not null,"
                " primary key (tenant_id, id))"
            )
            for tenant_id in tenants:
                await owner.execute(
                    "insert into notes select $1, gen_random_uuid(), 'note ' || n from generate_series(1, 5) n",
                    tenant_id,
                )
            await owner.execute("alter table notes enable row level security")
            await owner.execute("alter table notes force row level security")
            await owner.execute(
                "create policy tenant_isolation on notes using"
                " (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))"
            )
            counted: list[int] = []
            await run_operations(
                urls.owner,
                lambda: counted.append(backfill.backfill("notes", "body = upper(body)", "body <> 'note 3'")),
            )
            forced = await owner.fetchval("select relforcerowsecurity from pg_class where relname = 'notes'")
            invisible = await owner.fetchval("select count(*) from notes")  # no tenant set: the wall holds
        finally:
            await owner.close()
        admin = await asyncpg.connect(superuser_url(urls))
        try:
            bodies = await admin.fetch("select tenant_id, body from notes order by tenant_id, body")
        finally:
            await admin.close()

    assert counted == [8]
    assert (forced, invisible) == (True, 0)
    expected = ["NOTE 1", "NOTE 2", "NOTE 4", "NOTE 5", "note 3"]
    assert [(row["tenant_id"], row["body"]) for row in bodies] == [
        (tenant_id, body) for tenant_id in tenants for body in expected
    ]
