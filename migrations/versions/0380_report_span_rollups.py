"""Reports (issue 19): job-built rollups hold weeks and months as well as days; funnel and customer rollups.

`activity_day_rollups` gains `grain` (day, week, month; `day` is then the span's first day) in its key, so
a year of weekly activity statistics reads week rows instead of days x members. `funnel_rollups` holds the
funnel's figures per span of creation days, owner and stage (deals that reached the stage, finished stays
and their days), rebuilt by the `reports.refresh` job like the activity rollup; the report shows the
refresh as its `asOf`. `customer_rollups` holds one row per customer (an account with a won deal): its
owner and categories, and the sorted days it won deals and had done activities, so new, lost and at-risk
customers are counted from one row each (`width_bucket` binary-searches the days) instead of joining the
deals and activities per account. All are keyed by what they count (no surrogate id) and lead with tenant, grain,
day, the order the readers' period ranges use.

Revision ID: 0380_report_span_rollups
Revises: 0370_sms_messages
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0380_report_span_rollups"
down_revision = "0370_sms_messages"
branch_labels = None
depends_on = None

GRAIN = "grain varchar(5) not null check (grain in ('day', 'week', 'month'))"


def upgrade() -> None:
    # The job rebuilds the rollup from the activities: its rows can go; the refresh marker goes with
    # them, so reports scan the activities until the next run rebuilds all three grains.
    op.execute("truncate activity_day_rollups")
    forget_refreshes("'activities'")
    op.execute(f"alter table activity_day_rollups add column {GRAIN}")
    op.execute("alter table activity_day_rollups drop constraint activity_day_rollups_pkey")
    op.execute("alter table activity_day_rollups add primary key (tenant_id, grain, day, author_id, kind)")
    # Readers take spans by (grain, day) ranges, which the key serves; an index leading with the author
    # would tempt the planner into reading every grain of the period and filtering.
    op.execute("drop index activity_day_rollups_author_idx")
    op.execute(
        f"""
create table funnel_rollups (
    tenant_id uuid not null,
    {GRAIN},
    day date not null,
    owner_id uuid not null,
    stage_id uuid not null,
    reached bigint not null,
    stays bigint not null,
    stay_days numeric not null,
    primary key (tenant_id, grain, day, owner_id, stage_id)
)"""
    )
    enable_tenant_rls("funnel_rollups")
    op.execute(
        """
create table customer_rollups (
    tenant_id uuid not null,
    account_id uuid not null,
    owner_id uuid,
    industry text,
    region text,
    source text,
    first_won_on date not null,
    won_days date[] not null,
    done_days date[] not null,
    primary key (tenant_id, account_id)
)"""
    )
    op.execute("create index customer_rollups_first_won_idx on customer_rollups (tenant_id, first_won_on)")
    enable_tenant_rls("customer_rollups")


def forget_refreshes(sources: str) -> None:
    """Delete refresh markers of every tenant (FORCE RLS lifted for this transaction only, as
    migrations.backfill does: the owner role runs revisions without a tenant)."""
    op.execute("alter table report_refreshes no force row level security")
    op.execute(f"delete from report_refreshes where source in ({sources})")
    op.execute("alter table report_refreshes force row level security")


def downgrade() -> None:
    op.execute("drop table customer_rollups")
    op.execute("drop table funnel_rollups")
    forget_refreshes("'activities', 'funnel', 'customers'")
    op.execute("truncate activity_day_rollups")
    op.execute("alter table activity_day_rollups drop constraint activity_day_rollups_pkey")
    op.execute("alter table activity_day_rollups drop column grain")
    op.execute("alter table activity_day_rollups add primary key (tenant_id, day, author_id, kind)")
    op.execute(
        "create index activity_day_rollups_author_idx on activity_day_rollups (tenant_id, author_id, day)"
    )
