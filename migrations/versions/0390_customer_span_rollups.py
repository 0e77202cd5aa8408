"""Reports (issue 19): customer analysis from counts per span instead of one row per customer.

`customer_span_rollups` holds, per span (day, ISO week, month, year; `day` is its first day), owner and
category (`grouping` none, industry, region or source; `category` its value), how many customers
- `new`: won their first deal in the span,
- `last`: won their last deal so far in the span,
- `risk`: changed from not at risk to at risk (+1) or back (-1) for a period ending in the span (the
  churn rule depends on the period's end only, so each customer's state changes on definite days: its
  first win, each done-activity day and each win, plus the 90- and 180-day windows after them),
rows of every owner together under the nil owner as well (read by a caller who sees every owner and
neither filters nor groups by owner or team). The `reports.refresh` job rebuilds it from
`customer_rollups` in the same transaction, so both describe the same snapshot. `customer_rollups` gains
`last_won_on` (its last win) with an index: lost customers are those whose last win lies in the year
before the period, plus the few that won again after the period's end, read from the customer rows that
index finds. Existing customer rows are dropped with their refresh marker (reports scan the records until
the next run of the job fills both tables).

Revision ID: 0390_customer_span_rollups
Revises: 0395_dashboard_descriptions
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0390_customer_span_rollups"
down_revision = "0395_dashboard_descriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    forget_customer_refreshes()
    op.execute("truncate customer_rollups")
    op.execute("alter table customer_rollups add column last_won_on date not null")
    op.execute("create index customer_rollups_last_won_idx on customer_rollups (tenant_id, last_won_on)")
    op.execute(
        """
create table customer_span_rollups (
    tenant_id uuid not null,
    figure varchar(4) not null check (figure in ('new', 'last', 'risk')),
    grouping varchar(8) not null check (grouping in ('none', 'industry', 'region', 'source')),
    grain varchar(5) not null check (grain in ('day', 'week', 'month', 'year')),
    day date not null,
    owner_id uuid,
    category text,
    customers bigint not null,
    -- A customer without an owner, or without the category, counts under NULL: one row each all the same.
    constraint customer_span_rollups_key
        unique nulls not distinct (tenant_id, figure, grouping, grain, day, owner_id, category)
)"""
    )
    enable_tenant_rls("customer_span_rollups")


def forget_customer_refreshes() -> None:
    """Delete every tenant's customers refresh marker (FORCE RLS lifted for this transaction only, as
    migrations.backfill does: the owner role runs revisions without a tenant)."""
    op.execute("alter table report_refreshes no force row level security")
    op.execute("delete from report_refreshes where source = 'customers'")
    op.execute("alter table report_refreshes force row level security")


def downgrade() -> None:
    forget_customer_refreshes()
    op.execute("drop table customer_span_rollups")
    op.execute("truncate customer_rollups")
    op.execute("drop index customer_rollups_last_won_idx")
    op.execute("alter table customer_rollups drop column last_won_on")
