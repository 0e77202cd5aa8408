"""graphql-transport-ws at /graphql, spoken with raw sockets: auth, close codes, keep-alive, limits."""

from __future__ import annotations

import asyncio

import websockets

from tests.live.clients import bearer, close_code, raw_socket, receive, send
from tests.live.servers import Server
from tests.support import GraphQLClient

ACCOUNTS_CHANGED = "subscription { accountsChanged { type } }"
CREATE_KEY = """
mutation Key($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret errors { field code } } }
"""


async def test_subscribe_before_connection_init_closes_4401(server_a: Server) -> None:
    async with raw_socket(server_a.ws_url) as socket:
        await send(socket, {"id": "1", "type": "subscribe", "payload": {"query": ACCOUNTS_CHANGED}})
        assert await close_code(socket) == (4401, "Unauthorized")


async def test_connection_init_without_credential_closes_4401(server_a: Server) -> None:
    async with raw_socket(server_a.ws_url) as socket:
        await send(socket, {"type": "connection_init", "payload": {}})
        code, reason = await close_code(socket)
        assert code == 4401
        assert reason.startswith("Unauthorized")


async def test_bad_unknown_or_malformed_credentials_close_4403(server_a: Server) -> None:
    for payload in (
        {"token": "crms_not-a-real-session"},
        {"token": "something else"},
        {"authorization": "Basic dXNlcjpwYXNz"},
        {"token": 42},
        {"authorization": "Bearer crm_00000000-0000-0000-0000-000000000000_abc_def"},
    ):
        async with raw_socket(server_a.ws_url) as socket:
            await send(socket, {"type": "connection_init", "payload": payload})
            code, reason = await close_code(socket)
            assert code == 4403, payload
            assert reason.startswith("Forbidden"), reason


async def test_no_connection_init_times_out_with_4408(server_a: Server) -> None:
    """The server is configured with a one-second init timeout (CRM_WS_INIT_TIMEOUT_SECONDS)."""
    async with raw_socket(server_a.ws_url) as socket:
        started = asyncio.get_running_loop().time()
        assert await close_code(socket) == (4408, "Connection initialisation timeout")
        assert 0.8 < asyncio.get_running_loop().time() - started < 5


async def test_the_legacy_subprotocol_is_refused(server_a: Server) -> None:
    async with raw_socket(server_a.ws_url, subprotocols=["graphql-ws"]) as socket:
        assert await close_code(socket) == (4406, "Subprotocol not acceptable")


async def test_session_token_and_api_key_are_accepted_and_pings_flow_both_ways(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    key = await http_a.execute(CREATE_KEY, {"input": {"name": "board", "roleKey": "viewer"}}, admin.token)
    for payload in ({"token": admin.token}, bearer(key["createApiKey"]["secret"])):
        async with raw_socket(server_a.ws_url) as socket:
            await send(socket, {"type": "connection_init", "payload": payload})
            assert await receive(socket) == {"type": "connection_ack"}
            await send(socket, {"type": "ping"})
            assert await receive(socket) == {"type": "pong"}
            # The server pings idle connections (every second here, CRM_WS_PING_SECONDS).
            assert await receive(socket, within=3) == {"type": "ping"}
            await send(socket, {"type": "pong"})


async def test_only_subscriptions_run_over_the_socket_and_their_number_is_capped(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    async with raw_socket(server_a.ws_url) as socket:
        await send(socket, {"type": "connection_init", "payload": {"token": admin.token}})
        assert await receive(socket) == {"type": "connection_ack"}

        await send(
            socket, {"id": "q", "type": "subscribe", "payload": {"query": "{ me { user { email } } }"}}
        )
        refused = await receive(socket)
        assert refused["id"] == "q" and refused["type"] == "error", refused
        assert refused["payload"][0]["message"].startswith("Only subscriptions run over WebSocket")

        # CRM_WS_MAX_SUBSCRIPTIONS is 3 on the test servers.
        for number in range(3):
            await send(
                socket, {"id": f"s{number}", "type": "subscribe", "payload": {"query": ACCOUNTS_CHANGED}}
            )
            assert await receive(socket) == {
                "id": f"s{number}",
                "type": "next",
                "payload": {"data": {"accountsChanged": {"type": "subscribed"}}},
            }
        await send(socket, {"id": "s3", "type": "subscribe", "payload": {"query": ACCOUNTS_CHANGED}})
        limited = await receive(socket)
        assert limited["type"] == "error" and limited["payload"][0]["message"] == "Subscription limit reached"

        await send(socket, {"id": "s0", "type": "complete"})
        await send(socket, {"id": "s4", "type": "subscribe", "payload": {"query": ACCOUNTS_CHANGED}})
        assert (await receive(socket))["id"] == "s4"


async def test_subscription_over_http_is_refused(http_a: GraphQLClient) -> None:
    response = await http_a.post(ACCOUNTS_CHANGED)
    assert response.status_code == 400
    assert "WebSocket" in response.json()["errors"][0]["message"]


async def test_a_second_connection_init_closes_4429(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    async with raw_socket(server_a.ws_url) as socket:
        await send(socket, {"type": "connection_init", "payload": {"token": admin.token}})
        assert await receive(socket) == {"type": "connection_ack"}
        await send(socket, {"type": "connection_init", "payload": {"token": admin.token}})
        assert (await close_code(socket))[0] == 4429


async def test_closing_the_socket_unsubscribes(server_a: Server, http_a: GraphQLClient) -> None:
    """No leak: a closed connection leaves no subscriber behind (checked through a second connection)."""
    admin = await http_a.sign_up()
    async with raw_socket(server_a.ws_url) as socket:
        await send(socket, {"type": "connection_init", "payload": {"token": admin.token}})
        await receive(socket)
        await send(socket, {"id": "1", "type": "subscribe", "payload": {"query": ACCOUNTS_CHANGED}})
        await receive(socket)
    try:
        async with raw_socket(server_a.ws_url) as socket:
            await send(socket, {"type": "connection_init", "payload": {"token": admin.token}})
            assert await receive(socket) == {"type": "connection_ack"}
    except websockets.ConnectionClosed as error:  # pragma: no cover - diagnostic
        raise AssertionError(server_a.output()) from error


async def test_browser_pages_on_other_origins_need_to_be_allowed(
    server_a: Server, http_a: GraphQLClient
) -> None:
    """Cross-site WebSocket hijacking: refused at the handshake unless CRM_WS_ALLOWED_ORIGINS names the page."""
    admin = await http_a.sign_up()
    try:
        async with websockets.connect(
            server_a.ws_url, subprotocols=["graphql-transport-ws"], origin="https://evil.example.com"
        ):
            raise AssertionError("a foreign origin was accepted")
    except websockets.InvalidStatus as refused:
        assert refused.response.status_code == 403
    async with websockets.connect(
        server_a.ws_url, subprotocols=["graphql-transport-ws"], origin="https://app.example.com"
    ) as socket:
        await send(socket, {"type": "connection_init", "payload": {"token": admin.token}})
        assert await receive(socket) == {"type": "connection_ack"}
