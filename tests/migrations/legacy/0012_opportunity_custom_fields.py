"""Custom fields on opportunities: `custom` values and `custom_sort` keys, as on accounts (0060).

Revision ID: 0012_opportunity_custom_fields
Revises: 0011_opportunity_name_search
Create Date: 2026-11-25
"""

from alembic import op

revision = "0012_opportunity_custom_fields"
down_revision = "0011_opportunity_name_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "alter table opportunities"
        " add column custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object'),"
        " add column custom_sort jsonb not null default '{}' check (jsonb_typeof(custom_sort) = 'object')"
    )
    op.execute(
        "create index opportunities_custom_idx on opportunities using gin (tenant_id, custom jsonb_path_ops)"
    )


def downgrade() -> None:
    op.execute("drop index opportunities_custom_idx")
    op.execute("alter table opportunities drop column custom, drop column custom_sort")
