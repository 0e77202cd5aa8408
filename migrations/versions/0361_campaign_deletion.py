"""Deleting a campaign: draft or rejected expense claims lose the link instead of blocking it.

Revision ID: 0361_campaign_deletion
Revises: 0360_campaign_messages
Create Date: 2026-12-03

Approved and pending claims still refuse the deletion (graph/marketing/deletion.py); `SET NULL
(campaign_id)` clears only that column, never the tenant of the claim.
"""

from alembic import op

revision = "0361_campaign_deletion"
down_revision = "0360_campaign_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
alter table expense_claims
    drop constraint expense_claims_tenant_id_campaign_id_fkey,
    add constraint expense_claims_tenant_id_campaign_id_fkey foreign key (tenant_id, campaign_id)
        references campaigns (tenant_id, id) on delete set null (campaign_id)"""
    )


def downgrade() -> None:
    op.execute(
        """
alter table expense_claims
    drop constraint expense_claims_tenant_id_campaign_id_fkey,
    add constraint expense_claims_tenant_id_campaign_id_fkey foreign key (tenant_id, campaign_id)
        references campaigns (tenant_id, id)"""
    )
