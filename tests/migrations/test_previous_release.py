"""The baseline builds exactly the previous release's schema; a previous-release database with data moves
onto it (`crm migrate`), downgrades one step and upgrades again; what cannot be stamped safely is refused.

The previous release is the legacy chain (tests/migrations/legacy/) at its ten heads.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from config.settings import get_settings
from gateway.cli import app
from migrations import alembic_config, pending_migrations, upgrade_to_head
from migrations.legacy import (
    BASELINE_REVISION,
    LEGACY_HEADS,
    MigrationRefused,
    expected_signature,
    signature_of,
)
from tenants.embedded import DatabaseUrls
from tests.conftest import APP_ROLE
from tests.migrations.support import (
    data_dump,
    legacy_config,
    schema_dump,
    scratch_database,
    superuser_url,
)

HEAD = ScriptDirectory.from_config(alembic_config("", "")).get_current_head()

# $1 is the tenant, $2 its one member (user, role, membership, account and pipeline ids)
SEED_TENANT = [
    "insert into tenants (id, name) select $1, 'Old' where $2::uuid is not null",
    "insert into tenant_registry (id) select $1 where $2::uuid is not null",
    "insert into users (id, email, full_name, password_hash)"
    " select $2, $2::uuid::text || '@example.com', 'U', 'x' where $1::uuid is not null",
    "insert into roles (tenant_id, id, key, name, permissions) values ($1, $2, 'admin', 'Admin', '{}')",
    "insert into memberships (tenant_id, id, user_id, role_id) values ($1, $2, $2, $2)",
    "insert into accounts (tenant_id, id, name, owner_id) values ($1, $2, 'Acme', $2)",
    "insert into contacts (tenant_id, id, first_name, last_name, phones, owner_id, search_text)"
    " values ($1, $2, 'Wei', 'Zhang', array['+86 138 0013 8000'], $2, 'wei zhang')",
    "insert into activities (tenant_id, id, kind, subject, occurred_at, account_id, author_id)"
    " values ($1, $2, 'call', 'Hello', now(), $2, $2)",
    "insert into pipelines (tenant_id, id, name, is_default) values ($1, $2, 'Sales', true)",
    "insert into pipeline_stages (tenant_id, id, pipeline_id, name, position, probability, kind)"
    " select $1::uuid, md5($1::uuid::text || kind)::uuid, $2::uuid, kind, position, probability, kind"
    " from (values ('open', 0, 20), ('won', 1, 100), ('lost', 2, 0)) as s(kind, position, probability)",
    """insert into opportunities (tenant_id, id, name, account_id, owner_id, pipeline_id, stage_id, status,
                                  amount, currency, probability, closed_at)
       select $1::uuid, gen_random_uuid(), 'Deal ' || n, $2::uuid, $2::uuid, $2::uuid,
              md5($1::uuid::text || status)::uuid, status, n * 10.5, 'USD',
              case status when 'won' then 100 else 20 end,
              case when status = 'won' then now() end
       from (select n, case when n % 3 = 0 then 'won' else 'open' end as status
             from generate_series(1, 12) as n) as drawn""",
]
COUNTED = [
    "tenants",
    "users",
    "accounts",
    "contacts",
    "activities",
    "opportunities",
    "opportunity_stage_rollups",
]


@dataclass
class PreviousRelease:
    urls: DatabaseUrls
    schema: str  # before any row was added
    data: str
    tenants: list[uuid.UUID]


@pytest.fixture(scope="module")
async def previous_release(database_urls) -> AsyncIterator[PreviousRelease]:
    """A database of the previous release (the legacy chain at its heads) with two tenants' rows."""
    async with scratch_database(database_urls.admin) as urls:
        await asyncio.to_thread(command.upgrade, legacy_config(urls.owner, APP_ROLE), "heads")
        schema, data = schema_dump(urls), data_dump(urls)
        tenants = [uuid.uuid4(), uuid.uuid4()]
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
        yield PreviousRelease(urls, schema, data, tenants)


async def versions(url: str) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        return sorted(
            await connection.fetchval("select coalesce(array_agg(version_num), '{}') from alembic_version")
        )
    finally:
        await connection.close()


async def counts(urls: DatabaseUrls, tenants: list[uuid.UUID]) -> dict[str, list[int]]:
    """Rows per table, per tenant, as the application role sees them through the RLS wall."""
    connection = await asyncpg.connect(urls.app)
    found: dict[str, list[int]] = {table: [] for table in COUNTED}
    try:
        for tenant_id in tenants:
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                for table in COUNTED:
                    found[table].append(await connection.fetchval(f"select count(*) from {table}"))
    finally:
        await connection.close()
    return found


async def test_the_baseline_builds_the_schema_and_rows_of_the_previous_release(
    database_urls, previous_release
):
    async with scratch_database(database_urls.admin) as urls:
        await asyncio.to_thread(command.upgrade, alembic_config(urls.owner, APP_ROLE), BASELINE_REVISION)
        schema, data = schema_dump(urls), data_dump(urls)
        signature = await signature_of(urls.owner, APP_ROLE)

    assert schema == previous_release.schema  # tables, columns, constraints, indexes, RLS, functions, grants
    assert data == previous_release.data  # (no rows: the revisions only inserted rows derived from others)
    assert signature == expected_signature()  # migrations/baseline_signature.txt is the baseline's


