"""The tenant wall around tenant_security_settings, in SQL as the application role."""

from __future__ import annotations

import asyncpg
import pytest

from tests.security.support import update_settings


async def in_tenant(connection, tenant_id, sql, *args):
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        return await connection.fetch(sql, *args)


async def test_another_tenant_cannot_read_or_write_security_settings(client, db):
    owner = await client.sign_up("Owner")
    other = await client.sign_up("Other")
    assert (await update_settings(client, owner, sessionIdleMinutes=30))["errors"] == []
    connection = await db.connect()

    seen = await in_tenant(
        connection,
        other.tenant_id,
        "select * from tenant_security_settings where tenant_id = $1::uuid",
        owner.tenant_id,
    )
    updated = await in_tenant(
        connection,
        other.tenant_id,
        "update tenant_security_settings set ip_allowlist = '{0.0.0.0/0}' where tenant_id = $1::uuid returning 1",
        owner.tenant_id,
    )
    without_tenant = await connection.fetch("select * from tenant_security_settings")

    assert seen == [] and updated == [] and without_tenant == []
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await in_tenant(
            connection,
            other.tenant_id,
            "insert into tenant_security_settings (tenant_id, mfa_required) values ($1::uuid, 'none')",
            owner.tenant_id,
        )
    own = await in_tenant(
        connection, owner.tenant_id, "select session_idle_minutes from tenant_security_settings"
    )
    assert [row["session_idle_minutes"] for row in own] == [30]


async def test_the_table_has_forced_rls(db):
    connection = await db.connect()

    flags = await connection.fetchrow(
        "select relrowsecurity, relforcerowsecurity from pg_class where relname = 'tenant_security_settings'"
    )

    assert dict(flags) == {"relrowsecurity": True, "relforcerowsecurity": True}
