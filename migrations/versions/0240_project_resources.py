"""People and capacity for projects: skills per member, weekly capacity per member, and allocations of
members to projects per ISO week (Monday).

A member without a capacity row has the default 40 hours a week (graph/projects/resources/capacity.py).
Allocations are unique per (project, member, week); the week is always a Monday, checked in the table.

Revision ID: 0240_project_resources
Revises: 0201_account_contact_counts
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0240_project_resources"
down_revision = "0235_notification_templates"
branch_labels = None
depends_on = None

TABLES = ("project_allocations", "member_capacities", "member_skills")


def upgrade() -> None:
    op.execute(
        """
create table member_skills (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    user_id uuid not null,
    skill varchar(100) not null check (skill = lower(btrim(skill)) and skill <> ''),
    level smallint not null check (level between 1 and 5),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, user_id, skill),
    foreign key (tenant_id, user_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute("create index member_skills_skill_idx on member_skills (tenant_id, skill, level)")
    op.execute(
        """
create table member_capacities (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    user_id uuid not null,
    weekly_hours numeric(5, 2) not null check (weekly_hours >= 0 and weekly_hours <= 168),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, user_id),
    foreign key (tenant_id, user_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute(
        """
create table project_allocations (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    project_id uuid not null,
    user_id uuid not null,
    week_start date not null check (extract(isodow from week_start) = 1),
    hours numeric(5, 2) not null check (hours > 0 and hours <= 168),
    created_by_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, project_id, user_id, week_start),
    foreign key (tenant_id, project_id) references projects(tenant_id, id),
    foreign key (tenant_id, user_id) references memberships(tenant_id, user_id),
    foreign key (tenant_id, created_by_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute(
        "create index project_allocations_user_week_idx on project_allocations (tenant_id, user_id, week_start)"
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
