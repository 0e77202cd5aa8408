"""Leads remember the opportunity their conversion created (a foreign key across the leads and pipeline
branches, so this revision has both heads as parents).

Revision ID: 0021_leads_opportunity
Revises: 0020_leads_pool, 0010_sales_pipeline
Create Date: 2026-11-25
"""

from alembic import op

revision = "0021_leads_opportunity"
down_revision = ("0020_leads_pool", "0010_sales_pipeline")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table leads add column converted_opportunity_id uuid")
    op.execute(
        "alter table leads add constraint leads_converted_opportunity_fkey"
        " foreign key (tenant_id, converted_opportunity_id) references opportunities(tenant_id, id)"
    )
    op.execute("create index leads_converted_opportunity_idx on leads (tenant_id, converted_opportunity_id)")


def downgrade() -> None:
    op.execute("drop index leads_converted_opportunity_idx")
    op.execute("alter table leads drop column converted_opportunity_id")
