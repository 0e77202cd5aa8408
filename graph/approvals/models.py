"""Approval chains: per-tenant, ordered steps of approvers (users and/or a role, all or any of them must
approve), requests that walk a subject (a change request today; quote discounts and expense claims later)
through a chain, and the decisions taken on them.

Chains and their steps are immutable once defined: a new definition for the same subject type replaces
the active one, and requests already in flight keep walking the chain they started on. Decisions are
append-only for the application role (see migrations/versions/0040_projects.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, ForeignKeyConstraint, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.ids import new_id
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

APPROVAL_CHAIN = register_object_type("approval_chain")
APPROVAL_REQUEST = register_object_type("approval_request")

RULES = ("all", "any")
REQUEST_STATUSES = ("pending", "approved", "rejected", "cancelled")
DECISIONS = ("approve", "reject")


def utc_now() -> datetime:
    return datetime.now(UTC)


class ApprovalChain(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "approval_chains"
    __table_args__ = (member_fk("created_by_id"),)

    name: Mapped[str] = mapped_column(String(200))
    subject_type: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column()


class ApprovalChainStep(Base):
    __tablename__ = "approval_chain_steps"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "chain_id"], ["approval_chains.tenant_id", "approval_chains.id"]),
        ForeignKeyConstraint(["tenant_id", "role_id"], ["roles.tenant_id", "roles.id"]),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    chain_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(8))
    user_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    role_id: Mapped[uuid.UUID | None] = mapped_column()


class ApprovalRequest(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "approval_requests"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "chain_id"], ["approval_chains.tenant_id", "approval_chains.id"]),
        member_fk("requested_by_id"),
    )

    chain_id: Mapped[uuid.UUID] = mapped_column()
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    current_step: Mapped[int] = mapped_column(SmallInteger, default=1)
    requested_by_id: Mapped[uuid.UUID] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApprovalDecision(Base):
    __tablename__ = "approval_decisions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "request_id"], ["approval_requests.tenant_id", "approval_requests.id"]
        ),
        member_fk("approver_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column()
    step_position: Mapped[int] = mapped_column(SmallInteger)
    approver_id: Mapped[uuid.UUID] = mapped_column()
    decision: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
