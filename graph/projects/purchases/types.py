"""GraphQL types of material lines and their purchase."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.approvals.types import ApprovalRequest, approval_of
from graph.core.context import Info
from graph.core.loaders import grouped
from graph.identity.types import User, owner
from graph.projects.access import in_visible_projects
from graph.projects.costs import types as cost_types
from graph.projects.purchases import models as purchase_models
from graph.projects.purchases.models import MATERIAL


@strawberry.enum(description="Where a material line is in its purchase.")
class MaterialStatus(Enum):
    PLANNED = "planned"
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECEIVED = "received"
    CANCELLED = "cancelled"


@strawberry.type(
    description="Material a project needs, bought through the approval chain against the budget."
)
class MaterialLine(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = MATERIAL

    id: relay.NodeID[str]
    name: str = strawberry.field(description="What it is (max 200).")
    supplier: str | None = strawberry.field(description="Who sells it (max 200); roles may hide it.")
    quantity: Decimal = strawberry.field(description="How many units (up to 3 decimals).")
    unit: str = strawberry.field(description="The unit (pcs, m, kg...; max 20).")
    unit_price: Decimal | None = strawberry.field(
        description="Price of one unit, in the project's currency; null when your role hides it."
    )
    amount: Decimal | None = strawberry.field(
        description="Quantity times unit price, in the project's currency; null when your role hides it."
    )
    status: MaterialStatus = strawberry.field(description="PLANNED → REQUESTED → APPROVED → RECEIVED.")
    actual_amount: Decimal | None = strawberry.field(
        description="What it cost when received (counts in the project's actual cost); null before, or when "
        "your role hides it."
    )
    received_on: date | None = strawberry.field(description="When it was received.")
    version: int = strawberry.field(description="Increases with every change.")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")
    requested_by_id: strawberry.Private[uuid.UUID]
    approval_request_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A material line of a project you may see (as `Project.materials`)."""
        return await cost_types.project_parts(
            info, node_ids, purchase_models.MaterialLine, MATERIAL, cls.from_model
        )

    @classmethod
    def from_model(cls, line: purchase_models.MaterialLine) -> MaterialLine:
        return cls(
            id=str(line.id),
            name=line.name,
            supplier=line.supplier,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount=line.amount,
            status=MaterialStatus(line.status),
            actual_amount=line.actual_amount,
            received_on=line.received_on,
            version=line.version,
            created_at=line.created_at,
            requested_by_id=line.requested_by_id,
            approval_request_id=line.approval_request_id,
            custom=line.custom or {},
        )

    @strawberry.field(description="Who added it.")
    async def requested_by(self, info: Info) -> User | None:
        return await owner(info, self.requested_by_id)

    @strawberry.field(description="Its approval request (with every decision), once requested.")
    async def approval(self, info: Info) -> ApprovalRequest | None:
        return await approval_of(info, self.approval_request_id)


material_lines_by_project_id = grouped(
    MATERIAL,
    lambda context, ids: (
        select(purchase_models.MaterialLine)
        .where(
            purchase_models.MaterialLine.project_id.in_(ids),
            in_visible_projects(context.actor, MATERIAL, purchase_models.MaterialLine.project_id),
        )
        .order_by(purchase_models.MaterialLine.project_id, purchase_models.MaterialLine.id)
    ),
    lambda row: row.project_id,
)


async def project_materials(info: Info, project_id: uuid.UUID) -> list[MaterialLine]:
    loader = info.context.loader("material_lines_by_project_id", material_lines_by_project_id)
    return [MaterialLine.from_model(row) for row in await loader.load(project_id)]
