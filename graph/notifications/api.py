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
from graph.core.pagination import Connection, connection_of, paginate
from graph.notifications import delivery as delivery  # registers the `notifications.deliver` job
from graph.notifications import inbox, templates
from graph.notifications.types import (
    DeleteNotificationTemplatePayload,
    MarkAllNotificationsReadPayload,
    MarkNotificationsReadPayload,
    Notification,
    NotificationFilter,
    NotificationPreferences,
    NotificationPreferencesPayload,
    NotificationTemplate,
    NotificationTemplatePayload,
    SaveNotificationTemplateInput,
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

    @strawberry.field(
        description="The tenant's notification templates, by kind and language (manage_settings)."
    )
    async def notification_templates(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[NotificationTemplate]:
        rows = await templates.list_templates(await info.context.session(), info.context.actor)
        found = [NotificationTemplate.from_model(row) for row in rows]
        return connection_of(found, lambda template: template.id, first, after, last, before)


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

    @strawberry.mutation(
        description="Create or replace the template of a kind in a language (manage_settings)."
    )
    @mutation_payload(NotificationTemplatePayload)
    async def save_notification_template(
        self,
        info: Info,
        input: Annotated[SaveNotificationTemplateInput, strawberry.argument(description="The template.")],
    ) -> NotificationTemplatePayload:
        session, actor = await info.context.session(), info.context.actor
        row = await templates.save_template(
            session, actor, input.kind, input.locale, input.subject, input.body
        )
        return NotificationTemplatePayload(template=NotificationTemplate.from_model(row))

    @strawberry.mutation(description="Delete the template of a kind in a language (manage_settings).")
    @mutation_payload(DeleteNotificationTemplatePayload)
    async def delete_notification_template(
        self,
        info: Info,
        kind: Annotated[str, strawberry.argument(description="The notification kind.")],
        locale: Annotated[str, strawberry.argument(description="Its language tag; empty for any.")] = "",
    ) -> DeleteNotificationTemplatePayload:
        session, actor = await info.context.session(), info.context.actor
        return DeleteNotificationTemplatePayload(
            deleted=await templates.delete_template(session, actor, kind, locale)
        )
