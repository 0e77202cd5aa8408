"""The `reports.refresh` job: rebuilds each tenant's job-kept report rollups and records when.

Activity statistics per employee read `activity_day_rollups` (done activities per author and kind), the
funnel reads `funnel_rollups` (deals reached and finished stays per owner and stage, by creation day) and
customer analysis reads `customer_rollups` (one row per customer) and `customer_span_rollups` (customers
counted per span, built from those rows) once they have been built (README, Reports). The funnel and
activity rollups hold day rows, and week and month rows summed from them (graph/reports/spans.py: which a
report reads); the customer counts year rows too. The job replaces the tenant's rows in its transaction,
under a per-tenant advisory lock, so two runners queue instead of colliding, and records the refresh
instant (the job's clock) that the report shows as `asOf`. Writes after it show at the next run.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Date, cast, delete, distinct, func, insert, literal, select, text, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.crm.models import Account, Activity
from graph.reports.catalog import Grouping
from graph.reports.customer_facts import account_dimension, won_days
from graph.reports.models import (
    ALL_KINDS,
    EVERY_OWNER,
    ActivityDayRollup,
    CustomerRollup,
    CustomerSpanRollup,
    FunnelRollup,
    ReportRefresh,
)
from graph.reports.sales_facts import reached_rows, stay_rows
from graph.reports.spans import DAY, MONTH, WEEK, YEAR
from graph.sales.pipeline.models import Opportunity

ACTIVITIES = "activities"
FUNNEL = "funnel"
CUSTOMERS = "customers"
LOCK = text("select pg_advisory_xact_lock(hashtextextended('reports.refresh:' || :tenant, 0))")


async def rebuild(
    session: AsyncSession, tenant_id: uuid.UUID, model: Any, keys: list[str], measures: list[str], days: Any
) -> int:
    """Replace the tenant's rows of `model`: the day rows `days` selects (tenant_id, grain, day, *keys,
    *measures, in that order), then each week and month summed from them. Returns the day rows."""
    await session.execute(delete(model).where(model.tenant_id == tenant_id))
    columns = ["tenant_id", "grain", "day", *keys, *measures]
    result = await session.execute(insert(model).from_select(columns, days))
    for grain in (WEEK, MONTH):
        start = cast(func.date_trunc(grain, model.day), Date)
        key_columns = [getattr(model, key) for key in keys]
        summed = (
            select(
                literal(tenant_id),
                literal(grain),
                start,
                *key_columns,
                *(func.sum(getattr(model, measure)) for measure in measures),
            )
            .where(model.tenant_id == tenant_id, model.grain == DAY)
            .group_by(start, *key_columns)
        )
        await session.execute(insert(model).from_select(columns, summed))
    return int(result.rowcount)


async def activity_days(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Done activities per day, author and kind, and per day and author of every kind (kind ALL_KINDS:
    statistics not split by kind read those, one row per author and span instead of one per kind)."""
    day = cast(Activity.occurred_at, Date)
    done = [Activity.tenant_id == tenant_id, Activity.done.is_(True)]
    counted = union_all(
        select(literal(tenant_id), literal(DAY), day, Activity.author_id, Activity.kind, func.count())
        .where(*done)
        .group_by(day, Activity.author_id, Activity.kind),
        select(literal(tenant_id), literal(DAY), day, Activity.author_id, literal(ALL_KINDS), func.count())
        .where(*done)
        .group_by(day, Activity.author_id),
    )
    return await rebuild(
        session, tenant_id, ActivityDayRollup, ["author_id", "kind"], ["activity_count"], counted
    )


