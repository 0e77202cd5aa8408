"""Competing products: what each competitor of the pipeline's competitor list sells against us.

Revision ID: 0263_competitor_products
Revises: 0262_campaign_events
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0263_competitor_products"
down_revision = "0262_campaign_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table competitor_products (
    tenant_id uuid not null,
    id uuid not null,
    competitor_id uuid not null,
    name varchar(200) not null,
    strengths text,
    weaknesses text,
    price_note varchar(500),
    archived_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, competitor_id) references competitors (tenant_id, id)
)"""
    )
    op.execute(
        "create index competitor_products_competitor on competitor_products (tenant_id, competitor_id, name)"
    )
    enable_tenant_rls("competitor_products")


def downgrade() -> None:
    op.execute("drop table competitor_products")
