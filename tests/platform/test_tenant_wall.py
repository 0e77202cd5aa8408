"""The RLS wall, checked in SQL as the application role (SECURITY.md #1-#3)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

PLATFORM_TENANT_TABLES = ["roles", "memberships", "invitations", "api_keys", "audit_log", "teams"]


async def in_tenant(connection, tenant_id, sql, *args):
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        return await connection.fetch(sql, *args)


async def test_application_role_cannot_bypass_rls(db):
    connection = await db.connect()

    role = await connection.fetchrow(
        "select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user"
    )
    owned = await connection.fetchval(
        "select count(*) from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = current_user"
    )

    assert dict(role) == {
        "rolsuper": False,
        "rolbypassrls": False,
        "rolcreaterole": False,
        "rolcreatedb": False,
    }
    assert owned == 0


async def test_every_tenant_table_has_forced_rls_with_the_fail_closed_policy(db):
    connection = await db.connect()
    tables = await connection.fetch(
        """
        select c.relname, c.relrowsecurity, c.relforcerowsecurity,
               (select string_agg(pg_get_expr(p.polqual, p.polrelid), ' ') from pg_policy p
                 where p.polrelid = c.oid) as using_clause,
               (select string_agg(pg_get_expr(p.polwithcheck, p.polrelid), ' ') from pg_policy p
                 where p.polrelid = c.oid) as check_clause
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and (exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
               or c.relname = 'tenants')
        """
    )

    assert {t["relname"] for t in tables} >= {*PLATFORM_TENANT_TABLES, "tenants"}
    for table in tables:
        assert table["relrowsecurity"] and table["relforcerowsecurity"], table["relname"]
        assert "NULLIF(current_setting('app.tenant_id'::text, true), ''::text)" in table["using_clause"], (
            table
        )
        assert "NULLIF(current_setting('app.tenant_id'::text, true), ''::text)" in table["check_clause"], (
            table
        )


async def test_no_side_doors_in_the_catalog(db):
    connection = await db.connect()

    definers = await connection.fetch(
        "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
        "where n.nspname = 'public' and p.prosecdef"
    )
    unsafe_views = await connection.fetch(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'public' and c.relkind = 'v' "
        "and not coalesce('security_invoker=true' = any(c.reloptions), false)"
    )
    # Unique constraints and foreign keys on tenant tables must include tenant_id: their checks
    # ignore RLS and could otherwise reveal or reach another tenant's rows.
    unscoped = await connection.fetch(
        """
        select con.conname from pg_constraint con
        join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and con.contype in ('u', 'f', 'p')
          and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
          and not exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id'
                          and a.attnum = any(con.conkey))
          and not (con.contype = 'f' and con.confrelid in ('users'::regclass, 'tenants'::regclass))
        """
    )

    assert definers == []
    assert unsafe_views == []
    assert [row["conname"] for row in unscoped] == []


async def test_no_tenant_setting_sees_no_rows_and_never_raises(client, db):
    await client.sign_up()
    connection = await db.connect()

    for table in [*PLATFORM_TENANT_TABLES, "tenants"]:
        assert await connection.fetchval(f"select count(*) from {table}") == 0, table
    # After a transaction-local setting the pooled connection reads '' (not NULL): still no rows.
    await in_tenant(connection, str(uuid.uuid4()), "select 1")
    for table in [*PLATFORM_TENANT_TABLES, "tenants"]:
        assert await connection.fetchval(f"select count(*) from {table}") == 0, table


async def test_one_connection_alternating_tenants_sees_only_the_current_one(client, db):
    a = await client.sign_up("Tenant A")
    b = await client.sign_up("Tenant B")
    connection = await db.connect()

    for _ in range(3):
        for tenant in (a, b):
            roles = await in_tenant(
                connection, tenant.tenant_id, "select distinct tenant_id::text from roles"
            )
            tenants = await in_tenant(connection, tenant.tenant_id, "select id::text from tenants")
            assert [r["tenant_id"] for r in roles] == [tenant.tenant_id]
            assert [t["id"] for t in tenants] == [tenant.tenant_id]


async def test_cross_tenant_writes_change_nothing_or_are_refused(client, db):
    a = await client.sign_up("Tenant A")
    b = await client.sign_up("Tenant B")
    connection = await db.connect()

    updated = await in_tenant(
        connection,
        b.tenant_id,
        "update roles set name = 'pwned' where tenant_id = $1 returning id",
        uuid.UUID(a.tenant_id),
    )
    deleted = await in_tenant(
        connection,
        b.tenant_id,
        "delete from memberships where tenant_id = $1 returning id",
        uuid.UUID(a.tenant_id),
    )
    assert updated == [] and deleted == []

    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await in_tenant(
            connection,
            b.tenant_id,
            "insert into teams (tenant_id, id, name) values ($1, $2, 'spies')",
            uuid.UUID(a.tenant_id),
            uuid.uuid4(),
        )
    await in_tenant(
        connection,
        b.tenant_id,
        "insert into teams (tenant_id, id, name) values ($1, $2, 'B team')",
        uuid.UUID(b.tenant_id),
        uuid.uuid4(),
    )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await in_tenant(connection, b.tenant_id, "update teams set tenant_id = $1", uuid.UUID(a.tenant_id))
    names = await in_tenant(connection, a.tenant_id, "select name from roles order by name")
    assert "pwned" not in [row["name"] for row in names]


async def test_audit_log_is_append_only_for_the_application(client, db):
    a = await client.sign_up()
    connection = await db.connect()

    entries = await in_tenant(connection, a.tenant_id, "select action from audit_log")
    assert [row["action"] for row in entries] == ["tenant.create"]
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await in_tenant(connection, a.tenant_id, "update audit_log set action = 'nothing'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await in_tenant(connection, a.tenant_id, "delete from audit_log")
