"""Approvals on sales (issue 15): each tenant's thresholds for the sales subjects it sends through the
generic approval chains (graph/approvals): a quote discount above a percentage, a contract above an
amount, an order cancellation, a refund above an amount (amounts in the tenant's base currency). One row
per tenant, absent meaning "no approval needed" (like lead_settings).

Revision ID: 0214_sales_approval_settings
Revises: 0213_sales_targets
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0214_sales_approval_settings"
down_revision = "0213_sales_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table sales_approval_settings (
    tenant_id uuid not null primary key references tenants (id) on delete cascade,
    quote_discount_percent numeric(7,4) check (quote_discount_percent >= 0 and quote_discount_percent < 100),
    contract_amount numeric(18,4) check (contract_amount >= 0),
    order_cancellation boolean not null default false,
    refund_amount numeric(18,4) check (refund_amount >= 0),
    updated_at timestamptz not null default now(),
    version integer not null default 1
)"""
    )
    enable_tenant_rls("sales_approval_settings")


def downgrade() -> None:
    op.execute("drop table sales_approval_settings")
