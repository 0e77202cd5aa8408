"""Which tenants' transactions wrote notifications, so their email/SMS can go out right after COMMIT.

`notify` remembers the tenant on the session; when the session commits, the process's after-commit
sender (graph/notifications/delivery.py `deliver_after_commit`, switched on by the gateway with
CRM_NOTIFY_AFTER_COMMIT) is handed those tenants. Without one, or for what it misses (quiet hours, a
crash, a mail server down), the `notifications.deliver` job sends the outbox; both claim rows with SKIP
LOCKED, so they never send the same one twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

NOTIFIED_TENANTS = "crm_notified_tenants"

# Set by `deliver_after_commit`; called with the tenants whose notifications just committed.
AFTER_COMMIT: list[Callable[[set[uuid.UUID]], None]] = []


def remember_for_delivery(session: Any, tenant_id: uuid.UUID) -> None:
    session.info.setdefault(NOTIFIED_TENANTS, set()).add(tenant_id)


@event.listens_for(Session, "after_commit")
def hand_over(session: Session) -> None:
    tenants = session.info.pop(NOTIFIED_TENANTS, None)
    if tenants:
        for sender in AFTER_COMMIT:
            sender(tenants)


@event.listens_for(Session, "after_rollback")
def forget(session: Session) -> None:
    """A rolled-back transaction notified nobody. (A rolled-back savepoint leaves its tenant remembered:
    harmless, the sender then finds nothing due.)"""
    session.info.pop(NOTIFIED_TENANTS, None)
