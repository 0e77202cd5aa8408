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
