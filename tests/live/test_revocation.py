"""A connection lives only as long as its credential: logout, a revoked API key or a removed membership
close it with 4403, within the re-validation interval (0.5 s on the test servers) even when idle."""

from __future__ import annotations

import uuid

import asyncpg
from strawberry import relay

from graph.core.ids import decode_id
from tenants.embedded import DatabaseUrls
from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.support import GraphQLClient

ACCOUNTS_CHANGED = "subscription { accountsChanged { type accountId } }"
LOGOUT = "mutation { logout { ok errors { code } } }"
CREATE_KEY = """
mutation Key($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } errors { code } } }
"""
REVOKE_KEY = "mutation Revoke($id: ID!) { revokeApiKey(id: $id) { errors { code } } }"
CREATE = 'mutation { createAccount(input: {name: "Still here?"}) { errors { code } } }'


async def subscribed(server: Server, credential: str) -> NodeSubscriber:
    watcher = await NodeSubscriber.start(server.ws_url, bearer(credential), ACCOUNTS_CHANGED)
    await watcher.subscribed("accountsChanged")
    return watcher


async def test_logout_closes_the_sessions_subscriptions(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    other_session = await http_a.sign_up()
    watcher = await subscribed(server_a, admin.token)
    bystander = await subscribed(server_a, other_session.token)
    try:
        assert (await http_a.execute(LOGOUT, token=admin.token))["logout"]["ok"] is True
        closed = await watcher.closed(within=5)
        assert closed["code"] == 4403
        assert "revoked" in closed["reason"]
        await bystander.nothing_within(0.3)  # other connections are untouched
    finally:
        await watcher.stop()
        await bystander.stop()


async def test_a_revoked_api_key_closes_its_connection(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    key = (
        await http_a.execute(CREATE_KEY, {"input": {"name": "wallboard", "roleKey": "viewer"}}, admin.token)
    )["createApiKey"]
    watcher = await subscribed(server_a, key["secret"])
    try:
        await http_a.execute(REVOKE_KEY, {"id": key["apiKey"]["id"]}, admin.token)
        assert (await watcher.closed(within=5))["code"] == 4403
    finally:
        await watcher.stop()


async def test_a_removed_membership_closes_the_connection_on_the_next_event(
    server_a: Server, http_a: GraphQLClient, database_urls: DatabaseUrls
) -> None:
    """Checked on each event, not only periodically: the removed member never sees the next change."""
    admin = await http_a.sign_up()
    rep = await http_a.add_member(admin, "viewer", "leaver")
    watcher = await subscribed(server_a, rep.token)
    try:
        await deactivate_membership(database_urls, rep.tenant_id, rep.user_id)
        await http_a.execute(CREATE, token=admin.token)
        closed = await watcher.line(within=5)
        assert closed["kind"] == "closed", closed  # the change itself never reached the removed member
        assert closed["code"] == 4403
        assert "no longer a member" in closed["reason"]
    finally:
        await watcher.stop()


async def deactivate_membership(urls: DatabaseUrls, tenant_id: str, user_global_id: str) -> None:
    """What removing a member does, in SQL (inside the tenant's wall, as RLS asks even of the owner)."""
    owner = await asyncpg.connect(urls.owner)
    try:
        async with owner.transaction():
            await owner.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            updated = await owner.execute(
                "update memberships set is_active = false where user_id = $1",
                global_uuid(user_global_id, "User"),
            )
            assert updated == "UPDATE 1", updated
    finally:
        await owner.close()


def global_uuid(global_id: str, type_name: str) -> uuid.UUID:
    return decode_id(relay.GlobalID.from_id(global_id), type_name)
