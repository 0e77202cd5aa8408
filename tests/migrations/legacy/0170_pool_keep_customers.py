"""Live customers stay with their owner: pool settings that exempt accounts from every reclaim rule.

An open opportunity, a deal won in the last `keep_won_days`, a draft or active contract, or a signed
contract not fully paid keeps an account out of the reclaim job (`graph/crm/pool_reclaim.py`). All on by
default, for existing tenants too: reclaiming a live customer hid the rep's own deals' account from them.

Revision ID: 0170_pool_keep_customers
Revises: 0080_leads_custom
Create Date: 2026-12-03
"""

from alembic import op

revision = "0170_pool_keep_customers"
down_revision = "0080_leads_custom"
branch_labels = None
depends_on = None

COLUMNS = {
    "keep_open_opportunities": "boolean not null default true",
    "keep_won_days": "integer default 90 check (keep_won_days > 0)",
    "keep_active_contracts": "boolean not null default true",
    "keep_unpaid_receivables": "boolean not null default true",
}


def upgrade() -> None:
    for column, definition in COLUMNS.items():
        op.execute(f"alter table account_pool_settings add column {column} {definition}")


def downgrade() -> None:
    for column in COLUMNS:
        op.execute(f"alter table account_pool_settings drop column {column}")
