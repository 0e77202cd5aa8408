"""Reports (issue 19): the pipeline's close rollups per week and per month, kept by triggers.

`opportunity_close_span_rollups` sums `opportunity_close_rollups` (day, status, pipeline, owner, currency)
into ISO weeks and calendar months (`grain`, `day` = the span's first day), without the pipeline (no report
splits by it), so sales performance and forecast read ~12 month rows per owner and currency for a year
instead of ~365 day rows (graph/reports/spans.py, graph/reports/sales_facts.py). Like the day rows it is
kept in every writing transaction by statement-level AFTER INSERT/UPDATE/DELETE triggers on
`opportunities` with transition tables (each statement upserts its signed deltas in key order; README
Decisions), emptied by TRUNCATE with them, and the application role may not delete its rows. The rows are
backfilled from the day rows in this revision's transaction, after the triggers exist (they lock
`opportunities` against writes until it commits, so nothing is counted twice or missed).

Revision ID: 0381_close_span_rollups
Revises: 0380_report_span_rollups
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls
from tenants.embedded import checked_identifier

revision = "0381_close_span_rollups"
down_revision = "0380_report_span_rollups"
branch_labels = None
depends_on = None

KEY = "tenant_id, grain, day, status, owner_id, currency"
# The day an opportunity counts on, as opportunity_close_rollups has it (baseline: 0150's triggers).
DAY = "case when status = 'open' then expected_close_on else (closed_at at time zone 'UTC')::date end"


def changes(*sides: tuple[str, int]) -> str:
    return " union all ".join(
        f"select tenant_id, {DAY} as day, status, owner_id, currency, {sign} as sign, amount, probability"
        f" from {table} where ({DAY}) is not null"
        for table, sign in sides
    )


def upsert(sides: tuple[tuple[str, int], ...]) -> str:
    return f"""
        insert into opportunity_close_span_rollups as r
            ({KEY}, opportunity_count, amount, weighted_amount)
        select c.tenant_id, g.grain, date_trunc(g.grain, c.day::timestamp)::date, c.status, c.owner_id,
               c.currency, sum(c.sign), sum(c.sign * c.amount), sum(c.sign * c.amount * c.probability)
        from ({changes(*sides)}) as c cross join (values ('week'), ('month')) as g (grain)
        group by 1, 2, 3, 4, 5, 6
        having sum(c.sign) <> 0 or sum(c.sign * c.amount) <> 0 or sum(c.sign * c.amount * c.probability) <> 0
        order by 1, 2, 3, 4, 5, 6
        on conflict ({KEY}) do update set
            opportunity_count = r.opportunity_count + excluded.opportunity_count,
            amount = r.amount + excluded.amount,
            weighted_amount = r.weighted_amount + excluded.weighted_amount"""


TRIGGERS = {
    "insert": ("new table as new_rows", (("new_rows", 1),)),
    "update": ("new table as new_rows old table as old_rows", (("new_rows", 1), ("old_rows", -1))),
    "delete": ("old table as old_rows", (("old_rows", -1),)),
}


def upgrade() -> None:
    op.execute(
        f"""
create table opportunity_close_span_rollups (
    tenant_id uuid not null references tenants (id) on delete cascade,
    grain varchar(5) not null check (grain in ('week', 'month')),
    day date not null,
    status varchar(8) not null check (status in ('open', 'won', 'lost')),
    owner_id uuid not null,
    currency char(3) not null,
    opportunity_count bigint not null default 0,
    amount numeric not null default 0,
    weighted_amount numeric not null default 0,
    primary key ({KEY})
)"""
    )
    enable_tenant_rls("opportunity_close_span_rollups")
    app_role = checked_identifier(context.config.attributes.get("app_role", "crm_app"))
    op.execute(f"revoke delete on opportunity_close_span_rollups from {app_role}")
    for event, (referencing, sides) in TRIGGERS.items():
        op.execute(
            f"""
create function opportunity_span_rollups_after_{event}() returns trigger language plpgsql as $$
begin
    {upsert(sides)};
    return null;
end $$"""
        )
        op.execute(
            f"create trigger opportunity_span_rollups_{event} after {event} on opportunities"
            f" referencing {referencing} for each statement"
            f" execute function opportunity_span_rollups_after_{event}()"
        )
    op.execute(
        """
create function opportunity_span_rollups_after_truncate() returns trigger language plpgsql as $$
begin
    truncate opportunity_close_span_rollups;
    return null;
end $$"""
    )
    op.execute(
        "create trigger opportunity_span_rollups_truncate after truncate on opportunities"
        " for each statement execute function opportunity_span_rollups_after_truncate()"
    )
    # Backfill every tenant from the day rows (FORCE RLS lifted for this transaction only, as
    # migrations.backfill does: the owner runs revisions without a tenant setting).
    for table in ("opportunity_close_rollups", "opportunity_close_span_rollups"):
        op.execute(f"alter table {table} no force row level security")
    op.execute(
        f"""
insert into opportunity_close_span_rollups ({KEY}, opportunity_count, amount, weighted_amount)
select d.tenant_id, g.grain, date_trunc(g.grain, d.day::timestamp)::date, d.status, d.owner_id, d.currency,
       sum(d.opportunity_count), sum(d.amount), sum(d.weighted_amount)
from opportunity_close_rollups as d cross join (values ('week'), ('month')) as g (grain)
group by 1, 2, 3, 4, 5, 6
having sum(d.opportunity_count) <> 0 or sum(d.amount) <> 0 or sum(d.weighted_amount) <> 0"""
    )
    for table in ("opportunity_close_rollups", "opportunity_close_span_rollups"):
        op.execute(f"alter table {table} force row level security")


def downgrade() -> None:
    for event in (*TRIGGERS, "truncate"):
        op.execute(f"drop trigger opportunity_span_rollups_{event} on opportunities")
        op.execute(f"drop function opportunity_span_rollups_after_{event}()")
    op.execute("drop table opportunity_close_span_rollups")
