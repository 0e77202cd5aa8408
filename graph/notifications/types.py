"""GraphQL types and inputs of notifications and notification preferences."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, time

import strawberry
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError
from graph.core.ids import nodes_in_order
from graph.notifications import inbox, templates
from graph.notifications.models import Notification as NotificationRow
from graph.notifications.models import NotificationPreference
from graph.notifications.models import NotificationTemplate as TemplateRow
from tenants.permissions import Capability


@strawberry.type(description="A notice to you: a reminder, an approval waiting, a change to your records.")
class Notification(relay.Node):
    id: relay.NodeID[str]
    kind: str = strawberry.field(description="What it is about, e.g. `task.due`, `contract.expiring`.")
    subject: str = strawberry.field(description="One line, at most 300 characters.")
    body: str = strawberry.field(description="More detail; may be empty.")
    link: str | None = strawberry.field(description="Where to go: a path in the app or an https URL.")
    created_at: datetime = strawberry.field(description="When it was written.")
    read_at: datetime | None = strawberry.field(description="When you marked it read; null while unread.")

    @strawberry.field(description="Whether you have marked it read.")
    def read(self) -> bool:
        return self.read_at is not None

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Notification | None]:
        """Only your own notifications; anyone else's id reads as null."""

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Notification]:
            session = await info.context.session()
            rows = await inbox.notifications_by_ids(session, info.context.actor, ids)
            return {row_id: cls.from_model(row) for row_id, row in rows.items()}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: NotificationRow) -> Notification:
        return cls(
            id=str(row.id),
            kind=row.kind,
            subject=row.subject,
            body=row.body,
            link=row.link,
            created_at=row.created_at,
            read_at=row.read_at,
        )


@strawberry.type(description="How you want to be notified. In-app notifications are always written.")
class NotificationPreferences:
    email_enabled: bool = strawberry.field(description="Send notifications by email too (default true).")
    sms_enabled: bool = strawberry.field(description="Send notifications by SMS too (default false).")
    sms_number: str | None = strawberry.field(description="Where SMS go, in international form (+49...).")
    muted_kinds: list[str] = strawberry.field(
        description="Kinds never sent by email or SMS (they still appear in the app)."
    )
    quiet_start: time | None = strawberry.field(
        description="Start of quiet hours in your time zone: email and SMS wait until they end."
    )
    quiet_end: time | None = strawberry.field(description="End of quiet hours (may be after midnight).")
    time_zone: str = strawberry.field(description="IANA time zone of the quiet hours, e.g. Europe/Berlin.")
    version: int = strawberry.field(description="Pass to updateNotificationPreferences; 0 before first save.")

    @classmethod
    def from_model(cls, row: NotificationPreference) -> NotificationPreferences:
        return cls(
            email_enabled=row.email_enabled,
            sms_enabled=row.sms_enabled,
            sms_number=row.sms_number,
            muted_kinds=list(row.muted_kinds),
            quiet_start=row.quiet_start,
            quiet_end=row.quiet_end,
            time_zone=row.time_zone,
            version=row.version,
        )


@strawberry.input(description="Conditions on your notifications.")
class NotificationFilter:
    unread: bool | None = strawberry.field(
        default=None, description="True: only unread; false: only read; left out: all."
    )


@strawberry.input(description="Preference fields to change; fields left out keep their value.")
class UpdateNotificationPreferencesInput:
    email_enabled: bool | None = strawberry.field(default=UNSET, description="Email on or off (not null).")
    sms_enabled: bool | None = strawberry.field(
        default=UNSET, description="SMS on or off (not null); on needs `smsNumber`."
    )
    sms_number: str | None = strawberry.field(
        default=UNSET, description="E.164, e.g. +4915112345678; null removes it."
    )
    muted_kinds: list[str] | None = strawberry.field(
        default=UNSET, description="At most 50 kinds not sent by email or SMS (not null; [] for none)."
    )
    quiet_start: time | None = strawberry.field(
        default=UNSET, description="Quiet hours start; null (with quietEnd null) turns them off."
    )
    quiet_end: time | None = strawberry.field(
        default=UNSET, description="Quiet hours end; differs from start."
    )
    time_zone: str | None = strawberry.field(default=UNSET, description="IANA time zone (not null).")


@strawberry.type(description="Result of marking notifications read.")
class MarkNotificationsReadPayload:
    notifications: list[Notification] = strawberry.field(
        default_factory=list, description="The notifications named, now read, in the order given."
    )
    unread_count: int | None = strawberry.field(default=None, description="Your unread notifications now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of marking all your notifications read.")
class MarkAllNotificationsReadPayload:
    marked: int | None = strawberry.field(default=None, description="How many were unread until now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of saving your notification preferences.")
class NotificationPreferencesPayload:
    preferences: NotificationPreferences | None = strawberry.field(
        default=None, description="Your preferences as saved."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="The tenant's wording of one notification kind in one language.")
class NotificationTemplate(relay.Node):
    id: relay.NodeID[str]
    kind: str = strawberry.field(description="The notification kind it words, e.g. task.due.")
    locale: str = strawberry.field(description="Language tag (de, de-CH); empty for any language.")
    subject: str = strawberry.field(description="Template of the subject (one line after rendering).")
    body: str = strawberry.field(description="Template of the body; empty keeps the default body.")
    version: int = strawberry.field(description="Bumped on every save.")

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[NotificationTemplate | None]:
        """Templates of your tenant, for members with manage_settings (null for anyone else)."""
        actor = info.context.actor
        if not actor.permissions.has(Capability.MANAGE_SETTINGS):
            return [None for _ in node_ids]

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, NotificationTemplate]:
            rows = await templates.list_templates(await info.context.session(), actor)
            return {row.id: cls.from_model(row) for row in rows if row.id in ids}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: TemplateRow) -> NotificationTemplate:
        return cls(
            id=str(row.id),
            kind=row.kind,
            locale=row.locale,
            subject=row.subject,
            body=row.body,
            version=row.version,
        )


@strawberry.input(
    description=(
        "A template: `{{ value }}`, `{{ value|upper }}` and `{% if %}` over the kind's values (each kind "
        "also gets `subject` and `body`, its default wording); loops, calls and arithmetic are refused."
    )
)
class SaveNotificationTemplateInput:
    kind: str = strawberry.field(description="The notification kind, e.g. task.due.")
    locale: str = strawberry.field(default="", description="Language tag (de, de-CH); empty for any.")
    subject: str = strawberry.field(description="Subject template, at most 1,000 characters.")
    body: str = strawberry.field(default="", description="Body template, at most 10,000 characters.")


@strawberry.type(description="Result of saving a template.")
class NotificationTemplatePayload:
    template: NotificationTemplate | None = strawberry.field(default=None, description="The template saved.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of deleting a template.")
class DeleteNotificationTemplatePayload:
    deleted: bool = strawberry.field(default=False, description="True when it was deleted.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
