"""Test clients of the live endpoint: the reference Node `graphql-ws` client, and raw sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.servers import ROOT

SCRIPT = Path(__file__).with_name("subscribe.mjs")
PROTOCOL = "graphql-transport-ws"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


class NodeSubscriber:
    """One subscription through graphql-ws (Node), read as JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(
        cls, ws_url: str, params: dict[str, Any], query: str, variables: dict[str, Any] | None = None
    ) -> NodeSubscriber:
        node = shutil.which("node")
        if node is None:
            pytest.fail("Node.js is required for the live tests (see the Makefile)")
        if not (ROOT / "node_modules" / "graphql-ws").is_dir():
            pytest.fail("node_modules is missing: run `npm ci` (make test does it)")
        process = await asyncio.create_subprocess_exec(
            node,
            "--no-warnings",
            "--experimental-websocket",
            str(SCRIPT),
            ws_url,
            json.dumps(params),
            query,
            json.dumps(variables or {}),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def line(self, within: float = 10.0) -> dict[str, Any]:
        assert self.process.stdout is not None
        try:
            raw = await asyncio.wait_for(self.process.stdout.readline(), within)
        except TimeoutError:
            raise AssertionError(f"nothing from the subscriber within {within}s") from None
        if not raw:
            stderr = await self.process.stderr.read() if self.process.stderr else b""
            raise AssertionError(f"the subscriber exited: {stderr.decode(errors='replace')}")
        return json.loads(raw)

    async def next(self, within: float = 10.0) -> dict[str, Any]:
        """The next `next` payload (skipping `connected`)."""
        while True:
            line = await self.line(within)
            if line["kind"] == "connected":
                continue
            assert line["kind"] == "next", line
            return line["payload"]

    async def change(self, field: str, within: float = 10.0) -> dict[str, Any]:
        payload = await self.next(within)
        assert "errors" not in payload, payload
        return payload["data"][field]

    async def subscribed(self, field: str) -> dict[str, Any]:
        change = await self.change(field)
        assert change["type"] == "subscribed", change
        return change

    async def nothing_within(self, seconds: float) -> None:
        assert self.process.stdout is not None
        with contextlib.suppress(TimeoutError):
            raw = await asyncio.wait_for(self.process.stdout.readline(), seconds)
            raise AssertionError(f"unexpected: {raw!r}")

    async def closed(self, within: float = 10.0) -> dict[str, Any]:
        while True:
            line = await self.line(within)
            if line["kind"] == "closed":
                return line

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


@contextlib.asynccontextmanager
async def raw_socket(ws_url: str, subprotocols: list[str] | None = None) -> Any:
    async with websockets.connect(ws_url, subprotocols=subprotocols or [PROTOCOL]) as socket:  # type: ignore[list-item]
        yield socket


async def send(socket: Any, message: dict[str, Any]) -> None:
    await socket.send(json.dumps(message))


async def receive(socket: Any, within: float = 5.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(socket.recv(), within))


async def close_code(socket: Any, within: float = 5.0) -> tuple[int | None, str]:
    """Reads until the server closes; returns its close code and reason."""
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(socket.recv(), within)
    assert socket.protocol.close_rcvd is not None, "the server did not close the connection"
    return socket.protocol.close_rcvd.code, socket.protocol.close_rcvd.reason
