"""GraphQL types of the risk register and change requests, and the resolvers the Project type delegates to."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.approvals.types import ApprovalRequest, approval_of
from graph.core.context import Info
from graph.core.nodes import resolve_by_ids
from graph.identity.types import User, owner
from graph.projects import models as pm
from graph.projects.changes import loaders
from graph.projects.enums import ChangeKind, ChangeStatus, RiskResponse, RiskStatus


@strawberry.type(description="A project risk; its score is probability times impact (1-25).")
class Risk(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = pm.RISK
    id: relay.NodeID[str]
    title: str = strawberry.field(description="One-line summary.")
    description: str | None = strawberry.field(description="Details (null when hidden).")
    category: str | None = strawberry.field(description="A key of the tenant's risk_categories option list.")
    probability: int = strawberry.field(description="1-5.")
    impact: int = strawberry.field(description="1-5.")
    score: int = strawberry.field(description="Probability times impact.")
    response: RiskResponse = strawberry.field(description="AVOID, MITIGATE, TRANSFER or ACCEPT.")
    mitigation_plan: str | None = strawberry.field(description="How it is handled (null when hidden).")
    status: RiskStatus = strawberry.field(
        description="OPEN, MONITORING or CLOSED (closed risks leave the matrix and health)."
    )
    review_date: date | None = strawberry.field(description="When to look at it again.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    owner_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, risk: pm.Risk) -> Risk:
        return cls(
            id=str(risk.id),
            title=risk.title,
            description=risk.description,
            category=risk.category,
            probability=risk.probability,
            impact=risk.impact,
            score=risk.score,
            response=RiskResponse(risk.response),
            mitigation_plan=risk.mitigation_plan,
            status=RiskStatus(risk.status),
            review_date=risk.review_date,
            version=risk.version,
            owner_id=risk.owner_id,
            custom=risk.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Risk | None]:
        return await resolve_by_ids(info, "risks_by_id", loaders.risks_by_id, node_ids, cls.from_model)

    @strawberry.field(description="Who owns the risk (a project member).")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)


async def project_risks(info: Info, project_id: uuid.UUID) -> list[Risk]:
    rows = await info.context.loader("risks_by_project_id", loaders.risks_by_project_id).load(project_id)
    return [Risk.from_model(row) for row in rows]


@strawberry.type(description="A project's five-by-five risk matrix (probability by impact).")
class RiskMatrix:
    cells: list[RiskMatrixCell] = strawberry.field(
        description="The 25 cells, by probability then impact (1 to 5 each)."
    )


@strawberry.type(description="One cell of a risk matrix with the risks (not closed) that fall in it.")
class RiskMatrixCell:
    probability: int = strawberry.field(description="1-5.")
    impact: int = strawberry.field(description="1-5.")
    score: int = strawberry.field(description="Probability times impact.")
    risks: list[Risk] = strawberry.field(description="Risks not closed in this cell, highest score first.")


@strawberry.type(description="One status change of a change request (never changed or deleted).")
class ChangeRequestStatusChange:
    from_status: ChangeStatus | None = strawberry.field(description="Null for the creation entry.")
    to_status: ChangeStatus = strawberry.field(description="The new status.")
    comment: str | None = strawberry.field(description="The submitter's or deciding approver's comment.")
    occurred_at: datetime = strawberry.field(description="When the status changed.")
    actor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who (or whose decision) changed it.")
    async def actor(self, info: Info) -> User | None:
        return await owner(info, self.actor_id)


@strawberry.type(description="A requested change to a project's scope, schedule or budget.")
class ChangeRequest(relay.Node):
    id: relay.NodeID[str]
    title: str = strawberry.field(description="One-line summary.")
    kind: ChangeKind = strawberry.field(description="SCOPE, SCHEDULE or BUDGET.")
    reason: str = strawberry.field(description="Why it is needed.")
    description: str | None = strawberry.field(description="What exactly changes.")
    cost_impact: Decimal | None = strawberry.field(description="Budget change in the project's currency.")
    new_planned_end: date | None = strawberry.field(description="The project's new planned end.")
    apply_on_approval: bool = strawberry.field(description="Applied to the project when finally approved.")
    status: ChangeStatus = strawberry.field(description="See the ChangeStatus flow.")
    created_at: datetime = strawberry.field(description="When it was drafted (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    project_id: strawberry.Private[uuid.UUID]
    requested_by_id: strawberry.Private[uuid.UUID]
    approval_request_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, change: pm.ChangeRequest) -> ChangeRequest:
        return cls(
            id=str(change.id),
            title=change.title,
            kind=ChangeKind(change.kind),
            reason=change.reason,
            description=change.description,
            cost_impact=change.cost_impact,
            new_planned_end=change.new_planned_end,
            apply_on_approval=change.apply_on_approval,
            status=ChangeStatus(change.status),
            created_at=change.created_at,
            version=change.version,
            project_id=change.project_id,
            requested_by_id=change.requested_by_id,
            approval_request_id=change.approval_request_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ChangeRequest | None]:
        return await resolve_by_ids(
            info, "change_requests_by_id", loaders.change_requests_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="Who asked for it.")
    async def requested_by(self, info: Info) -> User | None:
        return await owner(info, self.requested_by_id)

    @strawberry.field(description="Every status change, oldest first.")
    async def history(self, info: Info) -> list[ChangeRequestStatusChange]:
        loader = info.context.loader("change_history_by_change_id", loaders.change_history_by_change_id)
        return [
            ChangeRequestStatusChange(
                from_status=ChangeStatus(row.from_status) if row.from_status else None,
                to_status=ChangeStatus(row.to_status),
                comment=row.comment,
                occurred_at=row.changed_at,
                actor_id=row.changed_by_id,
            )
            for row in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="Its approval request (with every decision), once submitted.")
    async def approval(self, info: Info) -> ApprovalRequest | None:
        return await approval_of(info, self.approval_request_id)


async def project_change_requests(info: Info, project_id: uuid.UUID) -> list[ChangeRequest]:
    loader = info.context.loader("change_requests_by_project_id", loaders.change_requests_by_project_id)
    return [ChangeRequest.from_model(row) for row in await loader.load(project_id)]
