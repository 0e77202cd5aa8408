"""Tenant administration: custom field definitions, custom values on the CRM tables, team hierarchy.

- `field_definitions`: per tenant and object type; RLS like every tenant table.
- `custom` (values) and `custom_sort` (order-preserving text keys of sortable values) on accounts,
  contacts and activities, each `jsonb not null default '{}'` (a constant default: no table rewrite).
- A GIN index `(tenant_id, custom jsonb_path_ops)` per table for equality / `in` / contains (`@>`).
  Range filters and ordering use per-field btree expression indexes on `custom_sort`, created outside
  any transaction with CREATE INDEX CONCURRENTLY by `crm indexes` (see there).
- `teams.version` (optimistic concurrency for renames and moves) and the indexes the recursive
  team-scope query walks: `(tenant_id, parent_id)` on teams, `(tenant_id, team_id)` on memberships.

Revision ID: 0060_tenant_admin
Revises: 0003_tenant_registry
Create Date: 2026-11-25
"""

from alembic import op

from migrations.helpers import enable_tenant_rls
from tests.migrations.legacy_custom_fields import add_custom_field_columns, drop_custom_field_columns

revision = "0060_tenant_admin"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None

CUSTOM_TABLES = ["accounts", "contacts", "activities"]


def upgrade() -> None:
    op.execute("""
        create table field_definitions (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            object_type varchar(64) not null,
            key varchar(63) not null check (key ~ '^[a-z][a-z0-9_]{0,62}$'),
            label varchar(100) not null,
            description text,
            field_type varchar(32) not null,
            required boolean not null default false,
            default_value jsonb,
            validation jsonb not null default '{}',
            is_unique boolean not null default false,
            position integer not null default 0,
            searchable boolean not null default false,
            filterable boolean not null default false,
            archived_at timestamptz,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            unique (tenant_id, object_type, key)
        )""")
    enable_tenant_rls("field_definitions")

    for table in CUSTOM_TABLES:
        add_custom_field_columns(table)

    op.execute("alter table teams add column version integer not null default 1")
    op.execute("create index teams_parent_idx on teams (tenant_id, parent_id)")
    op.execute("create index memberships_team_idx on memberships (tenant_id, team_id)")


def downgrade() -> None:
    op.execute("drop index memberships_team_idx")
    op.execute("drop index teams_parent_idx")
    op.execute("alter table teams drop column version")
    for table in CUSTOM_TABLES:
        drop_custom_field_columns(table)
    op.execute("drop table field_definitions")
