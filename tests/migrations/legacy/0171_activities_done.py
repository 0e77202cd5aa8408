"""Activities are done or planned: past calls, emails, meetings and notes logged before are done.

Until now `done` meant something for tasks only and every other activity kept the default `false`; the
pool's reclaim rule now counts only done activities as contact, so the ones already logged (dated up to
now) become done. Tasks keep their state; future-dated activities stay planned follow-ups.

Revision ID: 0171_activities_done
Revises: 0170_pool_keep_customers
Create Date: 2026-12-03
"""

from migrations.backfill import backfill

revision = "0171_activities_done"
down_revision = "0170_pool_keep_customers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    backfill("activities", "done = true", "not done and kind <> 'task' and occurred_at <= now()")


def downgrade() -> None:
    """Nothing to undo: `done` on a past non-task activity was meaningless before this revision."""
