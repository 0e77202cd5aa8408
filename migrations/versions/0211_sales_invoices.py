"""Invoices (issue 15): VAT special or ordinary invoice records against a sales order or a contract,
requested -> issued -> sent, or red-letter reversed; never more invoiced than the order or contract is
worth (the service checks it under the parent's row lock).

Revision ID: 0211_sales_invoices
Revises: 0210_sales_orders
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0211_sales_invoices"
down_revision = "0210_sales_orders"
branch_labels = None
depends_on = None

DDL = [
    """
create table sales_invoices (
    tenant_id uuid not null,
    id uuid not null,
    number varchar(60) not null,
    order_id uuid,
    contract_id uuid,
    account_id uuid not null,
    kind varchar(16) not null check (kind in ('vat_special', 'vat_ordinary')),
    status varchar(16) not null default 'requested' check (status in ('requested', 'issued', 'sent', 'reversed')),
    currency varchar(3) not null,
    amount numeric(18,4) not null check (amount > 0),
    tax_amount numeric(18,4) not null check (tax_amount >= 0 and tax_amount <= amount),
    buyer_name varchar(200),
    buyer_tax_id varchar(40),
    invoice_number varchar(40),
    invoice_date date,
    sent_at timestamptz,
    reversed_at timestamptz,
    reversal_reason text,
    requested_by_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, number),
    check (num_nonnulls(order_id, contract_id) = 1),
    check (status = 'requested' or invoice_number is not null or status = 'reversed'),
    foreign key (tenant_id, order_id) references sales_orders (tenant_id, id) on delete cascade,
    foreign key (tenant_id, contract_id) references contracts (tenant_id, id) on delete cascade,
    foreign key (tenant_id, account_id) references accounts (tenant_id, id),
    foreign key (tenant_id, requested_by_id) references memberships (tenant_id, user_id)
)""",
    "create index sales_invoices_order_idx on sales_invoices (tenant_id, order_id)",
    "create index sales_invoices_contract_idx on sales_invoices (tenant_id, contract_id)",
    "create index sales_invoices_account_idx on sales_invoices (tenant_id, account_id)",
    "create index sales_invoices_requester_idx on sales_invoices (tenant_id, requested_by_id)",
    "create index sales_invoices_created_idx on sales_invoices (tenant_id, created_at, id)",
    # The official (VAT) invoice number is unique per tenant once given.
    """create unique index sales_invoices_invoice_number_idx on sales_invoices (tenant_id, invoice_number)
        where invoice_number is not null""",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
    enable_tenant_rls("sales_invoices")


def downgrade() -> None:
    op.execute("drop table sales_invoices")
