"""An event's database work scales with the number of distinct views, not with the connections.

The server runs in this process (uvicorn on the test's event loop) so its SQL statements can be counted
like tests/crm/test_no_n_plus_one.py does; the event is committed in SQL as the application role (update
+ the service's `pg_notify` payload), so the mutation's own statements are not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from strawberry import relay

from gateway.app import create_app
from graph.live.context import LiveContext
from graph.live.events import CHANNEL, Event
from tenants.embedded import DatabaseUrls
from tests.admin.documents import assign, create_role, grants
from tests.conftest import make_settings
from tests.crm.test_no_n_plus_one import counted_statements
from tests.live.clients import PROTOCOL, receive, send
from tests.live.test_accounts_live import create_account
from tests.servers import free_port
from tests.support import GraphQLClient, Member, TestDatabase

FEED = "subscription { accountsChanged { type account { name industry owner { email } } } }"


@pytest.fixture
async def server(database_urls: DatabaseUrls) -> AsyncIterator[Any]:
    """An app of its own (no periodic re-checks during the test), served on a free port."""
    app = create_app(make_settings(CRM_LIVE_REVALIDATE_SECONDS=600), database_urls.app)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    served = uvicorn.Server(config)
    task = asyncio.create_task(served.serve())
    for _ in range(500):  # up to 10 s
        if served.started:
            break
        await asyncio.sleep(0.02)
    assert served.started, "the in-process server did not start"
    app.state.ws_url = f"ws://127.0.0.1:{port}/graphql"
    app.state.http_url = f"http://127.0.0.1:{port}"
    try:
        yield app
    finally:
        served.should_exit = True
        await task
        await app.state.event_bus.stop()
        await app.state.services.db.dispose()


@contextlib.asynccontextmanager
async def feed(app: Any, token: str) -> AsyncIterator[Any]:
    async with websockets.connect(app.state.ws_url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        await send(socket, {"type": "connection_init", "payload": {"token": token}})
        assert (await receive(socket))["type"] == "connection_ack"
        await send(socket, {"id": "1", "type": "subscribe", "payload": {"query": FEED}})
        assert (await change(socket))["type"] == "subscribed"
        yield socket


async def change(socket: Any, within: float = 10.0) -> dict[str, Any]:
    message = await receive(socket, within)
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]["accountsChanged"]


async def commit_update(db: TestDatabase, tenant_id: str, account_id: uuid.UUID, name: str) -> None:
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        version = await connection.fetchval(
            "update accounts set name = $2, version = version + 1 where id = $1 returning version",
            account_id,
            name,
        )
        event = Event(uuid.UUID(tenant_id), "account.updated", {"account": account_id}, version)
        await connection.execute("select pg_notify($1, $2)", CHANNEL, event.encode())


async def test_subscribers_with_the_same_view_share_one_read_and_each_view_stays_filtered(
    server: Any, db: TestDatabase
) -> None:
    async with httpx.AsyncClient(base_url=server.state.http_url, timeout=30) as http:
        client = GraphQLClient(http)
        admin = await client.sign_up()
        rep = await client.add_member(admin, "sales", "rep")
        other_rep = await client.add_member(admin, "sales", "other")
        viewers = [await client.add_member(admin, "viewer", f"viewer{n}") for n in range(3)]
        reader = await client.add_member(admin, "viewer", "reader")
        role = await create_role(
            client, admin, "reader", grants=grants("ALL", ["READ"], {"account": {"industry": "HIDDEN"}})
        )
        await assign(client, admin, reader, role)
        account = await create_account(client, admin.token, "Before", industry="Mining", ownerId=rep.user_id)
    account_id = uuid.UUID(relay.GlobalID.from_id(account["id"]).node_id)

    # 3 viewer users x 3 connections: one view (scope "all", same role). The reader (industry hidden)
    # and each sales rep (scope "own") are views of their own: 4 views, 12 connections.
    same_view: list[Member] = [viewer for viewer in viewers for _ in range(3)]
    async with contextlib.AsyncExitStack() as stack:
        viewer_feeds = [await stack.enter_async_context(feed(server, v.token)) for v in same_view]
        reader_feed = await stack.enter_async_context(feed(server, reader.token))
        rep_feed = await stack.enter_async_context(feed(server, rep.token))
        other_rep_feed = await stack.enter_async_context(feed(server, other_rep.token))

        with counted_statements(server) as statements:
            await commit_update(db, admin.tenant_id, account_id, "After")
            seen = [await change(socket) for socket in viewer_feeds]
            hidden = await change(reader_feed)
            owned = await change(rep_feed)
            with pytest.raises(TimeoutError):  # another rep's deal never reaches a scope-"own" rep
                await receive(other_rep_feed, within=0.5)

    full = {"name": "After", "industry": "Mining", "owner": {"email": rep.email}}
    assert [item["account"] for item in seen] == [full] * len(viewer_feeds)
    assert hidden["account"] == {**full, "industry": None}
    assert owned["account"] == full

    account_reads = [s for s in statements if "FROM accounts" in s]
    assert len(account_reads) == 4, json.dumps(statements, indent=1)  # once per view, not per connection
    # Per view: tenant settings, the account, its owner (none for the other rep); plus the batched
    # credential checks. Per connection it was ~4 statements each (12 connections: ~48).
    assert len(statements) <= 4 * 3 + 3, json.dumps(statements, indent=1)


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The payloads sent to subscribers that did not execute the event themselves (see `SharedView`)."""
    sent: list[str] = []
    send_shared = LiveContext.send_shared

    async def counted(context: LiveContext, payload: str) -> None:
        sent.append(payload)
        await send_shared(context, payload)

    monkeypatch.setattr(LiveContext, "send_shared", counted)
    return sent


