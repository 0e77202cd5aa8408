"""Operations (issue 22): the job runner's record, one row per scheduled job, read by /metrics (runs,
failures, time since the last clean run, the backlog a job left). Global operational data with no
tenant in it (like auth_throttle): no tenant_id, no RLS.

Revision ID: 0330_job_runs
Revises: 0290_workday_rest
Create Date: 2026-12-03
"""

from alembic import op

revision = "0330_job_runs"
down_revision = "0310_webhooks_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table job_runs (
    job varchar(100) primary key,
    runs bigint not null default 0,
    failures bigint not null default 0,
    last_started_at timestamptz,
    last_finished_at timestamptz,
    last_succeeded_at timestamptz,
    backlog bigint
)"""
    )


def downgrade() -> None:
    op.execute("drop table job_runs")
