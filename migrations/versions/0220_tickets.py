"""Service desk: tickets with their messages and history, SLA policies, the service settings (working week, reopen window) and holidays.

Every table is tenant-owned: `tenant_id uuid not null`, composite primary key, RLS ENABLE + FORCE with the
tenant policy, indexes leading with `tenant_id`, composite foreign keys (they cannot cross tenants).
`ticket_events` is append-only for the application role (history and escalations are evidence).

Revision ID: 0220_tickets
Revises: 0201_account_contact_counts
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls
from tenants.embedded import checked_identifier

revision = "0220_tickets"
down_revision = "0243_project_closeout"
branch_labels = None
depends_on = None

TABLES = (
    "ticket_events",
    "ticket_messages",
    "tickets",
    "sla_policies",
    "service_holidays",
    "service_settings",
)

STATEMENTS = [
    """
create table service_settings (
    tenant_id uuid not null references tenants(id) on delete cascade,
    reopen_window_days integer not null default 7 check (reopen_window_days between 0 and 365),
    utc_offset_minutes integer not null default 0 check (utc_offset_minutes between -720 and 840),
    -- ISO weekday (1 = Monday) -> [start minute, end minute) of the working day, local time
    week jsonb not null,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id),
    check (jsonb_typeof(week) = 'object')
)
""",
    """
create table service_holidays (
    tenant_id uuid not null references tenants(id) on delete cascade,
    day date not null,
    name varchar(100) not null,
    primary key (tenant_id, day)
)
""",
    """
create table sla_policies (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    name varchar(200) not null,
    priority varchar(16) not null check (priority in ('low', 'normal', 'high', 'urgent')),
    customer_tier varchar(100),
    first_response_minutes integer not null check (first_response_minutes between 1 and 525600),
    resolution_minutes integer not null check (resolution_minutes between 1 and 525600),
    at_risk_percent smallint not null default 80 check (at_risk_percent between 1 and 99),
    escalate_to_id uuid,
    active boolean not null default true,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, escalate_to_id) references memberships(tenant_id, user_id)
)
""",
    "create unique index sla_policies_match_key on sla_policies (tenant_id, priority, coalesce(customer_tier, ''))"
    " where active",
    """
create table tickets (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    number varchar(64) not null,
    subject varchar(300) not null,
    description text,
    kind varchar(16) not null default 'request' check (kind in ('question', 'complaint', 'request')),
    channel varchar(100) not null,
    status varchar(24) not null default 'new'
        check (status in ('new', 'open', 'pending_customer', 'resolved', 'closed', 'merged')),
    priority varchar(16) not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
    category varchar(100),
    customer_tier varchar(100),
    account_id uuid,
    contact_id uuid,
    product_id uuid,
    contract_id uuid,
    assignee_id uuid,
    created_by_id uuid,
    merged_into_id uuid,
    sla_policy_id uuid,
    first_responded_at timestamptz,
    response_risk_at timestamptz,
    response_due_at timestamptz,
    resolution_risk_at timestamptz,
    resolution_due_at timestamptz,
    sla_paused_at timestamptz,
    escalation_level smallint not null default 0 check (escalation_level between 0 and 2),
    resolved_at timestamptz,
    closed_at timestamptz,
    reopen_count integer not null default 0,
    custom jsonb not null default '{}'::jsonb check (jsonb_typeof(custom) = 'object'),
    custom_sort jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_sort) = 'object'),
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    unique (tenant_id, number),
    foreign key (tenant_id, account_id) references accounts(tenant_id, id),
    foreign key (tenant_id, contact_id) references contacts(tenant_id, id),
    foreign key (tenant_id, product_id) references products(tenant_id, id),
    foreign key (tenant_id, contract_id) references contracts(tenant_id, id),
    foreign key (tenant_id, assignee_id) references memberships(tenant_id, user_id),
    foreign key (tenant_id, merged_into_id) references tickets(tenant_id, id),
    foreign key (tenant_id, sla_policy_id) references sla_policies(tenant_id, id)
)
""",
    "create index tickets_list_idx on tickets (tenant_id, created_at desc, id desc)",
    "create index tickets_assignee_idx on tickets (tenant_id, assignee_id, status, created_at desc)",
    "create index tickets_status_idx on tickets (tenant_id, status, created_at desc)",
    "create index tickets_resolution_due_idx on tickets (tenant_id, resolution_due_at)"
    " where status in ('new', 'open')",
    "create index tickets_response_due_idx on tickets (tenant_id, response_due_at)"
    " where status in ('new', 'open') and first_responded_at is null",
    # The `search` filter: ILIKE on the subject (ILIKE is leak-proof, so RLS keeps the index usable).
    "create index tickets_subject_trgm_idx on tickets using gin (tenant_id, subject gin_trgm_ops)",
    "create index tickets_custom_idx on tickets using gin (tenant_id, custom jsonb_path_ops)",
    "create index tickets_account_idx on tickets (tenant_id, account_id)",
    "create index tickets_contact_idx on tickets (tenant_id, contact_id)",
    "create index tickets_product_idx on tickets (tenant_id, product_id)",
    "create index tickets_contract_idx on tickets (tenant_id, contract_id)",
    "create index tickets_merged_into_idx on tickets (tenant_id, merged_into_id)",
    "create index tickets_sla_policy_idx on tickets (tenant_id, sla_policy_id)",
    """
create table ticket_messages (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    ticket_id uuid not null,
    author_id uuid,
    visibility varchar(16) not null check (visibility in ('internal', 'public')),
    body text not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets(tenant_id, id) on delete cascade
)
""",
    "create index ticket_messages_ticket_idx on ticket_messages (tenant_id, ticket_id, created_at, id)",
    """
create table ticket_events (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    ticket_id uuid not null,
    kind varchar(32) not null,
    actor_id uuid,
    data jsonb not null default '{}',
    occurred_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets(tenant_id, id) on delete cascade
)
""",
    "create index ticket_events_ticket_idx on ticket_events (tenant_id, ticket_id, occurred_at, id)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    for table in TABLES:
        enable_tenant_rls(table)
    app_role = checked_identifier(context.config.attributes.get("app_role", "crm_app"))
    op.execute(f"revoke update, delete on ticket_events from {app_role}")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
