"""Sales orders (issue 15): an order is created from a quote (lines, prices, discounts and tax copied and
then frozen) or directly for a customer; it walks draft -> confirmed -> partially delivered -> delivered
-> closed, or cancelled. Deliveries and payments link to an order as they do to a contract (stock-free:
inventory belongs to an ERP).

Four tenant tables, each with `tenant_id`, a composite primary key, composite foreign keys, indexes
leading with `tenant_id` and the standard RLS policy (ENABLE + FORCE). The application role gets DML
from the baseline's default privileges.

Revision ID: 0210_sales_orders
Revises: 0201_account_contact_counts
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0210_sales_orders"
down_revision = "0201_account_contact_counts"
branch_labels = None
depends_on = None

TABLES = ["sales_orders", "sales_order_lines", "sales_order_deliveries", "sales_order_payments"]

DDL = [
    """
create table sales_orders (
    tenant_id uuid not null,
    id uuid not null,
    number varchar(60) not null,
    quote_id uuid,
    account_id uuid not null,
    owner_id uuid not null,
    status varchar(24) not null default 'draft'
        check (status in ('draft', 'confirmed', 'partially_delivered', 'delivered', 'closed', 'cancelled')),
    currency varchar(3) not null,
    order_date date not null,
    cash_discount_percent numeric(7,4) not null default 0,
    gross_total numeric(18,4) not null default 0,
    discount_total numeric(18,4) not null default 0,
    net_total numeric(18,4) not null default 0,
    tax_total numeric(18,4) not null default 0,
    total numeric(18,4) not null default 0,
    paid_amount numeric(18,4) not null default 0,
    -- What returns took back (net + tax, and the tax part): the order is worth total - returned_amount.
    returned_amount numeric(18,4) not null default 0,
    returned_tax numeric(18,4) not null default 0,
    notes text,
    confirmed_at timestamptz,
    closed_at timestamptz,
    cancelled_at timestamptz,
    created_by_id uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object'),
    custom_sort jsonb not null default '{}' check (jsonb_typeof(custom_sort) = 'object'),
    primary key (tenant_id, id),
    unique (tenant_id, number),
    foreign key (tenant_id, quote_id) references quotes (tenant_id, id),
    foreign key (tenant_id, account_id) references accounts (tenant_id, id),
    foreign key (tenant_id, owner_id) references memberships (tenant_id, user_id)
)""",
    "create index sales_orders_created_idx on sales_orders (tenant_id, created_at, id)",
    "create index sales_orders_custom_idx on sales_orders using gin (tenant_id, custom jsonb_path_ops)",
    "create index sales_orders_owner_idx on sales_orders (tenant_id, owner_id)",
    "create index sales_orders_account_idx on sales_orders (tenant_id, account_id)",
    # One live order per quote: a quote's lines are ordered once (a cancelled order frees the quote).
    """create unique index sales_orders_quote_idx on sales_orders (tenant_id, quote_id)
        where quote_id is not null and status <> 'cancelled'""",
    """
create table sales_order_lines (
    tenant_id uuid not null,
    id uuid not null,
    order_id uuid not null,
    position integer not null,
    product_id uuid,
    description varchar(500) not null,
    unit varchar(20),
    quantity numeric(14,4) not null check (quantity > 0),
    unit_price numeric(18,4) not null,
    line_discount_percent numeric(7,4) not null default 0,
    promotion_percent numeric(7,4) not null default 0,
    volume_percent numeric(7,4) not null default 0,
    customer_type_percent numeric(7,4) not null default 0,
    cash_percent numeric(7,4) not null default 0,
    tax_rate numeric(7,4) not null default 0,
    gross_amount numeric(18,4) not null,
    discount_amount numeric(18,4) not null,
    net_amount numeric(18,4) not null,
    tax_amount numeric(18,4) not null,
    total_amount numeric(18,4) not null,
    delivered_quantity numeric(14,4) not null default 0,
    returned_quantity numeric(14,4) not null default 0,
    check (delivered_quantity >= 0 and delivered_quantity <= quantity),
    check (returned_quantity >= 0 and returned_quantity <= delivered_quantity),
    primary key (tenant_id, id),
    foreign key (tenant_id, order_id) references sales_orders (tenant_id, id) on delete cascade,
    foreign key (tenant_id, product_id) references products (tenant_id, id)
)""",
    "create index sales_order_lines_order_idx on sales_order_lines (tenant_id, order_id, position)",
    "create index sales_order_lines_product_idx on sales_order_lines (tenant_id, product_id)",
    """
create table sales_order_deliveries (
    tenant_id uuid not null,
    id uuid not null,
    order_id uuid not null,
    order_line_id uuid not null,
    quantity numeric(14,4) not null check (quantity > 0),
    delivered_on date not null,
    recorded_by_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, order_id) references sales_orders (tenant_id, id) on delete cascade,
    foreign key (tenant_id, order_line_id) references sales_order_lines (tenant_id, id) on delete cascade,
    foreign key (tenant_id, recorded_by_id) references memberships (tenant_id, user_id)
)""",
    "create index sales_order_deliveries_order_idx on sales_order_deliveries (tenant_id, order_id, delivered_on)",
    "create index sales_order_deliveries_line_idx on sales_order_deliveries (tenant_id, order_line_id)",
    "create index sales_order_deliveries_recorder_idx on sales_order_deliveries (tenant_id, recorded_by_id)",
    """
create table sales_order_payments (
    tenant_id uuid not null,
    id uuid not null,
    order_id uuid not null,
    received_on date not null,
    amount numeric(18,4) not null check (amount <> 0),
    method varchar(20) not null check (method in ('bank_transfer', 'card', 'cash', 'cheque', 'other')),
    reference varchar(200),
    recorded_by_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, order_id) references sales_orders (tenant_id, id) on delete cascade,
    foreign key (tenant_id, recorded_by_id) references memberships (tenant_id, user_id)
)""",
    "create index sales_order_payments_order_idx on sales_order_payments (tenant_id, order_id, received_on)",
    "create index sales_order_payments_recorder_idx on sales_order_payments (tenant_id, recorded_by_id)",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
