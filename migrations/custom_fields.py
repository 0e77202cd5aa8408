"""DDL for an object type that opts into custom fields (tenants/fields): one call in its revision.

from migrations.custom_fields import add_custom_field_columns
add_custom_field_columns("leads")

The table is usually big and live by then, so nothing here makes writers wait longer than a catalog
change: the CHECK constraints are added NOT VALID and validated afterwards, and the GIN index is built
CONCURRENTLY, both after the revision's transaction committed (docs/migrations.md, "Custom-field DDL").
Every step may be run again, so a revision interrupted half-way is finished by running it again.
"""

from __future__ import annotations

from alembic import op

COLUMNS = ("custom", "custom_sort")
# The catalog changes take ACCESS EXCLUSIVE for milliseconds, but waiting for it queues every later
# reader and writer behind the migration: give up instead when a long transaction holds the table.
LOCK_TIMEOUT = "5s"


def check_name(table: str, column: str) -> str:
    return f"{table}_{column}_check"  # the name PostgreSQL gives an inline column CHECK


def add_custom_field_columns(table: str) -> None:
    """`custom` (values) and `custom_sort` (sort keys) as JSON objects, and the GIN index that serves
    equality and containment filters.

    1. In the revision's transaction: the columns, with a constant default (no rewrite, no scan), and
       their CHECK constraints NOT VALID (no scan). ACCESS EXCLUSIVE, held until that commit only.
    2. Outside it (autocommit): VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE, which
       lets reads and writes proceed; CREATE INDEX CONCURRENTLY builds the index the same way.
    """
    op.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
    op.execute(
        f"alter table {table} "
        + ", ".join(f"add column if not exists {column} jsonb not null default '{{}}'" for column in COLUMNS)
    )
    for column in COLUMNS:
        name = check_name(table, column)
        op.execute(
            f"alter table {table} drop constraint if exists {name},"
            f" add constraint {name} check (jsonb_typeof({column}) = 'object') not valid"
        )
    with op.get_context().autocommit_block():
        for column in COLUMNS:
            op.execute(f"alter table {table} validate constraint {check_name(table, column)}")
        # An interrupted concurrent build leaves an INVALID index behind: drop it, build again.
        op.execute(f"drop index concurrently if exists {table}_custom_idx")
        op.execute(
            f"create index concurrently {table}_custom_idx on {table} using gin (tenant_id, custom jsonb_path_ops)"
        )


def drop_custom_field_columns(table: str) -> None:
    with op.get_context().autocommit_block():
        op.execute(f"drop index concurrently if exists {table}_custom_idx")
    op.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
    op.execute(f"alter table {table} " + ", ".join(f"drop column if exists {column}" for column in COLUMNS))
