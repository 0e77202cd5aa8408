"""Scale-out by tenant (issue 22): every key of a tenant table leads with tenant_id (or is a listed
exception), and the Citus plan in infra/citus.sql distributes exactly the tables the schema has."""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg

from tenants.distribution import (
    LEADING_COLUMN_EXCEPTIONS,
    LOCAL_TABLES,
    citus_plan,
    global_tables,
    leading_column_violations,
    tenant_tables,
)

PLAN = Path(__file__).resolve().parents[2] / "infra" / "citus.sql"


async def owner(database_urls) -> asyncpg.Connection:  # type: ignore[no-untyped-def]
    return await asyncpg.connect(database_urls.owner)


async def test_every_tenant_key_leads_with_tenant_id(database_urls):
    connection = await owner(database_urls)
    try:
        violations = await leading_column_violations(connection)
    finally:
        await connection.close()

    assert {key.name for key in violations} == set(LEADING_COLUMN_EXCEPTIONS), violations


async def test_the_citus_plan_distributes_every_table_once(database_urls):
    connection = await owner(database_urls)
    try:
        generated = await citus_plan(connection)
        distributed = {"tenants", *await tenant_tables(connection)}
        everything = distributed | set(await global_tables(connection))
    finally:
        await connection.close()

    assert PLAN.read_text() == generated, (
        "the schema changed: regenerate with `crm citus-plan > infra/citus.sql`"
    )
    placed = re.findall(r"create_(distributed|reference)_table\('(\w+)'", generated)
    names = [name for _, name in placed]
    assert len(names) == len(set(names))
    assert set(names) | set(LOCAL_TABLES) == everything
    assert {name for kind, name in placed if kind == "distributed"} == distributed
    colocated = re.findall(
        r"create_distributed_table\('(\w+)', 'tenant_id', colocate_with => 'tenants'\)", generated
    )
    assert set(colocated) == distributed - {"tenants"}
