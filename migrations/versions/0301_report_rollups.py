"""Reports (issue 19): activity statistics per employee from a rollup the `reports.refresh` job rebuilds,
and when each tenant's rollup was last rebuilt (shown as the report's `asOf`).

A rollup row is keyed by what it counts (tenant, day, author, kind), not by a surrogate id, like the
pipeline's close rollups: the key is the identity, and the job replaces a tenant's rows in one statement.

Revision ID: 0301_report_rollups
Revises: 0300_report_dashboards
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0301_report_rollups"
down_revision = "0300_report_dashboards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table activity_day_rollups (
    tenant_id uuid not null,
    day date not null,
    author_id uuid not null,
    kind varchar(16) not null,
    activity_count bigint not null,
    primary key (tenant_id, day, author_id, kind)
)"""
    )
    op.execute(
        "create index activity_day_rollups_author_idx on activity_day_rollups (tenant_id, author_id, day)"
    )
    op.execute(
        """
create table report_refreshes (
    tenant_id uuid not null,
    source varchar(32) not null,
    refreshed_at timestamptz not null,
    primary key (tenant_id, source)
)"""
    )
    enable_tenant_rls("activity_day_rollups")
    enable_tenant_rls("report_refreshes")


def downgrade() -> None:
    op.execute("drop table report_refreshes")
    op.execute("drop table activity_day_rollups")
