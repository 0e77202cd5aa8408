"""The settings tables behind the RLS wall: tenant B reads and writes none of tenant A's rows in SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.support import GraphQLClient

ADD = """mutation { addOption(input: {listKey: "test_sources", key: "a_only", label: "A"}) { errors { code } } }"""
SET_RATE = """mutation { setExchangeRate(input: {currency: "EUR", effectiveOn: "2026-01-01", rate: "1.1"}) {
  errors { code } } }"""
SET_PATTERN = (
    """mutation { setNumberingPattern(sequence: "test_invoice", pattern: "A{SEQ}") { errors { code } } }"""
)
TABLES = ["numbering_patterns", "number_counters", "option_lists", "option_values", "exchange_rates"]


async def test_sql_wall_hides_and_protects_settings_rows(services, client: GraphQLClient, db) -> None:
    from tenants.numbering import next_number

    a = await client.sign_up("A settings")
    b = await client.sign_up("B settings")
    for document in (ADD, SET_RATE, SET_PATTERN):
        await client.execute(document, token=a.token)
    a_id = uuid.UUID(a.tenant_id)
    async with services.db.transaction(a_id) as session:
        await next_number(session, a_id, "test_invoice", datetime(2026, 1, 1, tzinfo=UTC))

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
        for table in TABLES:
            assert await connection.fetchval(f"select count(*) from {table}") >= 1, table

    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        for table in TABLES:
            assert await connection.fetchval(f"select count(*) from {table} where tenant_id = $1", a_id) == 0
            assert await connection.execute(f"delete from {table} where tenant_id = $1", a_id) == "DELETE 0"
            assert (
                await connection.execute(
                    f"update {table} set tenant_id = tenant_id where tenant_id = $1", a_id
                )
                == "UPDATE 0"
            )
    writes = [
        "insert into numbering_patterns (tenant_id, sequence, pattern) values ($1, 'test_invoice', 'X{SEQ}')",
        "insert into number_counters (tenant_id, sequence, pattern, period, last_value)"
        " values ($1, 's', 'p', 'all', 1)",
        "insert into option_lists (tenant_id, list_key) values ($1, 'x')",
        "insert into exchange_rates (tenant_id, id, currency, effective_on, rate)"
        " values ($1, gen_random_uuid(), 'GBP', '2026-01-01', 1)",
    ]
    for statement in writes:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
                await connection.execute(statement, a_id)
