"""Calendar items carry the IANA time zone their recurrence is expanded in (existing items: UTC, as
they were expanded so far).

Revision ID: 0290_calendar_time_zones
Revises: 0263_competitor_products
Create Date: 2026-12-03
"""

from alembic import op

revision = "0290_calendar_time_zones"
down_revision = "0263_competitor_products"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table calendar_items add column time_zone varchar(64) not null default 'UTC'")


def downgrade() -> None:
    op.execute("alter table calendar_items drop column time_zone")
