"""The compiled fast path answers a read or leaves it to the regular path, never anything in between:
refused credentials get the regular path's status and error, and pooled connections that died (a
PostgreSQL restart) are replaced without the client seeing an error."""

from __future__ import annotations

import asyncpg

from graph.compiled.planner import BoundPlan
from tests.crm.documents import create_account
from tests.security.support import client_at, update_settings

ACCOUNTS = "query { accounts(first: 5) { nodes { id name } } }"


async def test_an_unknown_token_gets_401_from_a_compiled_read(client):
    response = await client.post(ACCOUNTS, token="crms_not-a-session-token-at-all")

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()


async def test_a_compiled_read_from_outside_the_allowlist_gets_403(app):
    async with client_at(app, "10.91.0.1") as office, client_at(app, "192.0.2.91") as cafe:
        admin = await office.sign_up()
        await create_account(office, admin, name="Kept inside")
        assert (await update_settings(office, admin, ipAllowlist=["10.91.0.0/16"]))["errors"] == []

        refused = await cafe.post(ACCOUNTS, token=admin.token)
        allowed = await office.execute(ACCOUNTS, token=admin.token)

        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN_NETWORK"
        assert [n["name"] for n in allowed["accounts"]["nodes"]] == ["Kept inside"]


async def test_dead_pooled_connections_are_replaced_without_an_error(app, client, database_urls):
    admin = await client.sign_up()
    await create_account(client, admin, name="After the restart")
    engine = app.state.services.db.engine
    pooled = [await engine.raw_connection() for _ in range(engine.sync_engine.pool.checkedin())]
    pids = [connection.driver_connection.get_server_pid() for connection in pooled]
    for connection in pooled:
        connection.close()
    superuser = await asyncpg.connect(database_urls.admin)
    try:
        for pid in pids:
            await superuser.execute("select pg_terminate_backend($1)", pid)
    finally:
        await superuser.close()

    answer = await client.execute(ACCOUNTS, token=admin.token)

    assert [n["name"] for n in answer["accounts"]["nodes"]] == ["After the restart"]
    assert pids, "the pool held idle connections to kill"


async def test_a_compiled_statement_that_fails_is_served_by_the_executor(app, client, monkeypatch):
    admin = await client.sign_up()
    await create_account(client, admin, name="Still answered")
    planner = app.state.fast_path.planner
    failing = BoundPlan(sql="select (1 / 0)::text", arguments=[])
    monkeypatch.setattr(planner, "plan", lambda *_args: failing)
    app.state.graphql.verifies_compiled = False
    try:
        answer = await client.execute(ACCOUNTS, token=admin.token)
    finally:
        app.state.graphql.verifies_compiled = True

    assert [n["name"] for n in answer["accounts"]["nodes"]] == ["Still answered"]
