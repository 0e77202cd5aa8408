"""Account security reaches live connections: a revoked session, a member's sessions revoked by an admin,
and a tenant's new IP allowlist close the WebSockets they concern with 4403 (idle connections within the
re-validation interval, 0.5 s on the test servers)."""

from __future__ import annotations

import asyncpg

from tenants.embedded import DatabaseUrls
from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.security.support import MY_SESSIONS, REVOKE_MEMBER, REVOKE_SESSION
from tests.support import PASSWORD, GraphQLClient

ACCOUNTS_CHANGED = "subscription { accountsChanged { type accountId } }"
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { code } } }"""


async def subscribed(server: Server, credential: str) -> NodeSubscriber:
    watcher = await NodeSubscriber.start(server.ws_url, bearer(credential), ACCOUNTS_CHANGED)
    await watcher.subscribed("accountsChanged")
    return watcher


async def test_revoking_a_session_closes_its_websocket_only(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    second = (await http_a.execute(LOGIN, {"input": {"email": admin.email, "password": PASSWORD}}))["login"][
        "token"
    ]
    revoked_watcher = await subscribed(server_a, second)
    kept_watcher = await subscribed(server_a, admin.token)
    try:
        listed = (await http_a.execute(MY_SESSIONS, token=admin.token))["mySessions"]["nodes"]
        other = next(s for s in listed if not s["current"])
        result = await http_a.execute(REVOKE_SESSION, {"id": other["id"]}, admin.token)
        assert result["revokeSession"]["revoked"] == 1

        closed = await revoked_watcher.closed(within=5)
        assert closed["code"] == 4403 and "revoked" in closed["reason"]
        await kept_watcher.nothing_within(0.3)
    finally:
        await revoked_watcher.stop()
        await kept_watcher.stop()


async def test_an_admin_revoking_a_members_sessions_closes_their_websockets(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    member = await http_a.add_member(admin, "viewer", "watcher")
    watcher = await subscribed(server_a, member.token)
    try:
        result = await http_a.execute(REVOKE_MEMBER, {"userId": member.user_id}, admin.token)
        assert result["revokeMemberSessions"]["revoked"] == 1

        assert (await watcher.closed(within=5))["code"] == 4403
    finally:
        await watcher.stop()


async def test_a_new_allowlist_closes_connections_from_outside_it(
    server_a: Server, http_a: GraphQLClient, database_urls: DatabaseUrls
) -> None:
    admin = await http_a.sign_up()
    watcher = await subscribed(server_a, admin.token)
    try:
        await set_allowlist(database_urls, admin.tenant_id, ["192.0.2.0/24"])  # what an admin elsewhere saves

        closed = await watcher.closed(within=5)
        assert closed["code"] == 4403 and "allowlist" in closed["reason"]
    finally:
        await watcher.stop()


async def set_allowlist(urls: DatabaseUrls, tenant_id: str, networks: list[str]) -> None:
    owner = await asyncpg.connect(urls.owner)
    try:
        async with owner.transaction():
            await owner.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            await owner.execute(
                "insert into tenant_security_settings (tenant_id, ip_allowlist) values ($1::uuid, $2::cidr[])",
                tenant_id,
                networks,
            )
    finally:
        await owner.close()
