"""Exports: list exports waiting for approval, queued, or done (their file in the blob store), and the
tenant's approval threshold.

Revision ID: 0251_exports
Revises: 0250_imports
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0251_exports"
down_revision = "0250_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table data_exports (
    tenant_id uuid not null,
    id uuid not null,
    object_type varchar(64) not null,
    file_format varchar(8) not null check (file_format in ('csv', 'xlsx')),
    purpose text not null,
    filter jsonb,
    order_by jsonb,
    status varchar(20) not null check (status in
        ('awaiting_approval', 'queued', 'done', 'rejected', 'failed')),
    row_count integer not null,
    written_rows integer not null default 0,
    columns jsonb not null default '[]',
    storage_key text,
    approval_request_id uuid,
    failure text,
    requested_by_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    finished_at timestamptz,
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, requested_by_id) references memberships (tenant_id, user_id)
)"""
    )
    op.execute("create index data_exports_status_idx on data_exports (tenant_id, status, created_at)")
    op.execute("create index data_exports_requester_idx on data_exports (tenant_id, requested_by_id, id)")
    op.execute(
        """
create table export_settings (
    tenant_id uuid not null primary key,
    approval_threshold integer not null check (approval_threshold >= 0),
    updated_at timestamptz not null default now()
)"""
    )
    enable_tenant_rls("data_exports")
    enable_tenant_rls("export_settings")


def downgrade() -> None:
    op.execute("drop table export_settings")
    op.execute("drop table data_exports")
