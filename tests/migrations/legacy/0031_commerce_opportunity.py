"""Commerce meets the sales pipeline: a quote's opportunity becomes a composite foreign key.

Both areas' branches are parents: quotes come from 0030_commerce, opportunities from 0010_sales_pipeline.
The index `quotes_opportunity_idx (tenant_id, opportunity_id)` from 0030 serves the referential checks.

Revision ID: 0031_commerce_opportunity
Revises: 0030_commerce, 0010_sales_pipeline
Create Date: 2026-11-25
"""

from alembic import op

revision = "0031_commerce_opportunity"
down_revision = ("0030_commerce", "0010_sales_pipeline")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "alter table quotes add constraint quotes_opportunity_fkey foreign key (tenant_id, opportunity_id)"
        " references opportunities (tenant_id, id)"
    )


def downgrade() -> None:
    op.execute("alter table quotes drop constraint quotes_opportunity_fkey")
