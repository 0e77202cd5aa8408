"""Competing products met by opportunities: which product we met, with a note on why we won or lost.

Revision ID: 0362_competitor_product_links
Revises: 0361_campaign_deletion
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0362_competitor_product_links"
down_revision = "0361_campaign_deletion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table opportunity_competitor_products (
    tenant_id uuid not null,
    opportunity_id uuid not null,
    product_id uuid not null,
    note varchar(2000),
    created_by_id uuid,
    created_at timestamptz not null default now(),
    primary key (tenant_id, opportunity_id, product_id),
    foreign key (tenant_id, opportunity_id) references opportunities (tenant_id, id) on delete cascade,
    foreign key (tenant_id, product_id) references competitor_products (tenant_id, id)
)"""
    )
    op.execute(
        "create index opportunity_competitor_products_product"
        " on opportunity_competitor_products (tenant_id, product_id, opportunity_id)"
    )
    enable_tenant_rls("opportunity_competitor_products")


def downgrade() -> None:
    op.execute("drop table opportunity_competitor_products")
