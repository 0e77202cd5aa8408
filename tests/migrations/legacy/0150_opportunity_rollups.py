"""Rollups of opportunities, kept by triggers in the writing transaction: the board, forecast and win rate
read a few hundred pre-summed rows instead of scanning every opportunity.

- `opportunity_stage_rollups` (pipeline, stage, owner, currency): count, amount, amount x probability.
  The board sums it per stage and currency and converts at today's rate, as the scan did.
- `opportunity_close_rollups` (day, status, pipeline, owner, currency), where day is the expected close date
  of an open opportunity and the UTC day a won or lost one closed (open ones without an expected close date
  are in no forecast and have no row): forecast and win rate sum it per date and currency and convert at
  that date's rate, as the scan did. The day grain keeps both exact: rates change on any day.

Owner is a key so that record scope (own/team/all) and the owner filter stay predicates on the rollup.
Rows whose count falls to zero stay (readers skip them): deleting them would race with a concurrent
writer bringing the same key back.

Statement-level AFTER triggers on `opportunities` with transition tables keep both, for every write path
(services, imports, the bench's bulk SQL, later migrations): each statement turns its old and new rows
into signed deltas grouped by key, and upserts them with `count = count + excluded.count`, so two
writers to the same rollup row add up instead of overwriting each other (the second waits on the
first's row lock). Rows are upserted in key order, so two multi-key writers lock them in the same order.
Deletes only update rows that exist: when a tenant is deleted its rollups may already be gone (cascade).
The functions run as the caller (no SECURITY DEFINER), so RLS checks every rollup row they write.

The backfill runs per tenant (RLS is forced for the owner too) in batches of opportunity ids, after the
triggers exist, in this revision's transaction: creating the triggers locks `opportunities` against
writes until the commit, so no write can slip between the backfill and the triggers.

Revision ID: 0150_opportunity_rollups
Revises: 0012_opportunity_custom_fields
Create Date: 2026-12-03
"""

from alembic import context, op
from sqlalchemy import text

from migrations.helpers import enable_tenant_rls

revision = "0150_opportunity_rollups"
down_revision = "0012_opportunity_custom_fields"
branch_labels = None
depends_on = None

BACKFILL_BATCH = 50_000
MEASURES = ("opportunity_count", "amount", "weighted_amount")
# Each rollup: (table, key columns, the expression of each key over an opportunities row, row filter).
CLOSE_DAY = "case when status = 'open' then expected_close_on else (closed_at at time zone 'UTC')::date end"
ROLLUPS = [
    (
        "opportunity_stage_rollups",
        ("tenant_id", "pipeline_id", "stage_id", "owner_id", "currency"),
        ("tenant_id", "pipeline_id", "stage_id", "owner_id", "currency"),
        "true",
    ),
    (
        "opportunity_close_rollups",
        ("tenant_id", "day", "status", "pipeline_id", "owner_id", "currency"),
        ("tenant_id", CLOSE_DAY, "status", "pipeline_id", "owner_id", "currency"),
        f"({CLOSE_DAY}) is not null",
    ),
]


def signed_rows(
    source: str, sign: int, keys: tuple[str, ...], expressions: tuple[str, ...], where: str
) -> str:
    columns = ", ".join(f"{expression} as {key}" for key, expression in zip(keys, expressions, strict=True))
    return f"select {columns}, {sign} as sign, amount, probability from {source} where {where}"


def upsert(table: str, keys: tuple[str, ...], changes: str) -> str:
    """Adds the grouped deltas of `changes` (rows with `sign`) to `table`, in key order."""
    key_list = ", ".join(keys)
    additions = ", ".join(f"{measure} = r.{measure} + excluded.{measure}" for measure in MEASURES)
    return f"""
        insert into {table} as r ({key_list}, {", ".join(MEASURES)})
        select {key_list}, sum(sign), sum(sign * amount), sum(sign * amount * probability)
        from ({changes}) as changes
        group by {key_list}
        having sum(sign) <> 0 or sum(sign * amount) <> 0 or sum(sign * amount * probability) <> 0
        order by {key_list}
        on conflict ({key_list}) do update set {additions}"""


def subtract(table: str, keys: tuple[str, ...], changes: str) -> str:
    """Takes the grouped rows of `changes` off the existing rows of `table` (never inserts)."""
    key_list = ", ".join(keys)
    matches = " and ".join(f"r.{key} = d.{key}" for key in keys)
    return f"""
        update {table} as r set
            opportunity_count = r.opportunity_count - d.opportunity_count,
            amount = r.amount - d.amount,
            weighted_amount = r.weighted_amount - d.weighted_amount
        from (select {key_list}, count(*) as opportunity_count, sum(amount) as amount,
                     sum(amount * probability) as weighted_amount
              from ({changes}) as changes group by {key_list}) as d
        where {matches}"""


