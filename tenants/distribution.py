"""How the schema distributes by tenant (infra/citus.md): the catalog facts a Citus plan needs.

`tenant_tables` are the tables with a `tenant_id` column (plus `tenants` itself, keyed by `id`), which
Citus shards by tenant; every other table is global data (identity, login records, the job record,
alembic_version) and becomes a reference table, copied to every node. `leading_column_violations` lists
each primary key, unique constraint, index and foreign key of a tenant table that does not lead with
`tenant_id`: Citus needs the distribution column in every primary key and unique constraint, and a
tenant-leading index keeps a tenant's query on one shard's index. Read with the owner (or any role that
sees the catalog); nothing here reads rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DISTRIBUTION_COLUMN = "tenant_id"
TENANT_TABLES = """
select c.relname
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
  and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id'
              and not a.attisdropped)
order by c.relname
"""
GLOBAL_TABLES = """
select c.relname
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
  and not exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id'
                  and not a.attisdropped)
order by c.relname
"""
# Every index (primary keys and unique constraints are indexes too) and foreign key of a tenant table,
# with its first column (for an expression index, none).
KEYS = """
select c.relname as table_name, i.relname as name,
       case when x.indisprimary then 'primary key' when x.indisunique then 'unique' else 'index' end as kind,
       (select a.attname from pg_attribute a
         where a.attrelid = c.oid and a.attnum = x.indkey[0]) as first_column,
       null::text as referenced_table, null::text as referenced_first_column
from pg_index x
join pg_class c on c.oid = x.indrelid
join pg_class i on i.oid = x.indexrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relname = any($1::text[])
union all
select c.relname, k.conname, 'foreign key',
       (select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum = k.conkey[1]),
       r.relname,
       (select a.attname from pg_attribute a where a.attrelid = r.oid and a.attnum = k.confkey[1])
from pg_constraint k
join pg_class c on c.oid = k.conrelid
join pg_class r on r.oid = k.confrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and k.contype = 'f' and c.relname = any($1::text[])
order by 1, 2
"""


@dataclass(frozen=True)
class Key:
    table: str
    name: str
    kind: str  # primary key, unique, index, foreign key
    first_column: str | None  # None: an expression
    referenced_table: str | None = None


async def tenant_tables(connection: Any) -> list[str]:
    return [row["relname"] for row in await connection.fetch(TENANT_TABLES)]


async def global_tables(connection: Any) -> list[str]:
    return [row["relname"] for row in await connection.fetch(GLOBAL_TABLES)]


async def leading_column_violations(connection: Any) -> list[Key]:
    """Keys of tenant tables that do not lead with tenant_id; a foreign key to a global (reference)
    table may lead with anything (Citus allows a distributed table to reference a reference table)."""
    tables = await tenant_tables(connection)
    global_names = set(await global_tables(connection)) | {"tenants"}
    found = []
    for row in await connection.fetch(KEYS, tables):
        if row["first_column"] == DISTRIBUTION_COLUMN:
            continue
        if row["kind"] == "foreign key" and row["referenced_table"] in global_names:
            continue
        found.append(
            Key(row["table_name"], row["name"], row["kind"], row["first_column"], row["referenced_table"])
        )
    return found


FOREIGN_KEYS = """
select c.relname as table_name, k.conname as name, r.relname as referenced_table
from pg_constraint k
join pg_class c on c.oid = k.conrelid
join pg_class r on r.oid = k.confrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and k.contype = 'f' and c.relname <> r.relname
order by 1, 2
"""
# Kept on the coordinator only: Alembic's bookkeeping.
LOCAL_TABLES = ("alembic_version",)
# Keys that do not lead with tenant_id, on purpose (infra/citus.md says what each costs on Citus).
LEADING_COLUMN_EXCEPTIONS = {
    "memberships_user_id_idx": (
        "a user's memberships in every tenant (login, `me`, switchTenant) are found by user id before any "
        "tenant is chosen; on Citus this one lookup fans out to every shard"
    ),
}


def in_dependency_order(
    names: list[str], depends: dict[str, set[str]], placed: set[str] | None = None
) -> list[str]:
    """`names` with every table after the tables its foreign keys reference (Citus distributes a table
    only once what it references is distributed); a cycle is broken in name order."""
    placed = set(placed or ())
    ordered: list[str] = []
    remaining = sorted(names)
    while remaining:
        ready = [name for name in remaining if depends.get(name, set()) - {name} <= placed] or remaining[:1]
        ordered += ready
        placed |= set(ready)
        remaining = [name for name in remaining if name not in placed]
    return ordered


async def citus_plan(connection: Any) -> str:
    """The DDL that distributes this schema on Citus, generated from the catalog (infra/citus.sql)."""
    distributed = ["tenants", *await tenant_tables(connection)]
    references = [name for name in await global_tables(connection) if name not in (*LOCAL_TABLES, "tenants")]
    depends: dict[str, set[str]] = {}
    unsupported = []  # a reference table may not reference a distributed one
    for row in await connection.fetch(FOREIGN_KEYS):
        if row["table_name"] in references and row["referenced_table"] in distributed:
            unsupported.append(row)
        else:
            depends.setdefault(row["table_name"], set()).add(row["referenced_table"])
    lines = [
        "-- Distributes the CRM schema on Citus by tenant_id (infra/citus.md). Generated from the catalog by",
        "-- `crm citus-plan`; tests/operations/test_scale_out.py fails when a table is missing from it.",
        "-- Run as the owner on the coordinator after `crm migrate`, on an empty database or in a",
        "-- maintenance window (create_distributed_table copies existing rows).",
        "set citus.enable_unsafe_triggers to on;  -- the rollup and match-key triggers write colocated rows",
        "set citus.multi_shard_modify_mode to 'sequential';",
        "",
        "-- Global rows that point at a tenant: Citus has no foreign key from a reference table to a",
        "-- distributed one; their ON DELETE CASCADE goes with them (infra/citus.md).",
        *(f"alter table {row['table_name']} drop constraint {row['name']};" for row in unsupported),
        "",
        "-- Global data (identity, login records, the job record): a copy on every node.",
        *(
            f"select create_reference_table('{name}');"
            for name in in_dependency_order(references, depends, set())
        ),
        "",
        "-- Tenants, and every table of a tenant's data in the same shard as its tenant row.",
        "select create_distributed_table('tenants', 'id');",
        *(
            f"select create_distributed_table('{name}', '{DISTRIBUTION_COLUMN}', colocate_with => 'tenants');"
            for name in in_dependency_order(distributed[1:], depends, {"tenants", *references})
        ),
    ]
    return "\n".join(lines) + "\n"
