"""Tables of project quality (revision 0242_project_quality): checklists on templates or projects,
inspections (append-only), defects and customer acceptance."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKeyConstraint, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from graph.projects.models import project_fk, utc_now
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

QUALITY_CHECKLIST = register_object_type("quality_checklist")
INSPECTION = register_object_type("inspection")
DEFECT = register_object_type("defect")
ACCEPTANCE = register_object_type("project_acceptance")


class QualityChecklist(TenantMixin, TimestampMixin, Versioned, Base):
    """A quality standard and the items an inspection checks: on a template (copied to every project made
    from it) or on one project."""

    __tablename__ = "quality_checklists"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "template_id"], ["project_templates.tenant_id", "project_templates.id"]
        ),
        project_fk(),
        member_fk("created_by_id"),
    )

    template_id: Mapped[uuid.UUID | None] = mapped_column()
    project_id: Mapped[uuid.UUID | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    standard: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list[str]] = mapped_column(JSONB)
    created_by_id: Mapped[uuid.UUID] = mapped_column()


class Inspection(TenantMixin, Base):
    __tablename__ = "inspections"
    __table_args__ = (
        project_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "checklist_id"], ["quality_checklists.tenant_id", "quality_checklists.id"]
        ),
        member_fk("inspector_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column()
    checklist_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    inspected_on: Mapped[date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column(Boolean)
    # [{"item": text, "passed": bool, "note": text | null}], one per checklist item, in its order
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    notes: Mapped[str | None] = mapped_column(Text)
    inspector_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Defect(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "defects"
    __table_args__ = (
        project_fk(),
        ForeignKeyConstraint(["tenant_id", "inspection_id"], ["inspections.tenant_id", "inspections.id"]),
        member_fk("owner_id"),
        member_fk("reported_by_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column()
    inspection_id: Mapped[uuid.UUID | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[uuid.UUID] = mapped_column()


# Custom fields and field-level role rules; the owner must be a project member, so reassigning a
# leaver's records leaves defect owners alone (as for risks).
register_custom_fields(
    DEFECT,
    Defect,
    graphql_type="Defect",
    fields={
        "title": ["title"],
        "description": ["description"],
        "severity": ["severity"],
        "owner": ["owner_id"],
        "dueDate": ["due_date"],
        "status": ["status"],
        "resolution": ["resolution"],
    },
    hideable=["description", "resolution"],
    owner_column=None,
)


class ProjectAcceptance(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "project_acceptances"
    __table_args__ = (
        project_fk(),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "document_id"], ["documents.tenant_id", "documents.id"]),
        member_fk("requested_by_id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column()
    contact_id: Mapped[uuid.UUID] = mapped_column()
    scope: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    document_id: Mapped[uuid.UUID | None] = mapped_column()
    signed_on: Mapped[date | None] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[uuid.UUID] = mapped_column()
