"""Domain events: what a mutation announces, published with `pg_notify` inside its own transaction.

PostgreSQL delivers a notification only when (and if) the transaction that sent it commits, and drops
the ones sent inside a rolled-back savepoint, so listeners hear exactly the committed changes. A
notification reaches every listener of the database, whatever its tenant: payloads therefore carry only
the tenant id, the event type, the ids involved and the record version, never record data. Subscribers
re-read the record under their own tenant session and permissions before anything leaves the server.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.effects import pending_effects

logger = logging.getLogger("crm.live")

CHANNEL = "crm_events"
# NOTIFY refuses payloads of 8000 bytes or more (the default build's limit); ours stay far below.
MAX_PAYLOAD_BYTES = 8000


@dataclass(frozen=True)
class Event:
    """One committed change: `type` is `<object>.<change>`, e.g. `account.updated`."""

    tenant_id: uuid.UUID
    type: str
    ids: Mapping[str, uuid.UUID | None] = field(default_factory=dict)
    version: int | None = None
    # This process's shared reads of the event, one per subscriber view (graph/live/stream.py): they live
    # and die with the event object that was fanned out to the subscribers' queues.
    views: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def id(self, name: str) -> uuid.UUID | None:
        return self.ids.get(name)

    def encode(self) -> str:
        payload = orjson.dumps(
            {
                "tenant": str(self.tenant_id),
                "type": self.type,
                "ids": {name: str(value) if value else None for name, value in self.ids.items()},
                "version": self.version,
            }
        ).decode()
        size = len(payload.encode("utf-8"))
        assert size < MAX_PAYLOAD_BYTES, f"event payload of {size} bytes is over NOTIFY's limit"
        return payload

    @classmethod
    def decode(cls, payload: str) -> Event | None:
        """None for anything that is not one of our payloads (another program may share the channel)."""
        try:
            data: Any = json.loads(payload)
            return cls(
                tenant_id=uuid.UUID(data["tenant"]),
                type=str(data["type"]),
                ids={str(k): uuid.UUID(v) if v else None for k, v in dict(data.get("ids") or {}).items()},
                version=int(data["version"]) if data.get("version") is not None else None,
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            logger.warning("ignoring a malformed notification on %s", CHANNEL)
            return None


async def publish(session: AsyncSession, event: Event) -> None:
    """Queue `event` for delivery when the caller's transaction commits (nothing if it rolls back).

    The NOTIFY goes out with the transaction's other effects in one statement before COMMIT
    (tenants/effects.py)."""
    pending_effects(session).notifications.append((CHANNEL, event.encode()))


async def announce(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    type_: str,
    version: int | None = None,
    **ids: uuid.UUID | None,
) -> None:
    """`publish` in one line: `announce(session, tenant, "task.updated", task.version, task=task.id)`."""
    await publish(session, Event(tenant_id, type_, ids, version))
