"""Closing projects out: a closeout per project (summary, the customer's satisfaction, and the evaluation
against plan frozen at closing) and lessons learned, a knowledge base shared across the tenant and
searched by full text of title, body and tags (segmented by the application, graph/core/text_search.py, so
Chinese is found by its bigrams) and by tags.

Revision ID: 0243_project_closeout
Revises: 0242_project_quality
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0243_project_closeout"
down_revision = "0242_project_quality"
branch_labels = None
depends_on = None

TABLES = ("project_lessons", "project_closeouts")


def upgrade() -> None:
    op.execute(
        """
create table project_closeouts (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    project_id uuid not null,
    summary text not null,
    satisfaction smallint check (satisfaction between 1 and 5),
    satisfaction_comment text,
    evaluation jsonb not null,
    closed_on date not null,
    closed_by_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, project_id),
    foreign key (tenant_id, project_id) references projects(tenant_id, id),
    foreign key (tenant_id, closed_by_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute(
        """
create table project_lessons (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    project_id uuid not null,
    title varchar(300) not null,
    body text not null,
    tags text[] not null default '{}',
    search tsvector not null,
    author_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, project_id) references projects(tenant_id, id),
    foreign key (tenant_id, author_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute("create index project_lessons_search_idx on project_lessons using gin (tenant_id, search)")
    op.execute("create index project_lessons_tags_idx on project_lessons using gin (tenant_id, tags)")
    op.execute("create index project_lessons_project_idx on project_lessons (tenant_id, project_id)")
    op.execute("create index project_lessons_created_idx on project_lessons (tenant_id, created_at, id)")
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
