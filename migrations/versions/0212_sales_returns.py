"""Returns and exchanges (issue 15): a return against delivered order lines, with a reason from the
tenant's `return_reasons` option list, resolved by a refund (the order is worth less; what was paid
beyond that is refunded as a negative payment) or a replacement (the goods are delivered again).

Revision ID: 0212_sales_returns
Revises: 0211_sales_invoices
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls
from tenants.embedded import checked_identifier

revision = "0212_sales_returns"
down_revision = "0211_sales_invoices"
branch_labels = None
depends_on = None

TABLES = ["sales_returns", "sales_return_lines"]
DDL = [
    """
create table sales_returns (
    tenant_id uuid not null,
    id uuid not null,
    number varchar(60) not null,
    order_id uuid not null,
    account_id uuid not null,
    reason varchar(50) not null,
    resolution varchar(16) not null check (resolution in ('refund', 'replacement')),
    currency varchar(3) not null,
    net_amount numeric(18,4) not null,
    tax_amount numeric(18,4) not null,
    total_amount numeric(18,4) not null,
    refunded_amount numeric(18,4) not null default 0 check (refunded_amount >= 0),
    refund_payment_id uuid,
    notes text,
    returned_on date not null,
    created_by_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    unique (tenant_id, number),
    foreign key (tenant_id, order_id) references sales_orders (tenant_id, id) on delete cascade,
    foreign key (tenant_id, account_id) references accounts (tenant_id, id),
    foreign key (tenant_id, refund_payment_id) references sales_order_payments (tenant_id, id),
    foreign key (tenant_id, created_by_id) references memberships (tenant_id, user_id)
)""",
    "create index sales_returns_order_idx on sales_returns (tenant_id, order_id, created_at)",
    "create index sales_returns_account_idx on sales_returns (tenant_id, account_id)",
    "create index sales_returns_payment_idx on sales_returns (tenant_id, refund_payment_id)",
    "create index sales_returns_creator_idx on sales_returns (tenant_id, created_by_id)",
    """
create table sales_return_lines (
    tenant_id uuid not null,
    id uuid not null,
    return_id uuid not null,
    order_line_id uuid not null,
    quantity numeric(14,4) not null check (quantity > 0),
    net_amount numeric(18,4) not null,
    tax_amount numeric(18,4) not null,
    total_amount numeric(18,4) not null,
    primary key (tenant_id, id),
    unique (tenant_id, return_id, order_line_id),
    foreign key (tenant_id, return_id) references sales_returns (tenant_id, id) on delete cascade,
    foreign key (tenant_id, order_line_id) references sales_order_lines (tenant_id, id) on delete cascade
)""",
    "create index sales_return_lines_line_idx on sales_return_lines (tenant_id, order_line_id)",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
    for table in TABLES:
        enable_tenant_rls(table)
    # Returns are records of what happened: the application may add them, never rewrite or remove them.
    app_role = checked_identifier(context.config.attributes.get("app_role", "crm_app"))
    for table in TABLES:
        op.execute(f"revoke update, delete on {table} from {app_role}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
