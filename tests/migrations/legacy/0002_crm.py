"""CRM: accounts (hierarchy), contacts, contact-account links, activities; indexes and RLS together.

Revision ID: 0002_crm
Revises: 0001_platform
Create Date: 2026-11-25
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0002_crm"
down_revision = "0001_platform"
branch_labels = None
depends_on = None

TABLES = ["accounts", "contacts", "contact_accounts", "activities"]


def upgrade() -> None:
    op.execute("""
        create table accounts (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(200) not null,
            domain varchar(253),
            industry varchar(100),
            parent_id uuid,
            owner_id uuid not null,
            tags text[] not null default '{}',
            street varchar(200),
            city varchar(100),
            region varchar(100),
            postal_code varchar(20),
            country varchar(100),
            notes text,
            created_by_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            deleted_at timestamptz,
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, parent_id) references accounts(tenant_id, id),
            foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id),
            check (parent_id is null or parent_id <> id)
        )""")
    op.execute("create index accounts_name_idx on accounts (tenant_id, lower(name), id)")
    op.execute("create index accounts_owner_idx on accounts (tenant_id, owner_id)")
    op.execute("create index accounts_parent_idx on accounts (tenant_id, parent_id)")
    op.execute("create index accounts_created_idx on accounts (tenant_id, created_at, id)")
    op.execute("create index accounts_updated_idx on accounts (tenant_id, updated_at, id)")
    op.execute("create index accounts_tags_idx on accounts using gin (tenant_id, tags)")
    op.execute("create index accounts_name_trgm_idx on accounts using gin (tenant_id, name gin_trgm_ops)")
    op.execute("create index accounts_domain_trgm_idx on accounts using gin (tenant_id, domain gin_trgm_ops)")

    op.execute("""
        create table contacts (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            first_name varchar(100) not null,
            last_name varchar(100) not null,
            emails text[] not null default '{}',
            phones text[] not null default '{}',
            birthday date,
            owner_id uuid not null,
            tags text[] not null default '{}',
            notes text,
            search_text text not null default '',
            created_by_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            deleted_at timestamptz,
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id)
        )""")
    op.execute(
        "create index contacts_name_idx on contacts (tenant_id, lower(last_name), lower(first_name), id)"
    )
    op.execute("create index contacts_owner_idx on contacts (tenant_id, owner_id)")
    op.execute("create index contacts_created_idx on contacts (tenant_id, created_at, id)")
    op.execute("create index contacts_updated_idx on contacts (tenant_id, updated_at, id)")
    op.execute("create index contacts_tags_idx on contacts using gin (tenant_id, tags)")
    op.execute(
        "create index contacts_search_trgm_idx on contacts using gin (tenant_id, search_text gin_trgm_ops)"
    )

    op.execute("""
        create table contact_accounts (
            tenant_id uuid not null references tenants(id) on delete cascade,
            contact_id uuid not null,
            account_id uuid not null,
            title varchar(200),
            role varchar(100),
            is_primary boolean not null default false,
            primary key (tenant_id, contact_id, account_id),
            foreign key (tenant_id, contact_id) references contacts(tenant_id, id) on delete cascade,
            foreign key (tenant_id, account_id) references accounts(tenant_id, id) on delete cascade
        )""")
    op.execute(
        "create unique index contact_accounts_one_primary_idx on contact_accounts (tenant_id, contact_id)"
        " where is_primary"
    )
    op.execute("create index contact_accounts_account_idx on contact_accounts (tenant_id, account_id)")

    op.execute("""
        create table activities (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            kind varchar(16) not null check (kind in ('call', 'email', 'meeting', 'note', 'task')),
            subject varchar(300) not null,
            body text,
            occurred_at timestamptz not null default now(),
            due_at timestamptz,
            done boolean not null default false,
            account_id uuid,
            contact_id uuid,
            author_id uuid not null,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, account_id) references accounts(tenant_id, id),
            foreign key (tenant_id, contact_id) references contacts(tenant_id, id),
            foreign key (tenant_id, author_id) references memberships(tenant_id, user_id),
            check (account_id is not null or contact_id is not null)
        )""")
    op.execute(
        "create index activities_account_timeline_idx on activities"
        " (tenant_id, account_id, occurred_at desc, id desc)"
    )
    op.execute(
        "create index activities_contact_timeline_idx on activities"
        " (tenant_id, contact_id, occurred_at desc, id desc)"
    )
    op.execute("create index activities_author_idx on activities (tenant_id, author_id)")
    op.execute("create index activities_occurred_idx on activities (tenant_id, occurred_at, id)")

    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
