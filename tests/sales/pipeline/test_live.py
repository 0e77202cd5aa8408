"""Opportunity events: published only by committed changes, and delivered to `opportunitiesChanged`
subscribers inside their own tenant and record scope (real uvicorn servers, real WebSockets)."""

from __future__ import annotations

import asyncio
import json

from tests.live.clients import NodeSubscriber, bearer
from tests.live.conftest import http_a, live_pair, server_a  # noqa: F401 - fixtures shared with tests/live
from tests.live.servers import Server
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, move, moved, stage_named
from tests.support import GraphQLClient, listen_to_tenant

CHANGES = """
subscription { opportunitiesChanged { type opportunityId version dropped opportunity { name stage { name } } } }
"""


async def test_committed_changes_are_published_and_refused_moves_are_not(client, db):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    heard: list[dict] = []
    connection = await db.connect()
    await listen_to_tenant(connection, admin.tenant_id, lambda *args: heard.append(json.loads(args[3])))

    opportunity = await create_opportunity(client, admin)
    refused = await move(client, admin, opportunity, stage_named(pipeline, "Lost")["id"])  # no lost reason
    assert refused["errors"]
    await moved(client, admin, opportunity, stage_named(pipeline, "Proposal")["id"])
    await asyncio.sleep(0.2)

    mine = [
        (e["type"], e["ids"]["opportunity"], e["version"])
        for e in heard
        if e["tenant"] == admin.tenant_id and e["type"].startswith("opportunity.")
    ]
    raw = mine[0][1]
    assert mine == [("opportunity.created", raw, 1), ("opportunity.stage_changed", raw, 2)]


async def test_a_rep_hears_about_own_deals_only(server_a: Server, http_a: GraphQLClient) -> None:  # noqa: F811
    admin = await http_a.sign_up("Tenant A")
    alice = await http_a.add_member(admin, "sales", "alice")
    bob = await http_a.add_member(admin, "sales", "bob")
    other = await http_a.sign_up("Tenant B")
    pipeline = await default_pipeline(http_a, admin)
    watcher = await NodeSubscriber.start(server_a.ws_url, bearer(alice.token), CHANGES)
    try:
        await watcher.subscribed("opportunitiesChanged")
        await create_opportunity(http_a, bob, name="Bob's deal")
        await create_opportunity(http_a, other, name="Other tenant's deal")
        mine = await create_opportunity(http_a, alice, name="Alice's deal")
        await moved(http_a, alice, mine, stage_named(pipeline, "Proposal")["id"])

        changes = [await watcher.change("opportunitiesChanged") for _ in range(2)]
        assert [(c["type"], c["opportunityId"], c["version"]) for c in changes] == [
            ("opportunity.created", mine["id"], 1),
            ("opportunity.stage_changed", mine["id"], 2),
        ]
        assert changes[1]["opportunity"] == {"name": "Alice's deal", "stage": {"name": "Proposal"}}
        await watcher.nothing_within(0.5)
    finally:
        await watcher.stop()
