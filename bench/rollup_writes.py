"""What the opportunity rollup triggers (migrations 0150 and 0381) add to a write: single-row writes timed
with the triggers on and off, on the database `python -m bench.pipeline` seeded.

    python -m bench.pipeline --opportunities 100000 --accounts 20000   # seed first (or --reuse)
    python -m bench.rollup_writes --writes 500

Runs as the owner role (the only role that may switch triggers off), one write per transaction as a
request makes it (BEGIN, set the tenant, the write, COMMIT), each kind of write followed by its inverse so
the data ends as it began; the triggers are switched off only between the two measurements and the rollups
stay exact (every change made with them off is undone with them off). Prints the mean and median
milliseconds per transaction; the difference is the cost of the triggers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections import defaultdict
from typing import Any

import asyncpg

from bench.database import prepare_database
from bench.pipeline import add_seeded_database_arguments, seeded_database

TRIGGERS = (
    "opportunity_rollups_insert",
    "opportunity_rollups_update",
    "opportunity_rollups_delete",
    # the reports' week/month close rollups (migration 0381)
    "opportunity_span_rollups_insert",
    "opportunity_span_rollups_update",
    "opportunity_span_rollups_delete",
)
# (name, (statement, its parameters), (inverse, its parameters)) over a deal's `id`, its `owner`, another
# member `other` and a fresh id `copy`.
Statement = tuple[str, tuple[str, ...]]
WRITES: list[tuple[str, Statement, Statement]] = [
    (
        "update amount (one rollup row per table)",
        ("update opportunities set amount = amount + 1 where id = $1", ("id",)),
        ("update opportunities set amount = amount - 1 where id = $1", ("id",)),
    ),
    (
        "update next step only (no rollup change)",
        ("update opportunities set next_step = 'bench' where id = $1", ("id",)),
        ("update opportunities set next_step = null where id = $1", ("id",)),
    ),
    (
        "reassign owner (two rows per table)",
        ("update opportunities set owner_id = $2 where id = $1", ("id", "other")),
        ("update opportunities set owner_id = $2 where id = $1", ("id", "owner")),
    ),
    (
        "insert (copy of a deal)",
        (
            "insert into opportunities (tenant_id, id, name, account_id, owner_id, pipeline_id, stage_id,"
            " status, amount, currency, expected_close_on, probability, closed_at, lost_reason)"
            " select tenant_id, $2, name, account_id, owner_id, pipeline_id, stage_id, status, amount,"
            " currency, expected_close_on, probability, closed_at, lost_reason"
            " from opportunities where id = $1",
            ("id", "copy"),
        ),
        ("delete from opportunities where id = $1", ("copy",)),
    ),
]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.rollup_writes", description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=500, help="transactions per kind of write and mode")
    parser.add_argument("--rounds", type=int, default=10, help="slices alternating the two modes")
    add_seeded_database_arguments(parser)
    return parser.parse_args(argv)


async def timed(
    connection: asyncpg.Connection, tenant: str, statement: str, *arguments: Any
) -> tuple[float, float, float, float]:
    """(wall seconds of the transaction, server execution ms of the statement, ms in the rollup triggers,
    ms of those in the week/month ones of 0381) of one write, run under EXPLAIN ANALYZE, which reports
    each trigger's time."""
    started = time.perf_counter()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant)
        plan = json.loads(
            await connection.fetchval(f"explain (analyze, format json) {statement}", *arguments)
        )
    seconds = time.perf_counter() - started
    rollups = [trigger for trigger in plan[0].get("Triggers", []) if trigger["Trigger Name"] in TRIGGERS]
    in_spans = sum(t["Time"] for t in rollups if t["Trigger Name"].startswith("opportunity_span_rollups"))
    return seconds, plan[0]["Execution Time"], sum(t["Time"] for t in rollups), in_spans


async def switch_triggers(connection: asyncpg.Connection, on: bool) -> None:
    for trigger in TRIGGERS:
        await connection.execute(
            f"alter table opportunities {'enable' if on else 'disable'} trigger {trigger}"
        )


MODES = ("triggers on", "triggers off")


async def measure(owner_url: str, tenant: str, writes: int, rounds: int) -> list[tuple[Any, ...]]:
    """Alternates the two modes in `rounds` slices per kind of write, so that a change in background
    load hits both alike."""
    connection = await asyncpg.connect(owner_url)
    samples: dict[tuple[str, str], list[tuple[float, float, float, float]]] = defaultdict(list)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant)
            deals = await connection.fetch(
                "select id, owner_id from opportunities order by md5(id::text) limit $1", writes
            )
            members = [row["user_id"] for row in await connection.fetch("select user_id from memberships")]
        values = [
            {
                "id": deal["id"],
                "owner": deal["owner_id"],
                "other": members[(members.index(deal["owner_id"]) + 1) % len(members)],
                "copy": uuid.uuid4(),
            }
            for deal in deals
        ]
        for name, (statement, parameters), (inverse, inverse_parameters) in WRITES:
            for index in range(rounds):
                for mode in MODES:
                    await switch_triggers(connection, mode == MODES[0])
                    for row in values[index::rounds]:
                        sample = await timed(connection, tenant, statement, *[row[key] for key in parameters])
                        samples[(name, mode)].append(sample)
                        # back as it was, in the same mode, so the rollups stay exact
                        await connection.execute("select set_config('app.tenant_id', $1, false)", tenant)
                        await connection.execute(inverse, *[row[key] for key in inverse_parameters])
                        await connection.execute("select set_config('app.tenant_id', '', false)")
    finally:
        await switch_triggers(connection, True)
        await connection.close()
    return [
        (
            name,
            mode,
            statistics.median(s[0] for s in found) * 1000,
            statistics.median(s[1] for s in found),
            statistics.median(s[2] for s in found),
            statistics.median(s[3] for s in found),
        )
        for (name, mode), found in samples.items()
    ]


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    admin_url, tenant = seeded_database(arguments)
    urls = prepare_database(admin_url, arguments.database, recreate=False)
    results = asyncio.run(measure(urls.owner, str(tenant.id), arguments.writes, arguments.rounds))
    print(
        f"{arguments.writes} single-row write transactions per line (owner role, RLS on), medians;"
        f" modes alternating in {arguments.rounds} rounds:\n"
    )
    print(
        "| write | mode | transaction ms (client) | statement ms (server) | of which rollup triggers ms"
        " | of which week/month (0381) ms |\n"
        "| --- | --- | ---: | ---: | ---: | ---: |"
    )
    for name, mode, wall, statement, triggers, spans in results:
        print(f"| {name} | {mode} | {wall:.3f} | {statement:.3f} | {triggers:.3f} | {spans:.3f} |")


if __name__ == "__main__":
    main()
