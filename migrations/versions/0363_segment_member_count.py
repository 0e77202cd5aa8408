"""Frozen segments remember their snapshot's size, so memberCount need not count 100k rows per page.

Revision ID: 0363_segment_member_count
Revises: 0362_competitor_product_links
Create Date: 2026-12-03

Existing frozen segments get their count here (one grouped scan of segment_members, whose primary key
leads with (tenant_id, segment_id)); dynamic segments keep null.
"""

from alembic import op

revision = "0363_segment_member_count"
down_revision = "0362_competitor_product_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table segments add column member_count integer")
    op.execute(
        """
update segments s set member_count = m.count
from (select tenant_id, segment_id, count(*) as count from segment_members group by tenant_id, segment_id) m
where s.tenant_id = m.tenant_id and s.id = m.segment_id and s.frozen"""
    )
    op.execute("update segments set member_count = 0 where frozen and member_count is null")


def downgrade() -> None:
    op.execute("alter table segments drop column member_count")
