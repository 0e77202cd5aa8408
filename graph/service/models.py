"""Service desk tables (migration 0220_tickets): tickets, their messages and history, SLA policies, the
tenant's service settings (working week, reopen window) and holidays. The DDL, indexes and RLS policies
live in the migration; these mappings must agree with it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

TICKET = register_object_type("ticket")
FEEDBACK = register_object_type("feedback")
KB_ARTICLE = register_object_type("kb_article")

PRIORITIES = ("low", "normal", "high", "urgent")
KINDS = ("question", "complaint", "request")
STATUSES = ("new", "open", "pending_customer", "resolved", "closed", "merged")
# Statuses whose SLA clock runs (pending_customer pauses it; resolved and later stop it).
RUNNING = ("new", "open")
VISIBILITIES = ("internal", "public")
SURVEY_KINDS = ("csat", "nps")
FEEDBACK_KINDS = ("suggestion", "praise")
FEEDBACK_STATUSES = ("new", "under_review", "planned", "done", "declined")
AUDIENCES = ("internal", "public")
ARTICLE_STATUSES = ("draft", "published", "archived")
SCORE_RANGES = {"csat": (1, 5), "nps": (0, 10)}


class Ticket(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"]),
        ForeignKeyConstraint(["tenant_id", "merged_into_id"], ["tickets.tenant_id", "tickets.id"]),
        ForeignKeyConstraint(["tenant_id", "sla_policy_id"], ["sla_policies.tenant_id", "sla_policies.id"]),
        member_fk("assignee_id"),
    )

    number: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="request")
    channel: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(24), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    category: Mapped[str | None] = mapped_column(String(100))
    customer_tier: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    contract_id: Mapped[uuid.UUID | None] = mapped_column()
    assignee_id: Mapped[uuid.UUID | None] = mapped_column()
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column()
    sla_policy_id: Mapped[uuid.UUID | None] = mapped_column()
    first_responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_risk_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_risk_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)


# Custom fields and field rules; roles may hide the description and the customer tier. A leaver's tickets
# go to whoever takes over their records (the assignee is the owner).
register_custom_fields(
    TICKET,
    Ticket,
    graphql_type="Ticket",
    fields={
        "subject": ["subject"],
        "description": ["description"],
        "kind": ["kind"],
        "channel": ["channel"],
        "priority": ["priority"],
        "category": ["category"],
        "customerTier": ["customer_tier"],
        "account": ["account_id"],
        "contact": ["contact_id"],
        "product": ["product_id"],
        "contract": ["contract_id"],
        "assignee": ["assignee_id"],
    },
    hideable=["description", "customerTier"],
    owner_column="assignee_id",
)


class TicketMessage(TenantMixin, Base):
    __tablename__ = "ticket_messages"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"]),)

    ticket_id: Mapped[uuid.UUID] = mapped_column()
    author_id: Mapped[uuid.UUID | None] = mapped_column()
    visibility: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TicketEvent(TenantMixin, Base):
    """Append-only history: status changes, assignments, merges, escalations."""

    __tablename__ = "ticket_events"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"]),)

    ticket_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SlaPolicy(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "sla_policies"
    __table_args__ = (member_fk("escalate_to_id"),)

    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(16))
    customer_tier: Mapped[str | None] = mapped_column(String(100))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    at_risk_percent: Mapped[int] = mapped_column(SmallInteger, default=80)
    escalate_to_id: Mapped[uuid.UUID | None] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ServiceSettings(TimestampMixin, Versioned, Base):
    """One row per tenant; absent means the defaults (graph/service/calendar.py DEFAULT_WEEK, 7 days)."""

    __tablename__ = "service_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reopen_window_days: Mapped[int] = mapped_column(Integer, default=7)
    # Sent when a ticket closes: none, csat or nps (migration 0221_surveys), valid this many days.
    survey_kind: Mapped[str] = mapped_column(String(8), default="csat")
    survey_valid_days: Mapped[int] = mapped_column(Integer, default=14)
    # The definition (free questions) a closed ticket's survey uses; null: the bare `survey_kind` score
    # (migration 0350_scheduled_surveys, as are the public knowledge base's key hash and the columns below).
    survey_definition_id: Mapped[uuid.UUID | None] = mapped_column()
    public_kb_key_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    utc_offset_minutes: Mapped[int] = mapped_column(Integer, default=0)
    week: Mapped[dict[str, Any]] = mapped_column(JSONB)


class ServiceHoliday(Base):
    __tablename__ = "service_holidays"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Survey(TenantMixin, Base):
    """A satisfaction survey of a closed ticket (migration 0221_surveys) or of a project's closeout, sent to
    the customer's contact (0280_closeout_surveys); exactly one subject; answered once, before it expires."""

    __tablename__ = "surveys"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"]),
        ForeignKeyConstraint(["tenant_id", "project_id"], ["projects.tenant_id", "projects.id"]),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
    )

    ticket_id: Mapped[uuid.UUID | None] = mapped_column()
    project_id: Mapped[uuid.UUID | None] = mapped_column()
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[uuid.UUID | None] = mapped_column()
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    definition_id: Mapped[uuid.UUID | None] = mapped_column()
    schedule_id: Mapped[uuid.UUID | None] = mapped_column()
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class SurveyDefinition(TenantMixin, TimestampMixin, Versioned, Base):
    """A survey's questions: the CSAT or NPS score, then free questions (graph/service/questions.py)."""

    __tablename__ = "survey_definitions"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    intro: Mapped[str | None] = mapped_column(Text)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


