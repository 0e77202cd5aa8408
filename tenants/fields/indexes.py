"""Per-field btree indexes for custom-field range filters and ordering, built CONCURRENTLY by the owner.

Why not when the field is defined: the application role owns no table, so it cannot create indexes,
and CREATE INDEX CONCURRENTLY (the only form that does not block writes on a 300k-row table) cannot
run inside a transaction, while every request is one. So definition changes never touch DDL; this
module reconciles the indexes with the definitions, as the owner role, outside any transaction:

    crm indexes        # MIGRATION_DATABASE_URL / embedded owner (gateway/cli.py)

Run it after deploys and from cron (every few minutes); until it ran for a new field, filters on it
work the same, only without the index. It:
1. reads, tenant by tenant inside each tenant's RLS wall, the live filterable definitions of sortable
   types, and maps each to (table, key);
2. creates the missing indexes `(tenant_id, <sort key of 'key'> COLLATE "C", id)` (the expression of
   tenants/fields/query.py `sort_expression`, '' when missing) with
   CREATE INDEX CONCURRENTLY (an invalid leftover of an interrupted build is dropped and rebuilt);
3. drops, also concurrently, `cf_` indexes no tenant needs any more;
4. ANALYZEs the tables that got a new index (expression statistics exist only once the index does).

The collation is the index column's, not part of the expression: the planner strips the query's
COLLATE from the operand before matching it to the index expression, then compares collations.
One index serves every tenant using that key on that table: the expression only reads text, so it
cannot fail on another tenant's value, and every query also constrains `tenant_id` (the leading column).
"""

from __future__ import annotations

import hashlib
import logging

import asyncpg

from tenants.fields.kinds import SORTABLE_KINDS
from tenants.fields.registry import TARGETS

log = logging.getLogger(__name__)
PREFIX = "cf_"


def index_name(table: str, key: str) -> str:
    """Deterministic, within PostgreSQL's 63-character limit."""
    digest = hashlib.sha1(f"{table}.{key}".encode()).hexdigest()[:8]  # noqa: S324 - a name, not security
    return f"{PREFIX}{table}_{key[:36]}_{digest}"


def index_statement(table: str, key: str) -> str:
    if not key.replace("_", "").isalnum() or not key.islower():
        raise ValueError(f"malformed custom field key {key!r}")
    return (
        f"create index concurrently if not exists {index_name(table, key)} on {table}"
        f" (tenant_id, (case when (custom_sort ->> '{key}') is null then ''"
        f" else custom_sort ->> '{key}' end) collate \"C\", id)"
    )


async def needed_indexes(connection: asyncpg.Connection) -> dict[str, tuple[str, str]]:
    """{index name: (table, key)} for every live filterable sortable field of every tenant."""
    sortable = [kind.value for kind in SORTABLE_KINDS]
    needed: dict[str, tuple[str, str]] = {}
    for row in await connection.fetch("select id from tenant_registry"):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(row["id"]))
            definitions = await connection.fetch(
                "select object_type, key from field_definitions"
                " where filterable and archived_at is null and field_type = any($1::text[])",
                sortable,
            )
        for definition in definitions:
            entry = TARGETS.get(definition["object_type"])
            if entry is not None:
                needed[index_name(entry.table, definition["key"])] = (entry.table, definition["key"])
    return needed


async def existing_indexes(connection: asyncpg.Connection) -> dict[str, bool]:
    """{name: valid} of the `cf_` indexes on the registered tables."""
    tables = sorted({entry.table for entry in TARGETS.values()})
    rows = await connection.fetch(
        "select c.relname, i.indisvalid from pg_index i"
        " join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid"
        " where t.relname = any($1::text[]) and c.relname like 'cf\\_%'",
        tables,
    )
    return {row["relname"]: row["indisvalid"] for row in rows}


async def build_indexes(owner_url: str) -> dict[str, list[str]]:
    """Reconcile; returns {"created": [...], "dropped": [...]}. Needs the owner role's URL."""
    connection = await asyncpg.connect(owner_url)
    try:
        needed = await needed_indexes(connection)
        existing = await existing_indexes(connection)
        created, dropped = [], []
        for name, valid in existing.items():
            if name not in needed or not valid:
                # Outside a transaction block: asyncpg runs a lone statement in autocommit mode.
                await connection.execute(f"drop index concurrently if exists {name}")
                dropped.append(name)
        analyze: set[str] = set()
        for name, (table, key) in sorted(needed.items()):
            if existing.get(name) is not True:
                await connection.execute(index_statement(table, key))
                created.append(name)
                analyze.add(table)
        for table in sorted(analyze):
            # ANALYZE gathers statistics of index expressions only once the index exists; without them
            # the planner guesses selectivities and can pick the wrong index (measured: 700 ms vs 1 ms).
            await connection.execute(f"analyze {table}")
        return {"created": created, "dropped": dropped}
    finally:
        await connection.close()
