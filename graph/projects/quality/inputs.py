"""Inputs and payloads of quality mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core.errors import UserError
from graph.projects.inputs import described
from graph.projects.quality.types import (
    Defect,
    DefectSeverity,
    Inspection,
    ProjectAcceptance,
    QualityChecklist,
)


@strawberry.input(description="A checklist on a template or on a project (give exactly one of the two).")
class CreateQualityChecklistInput:
    template_id: relay.GlobalID | None = described("The ProjectTemplate (copied to projects made from it).")
    project_id: relay.GlobalID | None = described("The Project (open; yours to change).")
    name: str = strawberry.field(description="1-200 characters.")
    standard: str | None = described("The quality standard it checks against (max 20,000).")
    items: list[str] = strawberry.field(description="1-100 different items, each 1-500 characters.")


@strawberry.input(description="What the inspection found for one checklist item.")
class InspectionResultInput:
    passed: bool = strawberry.field(description="Whether it met the standard.")
    note: str | None = described("Max 2,000 characters.")


@strawberry.input(description="An inspection of one of a project's checklists.")
class RecordInspectionInput:
    checklist_id: relay.GlobalID = strawberry.field(description="A QualityChecklist of a project.")
    title: str = strawberry.field(description="What was inspected, 1-300 characters.")
    inspected_on: date = strawberry.field(description="When (not in the future).")
    results: list[InspectionResultInput] = strawberry.field(
        description="One per checklist item, in the checklist's order."
    )
    notes: str | None = described("Max 20,000 characters.")


@strawberry.input(description="A defect; give the inspectionId that found it, or the projectId.")
class RecordDefectInput:
    project_id: relay.GlobalID | None = described("The Project (implied by inspectionId).")
    inspection_id: relay.GlobalID | None = described("The Inspection that found it.")
    title: str = strawberry.field(description="1-300 characters.")
    description: str | None = described("Max 20,000 characters.")
    severity: DefectSeverity = strawberry.field(description="How bad it is.")
    owner_id: relay.GlobalID = strawberry.field(description="Who fixes it (a project member).")
    due_date: date | None = described("When it should be fixed.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Ask a customer contact to accept the delivered scope.")
class RequestAcceptanceInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project (yours to change).")
    contact_id: relay.GlobalID = strawberry.field(description="The customer's Contact who signs.")
    scope: str = strawberry.field(description="What is accepted, 1-20,000 characters.")


@strawberry.type(description="Result of creating a checklist.")
class QualityChecklistPayload:
    checklist: QualityChecklist | None = strawberry.field(default=None, description="The checklist.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of recording an inspection.")
class InspectionPayload:
    inspection: Inspection | None = strawberry.field(default=None, description="The inspection.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a defect mutation.")
class DefectPayload:
    defect: Defect | None = strawberry.field(default=None, description="The defect.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of an acceptance mutation.")
class AcceptancePayload:
    acceptance: ProjectAcceptance | None = strawberry.field(default=None, description="The acceptance.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
