"""Tables of the public customer pool: per-tenant pool settings and each account's pool history.

DDL, indexes and RLS policies live in `migrations/baseline.sql`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKeyConstraint, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models import Base, TenantMixin

POOL_EVENT_KINDS = ("claimed", "released", "reclaimed", "warned")


class AccountPoolSettings(Base):
    """One row per tenant, created with defaults on first read; changed under a row lock."""

    __tablename__ = "account_pool_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    max_accounts_per_rep: Mapped[int | None] = mapped_column(Integer)
    reclaim_inactive_days: Mapped[int | None] = mapped_column(Integer)
    reclaim_no_opportunity_days: Mapped[int | None] = mapped_column(Integer)
    warning_days: Mapped[int] = mapped_column(Integer, default=3)
    # Live customers the reclaim job leaves with their owner (migration 0171_pool_keep_customers).
    keep_open_opportunities: Mapped[bool] = mapped_column(Boolean, default=True)
    keep_won_days: Mapped[int | None] = mapped_column(Integer, default=90)
    keep_active_contracts: Mapped[bool] = mapped_column(Boolean, default=True)
    keep_unpaid_receivables: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, default=1)


class AccountPoolEvent(TenantMixin, Base):
    """Append-only: an account entering or leaving the pool, or a grace warning before it would.

    `owner_id` is the member concerned (the claimer; the former owner on release and reclaim; the
    owner warned); `actor_id` is who did it (null for the reclaim job).
    """

    __tablename__ = "account_pool_events"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["memberships.tenant_id", "memberships.user_id"]),
        ForeignKeyConstraint(["tenant_id", "actor_id"], ["memberships.tenant_id", "memberships.user_id"]),
    )

    account_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(500))
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
