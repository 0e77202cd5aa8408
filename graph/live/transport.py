"""graphql-transport-ws with our authentication, keep-alive and revocation rules.

Close codes (the protocol's, see github.com/enisdenjo/graphql-ws PROTOCOL.md):
- 4401 Unauthorized: `subscribe` before the connection was acknowledged, or a `connection_init` without
  any credential;
- 4403 Forbidden: a credential that is unknown, expired or revoked, and a connection whose session, API
  key or membership stops being valid later (checked on every event and every `CRM_LIVE_REVALIDATE_SECONDS`);
- 4408: no `connection_init` within `CRM_WS_INIT_TIMEOUT_SECONDS`;
- 4400 bad messages, 4409 a reused operation id, 4429 a second `connection_init` (Strawberry's own).

The credential rides in the `connection_init` payload, as `{"authorization": "Bearer <token or key>"}`
(the HTTP header's form) or `{"token": "<token or key>"}`. The server also sends `ping` every
`CRM_WS_PING_SECONDS` (clients answer `pong`), so proxies do not cut idle connections; it answers the
client's pings with `pong`. Only subscriptions run over the socket: queries and mutations go over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from contextvars import ContextVar
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    ConnectionInitMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from graph.core.extensions import RequestLifecycle
from graph.live.context import CURRENT_SCOPE, EventScope, LiveContext
from tenants.credentials import AuthenticationFailed, Credential, credential_from

logger = logging.getLogger("crm.live")

UNAUTHORIZED = 4401
FORBIDDEN = 4403
# WebSocket close reasons are limited to 123 bytes.
MAX_REASON = 120

# The operation whose task this is (each operation runs in a task of its own).
CURRENT_OPERATION: ContextVar[Operation[LiveContext, None] | None] = ContextVar(
    "crm_live_operation", default=None
)


class MissingCredential(Exception):
    """connection_init carried no credential at all."""


def credential_in(payload: dict[str, Any]) -> Credential:
    """The credential of a connection_init payload (raises MissingCredential or AuthenticationFailed)."""
    authorization = payload.get("authorization") or payload.get("Authorization")
    token = payload.get("token")
    if authorization is None and token is None:
        raise MissingCredential
    if authorization is not None:
        if not isinstance(authorization, str):
            raise AuthenticationFailed("`authorization` must be 'Bearer <session token or API key>'.")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationFailed("`authorization` must be 'Bearer <session token or API key>'.")
        return credential_from(value.strip())
    if not isinstance(token, str) or not token:
        raise AuthenticationFailed("`token` must be a session token or an API key.")
    return credential_from(token)


class LiveTransportHandler(BaseGraphQLTransportWSHandler[LiveContext, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context.connection = self
        self.closing = False
        self.watchers: list[asyncio.Task[None]] = []
        # Monotonic start time of the last successful credential check (connect, event or periodic).
        self.validated_at = 0.0
        # Errors of delivered events get the same codes and production masking as HTTP responses.
        self.error_shaper = RequestLifecycle(production=self.settings.is_production)

    @property
    def settings(self) -> Any:
        return self.context.services.settings

    async def close(self, code: int, reason: str) -> None:
        """Close once; later attempts (another subscription noticing the same revocation) do nothing."""
        if self.closing:
            return
        self.closing = True
        with contextlib.suppress(Exception):  # the peer may be gone already
            await self.websocket.close(code=code, reason=reason[:MAX_REASON])

    async def forbid(self, reason: str) -> None:
        await self.close(FORBIDDEN, f"Forbidden: {reason}")

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.close(4400, "Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.close(4429, "Too many initialisation requests")
            return
        self.connection_init_received = True
        self.context.connection_params = payload
        try:
            self.context.credential = credential_in(payload)
            started = time.monotonic()
            self.context.actor_or_none = await self.context.authenticate()
            self.validated_at = started
        except MissingCredential:
            await self.close(
                UNAUTHORIZED, "Unauthorized: send {token: <session token or API key>} in connection_init"
            )
            return
        except AuthenticationFailed as error:
            await self.forbid(str(error))
            return
        await self.context.event_bus.ensure_started()
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        self.watch(self.revalidate_periodically())
        if self.settings.ws_ping_seconds > 0:
            self.watch(self.ping_periodically())

    def watch(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        task.add_done_callback(self._task_done)
        self.watchers.append(task)

    async def revalidate(self) -> bool:
        """False (and the connection closed with 4403) when the credential no longer holds."""
        started = time.monotonic()
        try:
            actor = await self.context.authenticate()
        except AuthenticationFailed as error:
            await self.forbid(str(error))
            return False
        except Exception:  # the database is unreachable for a moment: try again next time
            logger.warning("could not re-validate a WebSocket connection", exc_info=True)
            return True
        if not await self.adopt(actor):
            return False
        self.validated_at = max(self.validated_at, started)
        return True

    async def adopt(self, actor: Any) -> bool:
        """Take a freshly validated actor (its role may have changed); another tenant ends the connection."""
        if actor.tenant_id != self.context.actor.tenant_id:
            await self.forbid("the session moved to another tenant")
            return False
        self.context.actor_or_none = actor
        return True

    async def revalidate_periodically(self) -> None:
        """Idle connections are checked every interval; busy ones are already checked by their events.
        A random phase keeps thousands of connections from checking in the same instant."""
        interval = self.settings.live_revalidate_seconds
        await asyncio.sleep(interval * random.random())  # noqa: S311 - spreading load, not security
        while not self.closing:
            since = time.monotonic() - self.validated_at
            if since >= interval:
                await self.revalidate()
                since = 0.0
            await asyncio.sleep(interval - since)

    async def ping_periodically(self) -> None:
        while not self.closing:
            await asyncio.sleep(self.settings.ws_ping_seconds)
            with contextlib.suppress(Exception):
                await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        self.closing = True
        for task in self.watchers:
            task.cancel()
        for task in self.watchers:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        await super().shutdown()

    async def _send_result_stream(self, operation: Operation[LiveContext, None], result_source: Any) -> None:
        """Strawberry's, but the event's transaction ends before the frame is sent: a slow client then
        holds no pooled connection while its socket drains."""
        first = True
        async for result in result_source:
            if first and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            if not isinstance(result, ExecutionResult):
                await self._reject_incremental_delivery(operation)
                return
            payload: dict[str, Any] = {"data": result.data}  # Operation.send_next's payload
            if result.errors:
                payload["errors"] = [
                    self.error_shaper.shape(error, self.context.request_id).formatted
                    for error in result.errors
                ]
            if result.extensions:
                payload["extensions"] = result.extensions
            encoded = json.dumps(payload, separators=(",", ":"))
            if not result.errors and not result.extensions:  # nothing in it is this connection's own
                self.context.settle_view(encoded)
            await self.context.finish(commit=True)
            await self.send_payload(encoded, operation)
            first = False

    async def send_payload(self, payload: str, operation: Operation[LiveContext, None] | None = None) -> None:
        """A `next` message around an already serialised payload (shared by the subscribers of a view), for
        `operation` or else the operation of the current task."""
        operation = operation or CURRENT_OPERATION.get()
        if operation is None or operation.completed:
            return
        message = f'{{"id":{json.dumps(operation.id)},"type":"next","payload":{payload}}}'
        with contextlib.suppress(WebSocketDisconnect):  # gone: the reader's shutdown cancels the operations
            await self.websocket.ws.send_text(message)  # type: ignore[attr-defined]

    async def _handle_pre_execution_error(self, operation: Operation[LiveContext, None], result: Any) -> None:
        first = result.errors[0] if result.errors else None
        if first is not None and isinstance(first.original_error, InvalidOperationTypeError):
            result.errors = [
                GraphQLError(
                    "Only subscriptions run over WebSocket; send queries and mutations by HTTP POST."
                )
            ]
        await super()._handle_pre_execution_error(operation, result)

    async def run_operation(self, operation: Operation[LiveContext, None]) -> None:
        """Strawberry's, restricted to subscriptions, with one event scope per operation task."""
        CURRENT_SCOPE.set(EventScope())
        CURRENT_OPERATION.set(operation)
        try:
            result_source = await self.schema.subscribe(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message(CompleteMessage(id=operation.id, type="complete"))
        except _OperationStreamClosed:
            return
        except Exception as error:
            if self.closing:  # the socket was closed under the operation (revocation, shutdown)
                return
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            await self.context.finish(commit=False)
