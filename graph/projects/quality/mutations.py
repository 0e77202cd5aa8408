"""Quality mutations: checklists, inspections, defects, customer acceptance."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects.inputs import Comment, Input, Version, given_values
from graph.projects.quality import acceptance, inspections
from graph.projects.quality.inputs import (
    AcceptancePayload,
    CreateQualityChecklistInput,
    DefectPayload,
    InspectionPayload,
    QualityChecklistPayload,
    RecordDefectInput,
    RecordInspectionInput,
    RequestAcceptanceInput,
)
from graph.projects.quality.types import Defect, DefectStatus, Inspection, ProjectAcceptance, QualityChecklist

DefectId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Defect.")]
AcceptanceId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a ProjectAcceptance.")]


@strawberry.type
class QualityMutation:
    @strawberry.mutation(description="Create a quality checklist on a project template or a project.")
    @mutation_payload(QualityChecklistPayload)
    async def create_quality_checklist(
        self, info: Info, input: Input[CreateQualityChecklistInput]
    ) -> QualityChecklistPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await inspections.create_checklist(session, actor, given_values(input))
        return QualityChecklistPayload(checklist=QualityChecklist.from_model(row))

    @strawberry.mutation(
        description="Record an inspection: a result per checklist item (a record, never changed)."
    )
    @mutation_payload(InspectionPayload)
    async def record_inspection(self, info: Info, input: Input[RecordInspectionInput]) -> InspectionPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input, skip=("results",))
        values["results"] = [
            {"passed": result.passed, "note": None if result.note is UNSET else result.note}
            for result in input.results
        ]
        row = await inspections.record_inspection(session, actor, values)
        return InspectionPayload(inspection=Inspection.from_model(row))

    @strawberry.mutation(description="Record a defect with its severity, owner and due date.")
    @mutation_payload(DefectPayload)
    async def record_defect(self, info: Info, input: Input[RecordDefectInput]) -> DefectPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await inspections.record_defect(session, actor, given_values(input))
        return DefectPayload(defect=Defect.from_model(row))

    @strawberry.mutation(
        description="Move a defect: OPEN → FIXED (its owner or the manager) → VERIFIED (the manager), "
        "FIXED → OPEN, OPEN → WAIVED (the manager, with a resolution saying why)."
    )
    @mutation_payload(DefectPayload)
    async def change_defect_status(
        self,
        info: Info,
        id: DefectId,
        version: Version,
        status: Annotated[DefectStatus, strawberry.argument(description="The new status.")],
        resolution: Annotated[
            str | None, strawberry.argument(description="How it was fixed, or why waived (max 20,000).")
        ] = None,
    ) -> DefectPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await inspections.change_defect_status(
            session, actor, decode_id(id, "Defect"), version, status.value, resolution
        )
        return DefectPayload(defect=Defect.from_model(row))

    @strawberry.mutation(description="Ask a customer contact to accept the project's delivered scope.")
    @mutation_payload(AcceptancePayload)
    async def request_acceptance(self, info: Info, input: Input[RequestAcceptanceInput]) -> AcceptancePayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        row = await acceptance.request_acceptance(
            session, actor, values["project_id"], values["contact_id"], values["scope"]
        )
        return AcceptancePayload(acceptance=ProjectAcceptance.from_model(row))

    @strawberry.mutation(
        description="Record the customer's signature: needs the signed copy (a document linked to the "
        "acceptance as SIGNED_COPY), no open or unverified defect, and the latest inspections passed."
    )
    @mutation_payload(AcceptancePayload)
    async def sign_acceptance(
        self,
        info: Info,
        id: AcceptanceId,
        version: Version,
        signed_on: Annotated[date, strawberry.argument(description="When the customer signed.")],
        comment: Comment = None,
    ) -> AcceptancePayload:
        session, actor = await info.context.session(), info.context.actor
        row = await acceptance.sign_acceptance(
            session, actor, decode_id(id, "ProjectAcceptance"), version, signed_on, comment
        )
        return AcceptancePayload(acceptance=ProjectAcceptance.from_model(row))

    @strawberry.mutation(description="Record that the customer refused acceptance, with their reason.")
    @mutation_payload(AcceptancePayload)
    async def reject_acceptance(
        self,
        info: Info,
        id: AcceptanceId,
        version: Version,
        comment: Annotated[str, strawberry.argument(description="The customer's reason (max 2,000).")],
    ) -> AcceptancePayload:
        session, actor = await info.context.session(), info.context.actor
        row = await acceptance.reject_acceptance(
            session, actor, decode_id(id, "ProjectAcceptance"), version, comment
        )
        return AcceptancePayload(acceptance=ProjectAcceptance.from_model(row))
