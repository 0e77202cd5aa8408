"""Tables of the API contract (migration 0321_persisted_operations)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models import Base, TenantMixin


class PersistedOperation(TenantMixin, Base):
    """A GraphQL document a tenant allows by its SHA-256; immutable (add or delete, never rewrite)."""

    __tablename__ = "persisted_operations"
    __table_args__ = (UniqueConstraint("tenant_id", "operation_hash"),)

    operation_hash: Mapped[bytes] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))
    query_text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TenantApiSettings(Base):
    """One row per tenant, absent until first changed. The rate-limit overrides are the platform's
    (`crm rate-limits`); the application role may write only `persisted_operations_only`."""

    __tablename__ = "tenant_api_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    persisted_operations_only: Mapped[bool] = mapped_column(default=False)
    tenant_burst: Mapped[int | None] = mapped_column()
    tenant_per_minute: Mapped[int | None] = mapped_column()
    user_burst: Mapped[int | None] = mapped_column()
    user_per_minute: Mapped[int | None] = mapped_column()
    key_burst: Mapped[int | None] = mapped_column()
    key_per_minute: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
