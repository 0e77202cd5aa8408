"""Where Prometheus scrapes: `/metrics` on the main port, or a listener of its own (CRM_METRICS_BIND).

On the main port a token (CRM_METRICS_TOKEN, sent as `Authorization: Bearer <token>`) is required when
set, and production refuses to serve metrics there without one: pool sizes and job names are not for
the internet. A listener of its own (`host:port`, e.g. a pod's 9100 that no Service exposes) needs no
token but honours it when set. Each process answers for itself: run one worker per container (the
manifests in infra/ do) or scrape each worker's own listener.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from config.settings import Settings
from gateway.observability.metrics import Metrics

logger = logging.getLogger("crm.metrics")


def metrics_location(settings: Settings) -> tuple[str, int] | str | None:
    """`"app"` for the main port, (host, port) for a listener of its own, None for no metrics."""
    bind = settings.metrics_bind.strip()
    if bind == "off":
        return None
    if bind == "app":
        if settings.is_production and not settings.metrics_token:
            logger.warning("metrics are off: production serves /metrics only with CRM_METRICS_TOKEN set")
            return None
        return "app"
    host, _, port = bind.rpartition(":")
    if not port.isdigit() or not host:
        raise ValueError(f"CRM_METRICS_BIND must be `app`, `off` or host:port, got {bind!r}")
    return host.strip("[]"), int(port)


def authorized(header: str | None, token: str | None) -> bool:
    if token is None:
        return True
    expected = f"Bearer {token}"
    return header is not None and hmac.compare_digest(header.encode(), expected.encode())


async def exposition(metrics: Metrics) -> bytes:
    await metrics.refresh()
    return generate_latest(metrics.registry)


def metrics_route(metrics: Metrics, token: str | None):  # type: ignore[no-untyped-def]
    async def serve_metrics(request: Request) -> Response:
        if not authorized(request.headers.get("authorization"), token):
            return PlainTextResponse("Send the metrics token as a bearer token.", status_code=401)
        return Response(await exposition(metrics), media_type=CONTENT_TYPE_LATEST)

    return serve_metrics


async def start_listener(metrics: Metrics, host: str, port: int, token: str | None) -> asyncio.Server:
    """A minimal HTTP/1.0 responder on the server's own event loop: GET /metrics, nothing else."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            lines = head.decode("latin-1").split("\r\n")
            method, path = [*lines[0].split(" "), "", ""][:2]
            headers = dict(
                (name.strip().lower(), value.strip())
                for name, _, value in (line.partition(":") for line in lines[1:] if line)
            )
            if method != "GET" or path.split("?", 1)[0] != "/metrics":
                status, body, media = "404 Not Found", b"GET /metrics\n", "text/plain"
            elif not authorized(headers.get("authorization"), token):
                status, body, media = "401 Unauthorized", b"metrics token required\n", "text/plain"
            else:
                status, body, media = "200 OK", await exposition(metrics), CONTENT_TYPE_LATEST
            writer.write(
                f"HTTP/1.0 {status}\r\nContent-Type: {media}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(answer, host, port)
