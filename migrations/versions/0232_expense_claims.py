"""Expense claims: what a member spent for work (category, amount, currency, day), optionally for an
account or project, approved through the tenant's `expense_claim` approval chain.

Revision ID: 0232_expense_claims
Revises: 0231_calendar_items
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0232_expense_claims"
down_revision = "0231_calendar_items"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table expense_claims (
    tenant_id uuid not null,
    id uuid not null,
    claimant_id uuid not null,
    category varchar(32) not null
        check (category in ('travel', 'lodging', 'meals', 'entertainment', 'supplies', 'other')),
    amount numeric(14, 2) not null check (amount > 0),
    currency char(3) not null,
    incurred_on date not null,
    description text,
    account_id uuid,
    project_id uuid,
    status varchar(16) not null default 'draft'
        check (status in ('draft', 'submitted', 'approved', 'rejected')),
    approval_request_id uuid,
    submitted_at timestamptz,
    decided_at timestamptz,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, claimant_id) references memberships (tenant_id, user_id),
    foreign key (tenant_id, account_id) references accounts (tenant_id, id),
    foreign key (tenant_id, project_id) references projects (tenant_id, id),
    foreign key (tenant_id, approval_request_id) references approval_requests (tenant_id, id)
)"""
    )
    op.execute("create index expense_claims_claimant_idx on expense_claims (tenant_id, claimant_id, incurred_on)")
    op.execute("create index expense_claims_project_idx on expense_claims (tenant_id, project_id, status)")
    op.execute("create index expense_claims_account_idx on expense_claims (tenant_id, account_id)")
    op.execute("create index expense_claims_request_idx on expense_claims (tenant_id, approval_request_id)")
    enable_tenant_rls("expense_claims")


def downgrade() -> None:
    op.execute("drop table expense_claims")
