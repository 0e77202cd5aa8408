"""Opportunity rollups (migration 0150): kept equal to a full recomputation by every kind of write, without
lost updates under concurrent writers, behind the tenant wall, and serving the board within record scope."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from graph.sales.pipeline import opportunities
from tenants.permissions import Actor, builtin_permissions
from tests.admin.documents import create_team, set_team
from tests.crm.sql import raw_id
from tests.sales.pipeline.documents import (
    UPDATE_OPPORTUNITY,
    create_account,
    create_opportunity,
    default_pipeline,
    moved,
)
from tests.sales.pipeline.reporting import set_rate
from tests.sales.pipeline.rollups import assert_consistent, rollups
from tests.sales.pipeline.test_board_and_funnel import BOARD, read_board
from tests.sales.pipeline.test_forecast import FORECAST
from tests.support import ok

REOPEN = """
mutation($id: ID!, $version: Int!) { reopenOpportunity(id: $id, version: $version) {
  opportunity { version } errors { field code } } }"""


def day(offset: int) -> str:
    return str(datetime.now(UTC).date() + timedelta(days=offset))


async def updated(client, member, opportunity, **values):
    variables = {"id": opportunity["id"], "version": opportunity["version"], "input": values}
    return (await ok(client, member, UPDATE_OPPORTUNITY, variables, "updateOpportunity"))["opportunity"]


async def as_owner(database_urls, tenant_id: str, *statements: str) -> None:
    """Writes the application never makes (imports, data fixes), as the owner role inside the tenant."""
    connection = await asyncpg.connect(database_urls.owner)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            for statement in statements:
                await connection.execute(statement)
    finally:
        await connection.close()


async def test_rollups_equal_a_full_recomputation_after_a_mix_of_writes(client, db, database_urls):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other_rep = await client.add_member(admin, "sales", "other")
    s = {stage["name"]: stage["id"] for stage in (await default_pipeline(client, admin))["stages"]}
    await set_rate(client, admin, "EUR", "2020-01-01", "1.10")
    account = await create_account(client, admin)
    rep_account = await create_account(client, rep)
    connection = await db.connect()

    # Creates: owners, currencies, stages, with and without an expected close date.
    a = await create_opportunity(client, admin, account["id"], name="a", amount="100", expectedCloseOn=day(5))
    b = await create_opportunity(
        client, admin, account["id"], name="b", amount="250.5", currency="EUR", stageId=s["Proposal"]
    )
    c = await create_opportunity(
        client, rep, rep_account["id"], name="c", amount="70", expectedCloseOn=day(9)
    )
    d = await create_opportunity(client, rep, rep_account["id"], name="d", amount="30", probability=35)
    e = await create_opportunity(client, admin, account["id"], name="e", amount="999", expectedCloseOn=day(1))
    await assert_consistent(connection, admin.tenant_id)

    # Updates: amount, currency, probability (set and dropped), close date (moved and cleared), owner.
    a = await updated(client, admin, a, amount="120", probability=60)
    b = await updated(client, admin, b, currency="USD", expectedCloseOn=day(40))
    c = await updated(client, rep, c, expectedCloseOn=None)
    d = await updated(client, admin, d, ownerId=other_rep.user_id, probability=None)
    a = await updated(client, admin, a, name="a renamed", nextStep="call")  # no rollup key changes
    # Moves: forward, won, lost, and back open.
    a = await moved(client, admin, a, s["Negotiation"])
    e = await moved(client, admin, e, s["Won"])
    b = await moved(client, admin, b, s["Lost"], lostReason="price")
    c = await moved(client, rep, c, s["Won"])
    c = await ok(client, rep, REOPEN, {"id": c["id"], "version": c["version"]}, "reopenOpportunity")
    await assert_consistent(connection, admin.tenant_id)

    # Bulk SQL as an import or a data fix would write: several rows per statement, insert and delete.
    await as_owner(
        database_urls,
        admin.tenant_id,
        "update opportunities set amount = amount * 2, expected_close_on = expected_close_on + 1",
        "insert into opportunities (tenant_id, id, name, account_id, owner_id, pipeline_id, stage_id, status,"
        " amount, currency, expected_close_on, probability)"
        " select tenant_id, gen_random_uuid(), name || ' copy', account_id, owner_id, pipeline_id, stage_id,"
        " status, amount + 1, currency, expected_close_on, probability from opportunities"
        " where status = 'open'",
        f"delete from opportunities where id = '{raw_id(d['id'])}'",
    )
    found = await assert_consistent(connection, admin.tenant_id)
    assert sum(row[4] for row in found["stored stages"]) == 7  # 5, plus 3 open copies, less d
    assert {row[1] for row in found["stored closes"]} == {"open", "won", "lost"}


async def test_concurrent_writers_to_one_rollup_row_lose_no_update(client, services, db):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    first = await create_opportunity(client, admin, account["id"], name="first", amount="100")
    second = await create_opportunity(client, admin, account["id"], name="second", amount="200")
    tenant_id, user_id = uuid.UUID(admin.tenant_id), raw_id(admin.user_id)
    actor = Actor(tenant_id, user_id, builtin_permissions("admin"))
    watcher = await db.connect()

    async def write_second() -> None:
        async with services.db.transaction(tenant_id, user_id) as fast:
            await opportunities.update_opportunity(
                fast, actor, raw_id(second["id"]), 1, {"amount": Decimal("230")}
            )

    async with services.db.transaction(tenant_id, user_id) as slow:
        await opportunities.update_opportunity(
            slow, actor, raw_id(first["id"]), 1, {"amount": Decimal("110")}
        )
        # Both deals sit in one rollup row (Prospecting, admin, USD): the second writer must wait for
        # the first one's row lock instead of adding to a stale value.
        racing = asyncio.create_task(write_second())
        await waiting_on_a_lock(watcher)
        assert not racing.done()
    await racing

    found = await assert_consistent(await db.connect(), admin.tenant_id)
    assert [(row[4], row[5]) for row in found["stored stages"]] == [(2, Decimal("340"))]


async def waiting_on_a_lock(connection: asyncpg.Connection) -> None:
    for _ in range(200):
        waiting = await connection.fetchval(
            "select count(*) from pg_stat_activity where datname = current_database()"
            " and wait_event_type = 'Lock' and query ilike 'update opportunities%'"
        )
        if waiting:
            return
        await asyncio.sleep(0.025)
    pytest.fail("the second writer never waited for the first one's rollup row")


async def test_many_concurrent_creates_all_count(client, db):
    admin = await client.sign_up()
    account = await create_account(client, admin)

    await asyncio.gather(
        *(create_opportunity(client, admin, account["id"], name=f"deal {n}", amount="10") for n in range(12))
    )

    board = (await client.execute(BOARD, {"first": 1}, admin.token))["pipelineBoard"]
    assert (board["columns"][0]["count"], board["columns"][0]["amount"]) == (12, "120.00")
    await assert_consistent(await db.connect(), admin.tenant_id)


async def test_board_from_rollups_keeps_team_scope_and_owner_filter(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    teammate = await client.add_member(admin, "sales", "teammate")
    outsider = await client.add_member(admin, "sales", "outsider")
    team = await create_team(client, admin, "East")
    for member in (manager, teammate):
        await set_team(client, admin, member, team)
    for member, amount in [(admin, "1"), (manager, "10"), (teammate, "100"), (outsider, "1000")]:
        await create_opportunity(client, member, name=member.email, amount=amount)

    def totals(board):
        return (board["columns"][0]["count"], board["columns"][0]["amount"])

    seen = {
        member.email: totals(await read_board(client, {"first": 1}, member.token))
        for member in (admin, manager, teammate, outsider)
    }
    filtered = await read_board(client, {"first": 1, "ownerId": teammate.user_id}, manager.token)
    foreign = await read_board(client, {"first": 1, "ownerId": outsider.user_id}, manager.token)

    assert seen == {
        admin.email: (4, "1111.00"),
        manager.email: (2, "110.00"),  # TEAM: the manager and the teammate
        teammate.email: (1, "100.00"),  # OWN
        outsider.email: (1, "1000.00"),
    }
    assert totals(filtered) == (1, "100.00")
    assert totals(foreign) == (0, "0.00")


async def test_other_tenant_sees_no_rollups_through_the_api(client):
    a = await client.sign_up("Tenant A")
    await create_opportunity(client, a, amount="500", expectedCloseOn=day(3))
    b = await client.sign_up("Tenant B")
    window = {"from": day(0), "to": day(30), "period": "MONTH", "groupBy": ["PERIOD"]}

    board = await read_board(client, {"first": 1}, b.token)
    forecast = (await client.execute(FORECAST, window, b.token))["forecast"]
    theirs = (await client.execute(FORECAST, window, a.token))["forecast"]

    assert [(c["count"], c["amount"]) for c in board["columns"]] == [(0, "0.00")] * 6
    assert (forecast["rows"], forecast["total"]["openCount"]) == ([], 0)
    assert theirs["total"]["openCount"] == 1


async def test_sql_wall_hides_and_protects_rollups(client, db):
    a = await client.sign_up("Tenant A")
    pipeline = await default_pipeline(client, a)
    await create_opportunity(client, a, amount="500", expectedCloseOn=day(3))
    b = await client.sign_up("Tenant B")
    connection = await db.connect()
    tables = ["opportunity_stage_rollups", "opportunity_close_rollups"]

    assert [await connection.fetchval(f"select count(*) from {table}") for table in tables] == [0, 0]
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        for table in tables:
            assert await connection.fetchval(f"select count(*) from {table}") == 0
            assert await connection.execute(f"update {table} set opportunity_count = 0") == "UPDATE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
            await connection.execute(
                "insert into opportunity_stage_rollups (tenant_id, pipeline_id, stage_id, owner_id, currency,"
                " opportunity_count) values ($1, $2, $3, $4, 'USD', 1)",
                uuid.UUID(a.tenant_id),
                raw_id(pipeline["id"]),
                raw_id(pipeline["stages"][0]["id"]),
                raw_id(a.user_id),
            )
    # Only the triggers change rollups: the application role may not delete them, even its own.
    for table in tables:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
                await connection.execute(f"delete from {table}")
    found = await rollups(connection, a.tenant_id)
    assert len(found["stored stages"]) == len(found["stored closes"]) == 1


async def test_rollup_policies_use_the_initplan_form(db):
    connection = await db.connect()
    policies = await connection.fetch(
        "select c.relname, c.relrowsecurity, c.relforcerowsecurity,"
        " pg_get_expr(p.polqual, p.polrelid) as using_clause,"
        " pg_get_expr(p.polwithcheck, p.polrelid) as check_clause"
        " from pg_policy p join pg_class c on c.oid = p.polrelid"
        " where c.relname in ('opportunity_stage_rollups', 'opportunity_close_rollups') order by 1"
    )
    initplan = "(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid"

    assert [p["relname"] for p in policies] == ["opportunity_close_rollups", "opportunity_stage_rollups"]
    for policy in policies:
        assert policy["relrowsecurity"] and policy["relforcerowsecurity"]
        assert policy["using_clause"].startswith(initplan), policy
        assert policy["check_clause"].startswith(initplan), policy


# The peer bench's pipelineAgg (../shared/peer-bench/queries/crm/pipelineAgg.graphql).
BOARD_TOTALS = "{ pipelineBoard { columns { stage { name } count amount } } }"


async def test_board_totals_are_one_statement_after_authentication(client, app):
    from tests.crm.test_no_n_plus_one import counted_statements

    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    account = await create_account(client, admin)
    for stage in pipeline["stages"][:3]:
        await create_opportunity(client, admin, account["id"], amount="5", stageId=stage["id"])
    with counted_statements(app) as statements:
        board = (await client.execute(BOARD_TOTALS, {}, admin.token))["pipelineBoard"]

    assert [(c["stage"]["name"], c["count"], c["amount"]) for c in board["columns"]] == [
        ("Prospecting", 1, "5.00"),
        ("Qualification", 1, "5.00"),
        ("Proposal", 1, "5.00"),
        ("Negotiation", 0, "0.00"),
        ("Won", 0, "0.00"),
        ("Lost", 0, "0.00"),
    ]
    # pipeline, live stages, base currency and totals (from the stage rollups) in one statement after
    # authentication (at most 4); the opportunities are not read at all
    board_statements = [s for s in statements if "pipeline_stages" in s or "opportunit" in s]
    assert len(board_statements) == 1 and "opportunity_stage_rollups" in board_statements[0], statements
    assert not any("FROM opportunities" in statement for statement in statements)
    assert len(statements) <= 5, statements
