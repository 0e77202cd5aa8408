"""Tenant settings shared by the areas: numbering patterns and counters, option lists, exchange rates.

Revision ID: 0004_settings
Revises: 0003_tenant_registry
Create Date: 2026-11-25
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0004_settings"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None

TABLES = ["numbering_patterns", "number_counters", "option_lists", "option_values", "exchange_rates"]


def upgrade() -> None:
    op.execute("""
        create table numbering_patterns (
            tenant_id uuid not null references tenants(id) on delete cascade,
            sequence varchar(50) not null,
            pattern varchar(60) not null,
            updated_at timestamptz not null default now(),
            primary key (tenant_id, sequence)
        )""")
    op.execute("""
        create table number_counters (
            tenant_id uuid not null references tenants(id) on delete cascade,
            sequence varchar(50) not null,
            pattern varchar(60) not null,
            period varchar(10) not null,
            last_value bigint not null check (last_value > 0),
            primary key (tenant_id, sequence, pattern, period)
        )""")
    op.execute("""
        create table option_lists (
            tenant_id uuid not null references tenants(id) on delete cascade,
            list_key varchar(50) not null,
            seeded_at timestamptz not null default now(),
            primary key (tenant_id, list_key)
        )""")
    op.execute("""
        create table option_values (
            tenant_id uuid not null references tenants(id) on delete cascade,
            list_key varchar(50) not null,
            key varchar(50) not null check (key ~ '^[a-z0-9][a-z0-9_]{0,49}$'),
            label varchar(100) not null,
            position integer not null,
            archived_at timestamptz,
            primary key (tenant_id, list_key, key),
            foreign key (tenant_id, list_key) references option_lists(tenant_id, list_key) on delete cascade
        )""")
    op.execute("""
        create table exchange_rates (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            currency char(3) not null,
            effective_on date not null,
            rate numeric(20, 10) not null check (rate > 0),
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            primary key (tenant_id, id),
            unique (tenant_id, currency, effective_on)
        )""")
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
