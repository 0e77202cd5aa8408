"""The opportunity rollups as stored, and as recomputed from the opportunities, inside one tenant."""

from __future__ import annotations

from typing import Any

import asyncpg

# Rows whose count fell to zero stay in the rollups; a kept row must then have zero sums as well.
STORED_STAGES = """
select pipeline_id, stage_id, owner_id, currency, opportunity_count, amount, weighted_amount
from opportunity_stage_rollups
where opportunity_count <> 0 or amount <> 0 or weighted_amount <> 0
order by 1, 2, 3, 4"""
RECOMPUTED_STAGES = """
select pipeline_id, stage_id, owner_id, currency, count(*), sum(amount), sum(amount * probability)
from opportunities group by 1, 2, 3, 4 order by 1, 2, 3, 4"""
STORED_CLOSES = """
select day, status, pipeline_id, owner_id, currency, opportunity_count, amount, weighted_amount
from opportunity_close_rollups
where opportunity_count <> 0 or amount <> 0 or weighted_amount <> 0
order by 1, 2, 3, 4, 5"""
RECOMPUTED_CLOSES = """
select day, status, pipeline_id, owner_id, currency, count(*), sum(amount), sum(amount * probability)
from (select *, case when status = 'open' then expected_close_on
                     else (closed_at at time zone 'UTC')::date end as day
      from opportunities) as o
where day is not null
group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5"""


async def rollups(connection: asyncpg.Connection, tenant_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """{'stored'/'recomputed' x 'stages'/'closes': rows} of one tenant, read in one transaction."""
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        return {
            name: [tuple(row) for row in await connection.fetch(statement)]
            for name, statement in {
                "stored stages": STORED_STAGES,
                "recomputed stages": RECOMPUTED_STAGES,
                "stored closes": STORED_CLOSES,
                "recomputed closes": RECOMPUTED_CLOSES,
            }.items()
        }


async def assert_consistent(
    connection: asyncpg.Connection, tenant_id: str
) -> dict[str, list[tuple[Any, ...]]]:
    """Stored rollups equal a full recomputation; returns both."""
    found = await rollups(connection, tenant_id)
    assert found["stored stages"] == found["recomputed stages"]
    assert found["stored closes"] == found["recomputed closes"]
    return found
