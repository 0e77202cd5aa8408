"""Marketing campaigns (with custom fields) and their cost lines (graph/marketing/).

Revision ID: 0260_campaigns
Revises: 0201_account_contact_counts
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0260_campaigns"
down_revision = "0253_print_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table campaigns (
    tenant_id uuid not null,
    id uuid not null,
    name varchar(200) not null,
    goal text,
    plan text,
    channel varchar(50) not null,
    status varchar(16) not null default 'planned'
        check (status in ('planned', 'active', 'completed', 'cancelled')),
    starts_on date,
    ends_on date,
    currency varchar(3) not null,
    budget numeric(18, 4) not null default 0 check (budget >= 0),
    owner_id uuid not null,
    created_by_id uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object'),
    custom_sort jsonb not null default '{}' check (jsonb_typeof(custom_sort) = 'object'),
    primary key (tenant_id, id),
    foreign key (tenant_id, owner_id) references memberships (tenant_id, user_id),
    check (ends_on is null or starts_on is null or ends_on >= starts_on)
)"""
    )
    op.execute("create index campaigns_owner on campaigns (tenant_id, owner_id)")
    op.execute("create index campaigns_created on campaigns (tenant_id, created_at, id)")
    op.execute("create index campaigns_channel on campaigns (tenant_id, channel)")
    # Custom fields (tenants/fields), as migrations.custom_fields would add them to a live table.
    op.execute("create index campaigns_custom_idx on campaigns using gin (tenant_id, custom jsonb_path_ops)")
    enable_tenant_rls("campaigns")
    op.execute(
        """
create table campaign_costs (
    tenant_id uuid not null,
    id uuid not null,
    campaign_id uuid not null,
    description varchar(200) not null,
    amount numeric(18, 4) not null check (amount > 0),
    currency varchar(3) not null,
    incurred_on date not null,
    created_by_id uuid,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade
)"""
    )
    op.execute(
        "create index campaign_costs_campaign on campaign_costs (tenant_id, campaign_id, incurred_on, id)"
    )
    enable_tenant_rls("campaign_costs")


def downgrade() -> None:
    op.execute("drop table campaign_costs")
    op.execute("drop table campaigns")
