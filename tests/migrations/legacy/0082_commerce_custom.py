"""Custom fields on quotes and contracts: `custom` values and `custom_sort` keys plus the GIN indexes
(tenant_id leading).

Revision ID: 0082_commerce_custom
Revises: 0031_commerce_opportunity
Create Date: 2026-11-25
"""

from tests.migrations.legacy_custom_fields import add_custom_field_columns, drop_custom_field_columns

revision = "0082_commerce_custom"
down_revision = "0031_commerce_opportunity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_custom_field_columns("quotes")
    add_custom_field_columns("contracts")


def downgrade() -> None:
    drop_custom_field_columns("contracts")
    drop_custom_field_columns("quotes")
