"""GraphQL types of project quality: checklists, inspections, defects and customer acceptance."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import false, or_, select
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.ids import encode_id, nodes_in_order
from graph.core.loaders import grouped
from graph.core.nodes import live_node
from graph.crm.loaders import contacts_by_id
from graph.crm.types import Contact
from graph.identity.types import User, owner
from graph.projects.access import in_visible_projects
from graph.projects.costs import types as cost_types
from graph.projects.models import PROJECT_TEMPLATE
from graph.projects.quality import models as qm
from tenants.permissions import Action


@strawberry.enum(description="How bad a defect is.")
class DefectSeverity(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@strawberry.enum(description="Where a defect is: OPEN and FIXED are unresolved (they hold up acceptance).")
class DefectStatus(Enum):
    OPEN = "open"
    FIXED = "fixed"
    VERIFIED = "verified"
    WAIVED = "waived"


@strawberry.enum(description="Where a customer acceptance is.")
class AcceptanceStatus(Enum):
    PENDING = "pending"
    SIGNED = "signed"
    REJECTED = "rejected"


@strawberry.type(description="A quality standard and the items an inspection checks.")
class QualityChecklist(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Its name (max 200).")
    standard: str | None = strawberry.field(description="The quality standard it checks against.")
    items: list[str] = strawberry.field(description="What an inspection checks, in order (1-100).")
    template_id: strawberry.ID | None = strawberry.field(
        description="The ProjectTemplate it belongs to (copied to projects made from it); null on a project."
    )
    version: int = strawberry.field(description="Increases with every change.")

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A checklist of a project you may see, or of a template (for members who may read templates)."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, QualityChecklist]:
            if not actor.permissions.can(qm.QUALITY_CHECKLIST, Action.READ):
                return {}
            of_template = qm.QualityChecklist.template_id.is_not(None)
            if not actor.permissions.can(PROJECT_TEMPLATE, Action.READ):
                of_template = false()
            of_project = qm.QualityChecklist.project_id.is_not(None) & in_visible_projects(
                actor, qm.QUALITY_CHECKLIST, qm.QualityChecklist.project_id
            )
            rows = await (await info.context.session()).scalars(
                select(qm.QualityChecklist).where(
                    qm.QualityChecklist.id.in_(ids), or_(of_template, of_project)
                )
            )
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: qm.QualityChecklist) -> QualityChecklist:
        template = (
            strawberry.ID(str(encode_id("ProjectTemplate", row.template_id))) if row.template_id else None
        )
        return cls(
            id=str(row.id),
            name=row.name,
            standard=row.standard,
            items=list(row.items),
            template_id=template,
            version=row.version,
        )


@strawberry.type(description="What an inspection found for one checklist item.")
class InspectionResult:
    item: str = strawberry.field(description="The checklist item.")
    passed: bool = strawberry.field(description="Whether it met the standard.")
    note: str | None = strawberry.field(description="What the inspector noted.")


@strawberry.type(description="An inspection against a checklist: a record, never changed.")
class Inspection(relay.Node):
    id: relay.NodeID[str]
    title: str = strawberry.field(description="What was inspected.")
    inspected_on: date = strawberry.field(description="When.")
    passed: bool = strawberry.field(description="True when every item passed.")
    results: list[InspectionResult] = strawberry.field(description="One per checklist item, in its order.")
    notes: str | None = strawberry.field(description="The inspector's notes.")
    checklist_id: strawberry.ID = strawberry.field(description="The QualityChecklist it answered.")
    inspector_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """An inspection of a project you may see (as `Project.inspections`)."""
        return await cost_types.project_parts(info, node_ids, qm.Inspection, qm.INSPECTION, cls.from_model)

    @classmethod
    def from_model(cls, row: qm.Inspection) -> Inspection:
        return cls(
            id=str(row.id),
            title=row.title,
            inspected_on=row.inspected_on,
            passed=row.passed,
            results=[
                InspectionResult(item=r["item"], passed=r["passed"], note=r["note"]) for r in row.results
            ],
            notes=row.notes,
            checklist_id=strawberry.ID(str(encode_id("QualityChecklist", row.checklist_id))),
            inspector_id=row.inspector_id,
        )

    @strawberry.field(description="Who inspected.")
    async def inspector(self, info: Info) -> User | None:
        return await owner(info, self.inspector_id)


@strawberry.type(description="A defect: severity, owner, due date and status.")
class Defect(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = qm.DEFECT

    id: relay.NodeID[str]
    title: str = strawberry.field(description="What is wrong (max 300).")
    description: str | None = strawberry.field(description="Details.")
    severity: DefectSeverity = strawberry.field(description="LOW, MEDIUM, HIGH or CRITICAL.")
    due_date: date | None = strawberry.field(description="When it should be fixed.")
    status: DefectStatus = strawberry.field(description="OPEN → FIXED → VERIFIED, or WAIVED.")
    resolution: str | None = strawberry.field(description="How it was fixed, or why it was waived.")
    version: int = strawberry.field(description="Increases with every change.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    inspection_id: strawberry.ID | None = strawberry.field(
        description="The Inspection that found it, if any."
    )
    owner_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A defect of a project you may see (as `Project.defects`)."""
        return await cost_types.project_parts(info, node_ids, qm.Defect, qm.DEFECT, cls.from_model)

    @classmethod
    def from_model(cls, row: qm.Defect) -> Defect:
        inspection = (
            strawberry.ID(str(encode_id("Inspection", row.inspection_id))) if row.inspection_id else None
        )
        return cls(
            id=str(row.id),
            title=row.title,
            description=row.description,
            severity=DefectSeverity(row.severity),
            due_date=row.due_date,
            status=DefectStatus(row.status),
            resolution=row.resolution,
            version=row.version,
            created_at=row.created_at,
            inspection_id=inspection,
            owner_id=row.owner_id,
            custom=row.custom or {},
        )

    @strawberry.field(description="Who fixes it (a project member).")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)


