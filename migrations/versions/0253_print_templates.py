"""Per-tenant print templates of quotes and contracts (title, header, footer, signature blocks, whether
amounts are also written in Chinese capitals).

Revision ID: 0253_print_templates
Revises: 0252_tenant_backups
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0253_print_templates"
down_revision = "0252_tenant_backups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table print_templates (
    tenant_id uuid not null,
    id uuid not null,
    kind varchar(16) not null check (kind in ('quote', 'contract')),
    title varchar(100) not null,
    header text,
    footer text,
    signatures jsonb not null default '[]',
    chinese_amounts boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, kind)
)"""
    )
    enable_tenant_rls("print_templates")


def downgrade() -> None:
    op.execute("drop table print_templates")
