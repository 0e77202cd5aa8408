"""Live inbox: `notificationsChanged`.

Events come from `notify` (notification.created) and from marking read (notification.read); both carry
the recipient's user id, and a subscriber hears only the events addressed to itself. A created
notification is re-read under the subscriber's own session and user predicate before it is sent.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry import relay

from graph.core.ids import encode_id
from graph.live.context import Info, LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream
from graph.notifications import inbox
from graph.notifications.types import Notification

NOTIFICATION_EVENTS = ("notification.created", "notification.read")


@strawberry.type(
    description=(
        "A change to your notifications. `type` is `subscribed` first (with your unread count), then "
        "`notification.created` (with the new notification) or `notification.read`; `dropped` when "
        "events were lost: refetch `notifications`."
    )
)
class NotificationChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    notification_id: relay.GlobalID | None = strawberry.field(
        description="The new notification; null for the other types."
    )
    notification: Notification | None = strawberry.field(description="The new notification as it is now.")
    unread_count: int | None = strawberry.field(description="Your unread notifications; null for `dropped`.")
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


@strawberry.type
class NotificationSubscription:
    @strawberry.subscription(description="Changes to your own notifications. First item: `subscribed`.")
    async def notifications_changed(self, info: Info) -> AsyncGenerator[NotificationChange, None]:
        async def unread(context: LiveContext) -> int:
            return await inbox.unread_count(await context.session(), context.actor)

        async def subscribed(context: LiveContext) -> NotificationChange:
            return NotificationChange(
                type=SUBSCRIBED,
                notification_id=None,
                notification=None,
                unread_count=await unread(context),
                dropped=False,
            )

        async def deliver(context: LiveContext, event: Event) -> Delivery[NotificationChange]:
            notification_id = event.id("notification")
            notification = None
            if notification_id is not None:
                session = await context.session()
                found = await inbox.notifications_by_ids(session, context.actor, [notification_id])
                if notification_id not in found:
                    return Delivery(None)
                notification = Notification.from_model(found[notification_id])
            return Delivery(
                NotificationChange(
                    type=event.type,
                    notification_id=encode_id("Notification", notification_id) if notification_id else None,
                    notification=notification,
                    unread_count=await unread(context),
                    dropped=False,
                )
            )

        def dropped() -> NotificationChange:
            return NotificationChange(
                type=DROPPED_TYPE, notification_id=None, notification=None, unread_count=None, dropped=True
            )

        user_id = info.context.actor.user_id if info.context.actor_or_none else None

        def addressed_to_me(event: Event) -> bool:
            return event.type in NOTIFICATION_EVENTS and user_id is not None and event.id("user") == user_id

        async for change in live_stream(
            info, (), addressed_to_me, deliver, subscribed, dropped, per_user=True
        ):
            yield change
