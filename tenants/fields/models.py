"""Custom field definitions: one row per (tenant, object type, key). DDL in 0060_tenant_admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models import Base, EagerVersionedMixin, TenantMixin, TimestampMixin


class FieldDefinition(TenantMixin, TimestampMixin, EagerVersionedMixin, Base):
    __tablename__ = "field_definitions"
    __table_args__ = (UniqueConstraint("tenant_id", "object_type", "key"),)

    object_type: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(63))
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    field_type: Mapped[str] = mapped_column(String(32))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # The default, stored in the same canonical JSON form as values (None: no default).
    default_value: Mapped[Any | None] = mapped_column(JSONB)
    # {"min", "max", "min_length", "max_length", "pattern", "options": [{"key", "label"}],
    #  "option_list", "max_selected", "currency", "target_type", "scale"}: only those the type uses.
    validation: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    is_unique: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    searchable: Mapped[bool] = mapped_column(Boolean, default=False)
    filterable: Mapped[bool] = mapped_column(Boolean, default=False)
    # Archived fields keep their values (hidden from results, not writable) until purged.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
