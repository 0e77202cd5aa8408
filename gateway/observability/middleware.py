"""The outermost ASGI layer: request id, the HTTP request's metrics and span, the log context.

Plain ASGI (no BaseHTTPMiddleware): per request it reads the clock twice, sets one context variable and
makes sure the response carries `X-Request-Id`; the span only when tracing is on.
"""

from __future__ import annotations

import time

from opentelemetry.trace import Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability.context import CURRENT, Observation, request_id_from
from gateway.observability.metrics import Metrics, route_of
from gateway.observability.tracing import end_span, start_request_span

REQUEST_ID_HEADER = b"x-request-id"


class ObservedApp:
    def __init__(self, app: ASGIApp, metrics: Metrics | None, tracer: Tracer | None) -> None:
        self.app = app
        self.metrics = metrics
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope.get("headers", ()))
        scope["crm.request_id"] = request_id
        observation = Observation(request_id)
        token = CURRENT.set(observation)
        route = route_of(scope["path"])
        span = span_token = None
        if self.tracer is not None and scope["type"] == "http":
            span, span_token = start_request_span(self.tracer, scope, route)
            observation.span = span
        status = 500  # what the client sees when the app fails before it starts a response
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                if not any(name.lower() == REQUEST_ID_HEADER for name, _ in headers):
                    headers.append((REQUEST_ID_HEADER, request_id.encode()))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            if scope["type"] == "http" and self.metrics is not None:
                self.metrics.observe_request(route, status, time.perf_counter() - started)
            if span is not None:
                end_span(
                    span,
                    span_token,
                    {
                        "http.response.status_code": status if scope["type"] == "http" else None,
                        "crm.request_id": request_id,
                        "crm.tenant_id": str(observation.tenant_id) if observation.tenant_id else None,
                        "graphql.operation.name": observation.operation_name,
                    },
                )
            CURRENT.reset(token)