async def test_a_previous_release_database_moves_to_the_head_with_its_data_and_back(
    database_urls, previous_release
):
    urls = previous_release.urls
    before = await counts(urls, previous_release.tenants)
    assert await versions(urls.owner) == sorted(LEGACY_HEADS)
    assert await pending_migrations(urls.app) == [HEAD]  # `crm serve` refuses until `crm migrate`

    await asyncio.to_thread(upgrade_to_head, urls.owner, APP_ROLE)

    assert await versions(urls.owner) == [HEAD]
    assert await pending_migrations(urls.app) == []
    after = await counts(urls, previous_release.tenants)
    assert after == before
    assert after["opportunities"] == [12, 12] and after["tenants"] == [1, 1]

    # Downgrade one step and upgrade again, then all the way down to an empty schema and up.
    config = alembic_config(urls.owner, APP_ROLE)
    await asyncio.to_thread(command.downgrade, config, "-1")
    await asyncio.to_thread(command.upgrade, config, "head")
    await asyncio.to_thread(command.downgrade, config, "base")
    left = await leftovers(urls)
    await asyncio.to_thread(command.upgrade, config, "head")

    assert left == {"relations": ["alembic_version"], "functions": [], "app grants": [], "versions": []}
    async with scratch_database(database_urls.admin) as fresh:
        await asyncio.to_thread(upgrade_to_head, fresh.owner, APP_ROLE)
        assert schema_dump(urls) == schema_dump(fresh)
    assert await versions(urls.owner) == [HEAD]


async def leftovers(urls: DatabaseUrls) -> dict[str, list[str]]:
    """What a downgrade to base left in `public`, besides the extensions' own objects."""
    connection = await asyncpg.connect(superuser_url(urls))
    try:
        own = "not exists (select from pg_depend d where d.objid = {oid} and d.deptype = 'e')"
        return {
            "relations": await connection.fetchval(
                "select coalesce(array_agg(relname order by relname), '{}') from pg_class c"
                " where relnamespace = 'public'::regnamespace and relkind in ('r', 'v', 'S', 'm')"
                f" and {own.format(oid='c.oid')}"
            ),
            "functions": await connection.fetchval(
                "select coalesce(array_agg(proname order by proname), '{}') from pg_proc p"
                f" where pronamespace = 'public'::regnamespace and {own.format(oid='p.oid')}"
            ),
            "app grants": await connection.fetchval(
                "select coalesce(array_agg(privilege_type || ' on ' || table_name), '{}')"
                " from information_schema.role_table_grants where grantee = $1",
                APP_ROLE,
            )
            + await connection.fetchval(
                "select coalesce(array_agg(defaclobjtype::text), '{}') from pg_default_acl"
                " where defaclnamespace = 'public'::regnamespace"
            )
            + await connection.fetchval(
                "select coalesce(array_agg(acl.privilege_type || ' on schema public'), '{}')"
                " from pg_namespace, aclexplode(nspacl) as acl"
                " where nspname = 'public' and acl.grantee = $1::regrole",
                APP_ROLE,
            ),
            "versions": await connection.fetchval(
                "select coalesce(array_agg(version_num), '{}') from alembic_version"
            ),
        }
    finally:
        await connection.close()


async def test_a_database_between_previous_release_revisions_is_refused(database_urls, monkeypatch):
    async with scratch_database(database_urls.admin) as urls:
        await asyncio.to_thread(command.upgrade, legacy_config(urls.owner, APP_ROLE), "0003_tenant_registry")

        monkeypatch.setenv("DATABASE_URL", urls.app)
        monkeypatch.setenv("MIGRATION_DATABASE_URL", urls.owner)
        get_settings.cache_clear()
        try:
            result = await asyncio.to_thread(CliRunner().invoke, app, ["migrate"])
        finally:
            get_settings.cache_clear()
        left = await versions(urls.owner)

    assert result.exit_code == 1, result.output
    assert (
        "crm: the database is between revisions of the previous release (0003_tenant_registry); run "
        "`crm migrate` of the previous release first, then this one."
    ) in result.output
    assert left == ["0003_tenant_registry"]


async def test_a_previous_release_database_whose_schema_differs_is_not_stamped(database_urls):
    async with scratch_database(database_urls.admin) as urls:
        # The baseline's schema is the previous release's (first test): build it, then record the ten
        # old heads instead of the baseline, as a previous release's `crm migrate` left them.
        await asyncio.to_thread(command.upgrade, alembic_config(urls.owner, APP_ROLE), BASELINE_REVISION)
        owner = await asyncpg.connect(urls.owner)
        try:
            await owner.execute("delete from alembic_version")
            await owner.executemany("insert into alembic_version values ($1)", [(h,) for h in LEGACY_HEADS])
            await owner.execute("drop index accounts_domain_trgm_idx")
            await owner.execute("alter table accounts add column nickname text")
            # Not compared: custom-field indexes (crm indexes), another extension,
            # grants to another role than the application's.
            await owner.execute("create index cf_accounts_x on accounts (tenant_id)")
            await owner.execute("create extension hstore")
            await owner.execute(f"grant select on accounts to {make_url(urls.admin).username}")
        finally:
            await owner.close()

        with pytest.raises(MigrationRefused) as refused:
            await asyncio.to_thread(upgrade_to_head, urls.owner, APP_ROLE)
        left = await versions(urls.owner)

    message = str(refused.value)
    assert message.startswith(
        f"crm: the database's schema is not the previous release's, so it is not stamped to {BASELINE_REVISION}."
    )
    assert (
        "Missing: index CREATE INDEX accounts_domain_trgm_idx ON public.accounts USING gin (tenant_id, domain "
        "gin_trgm_ops). Unexpected: column accounts.nickname text."
    ) in message
    assert "cf_accounts_x" not in message and "hstore" not in message and "grant" not in message
    assert left == sorted(LEGACY_HEADS)
