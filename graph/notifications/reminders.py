"""The shape every reminder job shares: candidates found in SQL, filtered to who may read them, each
notified once under a key naming the record and the date it is about.

Each area keeps its own reminder job beside its records (graph/crm/reminders.py,
graph/projects/reminders.py, graph/sales/commerce/reminders.py) and describes its reminders as
`Reminder`s; `send_reminders` does the rest. "Today" is the job clock's UTC date.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from graph.notifications.audience import readers
from graph.notifications.notify import notify


@dataclass(frozen=True)
class Reminder:
    """One notice about one record to one member; `key` is unique per record and occasion."""

    user_id: uuid.UUID
    kind: str
    subject: str
    body: str
    link: str
    key: str
    # Values for the tenant's template of `kind` (graph/notifications/templates.py).
    data: Mapping[str, Any] = field(default_factory=dict)


async def send_reminders(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    now: datetime,
    reminders: Iterable[Reminder],
    object_type: str,
    fields: Collection[str] = (),
) -> int:
    """Notifies each reminder's member who may read it; returns how many notifications are new."""
    pending = list(reminders)
    allowed = await readers(session, tenant_id, {r.user_id for r in pending}, object_type, fields)
    sent = 0
    for reminder in pending:
        if reminder.user_id not in allowed:
            continue
        sent += len(
            await notify(
                session,
                tenant_id,
                [reminder.user_id],
                reminder.kind,
                reminder.subject[:300],
                reminder.body,
                reminder.link,
                key=reminder.key,
                now=now,
                data=reminder.data,
            )
        )
    return sent
