"""What the edge learns about one request, for logs, spans and metrics: a context variable holding a
small mutable record, so code anywhere on the request's task (and the tasks it starts) can add to it."""

from __future__ import annotations

import os
import re
import uuid
from contextvars import ContextVar
from typing import Any

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class Observation:
    """One HTTP request or WebSocket connection: ids for logs, facts for the operation's metrics."""

    __slots__ = ("operation_name", "operation_type", "path", "request_id", "span", "tenant_id")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.tenant_id: uuid.UUID | None = None
        self.operation_type = "unknown"
        self.operation_name: str | None = None
        self.path = "executor"  # or "fast" (gateway/fast_path.py answered)
        self.span: Any = None  # the HTTP request's span when tracing is on


CURRENT: ContextVar[Observation | None] = ContextVar("crm_observation", default=None)


def current() -> Observation | None:
    return CURRENT.get()


def note_tenant(tenant_id: uuid.UUID) -> None:
    """The request acts in this tenant (called where authentication admits it)."""
    observation = CURRENT.get()
    if observation is not None:
        observation.tenant_id = tenant_id


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's X-Request-Id when well-formed (letters, digits, `._-`, at most 64), else a new one."""
    for name, value in headers:
        if name == b"x-request-id":
            offered = value.decode("latin-1")
            if REQUEST_ID.fullmatch(offered):
                return offered
            break
    return os.urandom(16).hex()
