"""Material lines of projects, purchased through the generic approval chains: planned, requested (an
approval request open), approved or rejected, received (its actual amount then counts in the project's
cost), or cancelled. Amounts are in the project's currency. Custom fields and field rules as on risks.

Revision ID: 0241_project_materials
Revises: 0240_project_resources
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0241_project_materials"
down_revision = "0240_project_resources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table material_lines (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    project_id uuid not null,
    name varchar(200) not null,
    supplier varchar(200),
    quantity numeric(14, 3) not null check (quantity > 0 and quantity < 1e10),
    unit varchar(20) not null,
    unit_price numeric not null check (unit_price >= 0 and unit_price < 1e16),
    amount numeric not null check (amount >= 0 and amount < 1e16),
    status varchar(16) not null default 'planned'
        check (status in ('planned', 'requested', 'approved', 'rejected', 'received', 'cancelled')),
    actual_amount numeric check (actual_amount >= 0 and actual_amount < 1e16),
    received_on date,
    approval_request_id uuid,
    requested_by_id uuid not null,
    custom jsonb not null default '{}'::jsonb check (jsonb_typeof(custom) = 'object'),
    custom_sort jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_sort) = 'object'),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    check ((status = 'received') = (actual_amount is not null and received_on is not null)),
    foreign key (tenant_id, project_id) references projects(tenant_id, id),
    foreign key (tenant_id, requested_by_id) references memberships(tenant_id, user_id),
    foreign key (tenant_id, approval_request_id) references approval_requests(tenant_id, id)
)"""
    )
    op.execute("create index material_lines_project_idx on material_lines (tenant_id, project_id, status)")
    op.execute(
        "create index material_lines_approval_idx on material_lines (tenant_id, approval_request_id)"
        " where approval_request_id is not null"
    )
    op.execute(
        "create index material_lines_custom_idx on material_lines using gin (tenant_id, custom jsonb_path_ops)"
    )
    enable_tenant_rls("material_lines")


def downgrade() -> None:
    op.execute("drop table material_lines")
