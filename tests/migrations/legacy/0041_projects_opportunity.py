"""Projects point at the won opportunity they deliver: a composite foreign key to opportunities.

Needs both the projects and the sales pipeline branches, so it lists both heads as parents. Opportunity
ids stored before the key existed that match no opportunity are cleared first (the owner is bound by
FORCEd RLS, so the clean-up lifts FORCE for that one statement, as 0003 does).

Revision ID: 0041_projects_opportunity
Revises: 0040_projects, 0010_sales_pipeline
Create Date: 2026-11-25
"""

from alembic import op

revision = "0041_projects_opportunity"
down_revision = ("0040_projects", "0010_sales_pipeline")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table projects no force row level security")
    op.execute("""
        update projects set opportunity_id = null
        where opportunity_id is not null and not exists (
            select from opportunities o where o.tenant_id = projects.tenant_id and o.id = projects.opportunity_id
        )""")
    op.execute("alter table projects force row level security")
    op.execute(
        "alter table projects add constraint projects_opportunity_fkey"
        " foreign key (tenant_id, opportunity_id) references opportunities(tenant_id, id)"
    )


def downgrade() -> None:
    op.execute("alter table projects drop constraint projects_opportunity_fkey")
