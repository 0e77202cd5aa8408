"""Read-only reports on a replica (DATABASE_REPLICA_URL, issue 22): the funnel's scan runs in a read-only
transaction on the replica's pool, inside the caller's tenant under RLS. The test points the replica
URL at the suite's own database (a replica is a copy of it), and tells the two pools apart by their
engines."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from gateway.app import create_app
from graph.core.context import RequestContext
from tenants.credentials import authenticate, bearer_credential
from tests.conftest import make_settings
from tests.sales.pipeline.documents import create_account, create_opportunity
from tests.sales.pipeline.test_board_and_funnel import FUNNEL, window
from tests.support import GraphQLClient


@pytest.fixture(scope="module")
async def routed(database_urls) -> AsyncIterator:  # type: ignore[type-arg,no-untyped-def]
    app = create_app(make_settings(DATABASE_REPLICA_URL=database_urls.app), database_urls.app)
    statements: dict[str, list[str]] = {"primary": [], "replica": []}
    services = app.state.services
    for name, database in (("primary", services.db), ("replica", services.replica)):
        event.listen(
            database.engine.sync_engine,
            "before_cursor_execute",
            lambda _c, _cur, sql, *_a, name=name: statements[name].append(sql),
        )
    transport = httpx.ASGITransport(app=app, client=(f"10.33.0.{secrets.randbelow(250) + 1}", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http), app, statements
    await services.dispose()


async def test_the_funnel_reads_from_the_replica_inside_the_tenant(routed):
    client, _app, statements = routed
    admin = await client.sign_up("Replicated")
    other = await client.sign_up("Elsewhere")
    account = await create_account(client, admin)
    await create_opportunity(client, admin, account["id"], name="Big deal", amount="1000")
    statements["primary"].clear()
    statements["replica"].clear()

    mine = (await client.execute(FUNNEL, window(), admin.token))["funnel"]
    theirs = (await client.execute(FUNNEL, window(), other.token))["funnel"]

    assert mine["total"] == 1 and sum(stage["count"] for stage in mine["stages"]) == 1
    assert theirs["total"] == 0  # the replica is behind the same RLS wall
    on_replica = " ".join(statements["replica"]).lower()
    assert on_replica.count("set transaction read only") == 2
    assert "opportunit" in on_replica
    assert not any("opportunit" in sql.lower() for sql in statements["primary"])


async def test_a_report_session_is_read_only_and_in_the_callers_tenant(routed):
    client, app, _statements = routed
    admin = await client.sign_up("ReadOnly")
    context = RequestContext(app.state.services, None, None, "replica-test", None)
    credential = bearer_credential(f"Bearer {admin.token}")
    context.actor_or_none = await context.begin_with(
        lambda session: authenticate(session, credential, "replica-test", "5s", None)
    )
    await context.finish(commit=True)

    async with context.report_session() as session:
        read_only = await session.scalar(text("show transaction_read_only"))
        tenant = await session.scalar(text("select current_setting('app.tenant_id')"))
    # A write is refused (and, SQLSTATE 25006 being what a demoted primary answers, its connection is
    # dropped from the pool: tenants/db.py `treat_read_only_as_disconnect`).
    with pytest.raises(DBAPIError, match="read-only transaction"):
        async with context.report_session() as session:
            await session.execute(text("insert into job_runs (job) values ('report')"))

    assert (read_only, tenant) == ("on", admin.tenant_id)
