"""Sales targets and PDCA plans (issue 15): a target per rep, team or the whole tenant for a month,
quarter or year (amount won, amount collected, new customers), its achievement computed from the real
orders and payments; plan items (owner, due date, check notes, follow-up actions) attached to it.

Revision ID: 0213_sales_targets
Revises: 0212_sales_returns
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0213_sales_targets"
down_revision = "0212_sales_returns"
branch_labels = None
depends_on = None

TABLES = ["sales_targets", "sales_plan_items"]
DDL = [
    """
create table sales_targets (
    tenant_id uuid not null,
    id uuid not null,
    level varchar(8) not null check (level in ('user', 'team', 'tenant')),
    user_id uuid,
    team_id uuid,
    period varchar(8) not null check (period in ('month', 'quarter', 'year')),
    starts_on date not null,
    ends_on date not null,
    metric varchar(20) not null check (metric in ('amount_won', 'amount_collected', 'new_customers')),
    goal numeric(18,4) not null check (goal > 0),
    currency varchar(3),
    created_by_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    check ((level = 'user') = (user_id is not null) and (level = 'team') = (team_id is not null)),
    check ((metric = 'new_customers') = (currency is null)),
    check (ends_on >= starts_on),
    foreign key (tenant_id, user_id) references memberships (tenant_id, user_id),
    foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete cascade,
    foreign key (tenant_id, created_by_id) references memberships (tenant_id, user_id)
)""",
    # One target per holder, period and measure.
    """create unique index sales_targets_holder_idx on sales_targets
        (tenant_id, level, coalesce(user_id, team_id, tenant_id), period, starts_on, metric)""",
    "create index sales_targets_user_idx on sales_targets (tenant_id, user_id)",
    "create index sales_targets_team_idx on sales_targets (tenant_id, team_id)",
    "create index sales_targets_period_idx on sales_targets (tenant_id, starts_on, id)",
    "create index sales_targets_creator_idx on sales_targets (tenant_id, created_by_id)",
    """
create table sales_plan_items (
    tenant_id uuid not null,
    id uuid not null,
    target_id uuid not null,
    title varchar(300) not null,
    owner_id uuid not null,
    due_date date not null,
    status varchar(8) not null default 'open' check (status in ('open', 'done')),
    check_note text,
    follow_up text,
    completed_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, target_id) references sales_targets (tenant_id, id) on delete cascade,
    foreign key (tenant_id, owner_id) references memberships (tenant_id, user_id)
)""",
    "create index sales_plan_items_target_idx on sales_plan_items (tenant_id, target_id, due_date)",
    "create index sales_plan_items_owner_idx on sales_plan_items (tenant_id, owner_id)",
    # Targets by when orders were confirmed: the achievement scans a period of orders.
    "create index sales_orders_confirmed_idx on sales_orders (tenant_id, confirmed_at)",
]


def upgrade() -> None:
    for statement in DDL:
        op.execute(statement)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    op.execute("drop index sales_orders_confirmed_idx")
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
