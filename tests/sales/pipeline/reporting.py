"""Helpers of the report tests: exchange rates and rewriting history times (as the owner role)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from tests.crm.sql import raw_id

SET_RATE = """
mutation($input: SetExchangeRateInput!) { setExchangeRate(input: $input) { errors { field code } } }"""


async def set_rate(client, member, currency: str, effective_on: str, rate: str) -> None:
    variables = {"input": {"currency": currency, "effectiveOn": effective_on, "rate": rate}}
    payload = (await client.execute(SET_RATE, variables, member.token))["setExchangeRate"]
    assert payload["errors"] == [], payload


async def rewrite_history(
    database_urls, tenant_id: str, opportunity_id: str, day_offsets: list[float]
) -> None:
    """Spreads an opportunity's stage changes over time: change i happens `day_offsets[i]` days after a
    fixed start, and its summary of finished stays follows. The application may not rewrite history,
    so this runs as the owner role."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    connection = await asyncpg.connect(database_urls.owner)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            ids = await connection.fetch(
                "select id from opportunity_stage_history where opportunity_id = $1 order by moved_at, id",
                raw_id(opportunity_id),
            )
            assert len(ids) == len(day_offsets), (len(ids), day_offsets)
            for index, row in enumerate(ids):
                moved_at = start + timedelta(days=day_offsets[index])
                entered = start + timedelta(days=day_offsets[index - 1]) if index else None
                await connection.execute(
                    "update opportunity_stage_history set moved_at = $2, from_stage_entered_at = $3 where id = $1",
                    row["id"],
                    moved_at,
                    entered,
                )
            # The opportunity's summary of its finished stays follows its history.
            await connection.execute(
                """
                update opportunities set
                  stay_stage_ids = coalesce((select array_agg(from_stage_id order by moved_at, id)
                                             from opportunity_stage_history
                                             where opportunity_id = $1 and from_stage_id is not null), '{}'),
                  stay_seconds = coalesce((select array_agg(extract(epoch from moved_at - from_stage_entered_at)
                                                            order by moved_at, id)
                                           from opportunity_stage_history
                                           where opportunity_id = $1 and from_stage_id is not null), '{}')
                where id = $1""",
                raw_id(opportunity_id),
            )
    finally:
        await connection.close()
