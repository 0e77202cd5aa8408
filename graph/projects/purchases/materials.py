"""Materials and purchases: a project's material lines, bought through the tenant's approval chain for
`material_purchase`, against the project's budget.

Flow: planned → requested (an approval request opens) → approved or rejected (the chain's outcome) →
received (the actual amount and day; from then on it counts in the project's actual cost,
graph/projects/costs/costs.py). A planned or rejected line may be cancelled, or (rejected) requested
again. Amounts are in the project's currency, so the budget check is exact.

Budget check on request: the project's actual cost + the lines requested or approved but not yet
received + this line must stay within the budget, else OVER_BUDGET naming the figures (a project
without a budget has nothing to exceed). Hours or expenses needing a missing exchange rate count for
what is known (as the health's burn does).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.chains import register_approval_subject
from graph.approvals.models import ApprovalRequest
from graph.approvals.requests import start_approval
from graph.live.events import announce
from graph.projects.access import get_project
from graph.projects.costs.costs import costs_by_project
from graph.projects.planning.tasks import open_project
from graph.projects.purchases.models import MATERIAL, MaterialLine
from graph.projects.rules import check_version, collect, flush_versioned, money, snapshot
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import check_builtin_writes
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

APPROVAL_SUBJECT = "material_purchase"
OPEN_COMMITMENTS = ("requested", "approved")
MAX_QUANTITY = Decimal("1e10")
AUDITED_FIELDS = (
    "name",
    "supplier",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "status",
    "actual_amount",
    "received_on",
)


def quantity(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0 or value >= MAX_QUANTITY:
        raise DomainError(ErrorCode.INVALID, "The quantity must be greater than zero.", "quantity")
    stored = value.quantize(Decimal("0.001"))  # as the column keeps it, so every read shows the same
    if value != stored:
        raise DomainError(ErrorCode.INVALID, "Give the quantity with at most 3 decimals.", "quantity")
    return stored


async def get_line(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, action: Action, *, lock: bool = False
) -> MaterialLine:
    """A material line of a project the actor may reach for materials; else NOT_FOUND."""
    actor.require(MATERIAL, action)
    statement = select(MaterialLine).where(MaterialLine.id == line_id)
    line = await session.scalar(statement.with_for_update() if lock else statement)
    if line is None:
        raise not_found("material line")
    await get_project(session, actor, line.project_id, object_type=MATERIAL)
    return line


async def add_material_line(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> MaterialLine:
    actor.require(MATERIAL, Action.CREATE)
    project = await get_project(session, actor, values["project_id"], "projectId", object_type=MATERIAL)
    open_project(project)
    cleaned = collect(
        {
            "name": lambda: required_text(values.get("name"), "name", 200),
            "supplier": lambda: optional_text(values.get("supplier"), "supplier", 200),
            "quantity": lambda: quantity(values["quantity"]),
            "unit": lambda: required_text(values.get("unit"), "unit", 20),
            "unit_price": lambda: money(values["unit_price"], project.currency, "unitPrice"),
        }
    )
    amount = money(cleaned["quantity"] * cleaned["unit_price"], project.currency, "unitPrice")
    line = MaterialLine(
        tenant_id=actor.tenant_id,
        project_id=project.id,
        requested_by_id=actor.user_id,
        status="planned",
        amount=amount,
        **cleaned,
    )
    custom = await apply_custom_values(session, actor, MATERIAL, line, values, creating=True)
    session.add(line)
    await session.flush()
    changes = audit.diff({}, snapshot(line, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "material_line.create", MATERIAL, line.id, changes)
    await announce(session, actor.tenant_id, "cost.material_planned", project=project.id)
    return line


async def committed(session: AsyncSession, project_id: uuid.UUID) -> Decimal:
    """Requested or approved lines not yet received: money the project has asked to spend."""
    total = await session.scalar(
        select(func.coalesce(func.sum(MaterialLine.amount), 0)).where(
            MaterialLine.project_id == project_id, MaterialLine.status.in_(OPEN_COMMITMENTS)
        )
    )
    return Decimal(total)


async def request_purchase(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, version: int, comment: str | None
) -> MaterialLine:
    """planned or rejected → requested, within the budget, opening an approval request."""
    line = await get_line(session, actor, line_id, Action.UPDATE, lock=True)
    check_version(line, version, "material line")
    if line.status not in ("planned", "rejected"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Only planned or rejected lines are requested; this one is {line.status}.",
            "id",
        )
    project = await get_project(session, actor, line.project_id, object_type=MATERIAL, lock=True)
    open_project(project)
    optional_text(comment, "comment", 2_000)
    if project.budget is not None:
        cost = (await costs_by_project(session, [project.id]))[project.id]
        open_purchases = await committed(session, project.id)
        if cost.actual + open_purchases + line.amount > project.budget:
            raise DomainError(
                ErrorCode.OVER_BUDGET,
                f"The budget is {project.budget} {project.currency}; actual cost {cost.actual}, open "
                f"purchases {open_purchases} and this {line.amount} would exceed it. Raise the budget with "
                "a change request or buy less.",
                "id",
            )
    request = await start_approval(
        session, actor, APPROVAL_SUBJECT, line.id, f"{line.name} ({line.amount} {project.currency})"
    )
    line.approval_request_id = request.id
    await move(session, actor, line, "requested")
    return line


async def move(session: AsyncSession, actor: Actor, line: MaterialLine, status: str) -> None:
    previous = line.status
    line.status = status
    await flush_versioned(session, "material line")
    await audit.record(
        session, actor, f"material_line.{status}", MATERIAL, line.id, {"status": [previous, status]}
    )


async def on_approval_decision(
    session: AsyncSession, actor: Actor, request: ApprovalRequest, comment: str | None
) -> None:
    """The chain's outcome decides the line: approved or rejected (the chain authorises it, whatever the
    approver's own project scope)."""
    line = await session.scalar(
        select(MaterialLine).where(MaterialLine.id == request.subject_id).with_for_update()
    )
    assert line is not None
    if request.status in ("approved", "rejected"):
        await move(session, actor, line, request.status)
        await announce(session, actor.tenant_id, f"cost.material_{request.status}", project=line.project_id)


