"""Commerce: product lines, products, price lists, promotions, volume tiers, customer-type discounts,
quotes and lines, contracts and lines, installments, payments, deliveries; indexes and RLS together.

Revision ID: 0030_commerce
Revises: 0003_tenant_registry
Create Date: 2026-11-25
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0030_commerce"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None

TABLES = [
    "product_lines",
    "products",
    "price_lists",
    "price_list_items",
    "promotions",
    "volume_tiers",
    "customer_type_discounts",
    "quotes",
    "quote_lines",
    "contracts",
    "contract_lines",
    "contract_installments",
    "contract_payments",
    "contract_deliveries",
]

TENANT = "tenant_id uuid not null references tenants(id) on delete cascade"
PERCENT = "numeric(7,4) not null default 0 check ({name} >= 0 and {name} <= 100)"


def percent(name: str) -> str:
    return f"{name} {PERCENT.format(name=name)}"


def upgrade() -> None:
    op.execute(f"""
        create table product_lines (
            {TENANT},
            id uuid not null,
            name varchar(200) not null,
            description text,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id)
        )""")
    op.execute("create unique index product_lines_name_key on product_lines (tenant_id, lower(name))")

    op.execute(f"""
        create table products (
            {TENANT},
            id uuid not null,
            sku varchar(64) not null,
            name varchar(200) not null,
            description text,
            unit varchar(20) not null,
            list_price numeric(18,4) not null check (list_price >= 0),
            currency char(3) not null,
            {percent("tax_rate")},
            active boolean not null default true,
            product_line_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, product_line_id) references product_lines(tenant_id, id)
        )""")
    # SKUs are unique per tenant whatever their case: "ab-1" and "AB-1" are the same article.
    op.execute("create unique index products_sku_key on products (tenant_id, lower(sku))")
    op.execute("create index products_name_idx on products (tenant_id, lower(name), id)")
    op.execute("create index products_line_idx on products (tenant_id, product_line_id)")

    op.execute(f"""
        create table price_lists (
            {TENANT},
            id uuid not null,
            name varchar(200) not null,
            currency char(3) not null,
            customer_type varchar(50),
            valid_from date,
            valid_until date,
            active boolean not null default true,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            check (valid_until is null or valid_from is null or valid_until >= valid_from)
        )""")
    op.execute("create index price_lists_currency_idx on price_lists (tenant_id, currency, customer_type)")
    op.execute(f"""
        create table price_list_items (
            {TENANT},
            price_list_id uuid not null,
            product_id uuid not null,
            unit_price numeric(18,4) not null check (unit_price >= 0),
            primary key (tenant_id, price_list_id, product_id),
            foreign key (tenant_id, price_list_id) references price_lists(tenant_id, id) on delete cascade,
            foreign key (tenant_id, product_id) references products(tenant_id, id)
        )""")
    op.execute("create index price_list_items_product_idx on price_list_items (tenant_id, product_id)")

    op.execute(f"""
        create table promotions (
            {TENANT},
            id uuid not null,
            name varchar(200) not null,
            {percent("percent")},
            valid_from date,
            valid_until date,
            product_id uuid,
            product_line_id uuid,
            active boolean not null default true,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, product_id) references products(tenant_id, id),
            foreign key (tenant_id, product_line_id) references product_lines(tenant_id, id),
            check (product_id is null or product_line_id is null),
            check (valid_until is null or valid_from is null or valid_until >= valid_from)
        )""")
    op.execute("create index promotions_product_idx on promotions (tenant_id, product_id)")
    op.execute("create index promotions_line_idx on promotions (tenant_id, product_line_id)")

    op.execute(f"""
        create table volume_tiers (
            {TENANT},
            id uuid not null,
            product_id uuid,
            product_line_id uuid,
            min_quantity numeric(14,4) not null check (min_quantity > 0),
            {percent("percent")},
            primary key (tenant_id, id),
            foreign key (tenant_id, product_id) references products(tenant_id, id) on delete cascade,
            foreign key (tenant_id, product_line_id) references product_lines(tenant_id, id)
                on delete cascade,
            check ((product_id is null) <> (product_line_id is null))
        )""")
    op.execute(
        "create unique index volume_tiers_product_key on volume_tiers (tenant_id, product_id, min_quantity)"
        " where product_id is not null"
    )
    op.execute(
        "create unique index volume_tiers_line_key on volume_tiers"
        " (tenant_id, product_line_id, min_quantity) where product_line_id is not null"
    )

    op.execute(f"""
        create table customer_type_discounts (
            {TENANT},
            customer_type varchar(50) not null,
            {percent("percent")},
            primary key (tenant_id, customer_type)
        )""")

    op.execute(f"""
        create table quotes (
            {TENANT},
            id uuid not null,
            number varchar(60) not null,
            revision integer not null default 1 check (revision >= 1),
            previous_quote_id uuid,
            account_id uuid not null,
            opportunity_id uuid,
            owner_id uuid not null,
            status varchar(16) not null default 'draft' check (status in
                ('draft', 'sent', 'accepted', 'rejected', 'expired', 'superseded')),
            currency char(3) not null,
            customer_type varchar(50),
            quote_date date not null,
            valid_until date not null,
            {percent("cash_discount_percent")},
            terms text,
            notes text,
            gross_total numeric(18,4) not null default 0,
            discount_total numeric(18,4) not null default 0,
            net_total numeric(18,4) not null default 0,
            tax_total numeric(18,4) not null default 0,
            total numeric(18,4) not null default 0,
            sent_at timestamptz,
            decided_at timestamptz,
            rejection_reason text,
            created_by_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            unique (tenant_id, number, revision),
            foreign key (tenant_id, account_id) references accounts(tenant_id, id),
            foreign key (tenant_id, previous_quote_id) references quotes(tenant_id, id),
            foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id)
        )""")
    op.execute("create index quotes_created_idx on quotes (tenant_id, created_at, id)")
    op.execute("create index quotes_number_idx on quotes (tenant_id, number, id)")
    op.execute("create index quotes_status_idx on quotes (tenant_id, status, created_at, id)")
    op.execute("create index quotes_account_idx on quotes (tenant_id, account_id)")
    op.execute("create index quotes_opportunity_idx on quotes (tenant_id, opportunity_id)")
    op.execute("create index quotes_owner_idx on quotes (tenant_id, owner_id)")
    op.execute("create index quotes_previous_idx on quotes (tenant_id, previous_quote_id)")
    # The expiry job looks for sent quotes past their date.
    op.execute("create index quotes_sent_valid_idx on quotes (tenant_id, valid_until) where status = 'sent'")

    op.execute(f"""
        create table quote_lines (
            {TENANT},
            id uuid not null,
            quote_id uuid not null,
            position integer not null,
            product_id uuid,
            description varchar(500) not null,
            unit varchar(20),
            quantity numeric(14,4) not null check (quantity > 0),
            unit_price numeric(18,4) not null check (unit_price >= 0),
            price_given boolean not null default false,
            {percent("line_discount_percent")},
            {percent("promotion_percent")},
            {percent("volume_percent")},
            {percent("customer_type_percent")},
            {percent("cash_percent")},
            {percent("tax_rate")},
            gross_amount numeric(18,4) not null,
            discount_amount numeric(18,4) not null,
            net_amount numeric(18,4) not null,
            tax_amount numeric(18,4) not null,
            total_amount numeric(18,4) not null,
            primary key (tenant_id, id),
            foreign key (tenant_id, quote_id) references quotes(tenant_id, id) on delete cascade,
            foreign key (tenant_id, product_id) references products(tenant_id, id)
        )""")
    op.execute("create index quote_lines_quote_idx on quote_lines (tenant_id, quote_id, position)")
    op.execute("create index quote_lines_product_idx on quote_lines (tenant_id, product_id)")

    op.execute(f"""
        create table contracts (
            {TENANT},
            id uuid not null,
            number varchar(60) not null,
            quote_id uuid not null,
            account_id uuid not null,
            owner_id uuid not null,
            signatory_contact_id uuid,
            status varchar(16) not null default 'draft'
                check (status in ('draft', 'active', 'completed', 'cancelled')),
            currency char(3) not null,
            net_total numeric(18,4) not null,
            tax_total numeric(18,4) not null,
            amount numeric(18,4) not null check (amount >= 0),
            paid_amount numeric(18,4) not null default 0 check (paid_amount >= 0 and paid_amount <= amount),
            terms text,
            start_date date not null,
            end_date date,
            completed_at timestamptz,
            created_by_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            unique (tenant_id, number),
            unique (tenant_id, quote_id),
            foreign key (tenant_id, quote_id) references quotes(tenant_id, id),
            foreign key (tenant_id, account_id) references accounts(tenant_id, id),
            foreign key (tenant_id, signatory_contact_id) references contacts(tenant_id, id),
            foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id),
            check (end_date is null or end_date >= start_date)
        )""")
    op.execute("create index contracts_created_idx on contracts (tenant_id, created_at, id)")
    op.execute("create index contracts_account_idx on contracts (tenant_id, account_id)")
    op.execute("create index contracts_owner_idx on contracts (tenant_id, owner_id)")
    op.execute("create index contracts_signatory_idx on contracts (tenant_id, signatory_contact_id)")
    op.execute("create index contracts_status_idx on contracts (tenant_id, status)")

    op.execute(f"""
        create table contract_lines (
            {TENANT},
            id uuid not null,
            contract_id uuid not null,
            position integer not null,
            product_id uuid,
            description varchar(500) not null,
            unit varchar(20),
            quantity numeric(14,4) not null check (quantity > 0),
            unit_price numeric(18,4) not null,
            net_amount numeric(18,4) not null,
            tax_amount numeric(18,4) not null,
            total_amount numeric(18,4) not null,
            delivered_quantity numeric(14,4) not null default 0
                check (delivered_quantity >= 0 and delivered_quantity <= quantity),
            primary key (tenant_id, id),
            foreign key (tenant_id, contract_id) references contracts(tenant_id, id) on delete cascade,
            foreign key (tenant_id, product_id) references products(tenant_id, id)
        )""")
    op.execute(
        "create index contract_lines_contract_idx on contract_lines (tenant_id, contract_id, position)"
    )
    op.execute("create index contract_lines_product_idx on contract_lines (tenant_id, product_id)")

    op.execute(f"""
        create table contract_installments (
            {TENANT},
            id uuid not null,
            contract_id uuid not null,
            position integer not null,
            due_date date not null,
            amount numeric(18,4) not null check (amount > 0),
            primary key (tenant_id, id),
            foreign key (tenant_id, contract_id) references contracts(tenant_id, id) on delete cascade
        )""")
    op.execute(
        "create index contract_installments_contract_idx on contract_installments"
        " (tenant_id, contract_id, due_date)"
    )

    op.execute(f"""
        create table contract_payments (
            {TENANT},
            id uuid not null,
            contract_id uuid not null,
            received_on date not null,
            amount numeric(18,4) not null check (amount <> 0),
            method varchar(20) not null
                check (method in ('bank_transfer', 'card', 'cash', 'cheque', 'other')),
            reference varchar(200),
            recorded_by_id uuid not null,
            created_at timestamptz not null default now(),
            primary key (tenant_id, id),
            foreign key (tenant_id, contract_id) references contracts(tenant_id, id) on delete cascade,
            foreign key (tenant_id, recorded_by_id) references memberships(tenant_id, user_id)
        )""")
    op.execute(
        "create index contract_payments_contract_idx on contract_payments (tenant_id, contract_id, received_on)"
    )
    op.execute("create index contract_payments_recorder_idx on contract_payments (tenant_id, recorded_by_id)")

    op.execute(f"""
        create table contract_deliveries (
            {TENANT},
            id uuid not null,
            contract_id uuid not null,
            contract_line_id uuid not null,
            quantity numeric(14,4) not null check (quantity > 0),
            delivered_on date not null,
            status varchar(16) not null default 'delivered'
                check (status in ('pending', 'delivered', 'cancelled')),
            recorded_by_id uuid not null,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, contract_id) references contracts(tenant_id, id) on delete cascade,
            foreign key (tenant_id, contract_line_id) references contract_lines(tenant_id, id)
                on delete cascade,
            foreign key (tenant_id, recorded_by_id) references memberships(tenant_id, user_id)
        )""")
    op.execute(
        "create index contract_deliveries_contract_idx on contract_deliveries"
        " (tenant_id, contract_id, delivered_on)"
    )
    op.execute(
        "create index contract_deliveries_line_idx on contract_deliveries (tenant_id, contract_line_id)"
    )
    op.execute(
        "create index contract_deliveries_recorder_idx on contract_deliveries (tenant_id, recorded_by_id)"
    )

    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