def trigger_body(event: str) -> str:
    statements = []
    for table, keys, expressions, where in ROLLUPS:
        added = signed_rows("new_rows", 1, keys, expressions, where)
        removed = signed_rows("old_rows", -1, keys, expressions, where)
        if event == "insert":
            statements.append(upsert(table, keys, added))
        elif event == "update":
            statements.append(upsert(table, keys, f"{added} union all {removed}"))
        else:
            statements.append(subtract(table, keys, removed))
    return ";\n".join(statements) + ";"


TRANSITIONS = {
    "insert": "new table as new_rows",
    "update": "old table as old_rows new table as new_rows",
    "delete": "old table as old_rows",
}


def upgrade() -> None:
    op.execute("""
        create table opportunity_stage_rollups (
            tenant_id uuid not null references tenants(id) on delete cascade,
            pipeline_id uuid not null,
            stage_id uuid not null,
            owner_id uuid not null,
            currency char(3) not null,
            opportunity_count bigint not null default 0,
            amount numeric not null default 0,
            -- sum of amount x probability (a percentage): divide by 100 for the weighted amount
            weighted_amount numeric not null default 0,
            primary key (tenant_id, pipeline_id, stage_id, owner_id, currency),
            foreign key (tenant_id, pipeline_id, stage_id)
                references pipeline_stages(tenant_id, pipeline_id, id) on delete cascade
        )""")
    op.execute("""
        create table opportunity_close_rollups (
            tenant_id uuid not null references tenants(id) on delete cascade,
            -- open: the expected close date; won and lost: the UTC day it closed
            day date not null,
            status varchar(8) not null check (status in ('open', 'won', 'lost')),
            pipeline_id uuid not null,
            owner_id uuid not null,
            currency char(3) not null,
            opportunity_count bigint not null default 0,
            amount numeric not null default 0,
            weighted_amount numeric not null default 0,
            primary key (tenant_id, day, status, pipeline_id, owner_id, currency),
            foreign key (tenant_id, pipeline_id) references pipelines(tenant_id, id) on delete cascade
        )""")
    for table, *_ in ROLLUPS:
        enable_tenant_rls(table)
    # Only the triggers write rollups: the application role adds to rows, it never removes them.
    app_role = context.config.attributes.get("app_role", "crm_app")
    op.execute(
        f"revoke delete, truncate on opportunity_stage_rollups, opportunity_close_rollups from {app_role}"
    )

    for event, transitions in TRANSITIONS.items():
        op.execute(f"""
            create function opportunity_rollups_after_{event}() returns trigger language plpgsql as $$
            begin
                {trigger_body(event)}
                return null;
            end $$""")
        op.execute(f"""
            create trigger opportunity_rollups_{event} after {event} on opportunities
            referencing {transitions} for each statement
            execute function opportunity_rollups_after_{event}()""")
    op.execute("""
        create function opportunity_rollups_after_truncate() returns trigger language plpgsql as $$
        begin
            truncate opportunity_stage_rollups, opportunity_close_rollups;
            return null;
        end $$""")
    op.execute("""
        create trigger opportunity_rollups_truncate after truncate on opportunities
        for each statement execute function opportunity_rollups_after_truncate()""")

    backfill(context.config.attributes.get("rollup_backfill_batch", BACKFILL_BATCH))


def backfill(batch: int) -> None:
    """The rollups of the opportunities that exist, tenant by tenant, `batch` opportunity ids at a time."""
    connection = op.get_bind()
    tenants = connection.execute(text("select id from tenant_registry order by id")).scalars().all()
    statements = [
        upsert(table, keys, signed_rows("batch", 1, keys, expressions, where))
        for table, keys, expressions, where in ROLLUPS
    ]
    for tenant_id in tenants:
        connection.execute(
            text("select set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)}
        )
        after = None
        while True:
            # the last id of this batch; None: the rest of the tenant is the last batch
            last = connection.execute(
                text(
                    "select id from opportunities"
                    " where tenant_id = :tenant and (cast(:after as uuid) is null or id > :after)"
                    " order by id offset :skip limit 1"
                ),
                {"tenant": tenant_id, "after": after, "skip": batch - 1},
            ).scalar()
            for statement in statements:
                connection.execute(
                    text(
                        "with batch as (select * from opportunities where tenant_id = :tenant"
                        " and (cast(:after as uuid) is null or id > :after)"
                        " and (cast(:last as uuid) is null or id <= :last))"
                        f" {statement}"
                    ),
                    {"tenant": tenant_id, "after": after, "last": last},
                )
            if last is None:
                break
            after = last
    connection.execute(text("select set_config('app.tenant_id', '', true)"))


def downgrade() -> None:
    for event in [*TRANSITIONS, "truncate"]:
        op.execute(f"drop trigger opportunity_rollups_{event} on opportunities")
        op.execute(f"drop function opportunity_rollups_after_{event}()")
    op.execute("drop table opportunity_close_rollups")
    op.execute("drop table opportunity_stage_rollups")
