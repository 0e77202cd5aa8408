"""The board's totals from the stage rollups against the scan of the opportunities they replaced, in SQL,
side by side on the database `python -m bench.pipeline` seeded.

    python -m bench.pipeline --opportunities 100000 --accounts 20000   # seed first (or --reuse)
    python -m bench.rollup_reads --runs 30

Both statements are built by `graph.sales.pipeline.board.totals_statement` (the rollup one exactly as the
board sends it, the scan with the opportunities' `count(*)`/`sum` in its place, as before migration 0150),
with the record scope of the tenant's admin (all) and of a sales rep (own), and run alternately as the
application role inside the tenant (RLS in every plan) under EXPLAIN ANALYZE, which gives PostgreSQL's own
execution time without the client's share. Custom plans, as the scan's reports asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import uuid
from typing import Any

import asyncpg
from sqlalchemy import func
from sqlalchemy.dialects import postgresql

from bench.database import APP_ROLE, with_database
from bench.pipeline import add_seeded_database_arguments, seeded_database
from graph.sales.pipeline.board import board_conditions, rollup_totals_statement, totals_statement
from graph.sales.pipeline.models import Opportunity, OpportunityStageRollup
from graph.sales.pipeline.opportunities import opportunity_scope
from tenants.permissions import Actor, builtin_permissions


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.rollup_reads", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each statement per user")
    add_seeded_database_arguments(parser)
    return parser.parse_args(argv)


def sql(statement: Any) -> str:
    return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def statements(actor: Actor, pipeline_id: uuid.UUID) -> dict[str, str]:
    scan = totals_statement(
        Opportunity.stage_id,
        Opportunity.currency,
        func.count(),
        func.sum(Opportunity.amount),
        func.sum(Opportunity.amount * Opportunity.probability),
        [opportunity_scope(actor), Opportunity.pipeline_id == pipeline_id],
    )
    rollup = rollup_totals_statement(
        [*board_conditions(actor, None), OpportunityStageRollup.pipeline_id == pipeline_id]
    )
    return {"scan of opportunities": sql(scan), "stage rollups": sql(rollup)}


async def measure(admin_url: str, tenant: Any, runs: int) -> list[tuple[str, str, float, float, int]]:
    connection = await asyncpg.connect(admin_url)
    samples: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
    try:
        await connection.execute("set plan_cache_mode = force_custom_plan")
        pipeline_id = await in_tenant(connection, tenant.id, "select id from pipelines where is_default")
        users = {
            "admin (scope all)": Actor(tenant.id, tenant.member_ids[0], builtin_permissions("admin")),
            "sales rep (scope own)": Actor(tenant.id, tenant.member_ids[1], builtin_permissions("sales")),
        }
        for label, actor in users.items():
            for _ in range(runs):
                for name, statement in statements(actor, pipeline_id).items():
                    plan = json.loads(
                        await in_tenant(
                            connection, tenant.id, f"explain (analyze, buffers, format json) {statement}"
                        )
                    )[0]
                    buffers = plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]
                    samples.setdefault((label, name), []).append(
                        (plan["Planning Time"], plan["Execution Time"], buffers)
                    )
    finally:
        await connection.close()
    return [
        (
            label,
            name,
            statistics.median(s[0] for s in found),
            statistics.median(s[1] for s in found),
            int(statistics.median(s[2] for s in found)),
        )
        for (label, name), found in samples.items()
    ]


async def in_tenant(connection: asyncpg.Connection, tenant_id: uuid.UUID, statement: str) -> Any:
    async with connection.transaction():
        await connection.execute(f"set local role {APP_ROLE}")
        await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
        return await connection.fetchval(statement)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    admin_url, tenant = seeded_database(arguments)
    results = asyncio.run(measure(with_database(admin_url, arguments.database), tenant, arguments.runs))
    print(
        f"Board totals over {arguments.opportunities:,} opportunities, {arguments.runs} runs each, medians:\n"
    )
    print("| user | source | planning ms | execution ms | buffers |\n| --- | --- | ---: | ---: | ---: |")
    for label, name, planning, execution, buffers in results:
        print(f"| {label} | {name} | {planning:.2f} | {execution:.2f} | {buffers:,} |")


if __name__ == "__main__":
    main()
