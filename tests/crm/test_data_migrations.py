"""Revisions that change what stored values mean update existing rows, in batches, for every tenant:
0171 marks logged activities done, 0172 recomputes the stored duplicate keys, 0173 stores full names."""

# ruff: noqa: RUF001 - full-width characters are what the duplicate keys fold

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from alembic import command

from migrations import alembic_config, backfill
from tenants.embedded import bootstrap_roles
from tests.conftest import APP_ROLE, drop_database


async def seed_tenant(owner: asyncpg.Connection, tenant_id: uuid.UUID) -> None:
    """A tenant with one member, pre-0171 activities, and leads/accounts/contacts keyed the old way."""
    user_id, role_id = uuid.uuid4(), uuid.uuid4()
    async with owner.transaction():
        await owner.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
        await owner.execute("insert into tenants (id, name) values ($1, 'Old')", tenant_id)
        await owner.execute(
            "insert into users (id, email, full_name, password_hash) values ($1, $2, 'Wei', 'x')",
            user_id,
            f"{user_id}@example.com",
        )
        await owner.execute(
            "insert into roles (tenant_id, id, key, name, permissions) values ($1, $2, 'admin', 'Admin', '{}')",
            tenant_id,
            role_id,
        )
        await owner.execute(
            "insert into memberships (tenant_id, id, user_id, role_id) values ($1, $2, $3, $4)",
            tenant_id,
            uuid.uuid4(),
            user_id,
            role_id,
        )
        account_id = uuid.uuid4()
        await owner.execute(
            "insert into accounts (tenant_id, id, name) values ($1, $2, '华磊科技（北京）有限公司')",
            tenant_id,
            account_id,
        )
        for kind, when in [
            ("call", "-1 day"),
            ("task", "-1 day"),
            ("meeting", "+7 days"),
            ("note", "-2 days"),
        ]:
            await owner.execute(
                "insert into activities (tenant_id, id, kind, subject, occurred_at, account_id, author_id)"
                " values ($1, $2, $3, $3, now() + $4::text::interval, $5, $6)",
                tenant_id,
                uuid.uuid4(),
                kind,
                when,
                account_id,
                user_id,
            )
        for name, phone in [
            ("Ｆｕｌｌ Ｓｔａｃｋ Ltd", "+86 138 0013 8000"),
            ("华磊科技集团", None),
            (None, "0086 10 1234 5678"),
        ]:
            await owner.execute(
                "insert into leads (tenant_id, id, source, last_name, company_name, phone)"
                " values ($1, $2, 'web', 'Zhang', $3, $4)",
                tenant_id,
                uuid.uuid4(),
                name,
                phone,
            )
        await owner.execute(
            "insert into contacts (tenant_id, id, first_name, last_name, phones, owner_id, search_text)"
            " values ($1, $2, '伟', '张', array['+86 138 0013 8000', '010-1234 5678'], $3, '伟 张 wei@example.cn')",
            tenant_id,
            uuid.uuid4(),
            user_id,
        )


async def test_data_revisions_update_existing_rows_in_batches(database_urls, monkeypatch):
    database = f"crm_test_mig_{uuid.uuid4().hex[:8]}"
    urls = await bootstrap_roles(database_urls.admin, database, APP_ROLE)
    config = alembic_config(urls.owner, APP_ROLE)
    tenants = [uuid.uuid4(), uuid.uuid4()]
    monkeypatch.setattr(backfill, "BATCH", 2)  # several batches per table and tenant
    try:
        await asyncio.to_thread(command.upgrade, config, "0170_pool_keep_customers")
        owner = await asyncpg.connect(urls.owner)
        try:
            for tenant_id in tenants:
                await seed_tenant(owner, tenant_id)
        finally:
            await owner.close()

        await asyncio.to_thread(command.upgrade, config, "0173_contact_names")

        app = await asyncpg.connect(urls.app)
        seen = []
        try:
            for tenant_id in tenants:
                async with app.transaction():
                    await app.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                    seen.append(
                        (
                            [
                                tuple(r)
                                for r in await app.fetch("select kind, done from activities order by kind")
                            ],
                            sorted(
                                (r["company_key"] or "", r["phone_digits"] or "")
                                for r in await app.fetch("select company_key, phone_digits from leads")
                            ),
                            await app.fetchval("select company_key from accounts"),
                            sorted(await app.fetchval("select array_agg(key) from contact_match_keys")),
                            tuple(await app.fetchrow("select full_name, search_text from contacts")),
                        )
                    )
            forced = await app.fetchval(
                "select bool_and(relforcerowsecurity) from pg_class"
                " where relname in ('activities', 'leads', 'accounts', 'contacts')"
            )
        finally:
            await app.close()
    finally:
        await drop_database(database_urls.admin, database)

    expected = (
        [("call", True), ("meeting", False), ("note", True), ("task", False)],
        [("", "1012345678"), ("full stack", "3800138000"), ("华磊科技", "")],
        "华磊科技",
        ["1012345678", "3800138000"],
        ("张伟", "张伟 wei@example.cn"),
    )
    assert seen == [expected, expected]
    assert forced is True