class SurveySchedule(TenantMixin, TimestampMixin, Versioned, Base):
    """Sends a definition to a segment of contacts once or on a repeat, from `next_run_at`."""

    __tablename__ = "survey_schedules"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "definition_id"], ["survey_definitions.tenant_id", "survey_definitions.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "segment_id"], ["segments.tenant_id", "segments.id"]),
        member_fk("owner_id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    definition_id: Mapped[uuid.UUID] = mapped_column()
    segment_id: Mapped[uuid.UUID] = mapped_column()
    owner_id: Mapped[uuid.UUID] = mapped_column()
    repeat: Mapped[str] = mapped_column(String(8))
    valid_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_count: Mapped[int] = mapped_column(Integer, default=0)


class SurveyScheduleRun(TenantMixin, Base):
    """What one run of a schedule did (append-only)."""

    __tablename__ = "survey_schedule_runs"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "schedule_id"], ["survey_schedules.tenant_id", "survey_schedules.id"]
        ),
    )

    schedule_id: Mapped[uuid.UUID] = mapped_column()
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recipients: Mapped[int] = mapped_column(Integer)
    queued: Mapped[int] = mapped_column(Integer)
    without_email: Mapped[int] = mapped_column(Integer)
    opted_out: Mapped[int] = mapped_column(Integer)


class SurveyMailing(TenantMixin, Base):
    """The outbox of one survey link to one address; `body` (with the link) is dropped once sent."""

    __tablename__ = "survey_mailings"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "survey_id"], ["surveys.tenant_id", "surveys.id"]),)

    survey_id: Mapped[uuid.UUID] = mapped_column()
    address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))


class FeedbackItem(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    """A suggestion or praise from a customer (migration 0222_feedback); its owner handles it."""

    __tablename__ = "feedback_items"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
        ForeignKeyConstraint(["tenant_id", "ticket_id"], ["tickets.tenant_id", "tickets.id"]),
        member_fk("owner_id"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    ticket_id: Mapped[uuid.UUID | None] = mapped_column()
    owner_id: Mapped[uuid.UUID] = mapped_column()
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()


register_custom_fields(
    FEEDBACK,
    FeedbackItem,
    graphql_type="FeedbackItem",
    fields={
        "kind": ["kind"],
        "title": ["title"],
        "body": ["body"],
        "status": ["status"],
        "tags": ["tags"],
        "account": ["account_id"],
        "contact": ["contact_id"],
        "product": ["product_id"],
        "ticket": ["ticket_id"],
        "owner": ["owner_id"],
    },
    hideable=["body"],
)


class KbArticle(TenantMixin, TimestampMixin, Versioned, Base):
    """A knowledge base article (migration 0223_knowledge_base): the latest text, and the published one
    readers see and search finds."""

    __tablename__ = "kb_articles"
    __table_args__ = (member_fk("author_id"),)

    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    audience: Mapped[str] = mapped_column(String(16), default="internal")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    published_version: Mapped[int | None] = mapped_column(Integer)
    published_title: Mapped[str | None] = mapped_column(String(300))
    published_body: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_vector: Mapped[Any] = mapped_column(TSVECTOR, server_default="")
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    unhelpful_count: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[uuid.UUID | None] = mapped_column()


class KbArticleVersion(TenantMixin, Base):
    __tablename__ = "kb_article_versions"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "article_id"], ["kb_articles.tenant_id", "kb_articles.id"]),
    )

    article_id: Mapped[uuid.UUID] = mapped_column()
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KbVote(Base):
    __tablename__ = "kb_votes"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    article_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KbPublicVote(Base):
    """A helpfulness vote from the public knowledge base: one per article and visitor token (hashed)."""

    __tablename__ = "kb_public_votes"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    article_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    visitor_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TicketArticle(Base):
    __tablename__ = "ticket_articles"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    article_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    linked_by_id: Mapped[uuid.UUID | None] = mapped_column()
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
