"""Shared pieces of the notification tests: documents, a recording SMS sender, notify in a job's place."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from graph.notifications.channels import Sms
from graph.notifications.notify import notify
from tests.support import relay_uuid

NOTIFICATIONS = """
query Inbox($filter: NotificationFilter, $first: Int, $after: String) {
  notifications(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind subject body link read readAt } }
  }
  unreadNotificationCount
}"""

MARK_READ = """
mutation Mark($ids: [ID!]!) {
  markNotificationsRead(ids: $ids) { notifications { id read } unreadCount errors { field code message } }
}"""

MARK_ALL_READ = "mutation { markAllNotificationsRead { marked errors { field code message } } }"

PREFERENCES = """
{ notificationPreferences { emailEnabled smsEnabled smsNumber mutedKinds quietStart quietEnd timeZone version } }
"""

UPDATE_PREFERENCES = """
mutation Prefs($version: Int!, $input: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(version: $version, input: $input) {
    preferences { emailEnabled smsEnabled smsNumber mutedKinds quietStart quietEnd timeZone version }
    errors { field code message }
  }
}"""


class RecordingSms:
    def __init__(self) -> None:
        self.sent: list[Sms] = []

    async def send(self, message: Sms) -> None:
        self.sent.append(message)


async def notify_members(
    services: Any, tenant_id: str, user_ids: list[str], kind: str = "task.due", **options: Any
) -> list[uuid.UUID]:
    """`notify` in its own committed transaction, as a job or another area's service would call it."""
    subject = options.pop("subject", "Task due today")
    async with services.db.transaction(uuid.UUID(tenant_id)) as session:
        return await notify(
            session,
            uuid.UUID(tenant_id),
            [uuid.UUID(relay_uuid(u)) for u in user_ids],
            kind,
            subject,
            **options,
        )


async def inbox(client: Any, member: Any, **variables: Any) -> dict[str, Any]:
    return await client.execute(NOTIFICATIONS, variables, member.token)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
