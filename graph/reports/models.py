"""Dashboards and report widgets (DDL and RLS in migrations/versions/0300_report_dashboards.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.models import Base, TenantMixin, TimestampMixin


class Dashboard(TenantMixin, TimestampMixin, Versioned, Base):
    """A named set of widgets, its owner's, and readable by the members whose role key is shared."""

    __tablename__ = "dashboards"
    __table_args__ = (member_fk("owner_id"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)  # migration 0395_dashboard_descriptions
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


ALL_KINDS = "*"  # an activity rollup row counting every kind (activities have no such kind)


class ActivityDayRollup(Base):
    """Done activities per span (day, week, month: `day` is its first day), author and kind (ALL_KINDS: all
    of them): rebuilt per tenant by the `reports.refresh` job (graph/reports/spans.py says which spans a
    report reads)."""

    __tablename__ = "activity_day_rollups"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    activity_count: Mapped[int] = mapped_column(BigInteger)


# The owner of a funnel rollup row that counts every owner's deals (no member has the nil id): read by
# callers whose record scope reaches every owner when no owner or team filter applies.
EVERY_OWNER = uuid.UUID(int=0)


class FunnelRollup(Base):
    """The funnel per span of creation days, owner and stage: deals created then that reached the stage,
    their finished stays in it and the stays' days. Rebuilt per tenant by the `reports.refresh` job."""

    __tablename__ = "funnel_rollups"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    stage_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reached: Mapped[int] = mapped_column(BigInteger)
    stays: Mapped[int] = mapped_column(BigInteger)
    stay_days: Mapped[Decimal] = mapped_column(Numeric)


class CustomerRollup(Base):
    """One customer (an account with a won deal) as the customer metrics count it: owner and categories,
    the days it won deals (sorted, once per deal) and the days it had done activities (sorted, distinct).
    Rebuilt per tenant by the `reports.refresh` job."""

    __tablename__ = "customer_rollups"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    industry: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    first_won_on: Mapped[date] = mapped_column(Date)
    last_won_on: Mapped[date] = mapped_column(Date)
    won_days: Mapped[list[date]] = mapped_column(ARRAY(Date))
    done_days: Mapped[list[date]] = mapped_column(ARRAY(Date))


class CustomerSpanRollup(Base):
    """Customers counted per span (day, week, month, year: `day` is its first day), owner (EVERY_OWNER:
    all of them) and category (`grouping` none, industry, region or source; `category` its value):
    `figure` new (first win in the span), last (last win so far in the span) or risk (+1/-1: at risk,
    or no longer, for a period ending in the span). Rebuilt per tenant by the `reports.refresh` job
    from `customer_rollups` (migrations/versions/0390_customer_span_rollups.py)."""

    __tablename__ = "customer_span_rollups"
    # No primary key: the owner and the category may be NULL (a unique constraint, NULLS NOT DISTINCT,
    # keys the rows); the mapper needs one all the same.
    __mapper_args__ = {"primary_key": ["tenant_id", "figure", "grouping", "grain", "day"]}

    tenant_id: Mapped[uuid.UUID] = mapped_column()
    figure: Mapped[str] = mapped_column(String(4))
    grouping: Mapped[str] = mapped_column(String(8))
    grain: Mapped[str] = mapped_column(String(5))
    day: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    category: Mapped[str | None] = mapped_column(Text)
    customers: Mapped[int] = mapped_column(BigInteger)


class OpportunityCloseSpanRollup(Base):
    """The pipeline's close rollups (graph/sales/pipeline/models.py: OpportunityCloseRollup) summed per
    ISO week and calendar month (`day` is the span's first day) and owner, without the pipeline; kept in
    every writing transaction by triggers (migrations/versions/0381_close_span_rollups.py)."""

    __tablename__ = "opportunity_close_span_rollups"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(8), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    opportunity_count: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Numeric)
    weighted_amount: Mapped[Decimal] = mapped_column(Numeric)


class ReportRefresh(Base):
    """When a tenant's rollup of one source was last rebuilt (a report reading it shows this as asOf)."""

    __tablename__ = "report_refreshes"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
