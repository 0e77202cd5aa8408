"""Reports (issue 19): dashboards and report widgets. A widget is a saved report definition (JSON of the
typed input, never SQL) with a chart kind; on a dashboard it is shown with the dashboard's sharing,
without one it is a saved report of its own. Sharing is by role key.

Revision ID: 0300_report_dashboards
Revises: 0290_workday_rest
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0300_report_dashboards"
down_revision = "0340_languages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table dashboards (
    tenant_id uuid not null,
    id uuid not null,
    name varchar(200) not null,
    owner_id uuid not null,
    shared_with_roles text[] not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, owner_id) references memberships (tenant_id, user_id)
)"""
    )
    op.execute("create index dashboards_owner_idx on dashboards (tenant_id, owner_id, id)")
    op.execute(
        """
create table report_widgets (
    tenant_id uuid not null,
    id uuid not null,
    dashboard_id uuid,
    name varchar(200) not null,
    position integer not null default 0,
    chart_kind varchar(16) not null check (chart_kind in ('line', 'bar', 'stacked_bar', 'pie', 'table')),
    definition jsonb not null,
    owner_id uuid not null,
    shared_with_roles text[] not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, dashboard_id) references dashboards (tenant_id, id) on delete cascade,
    foreign key (tenant_id, owner_id) references memberships (tenant_id, user_id)
)"""
    )
    op.execute(
        "create index report_widgets_dashboard_idx on report_widgets (tenant_id, dashboard_id, position)"
    )
    op.execute("create index report_widgets_owner_idx on report_widgets (tenant_id, owner_id, id)")
    enable_tenant_rls("dashboards")
    enable_tenant_rls("report_widgets")


def downgrade() -> None:
    op.execute("drop table report_widgets")
    op.execute("drop table dashboards")