register_approval_subject(APPROVAL_SUBJECT, "Material purchases", "MaterialLine", on_approval_decision)


async def receive_material(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> MaterialLine:
    """approved → received: the actual amount (default the approved amount) joins the project's cost."""
    line = await get_line(session, actor, line_id, Action.UPDATE, lock=True)
    check_version(line, version, "material line")
    if line.status != "approved":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Only approved lines are received; this one is {line.status}.",
            "id",
        )
    project = await get_project(session, actor, line.project_id, object_type=MATERIAL)
    received_on: date = values["received_on"]
    if received_on > datetime.now(UTC).date() + timedelta(days=1):
        raise DomainError(ErrorCode.INVALID, "Materials cannot be received in the future.", "receivedOn")
    actual = values.get("actual_amount")
    check_builtin_writes(actor, MATERIAL, {"actual_amount": actual} if actual is not None else {})
    line.actual_amount = (
        money(actual, project.currency, "actualAmount") if actual is not None else line.amount
    )
    line.received_on = received_on
    await move(session, actor, line, "received")
    await audit.record(
        session,
        actor,
        "material_line.cost",
        MATERIAL,
        line.id,
        audit.diff({}, {"actual_amount": line.actual_amount, "received_on": received_on}),
    )
    await announce(session, actor.tenant_id, "cost.material_received", project=line.project_id)
    return line


async def cancel_material_line(
    session: AsyncSession, actor: Actor, line_id: uuid.UUID, version: int
) -> MaterialLine:
    """planned or rejected → cancelled (kept for the record, never counted)."""
    line = await get_line(session, actor, line_id, Action.UPDATE, lock=True)
    check_version(line, version, "material line")
    if line.status not in ("planned", "rejected"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Only planned or rejected lines are cancelled; this one is {line.status}.",
            "id",
        )
    await move(session, actor, line, "cancelled")
    return line