async def funnel_days(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Every deal of the tenant as the funnel counts it (sales_facts.reached_rows and stay_rows, the
    statements the report scans with when it cannot read the rollup), summed per day, owner and stage, and
    per day and stage for every owner together (owner EVERY_OWNER)."""
    deals = [Opportunity.tenant_id == tenant_id]
    reached = reached_rows(deals).subquery()
    stays = stay_rows(deals).subquery()
    rows = union_all(
        select(
            reached.c.owner_id,
            reached.c.day,
            reached.c.stage_id,
            literal(1).label("reached"),
            literal(0).label("stays"),
            literal(0).label("days"),
        ),
        select(stays.c.owner_id, stays.c.day, stays.c.stage_id, literal(0), literal(1), stays.c.days),
    ).subquery()
    sums = [func.sum(rows.c.reached), func.sum(rows.c.stays), func.sum(rows.c.days)]
    per_owner = select(
        literal(tenant_id), literal(DAY), rows.c.day, rows.c.owner_id, rows.c.stage_id, *sums
    ).group_by(rows.c.day, rows.c.owner_id, rows.c.stage_id)
    every_owner = select(
        literal(tenant_id), literal(DAY), rows.c.day, literal(EVERY_OWNER), rows.c.stage_id, *sums
    ).group_by(rows.c.day, rows.c.stage_id)
    summed = union_all(per_owner, every_owner)
    keys, measures = ["owner_id", "stage_id"], ["reached", "stays", "stay_days"]
    return await rebuild(session, tenant_id, FunnelRollup, keys, measures, summed)


async def customers(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """One row per live account with a won deal (customer_facts.won_days: the whole tenant's deals, as the
    report counts them): its owner and categories (customer_facts.account_dimension), its won days and
    its done-activity days, each sorted."""
    await session.execute(delete(CustomerRollup).where(CustomerRollup.tenant_id == tenant_id))
    won = won_days().subquery()
    won_by_account = (
        select(won.c.account_id, func.array_agg(aggregate_order_by(won.c.day, won.c.day)).label("days"))
        .group_by(won.c.account_id)
        .subquery()
    )
    day = cast(Activity.occurred_at, Date)
    done_by_account = (
        select(Activity.account_id, func.array_agg(aggregate_order_by(distinct(day), day)).label("days"))
        .where(Activity.tenant_id == tenant_id, Activity.done.is_(True), Activity.account_id.is_not(None))
        .group_by(Activity.account_id)
        .subquery()
    )
    rows = (
        select(
            Account.tenant_id,
            Account.id,
            Account.owner_id,
            account_dimension(Grouping.INDUSTRY),
            account_dimension(Grouping.REGION),
            account_dimension(Grouping.SOURCE),
            won_by_account.c.days[1],
            won_by_account.c.days[func.cardinality(won_by_account.c.days)],
            won_by_account.c.days,
            func.coalesce(done_by_account.c.days, cast(literal([]), ARRAY(Date))),
        )
        .join(won_by_account, won_by_account.c.account_id == Account.id)
        .outerjoin(done_by_account, done_by_account.c.account_id == Account.id)
        .where(Account.tenant_id == tenant_id, Account.deleted_at.is_(None))
    )
    columns = [
        "tenant_id",
        "account_id",
        "owner_id",
        "industry",
        "region",
        "source",
        "first_won_on",
        "last_won_on",
        "won_days",
        "done_days",
    ]
    result = await session.execute(insert(CustomerRollup).from_select(columns, rows))
    return int(result.rowcount)


# Per customer of `customer_rollups`: the days a period ending then finds it at risk or not (churn_risk's
# rule: won before the end, and no done activity in the 90 days before it or fewer wins in those 90 days
# than in the 90 before), kept where the state changes. The state can change only where the end passes
# the first win, a done-activity day or a win, or leaves one 90 or 180 days behind. `width_bucket` counts
# the sorted days up to a day, as customer_facts.won_between_days does.
CUSTOMER_EVENTS = """
with customers as (
    select account_id, owner_id, industry, region, source, first_won_on, last_won_on, won_days, done_days
    from customer_rollups where tenant_id = :tenant
), ends as (
    select c.account_id, e.day
    from customers as c cross join lateral (
        select c.first_won_on + 1
        union select d + shift from unnest(c.done_days) as d, (values (1), (91)) as s (shift)
        union select w + shift from unnest(c.won_days) as w, (values (1), (91), (181)) as s (shift)
    ) as e (day)
), states as (
    select e.account_id, e.day, (
        c.first_won_on < e.day and (
            width_bucket(e.day - 1, c.done_days) = width_bucket(e.day - 91, c.done_days)
            or width_bucket(e.day - 1, c.won_days) - width_bucket(e.day - 91, c.won_days)
                < width_bucket(e.day - 91, c.won_days) - width_bucket(e.day - 181, c.won_days)
        )
    )::int as at_risk
    from ends as e join customers as c using (account_id)
), changes as (
    select account_id, day, at_risk - lag(at_risk, 1, 0) over (partition by account_id order by day) as delta
    from states
), events as (
    select account_id, 'new' as figure, first_won_on as day, 1 as delta from customers
    union all select account_id, 'last', last_won_on, 1 from customers
    union all select account_id, 'risk', day, delta from changes where delta <> 0
)
insert into customer_span_rollups (tenant_id, figure, grouping, grain, day, owner_id, category, customers)
select :tenant, e.figure, g.grouping, 'day', e.day, o.owner_id, g.category, sum(e.delta)
from events as e join customers as c using (account_id)
cross join lateral (values (c.owner_id), (:every_owner)) as o (owner_id)
cross join lateral (
    values ('none', null::text), ('industry', c.industry), ('region', c.region), ('source', c.source)
) as g (grouping, category)
group by e.figure, g.grouping, e.day, o.owner_id, g.category
having sum(e.delta) <> 0
"""
CUSTOMER_SPANS = """
insert into customer_span_rollups (tenant_id, figure, grouping, grain, day, owner_id, category, customers)
select :tenant, figure, grouping, cast(:grain as text), span, owner_id, category, sum(customers)
from customer_span_rollups
cross join lateral (select date_trunc(cast(:grain as text), day)::date) as s (span)
where tenant_id = :tenant and grain = 'day'
group by figure, grouping, span, owner_id, category
having sum(customers) <> 0
"""


async def customer_spans(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """`customer_span_rollups` from `customer_rollups` (the snapshot just built): new customers by first
    win, customers by last win, and at-risk changes, per day, owner (and every owner together) and
    category; then each week, month and year summed from the days. Returns the day rows."""
    await session.execute(delete(CustomerSpanRollup).where(CustomerSpanRollup.tenant_id == tenant_id))
    result = await session.execute(text(CUSTOMER_EVENTS), {"tenant": tenant_id, "every_owner": EVERY_OWNER})
    for grain in (WEEK, MONTH, YEAR):
        await session.execute(text(CUSTOMER_SPANS), {"tenant": tenant_id, "grain": grain})
    return int(result.rowcount)  # type: ignore[attr-defined]


async def mark_refreshed(session: AsyncSession, tenant_id: uuid.UUID, source: str, now: datetime) -> None:
    refreshed = upsert(ReportRefresh).values(tenant_id=tenant_id, source=source, refreshed_at=now)
    await session.execute(
        refreshed.on_conflict_do_update(
            index_elements=["tenant_id", "source"], set_={"refreshed_at": refreshed.excluded.refreshed_at}
        )
    )


@job("reports.refresh")
async def refresh_rollups(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    await session.execute(LOCK, {"tenant": str(tenant_id)})
    activity_rows = await activity_days(session, tenant_id)
    await mark_refreshed(session, tenant_id, ACTIVITIES, now)
    funnel_rows = await funnel_days(session, tenant_id)
    await mark_refreshed(session, tenant_id, FUNNEL, now)
    customer_rows = await customers(session, tenant_id)
    await customer_spans(session, tenant_id)
    await mark_refreshed(session, tenant_id, CUSTOMERS, now)
    return (
        f"{activity_rows} activity rollup rows, {funnel_rows} funnel rollup rows, "
        f"{customer_rows} customer rollup rows"
    )
