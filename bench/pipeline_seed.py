"""Bulk seed of the sales pipeline: opportunities with a plausible stage history, by server-side SQL.

Runs as the owner role inside the tenant (RLS is FORCEd for the owner too, so the policy checks every
row). Opportunity n belongs to account `1 + n % accounts` (seeded with `bench.seed.ACCOUNTS`), is owned
round robin by the tenant's members, and sits in a stage drawn from a fixed distribution: 30 %
Prospecting, 20 % Qualification, 15 % Proposal, 10 % Negotiation, 13 % Won, 12 % Lost. Its history
walks the open stages in order (one week per stage) up to where it is; lost ones drop out after 1-3
stages. The row's summaries of that history (stages entered, finished stays) are filled to match.
Created over the last two years, expected to close 30-150 days after creation; 80 % USD, 15 %
EUR, 5 % GBP (rates seeded for EUR and GBP).
"""

from __future__ import annotations

import time
import uuid

import asyncpg

from bench.seed import BATCH, row_id

# (position -> final stage) and how far the history walks: open stage p walks 0..p, won walks 0..4,
# lost walks 0..(n % 3) and then 5.
BASE = f"""
with numbered as (
  select n, {row_id("opportunity", "n")} as id,
         now() - make_interval(days => n % 730, mins => n % 1440) as created,
         case when b < 30 then 0 when b < 50 then 1 when b < 65 then 2 when b < 75 then 3
              when b < 88 then 4 else 5 end as p
  from (select n, (hashtext(n::text || 's') & 2147483647) % 100 as b
        from generate_series($6::int, $7::int) as n) as drawn
), base as (
  select *, case p when 4 then 4 when 5 then n % 3 + 1 else p end as last from numbered
)
"""

OPPORTUNITIES = (
    BASE
    + f"""
insert into opportunities (tenant_id, id, name, account_id, owner_id, pipeline_id, stage_id, status,
                           amount, currency, expected_close_on, probability, lost_reason,
                           stage_entered_at, closed_at, entered_stage_ids, stay_stage_ids,
                           stay_seconds, created_at, updated_at)
select $1::uuid, id, 'Deal #' || n, {row_id("account", "1 + n % $5::int")},
       ($2::uuid[])[1 + n % cardinality($2::uuid[])], $3::uuid, ($4::uuid[])[p + 1],
       case p when 4 then 'won' when 5 then 'lost' else 'open' end,
       (500 + (hashtext(n::text || 'a') & 2147483647) % 50000)::numeric,
       case when n % 20 < 3 then 'EUR' when n % 20 = 3 then 'GBP' else 'USD' end,
       (created + make_interval(days => 30 + n % 121))::date,
       ($8::int[])[p + 1],
       case when p = 5 then 'price' end,
       created + make_interval(days => 7 * last),
       case when p >= 4 then created + make_interval(days => 7 * last) end,
       array(select ($4::uuid[])[(case when j = last then p else j end) + 1]
             from generate_series(0, last) as j),
       array(select ($4::uuid[])[j + 1] from generate_series(0, last - 1) as j),
       array_fill(604800::float8, array[last]),
       created, created
from base
"""
)

HISTORY = (
    BASE
    + """
insert into opportunity_stage_history (tenant_id, id, opportunity_id, pipeline_id, from_stage_id,
                                       from_stage_entered_at, to_stage_id, probability, moved_by_id,
                                       moved_at)
select $1::uuid, md5($1::uuid::text || ':history:' || n || ':' || j)::uuid, id, $3::uuid,
       case when j > 0 then ($4::uuid[])[j] end,
       case when j > 0 then created + make_interval(days => 7 * (j - 1)) end,
       ($4::uuid[])[(case when j = last then p else j end) + 1],
       ($8::int[])[(case when j = last then p else j end) + 1],
       ($2::uuid[])[1 + n % cardinality($2::uuid[])] ,
       created + make_interval(days => 7 * j)
from base, generate_series(0, last) as j
where $5::int > 0
"""
)

RATES = """
insert into exchange_rates (tenant_id, id, currency, effective_on, rate)
select $1::uuid, md5($1::uuid::text || currency || offset_days)::uuid, currency,
       current_date + offset_days, rate
from (values ('EUR', 1.08), ('GBP', 1.27)) as r(currency, rate),
     generate_series(-1000, 400, 30) as offset_days
"""


async def seed_pipeline(
    owner_url: str, tenant_id: uuid.UUID, members: list[uuid.UUID], accounts: int, opportunities: int
) -> dict[str, float]:
    """Seeds rates, opportunities and their history into the tenant's default pipeline."""
    connection = await asyncpg.connect(owner_url)
    timings: dict[str, float] = {}
    try:
        await connection.execute("set synchronous_commit = off")
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
            pipeline_id = await connection.fetchval("select id from pipelines where is_default")
            stages = await connection.fetch(
                "select id, probability from pipeline_stages where pipeline_id = $1 and archived_at is null"
                " order by position",
                pipeline_id,
            )
            await connection.execute(RATES, tenant_id)
        stage_ids = [row["id"] for row in stages]
        probabilities = [row["probability"] for row in stages]
        for label, statement in [("opportunities", OPPORTUNITIES), ("stage history", HISTORY)]:
            started = time.perf_counter()
            for low in range(1, opportunities + 1, BATCH):
                high = min(opportunities, low + BATCH - 1)
                async with connection.transaction():
                    await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                    await connection.execute(
                        statement,
                        tenant_id,
                        members,
                        pipeline_id,
                        stage_ids,
                        accounts,
                        low,
                        high,
                        probabilities,
                    )
            timings[label] = time.perf_counter() - started
        started = time.perf_counter()
        await connection.execute("vacuum (analyze) opportunities, opportunity_stage_history, exchange_rates")
        timings["vacuum analyze"] = time.perf_counter() - started
        return timings
    finally:
        await connection.close()
