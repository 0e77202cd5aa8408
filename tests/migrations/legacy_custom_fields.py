"""The custom-field DDL as the legacy revisions ran it (inline CHECK, plain CREATE INDEX), kept so that
the previous release's chain builds exactly what it built; new revisions use migrations/custom_fields.py.
"""

from __future__ import annotations

from alembic import op


def add_custom_field_columns(table: str) -> None:
    """`custom` (values) and `custom_sort` (sort keys) as JSON objects, and the GIN index that serves
    equality and containment filters. A constant default: no table rewrite, even on a big table."""
    op.execute(
        f"alter table {table}"
        " add column custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object'),"
        " add column custom_sort jsonb not null default '{}' check (jsonb_typeof(custom_sort) = 'object')"
    )
    op.execute(f"create index {table}_custom_idx on {table} using gin (tenant_id, custom jsonb_path_ops)")


def drop_custom_field_columns(table: str) -> None:
    op.execute(f"drop index {table}_custom_idx")
    op.execute(f"alter table {table} drop column custom, drop column custom_sort")
