"""Custom fields on projects, tasks and risks: `custom` values and `custom_sort` keys plus the GIN index (tenant_id leading).

Revision ID: 0081_projects_custom
Revises: 0042_projects_contract
Create Date: 2026-11-25
"""

from tests.migrations.legacy_custom_fields import add_custom_field_columns, drop_custom_field_columns

revision = "0081_projects_custom"
down_revision = "0042_projects_contract"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_custom_field_columns("projects")
    add_custom_field_columns("tasks")
    add_custom_field_columns("risks")


def downgrade() -> None:
    drop_custom_field_columns("risks")
    drop_custom_field_columns("tasks")
    drop_custom_field_columns("projects")
