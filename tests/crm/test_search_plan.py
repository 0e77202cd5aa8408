"""Text search must be able to reach the trigram indexes for the application role.

Under RLS the planner uses only LEAKPROOF functions as index conditions; otherwise every search filters
the whole tenant row by row (bench/README.md measured 171 ms vs 3 ms on a 100k-account tenant). The
bootstrap marks LIKE/ILIKE leakproof (tenants/embedded.py); the server warns at start-up when they are not.
"""

from __future__ import annotations


async def test_like_operators_are_leakproof(db):
    connection = await db.connect()

    rows = await connection.fetch(
        "select proname, proleakproof from pg_proc where proname in ('texticlike', 'textlike')"
    )

    assert {row["proname"]: row["proleakproof"] for row in rows} == {"texticlike": True, "textlike": True}


async def test_server_reports_whether_search_can_use_its_indexes(services):
    assert await services.db.search_operators_leakproof() is True