@strawberry.type(description="The customer's acceptance of the delivered scope, signed with a document.")
class ProjectAcceptance(relay.Node):
    id: relay.NodeID[str]
    scope: str = strawberry.field(description="What the customer accepts.")
    status: AcceptanceStatus = strawberry.field(description="PENDING, SIGNED or REJECTED.")
    signed_on: date | None = strawberry.field(description="When the customer signed.")
    comment: str | None = strawberry.field(description="The customer's comment (the reason when rejected).")
    document_id: strawberry.ID | None = strawberry.field(
        description="The signed copy (a Document), once signed."
    )
    version: int = strawberry.field(description="Increases with every change.")
    contact_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """An acceptance of a project you may see (as `Project.acceptances`)."""
        return await cost_types.project_parts(
            info, node_ids, qm.ProjectAcceptance, qm.ACCEPTANCE, cls.from_model
        )

    @classmethod
    def from_model(cls, row: qm.ProjectAcceptance) -> ProjectAcceptance:
        document = strawberry.ID(str(encode_id("Document", row.document_id))) if row.document_id else None
        return cls(
            id=str(row.id),
            scope=row.scope,
            status=AcceptanceStatus(row.status),
            signed_on=row.signed_on,
            comment=row.comment,
            document_id=document,
            version=row.version,
            contact_id=row.contact_id,
        )

    @strawberry.field(description="The customer contact who accepts (null if you may not see them).")
    async def contact(self, info: Info) -> Contact | None:
        row = await live_node(info, "contacts_by_id", contacts_by_id, self.contact_id)
        return Contact.from_model(row) if row else None


def project_rows(model: Any, object_type: str, *order: Any) -> Any:
    return grouped(
        object_type,
        lambda context, ids: (
            select(model)
            .where(
                model.project_id.in_(ids), in_visible_projects(context.actor, object_type, model.project_id)
            )
            .order_by(model.project_id, *order)
        ),
        lambda row: row.project_id,
    )


checklists_by_project_id = project_rows(qm.QualityChecklist, qm.QUALITY_CHECKLIST, qm.QualityChecklist.id)
inspections_by_project_id = project_rows(
    qm.Inspection, qm.INSPECTION, qm.Inspection.inspected_on, qm.Inspection.id
)
defects_by_project_id = project_rows(qm.Defect, qm.DEFECT, qm.Defect.id)
acceptances_by_project_id = project_rows(qm.ProjectAcceptance, qm.ACCEPTANCE, qm.ProjectAcceptance.id)


# Project.<field> -> (loader name, loader, node): the quality lists a project shows.
PROJECT_LISTS: dict[str, tuple[str, Any, Any]] = {
    "checklists": ("checklists_by_project_id", checklists_by_project_id, QualityChecklist.from_model),
    "inspections": ("inspections_by_project_id", inspections_by_project_id, Inspection.from_model),
    "defects": ("defects_by_project_id", defects_by_project_id, Defect.from_model),
    "acceptances": ("acceptances_by_project_id", acceptances_by_project_id, ProjectAcceptance.from_model),
}


async def project_quality(info: Info, kind: str, project_id: uuid.UUID) -> list[Any]:
    name, loader, to_node = PROJECT_LISTS[kind]
    return [to_node(row) for row in await info.context.loader(name, loader).load(project_id)]
