"""Leads (pool, assignment rules, duplicate keys) and the public customer pool of accounts.

Duplicate detection compares normalized keys. The normalizations are immutable SQL functions, so one
definition serves every place a key is stored (a Python copy could drift). The keys are stored in plain
columns (generated columns on `leads` and `accounts`, a trigger-maintained `contact_match_keys` table
for the email and phone arrays of `contacts`) rather than matched through expression indexes: under RLS
the planner turns a condition into an index condition only when all its functions are LEAKPROOF, and
`lower()`, our normalizers and array containment are not, while `text = text` is. So
`(tenant_id, email_key)` is the `(tenant_id, lower(email))` index in a form the application role can use.

Accounts may now have no owner: those form the tenant's public pool.

Revision ID: 0020_leads_pool
Revises: 0003_tenant_registry
Create Date: 2026-11-25
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls

revision = "0020_leads_pool"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None

TABLES = [
    "leads",
    "lead_settings",
    "lead_assignment_rules",
    "lead_assignment_rule_users",
    "contact_match_keys",
    "account_pool_settings",
    "account_pool_events",
]

# Legal-form words dropped from the end of a company name: "Acme, Inc." and "ACME GmbH & Co. KG"
# both become "acme".
LEGAL_SUFFIXES = (
    "inc|incorporated|llc|llp|lp|ltd|limited|gmbh|mbh|corp|corporation|co|company|plc|ag|kg|sa|sas"
    "|sarl|srl|spa|bv|nv|oy|ab|as|pty|pte|kk"
)

FUNCTIONS = [
    f"""
    create function crm_company_key(name text) returns text
    language sql immutable parallel safe
    set search_path = pg_catalog
    return nullif(btrim(regexp_replace(regexp_replace(regexp_replace(
        lower(name), '[^[:alnum:]]+', ' ', 'g'),
        '(\\s({LEGAL_SUFFIXES}))+\\s*$', '', 'g'),
        '\\s+', ' ', 'g')), '')
    """,
    """
    create function crm_phone_digits(phone text) returns text
    language sql immutable parallel safe
    set search_path = pg_catalog
    return nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '')
    """,
    """
    create function crm_phone_digits_array(phones text[]) returns text[]
    language sql immutable parallel safe
    set search_path = pg_catalog, public
    return array(select crm_phone_digits(p) from unnest(phones) as p where crm_phone_digits(p) is not null)
    """,
    """
    create function crm_lower_array(items text[]) returns text[]
    language sql immutable parallel safe
    set search_path = pg_catalog
    return array(select lower(i) from unnest(items) as i)
    """,
]


def create_contact_match_keys() -> None:
    """One row per normalized email and phone of each contact, kept in step by a trigger."""
    op.execute("""
        create table contact_match_keys (
            tenant_id uuid not null references tenants(id) on delete cascade,
            contact_id uuid not null,
            kind varchar(8) not null check (kind in ('email', 'phone')),
            key text not null,
            primary key (tenant_id, kind, key, contact_id),
            foreign key (tenant_id, contact_id) references contacts(tenant_id, id) on delete cascade
        )""")
    op.execute("create index contact_match_keys_contact_idx on contact_match_keys (tenant_id, contact_id)")
    op.execute("""
        create function crm_contact_match_keys() returns trigger
        language plpgsql
        set search_path = pg_catalog, public
        as $$
        begin
            delete from contact_match_keys where tenant_id = new.tenant_id and contact_id = new.id;
            insert into contact_match_keys (tenant_id, contact_id, kind, key)
            select new.tenant_id, new.id, 'email', k from unnest(crm_lower_array(new.emails)) as k
            union
            select new.tenant_id, new.id, 'phone', k from unnest(crm_phone_digits_array(new.phones)) as k;
            return null;
        end $$""")
    op.execute(
        "create trigger contacts_match_keys after insert or update of emails, phones on contacts"
        " for each row execute function crm_contact_match_keys()"
    )
    # Backfill existing contacts; the owner is bound by FORCE RLS too, so lift it for this transaction.
    op.execute("alter table contacts no force row level security")
    op.execute("""
        insert into contact_match_keys (tenant_id, contact_id, kind, key)
        select tenant_id, id, 'email', k from contacts, unnest(crm_lower_array(emails)) as k
        union
        select tenant_id, id, 'phone', k from contacts, unnest(crm_phone_digits_array(phones)) as k""")
    op.execute("alter table contacts force row level security")


def upgrade() -> None:
    for function in FUNCTIONS:
        op.execute(function)

    op.execute("""
        create table leads (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            source varchar(64) not null,
            first_name varchar(100),
            last_name varchar(100),
            email varchar(320),
            phone varchar(40),
            title varchar(200),
            company_name varchar(200),
            region varchar(100),
            country varchar(100),
            notes text,
            status varchar(16) not null default 'new'
                check (status in ('new', 'working', 'qualified', 'disqualified', 'converted')),
            disqualified_reason varchar(500),
            owner_id uuid,
            assigned_at timestamptz,
            merged_into_id uuid,
            converted_account_id uuid,
            converted_contact_id uuid,
            converted_at timestamptz,
            email_key text generated always as (lower(email)) stored,
            phone_digits text generated always as (crm_phone_digits(phone)) stored,
            company_key text generated always as (crm_company_key(company_name)) stored,
            created_by_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id),
            foreign key (tenant_id, merged_into_id) references leads(tenant_id, id),
            foreign key (tenant_id, converted_account_id) references accounts(tenant_id, id),
            foreign key (tenant_id, converted_contact_id) references contacts(tenant_id, id),
            check (status <> 'disqualified' or disqualified_reason is not null),
            check (merged_into_id is null or merged_into_id <> id)
        )""")
    op.execute("create index leads_created_idx on leads (tenant_id, created_at, id)")
    op.execute("create index leads_name_idx on leads (tenant_id, lower(last_name), lower(first_name), id)")
    op.execute("create index leads_owner_status_idx on leads (tenant_id, owner_id, status)")
    op.execute("create index leads_pool_idx on leads (tenant_id, created_at, id) where owner_id is null")
    op.execute("create index leads_email_idx on leads (tenant_id, email_key)")
    op.execute("create index leads_phone_idx on leads (tenant_id, phone_digits)")
    op.execute("create index leads_company_idx on leads (tenant_id, company_key)")
    op.execute("create index leads_merged_into_idx on leads (tenant_id, merged_into_id)")
    op.execute("create index leads_converted_account_idx on leads (tenant_id, converted_account_id)")
    op.execute("create index leads_converted_contact_idx on leads (tenant_id, converted_contact_id)")

    op.execute("""
        create table lead_settings (
            tenant_id uuid not null primary key references tenants(id) on delete cascade,
            max_open_leads_per_rep integer check (max_open_leads_per_rep >= 0),
            updated_at timestamptz not null default now(),
            version integer not null default 1
        )""")

    op.execute("""
        create table lead_assignment_rules (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(100) not null,
            position integer not null,
            source varchar(64),
            region varchar(100),
            next_index bigint not null default 0,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id)
        )""")
    op.execute(
        "create index lead_assignment_rules_position_idx on lead_assignment_rules (tenant_id, position, id)"
    )
    op.execute("""
        create table lead_assignment_rule_users (
            tenant_id uuid not null references tenants(id) on delete cascade,
            rule_id uuid not null,
            user_id uuid not null,
            position integer not null,
            primary key (tenant_id, rule_id, user_id),
            foreign key (tenant_id, rule_id) references lead_assignment_rules(tenant_id, id) on delete cascade,
            foreign key (tenant_id, user_id) references memberships(tenant_id, user_id)
        )""")
    op.execute(
        "create index lead_assignment_rule_users_user_idx on lead_assignment_rule_users (tenant_id, user_id)"
    )

    # The public pool: accounts without an owner.
    op.execute("alter table accounts alter column owner_id drop not null")
    op.execute(
        "create index accounts_pool_idx on accounts (tenant_id, lower(name), id) where owner_id is null"
    )
    op.execute(
        "alter table accounts add column company_key text generated always as (crm_company_key(name)) stored"
    )
    op.execute("create index accounts_company_key_idx on accounts (tenant_id, company_key)")
    create_contact_match_keys()

    op.execute("""
        create table account_pool_settings (
            tenant_id uuid not null primary key references tenants(id) on delete cascade,
            max_accounts_per_rep integer check (max_accounts_per_rep >= 0),
            reclaim_inactive_days integer check (reclaim_inactive_days > 0),
            reclaim_no_opportunity_days integer check (reclaim_no_opportunity_days > 0),
            warning_days integer not null default 3 check (warning_days >= 0),
            updated_at timestamptz not null default now(),
            version integer not null default 1
        )""")

    op.execute("""
        create table account_pool_events (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            account_id uuid not null,
            kind varchar(16) not null
                check (kind in ('claimed', 'released', 'reclaimed', 'warned')),
            owner_id uuid,
            actor_id uuid,
            reason varchar(500),
            deadline timestamptz,
            occurred_at timestamptz not null,
            primary key (tenant_id, id),
            foreign key (tenant_id, account_id) references accounts(tenant_id, id) on delete cascade,
            foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id),
            foreign key (tenant_id, actor_id) references memberships(tenant_id, user_id)
        )""")
    op.execute(
        "create index account_pool_events_account_idx on account_pool_events"
        " (tenant_id, account_id, occurred_at desc, id desc)"
    )
    # One grace warning per account and deadline: a rerun of the reclaim job inserts nothing more.
    op.execute(
        "create unique index account_pool_events_one_warning_idx on account_pool_events"
        " (tenant_id, account_id, deadline) where kind = 'warned'"
    )

    for table in TABLES:
        enable_tenant_rls(table)
    # Pool history is append-only for the application, like the audit log.
    app_role = context.config.attributes.get("app_role", "crm_app")
    op.execute(f"revoke update, delete on account_pool_events from {app_role}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
    op.execute("drop trigger contacts_match_keys on contacts")
    op.execute("drop function crm_contact_match_keys")
    op.execute("alter table accounts drop column company_key")
    op.execute("drop index accounts_pool_idx")
    op.execute("alter table accounts alter column owner_id set not null")
    for name in ("crm_lower_array", "crm_phone_digits_array", "crm_phone_digits", "crm_company_key"):
        op.execute(f"drop function {name}")
