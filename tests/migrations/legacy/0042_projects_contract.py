"""Projects point at the contract they deliver: a composite foreign key to contracts.

Needs the projects and the commerce branches, so it lists both as parents. Contract ids stored before the
key existed that match no contract are cleared first (FORCE lifted for that one statement, as in 0041).

Revision ID: 0042_projects_contract
Revises: 0041_projects_opportunity, 0030_commerce
Create Date: 2026-11-25
"""

from alembic import op

revision = "0042_projects_contract"
down_revision = ("0041_projects_opportunity", "0030_commerce")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table projects no force row level security")
    op.execute("""
        update projects set contract_id = null
        where contract_id is not null and not exists (
            select from contracts c where c.tenant_id = projects.tenant_id and c.id = projects.contract_id
        )""")
    op.execute("alter table projects force row level security")
    op.execute(
        "alter table projects add constraint projects_contract_fkey"
        " foreign key (tenant_id, contract_id) references contracts(tenant_id, id)"
    )


def downgrade() -> None:
    op.execute("alter table projects drop constraint projects_contract_fkey")
