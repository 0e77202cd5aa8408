"""Tenant backups asked for through the API or due by the tenant's schedule: queued, then written by the
`backups.run` job to the blob store, the oldest beyond the tenant's retention removed.

Revision ID: 0252_tenant_backups
Revises: 0251_exports
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0252_tenant_backups"
down_revision = "0251_exports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table tenant_backups (
    tenant_id uuid not null,
    id uuid not null,
    status varchar(8) not null check (status in ('queued', 'done', 'failed')),
    storage_key text,
    size bigint,
    row_count bigint,
    failure text,
    requested_by_id uuid not null,
    created_at timestamptz not null default now(),
    finished_at timestamptz,
    primary key (tenant_id, id),
    foreign key (tenant_id, requested_by_id) references memberships (tenant_id, user_id)
)"""
    )
    op.execute("create index tenant_backups_status_idx on tenant_backups (tenant_id, status, created_at)")
    enable_tenant_rls("tenant_backups")
    op.execute(
        """
create table backup_settings (
    tenant_id uuid not null primary key,
    every_days integer check (every_days between 1 and 365),
    keep integer not null check (keep between 1 and 100),
    set_by_id uuid not null,
    updated_at timestamptz not null default now(),
    foreign key (tenant_id, set_by_id) references memberships (tenant_id, user_id)
)"""
    )
    enable_tenant_rls("backup_settings")


def downgrade() -> None:
    op.execute("drop table backup_settings")
    op.execute("drop table tenant_backups")
