"""SIGTERM drains the server (issue 22): a request in flight is answered and its write committed, open
subscriptions are closed with a close frame (never a dropped TCP connection), new connections are
refused, and the process exits cleanly."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.live.clients import bearer, close_code, raw_socket, receive, send
from tests.servers import UvicornServer
from tests.support import GraphQLClient

CREATE = """mutation ($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id name } errors { code } } }"""
ACCOUNTS_CHANGED = "subscription { accountsChanged { type accountId } }"
# uvicorn closes every WebSocket with 1012 "Service Restart" (RFC 6455 registry) when it shuts down;
# graphql-transport-ws leaves 1xxx codes to WebSocket, and its clients (graphql-ws) reconnect on it.
SERVICE_RESTART = 1012


@pytest.fixture
def server(database_urls, tmp_path):  # type: ignore[no-untyped-def]
    started = UvicornServer(database_urls.app, tmp_path / "server.log", {}).wait_ready(timeout=120)
    yield started
    started.stop()


async def slow_body(first: bytes, rest: bytes, go_on: asyncio.Event) -> AsyncIterator[bytes]:
    yield first
    await go_on.wait()
    yield rest


async def test_sigterm_drains_requests_and_closes_subscriptions(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        admin = await GraphQLClient(http).sign_up("Draining")
    async with raw_socket(server.ws_url) as socket:
        await send(socket, {"type": "connection_init", "payload": bearer(admin.token)})
        assert (await receive(socket))["type"] == "connection_ack"
        await send(socket, {"id": "1", "type": "subscribe", "payload": {"query": ACCOUNTS_CHANGED}})
        assert (await receive(socket))["payload"]["data"]["accountsChanged"]["type"] == "subscribed"

        body = json.dumps({"query": CREATE, "variables": {"input": {"name": "In flight"}}}).encode()
        go_on = asyncio.Event()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            in_flight = asyncio.create_task(
                http.post(
                    "/graphql",
                    content=slow_body(body[:20], body[20:], go_on),
                    headers={
                        "content-type": "application/json",
                        "authorization": f"Bearer {admin.token}",
                        "content-length": str(len(body)),
                    },
                )
            )
            await asyncio.sleep(0.5)  # the request's head and first bytes are in
            server.process.send_signal(signal.SIGTERM)
            code, _reason = await close_code(socket, within=10)
            with pytest.raises(httpx.ConnectError):
                async with httpx.AsyncClient(base_url=server.url, timeout=5) as late:
                    await late.get("/healthz")
            go_on.set()
            response = await in_flight

    assert code == SERVICE_RESTART
    assert response.status_code == 200
    payload = response.json()["data"]["createAccount"]
    assert payload["errors"] == [] and payload["account"]["name"] == "In flight"
    # uvicorn re-raises SIGTERM once it has shut down gracefully (the lifespan ran to its end).
    assert await asyncio.to_thread(server.process.wait, 20) in (0, -signal.SIGTERM)
    assert "Application shutdown complete." in server.output()
