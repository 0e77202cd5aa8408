"""Sales pipeline tables: pipelines with ordered stages, competitors, opportunities (with their buying
contacts and competitors) and the append-only stage history.

All are tenant-owned with composite keys and composite foreign keys; the DDL, indexes and RLS policies
live in `migrations/versions/0010_sales_pipeline.py` and these mappings must agree with it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.ids import new_id
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

OPPORTUNITY = register_object_type("opportunity")
COMPETITOR = register_object_type("competitor")
# Pipelines are tenant settings (changed with the MANAGE_SETTINGS capability); audit entries name them so.
PIPELINE = "pipeline"

STAGE_KINDS = ("open", "won", "lost")
BUYING_ROLES = ("decision_maker", "influencer", "user", "blocker")


class Pipeline(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "pipelines"

    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class PipelineStage(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "pipeline_stages"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "pipeline_id"], ["pipelines.tenant_id", "pipelines.id"]),
    )

    pipeline_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_closed(self) -> bool:
        return self.kind != "open"


class Competitor(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "competitors"

    name: Mapped[str] = mapped_column(String(200))
    strengths: Mapped[str | None] = mapped_column(Text)
    weaknesses: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Opportunity(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "opportunities"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
        member_fk("owner_id"),
        ForeignKeyConstraint(["tenant_id", "pipeline_id"], ["pipelines.tenant_id", "pipelines.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "pipeline_id", "stage_id"],
            ["pipeline_stages.tenant_id", "pipeline_stages.pipeline_id", "pipeline_stages.id"],
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[uuid.UUID] = mapped_column()
    owner_id: Mapped[uuid.UUID] = mapped_column()
    pipeline_id: Mapped[uuid.UUID] = mapped_column()
    stage_id: Mapped[uuid.UUID] = mapped_column()
    # 'open', 'won' or 'lost': the kind of the current stage, kept here so reports need no join.
    status: Mapped[str] = mapped_column(String(8), default="open")
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3))
    expected_close_on: Mapped[date | None] = mapped_column(Date)
    probability: Mapped[int] = mapped_column(Integer)
    probability_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    next_step: Mapped[str | None] = mapped_column(String(500))
    lost_reason: Mapped[str | None] = mapped_column(String(64))
    stage_entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Summaries of the stage history for the funnel (see the migration): maintained by the moves.
    entered_stage_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    stay_stage_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    stay_seconds: Mapped[list[float]] = mapped_column(ARRAY(Float), default=list)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


class OpportunityStageRollup(Base):
    """Count and sums of the opportunities per (pipeline, stage, owner, currency), kept by triggers on
    `opportunities` in the writing transaction (migration 0150): the board reads these rows. Rows whose
    count fell to zero stay; readers skip them."""

    __tablename__ = "opportunity_stage_rollups"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    stage_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    opportunity_count: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Numeric)
    weighted_amount: Mapped[Decimal] = mapped_column(Numeric)  # sum of amount x probability (percent)


class OpportunityCloseRollup(Base):
    """The same per (day, status, pipeline, owner, currency), where day is the expected close date of an
    open opportunity and the UTC day a won or lost one closed: forecast and win rate read these rows."""

    __tablename__ = "opportunity_close_rollups"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(8), primary_key=True)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    opportunity_count: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Numeric)
    weighted_amount: Mapped[Decimal] = mapped_column(Numeric)


class OpportunityContact(Base):
    __tablename__ = "opportunity_contacts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "opportunity_id"], ["opportunities.tenant_id", "opportunities.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class OpportunityCompetitor(Base):
    __tablename__ = "opportunity_competitors"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "opportunity_id"], ["opportunities.tenant_id", "opportunities.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "competitor_id"], ["competitors.tenant_id", "competitors.id"]),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    competitor_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class StageChange(Base):
    """One row per stage change (and one for the opportunity's first stage): append-only."""

    __tablename__ = "opportunity_stage_history"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "opportunity_id"], ["opportunities.tenant_id", "opportunities.id"]
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    opportunity_id: Mapped[uuid.UUID] = mapped_column()
    pipeline_id: Mapped[uuid.UUID] = mapped_column()
    from_stage_id: Mapped[uuid.UUID | None] = mapped_column()
    from_stage_entered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    to_stage_id: Mapped[uuid.UUID] = mapped_column()
    probability: Mapped[int] = mapped_column(Integer)
    moved_by_id: Mapped[uuid.UUID | None] = mapped_column()
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# Custom fields and field-level role rules (tenants/fields/registry.py): built-in GraphQL fields -> the
# attributes a write sets. No built-in field is hideable (they are not nullable in the schema).
register_custom_fields(
    OPPORTUNITY,
    Opportunity,
    graphql_type="Opportunity",
    fields={
        "name": ["name"],
        "account": ["account_id"],
        "owner": ["owner_id"],
        "pipeline": ["pipeline_id"],
        "stage": ["stage_id"],
        "amount": ["amount"],
        "currency": ["currency"],
        "expectedCloseOn": ["expected_close_on"],
        "probability": ["probability"],
        "nextStep": ["next_step"],
        "contacts": ["contacts"],
        "competitors": ["competitor_ids"],
    },
)
