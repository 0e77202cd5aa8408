"""Dashboards and report widgets (DDL and RLS in migrations/versions/0300_report_dashboards.py)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ARRAY, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.models import Base, TenantMixin, TimestampMixin


class Dashboard(TenantMixin, TimestampMixin, Versioned, Base):
    """A named set of widgets, its owner's, and readable by the members whose role key is shared."""

    __tablename__ = "dashboards"
    __table_args__ = (member_fk("owner_id"),)

    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    shared_with_roles: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)


class ReportWidget(TenantMixin, TimestampMixin, Versioned, Base):
    """A saved report definition and how to draw it; on a dashboard (sharing from there) or alone."""

    __tablename__ = "report_widgets"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "dashboard_id"], ["dashboards.tenant_id", "dashboards.id"]),
        member_fk("owner_id"),
    )

    dashboard_id: Mapped[uuid.UUID | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    chart_kind: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    owner_id: Mapped[uuid.UUID] = mapped_column()
    shared_with_roles: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