async def test_subscribers_of_one_view_are_sent_the_first_ones_payload_without_executing_again(
    server: Any, db: TestDatabase, shared: list[str]
) -> None:
    async with httpx.AsyncClient(base_url=server.state.http_url, timeout=30) as http:
        client = GraphQLClient(http)
        admin = await client.sign_up()
        rep = await client.add_member(admin, "sales", "rep")
        viewer = await client.add_member(admin, "viewer", "viewer")
        account = await create_account(client, admin.token, "Before", industry="Mining", ownerId=rep.user_id)
    account_id = uuid.UUID(relay.GlobalID.from_id(account["id"]).node_id)

    async with contextlib.AsyncExitStack() as stack:
        viewer_feeds = [await stack.enter_async_context(feed(server, viewer.token)) for _ in range(4)]
        rep_feed = await stack.enter_async_context(feed(server, rep.token))
        await commit_update(db, admin.tenant_id, account_id, "After")
        frames = [await receive(socket) for socket in viewer_feeds]
        owned = await change(rep_feed)

    # One view of four connections: the first executes the selection set, the other three are sent its
    # payload; the rep (scope "own") is a view of its own and executes its own.
    assert len(shared) == 3
    assert all(json.loads(payload) == frames[0]["payload"] for payload in shared)
    assert [frame["payload"] for frame in frames] == [frames[0]["payload"]] * 4
    assert frames[0]["payload"]["data"]["accountsChanged"]["account"]["name"] == "After"
    assert [frame["id"] for frame in frames] == ["1"] * 4
    assert owned["account"]["name"] == "After"


DEAL_FEED = "subscription($id: ID!) { opportunityChanged(id: $id) { type opportunity { name } } }"
CREATE_DEAL = """
mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id version } errors { code } } }"""
REASSIGN_DEAL = """
mutation($id: ID!, $version: Int!, $ownerId: ID!) {
  updateOpportunity(id: $id, version: $version, input: {ownerId: $ownerId}) { errors { code } } }"""


async def test_a_shared_last_item_ends_every_stream_of_the_view(server: Any, shared: list[str]) -> None:
    async with httpx.AsyncClient(base_url=server.state.http_url, timeout=30) as http:
        client = GraphQLClient(http)
        admin = await client.sign_up()
        rep = await client.add_member(admin, "sales", "rep")
        account = await create_account(client, admin.token, "Buyer", ownerId=rep.user_id)
        created = await client.execute(
            CREATE_DEAL,
            {"input": {"name": "Deal", "accountId": account["id"], "amount": "10", "ownerId": rep.user_id}},
            admin.token,
        )
        deal = created["createOpportunity"]["opportunity"]
        async with contextlib.AsyncExitStack() as stack:
            sockets = []
            for _ in range(3):  # one rep, three connections: one view (scope "own", the same user)
                socket = await stack.enter_async_context(
                    websockets.connect(server.state.ws_url, subprotocols=[PROTOCOL])  # type: ignore[list-item]
                )
                await send(socket, {"type": "connection_init", "payload": {"token": rep.token}})
                assert (await receive(socket))["type"] == "connection_ack"
                subscribe = {"query": DEAL_FEED, "variables": {"id": deal["id"]}}
                await send(socket, {"id": "deal", "type": "subscribe", "payload": subscribe})
                assert (await receive(socket))["payload"]["data"]["opportunityChanged"][
                    "type"
                ] == "subscribed"
                sockets.append(socket)
            reassigned = await client.execute(
                REASSIGN_DEAL,
                {"id": deal["id"], "version": deal["version"], "ownerId": admin.user_id},
                admin.token,
            )
            assert reassigned["updateOpportunity"]["errors"] == []
            # The deal left the rep's view: every connection hears it once, then its stream completes.
            for socket in sockets:
                hidden = await receive(socket)
                assert hidden["payload"]["data"]["opportunityChanged"] == {
                    "type": "opportunity.hidden",
                    "opportunity": None,
                }
                assert await receive(socket) == {"id": "deal", "type": "complete"}
    assert len(shared) == 2
