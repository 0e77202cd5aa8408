"""Tenants that existed before the pipeline migration get the default pipeline from its data step."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from alembic import command

from migrations import alembic_config
from tenants.embedded import bootstrap_roles
from tests.conftest import APP_ROLE, drop_database


async def test_migration_gives_existing_tenants_the_default_pipeline(database_urls):
    database = f"crm_test_mig_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_roles(database_urls.admin, database, APP_ROLE)
    config = alembic_config(urls.owner, APP_ROLE)
    tenant_id = uuid.uuid4()
    try:
        await asyncio.to_thread(command.upgrade, config, "0003_tenant_registry")
        owner = await asyncpg.connect(urls.owner)
        try:
            async with owner.transaction():
                await owner.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                await owner.execute("insert into tenants (id, name) values ($1, 'Old')", tenant_id)
                await owner.execute("insert into tenant_registry (id) values ($1)", tenant_id)
        finally:
            await owner.close()

        await asyncio.to_thread(command.upgrade, config, "0010_sales_pipeline")

        app = await asyncpg.connect(urls.app)
        try:
            async with app.transaction():
                await app.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                pipelines = await app.fetch("select name, is_default from pipelines")
                stages = await app.fetch(
                    "select name, probability, kind from pipeline_stages order by position"
                )
        finally:
            await app.close()
    finally:
        await drop_database(database_urls.admin, database)

    assert [tuple(p) for p in pipelines] == [("Sales", True)]
    assert [tuple(s) for s in stages] == [
        ("Prospecting", 10, "open"),
        ("Qualification", 20, "open"),
        ("Proposal", 50, "open"),
        ("Negotiation", 75, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]


SEED_TENANT = [
    "insert into tenants (id, name) select $1, 'Old' where $2::uuid is not null",
    "insert into tenant_registry (id) select $1 where $2::uuid is not null",
    # ($1 is the tenant, $2 the one member: user, role, membership, account and pipeline ids)
    "insert into users (id, email, full_name, password_hash)"
    " select $2, $2::uuid::text || '@example.com', 'U', 'x' where $1::uuid is not null",
    "insert into roles (tenant_id, id, key, name, permissions) values ($1, $2, 'admin', 'Admin', '{}')",
    "insert into memberships (tenant_id, id, user_id, role_id) values ($1, $2, $2, $2)",
    "insert into accounts (tenant_id, id, name, owner_id) values ($1, $2, 'Acme', $2)",
    "insert into pipelines (tenant_id, id, name, is_default) values ($1, $2, 'Sales', true)",
    "insert into pipeline_stages (tenant_id, id, pipeline_id, name, position, probability, kind)"
    " select $1::uuid, md5($1::uuid::text || kind)::uuid, $2::uuid, kind, position, probability, kind"
    " from (values ('open', 0, 20), ('won', 1, 100), ('lost', 2, 0)) as s(kind, position, probability)",
    # 23 opportunities: every third won, every fifth lost (else open), some without a close date,
    # in three currencies
    """insert into opportunities (tenant_id, id, name, account_id, owner_id, pipeline_id, stage_id, status,
                                  amount, currency, expected_close_on, probability, closed_at, lost_reason)
       select $1::uuid, gen_random_uuid(), 'Deal ' || n, $2::uuid, $2::uuid, $2::uuid,
              md5($1::uuid::text || status)::uuid, status,
              n * 10.5, (array['USD', 'EUR', 'GBP'])[1 + n % 3],
              case when n % 4 <> 0 then date '2026-06-01' + n end,
              case status when 'won' then 100 when 'lost' then 0 else 20 + n end,
              case when status <> 'open' then timestamptz '2026-05-01 23:30+00' + make_interval(hours => n) end,
              case when status = 'lost' then 'price' end
       from (select n, case when n % 3 = 0 then 'won' when n % 5 = 0 then 'lost' else 'open' end as status
             from generate_series(1, 23) as n) as drawn""",
]


async def test_rollup_migration_backfills_existing_opportunities_in_batches(database_urls):
    from tests.sales.pipeline.rollups import assert_consistent

    database = f"crm_test_mig_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_roles(database_urls.admin, database, APP_ROLE)
    config = alembic_config(urls.owner, APP_ROLE)
    config.attributes["rollup_backfill_batch"] = 4  # several batches per tenant
    tenants = [uuid.uuid4(), uuid.uuid4()]
    try:
        await asyncio.to_thread(command.upgrade, config, "0012_opportunity_custom_fields")
        owner = await asyncpg.connect(urls.owner)
        try:
            for tenant_id in tenants:
                member = uuid.uuid4()
                async with owner.transaction():
                    await owner.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                    for statement in SEED_TENANT:
                        await owner.execute(statement, tenant_id, member)
        finally:
            await owner.close()

        await asyncio.to_thread(command.upgrade, config, "0150_opportunity_rollups")

        app = await asyncpg.connect(urls.app)
        try:
            found = [await assert_consistent(app, str(tenant_id)) for tenant_id in tenants]
        finally:
            await app.close()

        # The downgrade removes tables, triggers and functions: opportunities are written as before.
        await asyncio.to_thread(command.downgrade, config, "0012_opportunity_custom_fields")
        owner = await asyncpg.connect(urls.owner)
        try:
            left = await owner.fetchval(
                "select count(*) from pg_class where relname like 'opportunity_%_rollups'"
            ) + await owner.fetchval(
                "select count(*) from pg_proc where proname like 'opportunity_rollups_%'"
            )
            async with owner.transaction():
                await owner.execute("select set_config('app.tenant_id', $1, true)", str(tenants[0]))
                updated = await owner.execute("update opportunities set amount = amount + 1")
        finally:
            await owner.close()
    finally:
        await drop_database(database_urls.admin, database)

    assert (left, updated) == (0, "UPDATE 23")

    for rollups in found:
        assert sum(row[4] for row in rollups["stored stages"]) == 23
        assert sum(row[5] for row in rollups["stored closes"]) == 23 - 3  # open 4, 8, 16 have no date
        assert len(rollups["stored closes"]) > 4
