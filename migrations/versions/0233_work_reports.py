"""Work reports: a member's daily or weekly report (a free summary and plans; the activities, visits and
tasks of the period are assembled at read time), and comments on it by whoever may read it.

Revision ID: 0233_work_reports
Revises: 0232_expense_claims
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0233_work_reports"
down_revision = "0232_expense_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table work_reports (
    tenant_id uuid not null,
    id uuid not null,
    author_id uuid not null,
    period varchar(8) not null check (period in ('daily', 'weekly')),
    starts_on date not null,
    ends_on date not null,
    summary text not null default '',
    plans text,
    status varchar(16) not null default 'draft' check (status in ('draft', 'submitted')),
    submitted_at timestamptz,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, author_id) references memberships (tenant_id, user_id),
    constraint work_reports_once unique (tenant_id, author_id, period, starts_on),
    check (ends_on >= starts_on)
)"""
    )
    op.execute("create index work_reports_period_idx on work_reports (tenant_id, starts_on desc, id desc)")
    enable_tenant_rls("work_reports")
    op.execute(
        """
create table work_report_comments (
    tenant_id uuid not null,
    id uuid not null,
    report_id uuid not null,
    author_id uuid not null,
    body text not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, report_id) references work_reports (tenant_id, id) on delete cascade,
    foreign key (tenant_id, author_id) references memberships (tenant_id, user_id)
)"""
    )
    op.execute(
        "create index work_report_comments_report_idx on work_report_comments (tenant_id, report_id, created_at)"
    )
    op.execute("create index work_report_comments_author_idx on work_report_comments (tenant_id, author_id)")
    enable_tenant_rls("work_report_comments")


def downgrade() -> None:
    op.execute("drop table work_report_comments")
    op.execute("drop table work_reports")
