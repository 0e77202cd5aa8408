"""Custom fields on leads: `custom` values and `custom_sort` keys plus the GIN index (tenant_id leading).

Revision ID: 0080_leads_custom
Revises: 0021_leads_opportunity
Create Date: 2026-11-25
"""

from tests.migrations.legacy_custom_fields import add_custom_field_columns, drop_custom_field_columns

revision = "0080_leads_custom"
down_revision = "0021_leads_opportunity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_custom_field_columns("leads")


def downgrade() -> None:
    drop_custom_field_columns("leads")
