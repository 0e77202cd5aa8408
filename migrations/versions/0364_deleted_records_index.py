"""Soft-deleted contacts and accounts by deletion time: a frozen segment's memberCount subtracts the members
deleted since the freeze by reading these few index entries instead of scanning the table.

Revision ID: 0364_deleted_records_index
Revises: 0363_segment_member_count
Create Date: 2026-12-03

Partial (deleted rows only, few), built CONCURRENTLY so a large table stays writable meanwhile.
"""

from alembic import op

revision = "0364_deleted_records_index"
down_revision = "0363_segment_member_count"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute(
            "create index concurrently if not exists contacts_deleted_idx"
            " on contacts (tenant_id, deleted_at) where deleted_at is not null"
        )
        op.execute(
            "create index concurrently if not exists accounts_deleted_idx"
            " on accounts (tenant_id, deleted_at) where deleted_at is not null"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("drop index concurrently if exists accounts_deleted_idx")
        op.execute("drop index concurrently if exists contacts_deleted_idx")
