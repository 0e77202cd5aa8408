"""Marketing tables: campaigns and their cost lines, segments and their frozen members, event invitations,
and campaign touches (the attribution trail). DDL, indexes and RLS live in migrations/versions/026x_*.py;
these mappings must agree.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

CAMPAIGN = register_object_type("campaign")
SEGMENT = register_object_type("segment")

CAMPAIGN_STATUSES = ("planned", "active", "completed", "cancelled")
SEGMENT_TARGETS = ("account", "contact", "lead")
INVITATION_STATUSES = ("invited", "confirmed", "checked_in", "no_show")
CHECK_IN_METHODS = ("code", "qr", "staff", "walk_in")
# A touch is a person's response to a campaign: the attribution trail (first and last touch).
TOUCH_KINDS = ("checked_in", "walk_in", "response")
MESSAGE_STATUSES = ("sending", "done", "cancelled")
RECIPIENT_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "skipped")
MESSAGE_CHANNELS = ("email", "sms")


class Campaign(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "campaigns"
    __table_args__ = (member_fk("owner_id"),)

    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    budget: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal("0"))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    segment_id: Mapped[uuid.UUID | None] = mapped_column()
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


# Custom fields and field-level role rules: built-in GraphQL fields -> the attributes a write sets; the
# budget, goal and plan may be hidden from a role (null for it, also on the compiled path).
register_custom_fields(
    CAMPAIGN,
    Campaign,
    graphql_type="Campaign",
    fields={
        "name": ["name"],
        "goal": ["goal"],
        "plan": ["plan"],
        "channel": ["channel"],
        "status": ["status"],
        "startsOn": ["starts_on"],
        "endsOn": ["ends_on"],
        "currency": ["currency"],
        "budget": ["budget"],
        "owner": ["owner_id"],
        "segment": ["segment_id"],
    },
    hideable=["goal", "plan", "budget"],
)


class CampaignCost(TenantMixin, Base):
    """One actual cost of a campaign, in the campaign's currency; added and removed, never edited."""

    __tablename__ = "campaign_costs"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "campaign_id"], ["campaigns.tenant_id", "campaigns.id"], ondelete="CASCADE"
        ),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column()
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    # Always the campaign's currency (which cannot change while it has costs): reports sum per currency.
    currency: Mapped[str] = mapped_column(String(3))
    incurred_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default="now()")


class Segment(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    """A saved filter over accounts, contacts or leads: the list input itself, stored as JSON (no SQL)."""

    __tablename__ = "segments"
    __table_args__ = (member_fk("owner_id"),)

    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(16))
    filter: Mapped[dict] = mapped_column(JSONB, default=dict)  # type: ignore[type-arg]
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The snapshot's size when frozen (null while dynamic): memberCount for a caller who sees every record.
    member_count: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[uuid.UUID] = mapped_column()


# Custom fields and field rules (a role may keep a segment's filter or name read-only); reassignRecords
# hands a departing member's segments on.
register_custom_fields(
    SEGMENT,
    Segment,
    graphql_type="Segment",
    fields={"name": ["name"], "filter": ["filter"], "frozen": ["frozen", "frozen_at"]},
)


class SegmentMember(Base):
    """A frozen segment's snapshot: the ids its owner's list query returned when it was frozen."""

    __tablename__ = "segment_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "segment_id"], ["segments.tenant_id", "segments.id"], ondelete="CASCADE"
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    segment_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class CampaignInvitation(TenantMixin, TimestampMixin, Versioned, Base):
    """One invitee of a campaign's event: a contact or a lead, with a check-in code unique in the tenant."""

    __tablename__ = "campaign_invitations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "campaign_id"], ["campaigns.tenant_id", "campaigns.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "lead_id"], ["leads.tenant_id", "leads.id"]),
        member_fk("checked_in_by_id"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column()
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    lead_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="invited")
    code: Mapped[str] = mapped_column(String(16))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_in_method: Mapped[str | None] = mapped_column(String(16))
    checked_in_by_id: Mapped[uuid.UUID | None] = mapped_column()


class CampaignTouch(TenantMixin, Base):
    """A lead's or contact's response to a campaign, when it happened; attribution reads these."""

    __tablename__ = "campaign_touches"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "campaign_id"], ["campaigns.tenant_id", "campaigns.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "lead_id"], ["leads.tenant_id", "leads.id"]),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column()
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    lead_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    touched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


class CompetitorProduct(TenantMixin, TimestampMixin, Versioned, Base):
    """A product a competitor (graph/sales/pipeline: the competitor list) sells against ours."""

    __tablename__ = "competitor_products"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "competitor_id"], ["competitors.tenant_id", "competitors.id"]),
    )

    competitor_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    strengths: Mapped[str | None] = mapped_column(Text)
    weaknesses: Mapped[str | None] = mapped_column(Text)
    price_note: Mapped[str | None] = mapped_column(String(500))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MarketingSettings(Base):
    """A tenant's send limits for campaign messages; absent means the defaults (messages.py)."""

    __tablename__ = "marketing_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    hourly_send_limit: Mapped[int] = mapped_column(Integer)
    daily_send_limit: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default="now()")


class CampaignMessage(TenantMixin, Base):
    """A bulk email of a campaign to a segment's members; the counters move with the recipients."""

    __tablename__ = "campaign_messages"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "campaign_id"], ["campaigns.tenant_id", "campaigns.id"], ondelete="CASCADE"
        ),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column()
    segment_id: Mapped[uuid.UUID | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16), default="email")
    subject: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="sending")
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    queued_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    delivered_count: Mapped[int] = mapped_column(Integer, default=0)  # SMS the provider reported delivered
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MessageRecipient(Base):
    """One member of the message's segment (a contact or a lead) and what happened to their copy."""

    __tablename__ = "campaign_message_recipients"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "message_id"],
            ["campaign_messages.tenant_id", "campaign_messages.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "lead_id"], ["leads.tenant_id", "leads.id"]),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the contact's or the lead's id
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    lead_id: Mapped[uuid.UUID | None] = mapped_column()
    address: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    token_digest: Mapped[bytes | None] = mapped_column(LargeBinary)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # SMS: the provider's id, the digest of the delivery-report URL's token, and when it reported delivery.
    provider_id: Mapped[str | None] = mapped_column(String(64))
    report_digest: Mapped[bytes | None] = mapped_column(LargeBinary)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OpportunityCompetitorProduct(Base):
    """A competing product an opportunity met, with what the team noted about winning or losing to it."""

    __tablename__ = "opportunity_competitor_products"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "opportunity_id"],
            ["opportunities.tenant_id", "opportunities.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "product_id"], ["competitor_products.tenant_id", "competitor_products.id"]
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    note: Mapped[str | None] = mapped_column(String(2000))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default="now()")
