"""Tenant registry: the list of tenant ids that scheduled jobs iterate over.

`tenants` is behind RLS (a tenant sees only itself), so a job runner connected as the application role
could not find the tenants to work on. This global table holds nothing but random ids.

Revision ID: 0003_tenant_registry
Revises: 0002_crm
Create Date: 2026-11-25
"""

from alembic import op

revision = "0003_tenant_registry"
down_revision = "0002_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        create table tenant_registry (
            id uuid primary key references tenants(id) on delete cascade,
            created_at timestamptz not null default now()
        )""")
    # Backfill: the owner is bound by FORCE RLS too, so lift it for this one statement's transaction.
    op.execute("alter table tenants no force row level security")
    op.execute("insert into tenant_registry (id, created_at) select id, created_at from tenants")
    op.execute("alter table tenants force row level security")


def downgrade() -> None:
    op.execute("drop table tenant_registry")
