"""Audit entries and change notifications of a transaction, written in one statement just before COMMIT.

Services record them as they go (`tenants.audit.record`, `graph.live.events.publish`); instead of an
INSERT and a `pg_notify` round trip each, they wait on the session and go out together when it commits
(a `before_commit` hook), so a write pays one round trip for all of them. Both are transactional, so the
outcome is the same: written and heard only if the transaction commits. SQLAlchemy runs the same hooks
for savepoints: releasing one writes what was recorded inside it, rolling one back drops it.

Nothing reads the audit log inside the transaction that writes it: the audit queries are their own
requests. A transaction that moves to another tenant (sign-up, accepting an invitation) writes what it
recorded first (`tenants.db.enter_tenant`), since RLS checks each row against the current tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import event, text
from sqlalchemy.orm import Session

PENDING = "crm_pending_effects"

# One statement: the audit rows as a data-modifying CTE (executed whether or not the main query reads
# it), then one notification each through `crm_emit_event` (migration 0310): its pg_notify, and the
# webhook outbox rows of the tenant's endpoints that subscribe to the event.
FLUSH = text(
    "with written as ("
    " insert into audit_log (tenant_id, id, action, object_type, object_id, actor_user_id,"
    " actor_api_key_id, changes, request_id)"
    " select tenant_id, id, action, object_type, object_id, actor_user_id, actor_api_key_id, changes,"
    " request_id from jsonb_to_recordset(cast(:audit as jsonb)) as entry(tenant_id uuid, id uuid,"
    " action text, object_type text, object_id uuid, actor_user_id uuid, actor_api_key_id uuid,"
    " changes jsonb, request_id text)"
    " returning 1)"
    " select crm_emit_event(channel, payload)"
    " from unnest(cast(:channels as text[]), cast(:payloads as text[])) as n(channel, payload)"
)


@dataclass
class PendingEffects:
    audit: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[tuple[str, str]] = field(default_factory=list)

    def take(self) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        audit, notifications = self.audit, self.notifications
        self.audit, self.notifications = [], []
        return audit, notifications


def pending_effects(session: Any) -> PendingEffects:
    """The effects waiting on this session (an AsyncSession or its sync Session share `info`)."""
    effects = session.info.get(PENDING)
    if effects is None:
        effects = session.info[PENDING] = PendingEffects()
    return effects


@event.listens_for(Session, "before_commit")
def write_pending_effects(session: Session) -> None:
    effects = session.info.get(PENDING)
    if effects is None or not (effects.audit or effects.notifications):
        return
    audit, notifications = effects.take()
    session.execute(
        FLUSH,
        {
            "audit": orjson.dumps(audit).decode(),
            "channels": [channel for channel, _ in notifications],
            "payloads": [payload for _, payload in notifications],
        },
    )


async def write_pending_effects_now(session: Any) -> None:
    """Before the transaction changes tenant: what was recorded in one tenant is written in it (RLS
    checks each audit row against the tenant of the moment)."""
    effects = session.info.get(PENDING)
    if effects is not None and (effects.audit or effects.notifications):
        await session.run_sync(write_pending_effects)


@event.listens_for(Session, "after_rollback")
def drop_pending_effects(session: Session) -> None:
    """A rolled-back transaction wrote nothing: forget what it recorded."""
    effects = session.info.get(PENDING)
    if effects is not None:
        effects.take()
