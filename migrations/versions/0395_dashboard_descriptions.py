"""Reports (issue 19): a dashboard has a description its editor can change (with its name and sharing).

A nullable column without a default: adding it rewrites nothing and holds the table's lock only for the
catalogue change.

Revision ID: 0395_dashboard_descriptions
Revises: 0382_lean_statement_functions
Create Date: 2026-12-03
"""

from alembic import op

revision = "0395_dashboard_descriptions"
down_revision = "0382_lean_statement_functions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table dashboards add column description text")


def downgrade() -> None:
    op.execute("alter table dashboards drop column description")
