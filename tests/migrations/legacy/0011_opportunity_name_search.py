"""Opportunity name search: a trigram index, so `opportunities(filter: {search:})` need not scan the tenant.

(The application role can use it under RLS because the bootstrap marks `texticlike` LEAKPROOF; see
tenants/embedded.py.)

Revision ID: 0011_opportunity_name_search
Revises: 0010_sales_pipeline
Create Date: 2026-11-25
"""

from alembic import op

revision = "0011_opportunity_name_search"
down_revision = "0010_sales_pipeline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "create index opportunities_name_trgm_idx on opportunities using gin (tenant_id, name gin_trgm_ops)"
    )


def downgrade() -> None:
    op.execute("drop index opportunities_name_trgm_idx")
