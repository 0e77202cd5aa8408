"""Notification tables (DDL in migrations/versions/0230_notifications.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import ARRAY, Boolean, DateTime, ForeignKeyConstraint, Integer, String, Text, Time, func
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import member_fk
from tenants.models import Base, TenantMixin

CHANNELS = ("email", "sms")


class Notification(TenantMixin, Base):
    """One notice to one member; `read_at` is the only thing that changes afterwards."""

    __tablename__ = "notifications"
    __table_args__ = (member_fk("user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(2000))
    dedupe_key: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationDelivery(TenantMixin, Base):
    """The outbox of one notification on one channel: pending until the delivery job sends it."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "notification_id"], ["notifications.tenant_id", "notifications.id"]
        ),
    )

    notification_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NotificationPreference(Base):
    """One member's channels, muted kinds and quiet hours; absent means the defaults (email on, SMS off)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (member_fk("user_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sms_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_number: Mapped[str | None] = mapped_column(String(32))
    muted_kinds: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class NotificationTemplate(TenantMixin, Base):
    """A tenant's wording of one kind in one language ('' for any): Jinja2 subset, see templates.py."""

    __tablename__ = "notification_templates"

    kind: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(35), default="")
    subject: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
