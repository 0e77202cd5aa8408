"""Notification queries and mutations: your inbox, marking read, your preferences."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.inputs import given_values
from graph.core.pagination import Connection, paginate
from graph.notifications import delivery as delivery  # registers the `notifications.deliver` job
from graph.notifications import inbox
from graph.notifications.types import (
    MarkAllNotificationsReadPayload,
    MarkNotificationsReadPayload,
    Notification,
    NotificationFilter,
    NotificationPreferences,
    NotificationPreferencesPayload,
    UpdateNotificationPreferencesInput,
)

NotificationIds = Annotated[
    list[relay.GlobalID], strawberry.argument(description="1 to 100 of your Notifications.")
]


@strawberry.type
class NotificationsQuery:
    @strawberry.field(description="Your notifications, newest first. Nobody else's, whatever the role.")
    async def notifications(
        self,
        info: Info,
        filter: Annotated[
            NotificationFilter | None, strawberry.argument(description="Conditions; left out: all of yours.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Notification]:
        statement = inbox.inbox(info.context.actor, filter.unread if filter is not None else None)
        session = await info.context.session()
        return await paginate(session, statement, Notification.from_model, first, after, before, last)

    @strawberry.field(description="How many of your notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await inbox.unread_count(await info.context.session(), info.context.actor)

    @strawberry.field(description="Your notification preferences (the defaults until you save them).")
    async def notification_preferences(self, info: Info) -> NotificationPreferences:
        row = await inbox.preferences(await info.context.session(), info.context.actor)
        return NotificationPreferences.from_model(row)


@strawberry.type
class NotificationsMutation:
    @strawberry.mutation(description="Mark some of your notifications read; all or nothing.")
    @mutation_payload(MarkNotificationsReadPayload)
    async def mark_notifications_read(self, info: Info, ids: NotificationIds) -> MarkNotificationsReadPayload:
        session, actor = await info.context.session(), info.context.actor
        decoded = [decode_id(node_id, "Notification", f"ids.{index}") for index, node_id in enumerate(ids)]
        rows = await inbox.mark_read(session, actor, decoded)
        return MarkNotificationsReadPayload(
            notifications=[Notification.from_model(row) for row in rows],
            unread_count=await inbox.unread_count(session, actor),
        )

    @strawberry.mutation(description="Mark every unread notification of yours read.")
    @mutation_payload(MarkAllNotificationsReadPayload)
    async def mark_all_notifications_read(self, info: Info) -> MarkAllNotificationsReadPayload:
        marked = await inbox.mark_all_read(await info.context.session(), info.context.actor)
        return MarkAllNotificationsReadPayload(marked=marked)

    @strawberry.mutation(description="Change your notification preferences.")
    @mutation_payload(NotificationPreferencesPayload)
    async def update_notification_preferences(
        self,
        info: Info,
        version: Annotated[
            int, strawberry.argument(description="The version you read; 0 before the first save.")
        ],
        input: Annotated[
            UpdateNotificationPreferencesInput, strawberry.argument(description="The fields to change.")
        ],
    ) -> NotificationPreferencesPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input, {})
        row = await inbox.update_preferences(session, actor, version, values)
        return NotificationPreferencesPayload(preferences=NotificationPreferences.from_model(row))
