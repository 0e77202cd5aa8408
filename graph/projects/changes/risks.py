"""Risk register: risks per project scored probability (1-5) times impact (1-5), with an owner, a
response strategy, a mitigation plan, a status and a review date; and the project's risk matrix.

Categories come from the tenant's `risk_categories` option list, so each tenant keeps its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.live.events import announce
from graph.projects.access import get_project, require_project_member
from graph.projects.models import RISK, Risk
from graph.projects.rules import check_version, collect, flush_versioned, snapshot
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.fields import apply_custom_values
from tenants.ids import new_id
from tenants.options import register_option_list, require_option
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

register_option_list(
    "risk_categories",
    "Risk categories",
    [
        ("technical", "Technical"),
        ("schedule", "Schedule"),
        ("budget", "Budget"),
        ("resources", "Resources"),
        ("scope", "Scope"),
        ("external", "External"),
    ],
)

RESPONSES = ("avoid", "mitigate", "transfer", "accept")
RISK_STATUSES = ("open", "monitoring", "closed")
# Open (not closed) risks at or above this score count against a project's health.
HIGH_SCORE = 15
AUDITED_FIELDS = (
    "title",
    "description",
    "category",
    "probability",
    "impact",
    "owner_id",
    "response",
    "mitigation_plan",
    "status",
    "review_date",
)


def level(value: int | None, field: str) -> int:
    if value is None or not 1 <= value <= 5:
        raise DomainError(ErrorCode.INVALID, "Rate it from 1 (lowest) to 5 (highest).", field)
    return value


async def clean_risk(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, values: Mapping[str, Any]
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "title":
            checks[key] = lambda v=value: required_text(v, "title", 300)
        elif key in ("description", "mitigation_plan"):
            name = "mitigationPlan" if key == "mitigation_plan" else key
            checks[key] = lambda v=value, n=name: optional_text(v, n, 20_000)
        elif key in ("probability", "impact"):
            checks[key] = lambda v=value, k=key: level(v, k)
        elif key == "review_date":
            checks[key] = lambda v=value: v
        elif key in ("response", "status", "owner_id") and value is None:
            checks[key] = lambda k=key: required_text(None, camel(k), 1)
        elif key in ("response", "status"):
            checks[key] = lambda v=value: v
    cleaned = collect(checks)
    errors: list[DomainError] = []
    if values.get("category") is not None:
        try:
            await require_option(session, actor.tenant_id, "risk_categories", values["category"], "category")
            cleaned["category"] = values["category"]
        except DomainError as error:
            errors.append(error)
    if values.get("owner_id") is not None:
        try:
            cleaned["owner_id"] = await require_project_member(
                session, project_id, values["owner_id"], "ownerId"
            )
        except DomainError as error:
            errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    return cleaned


def camel(key: str) -> str:
    head, *rest = key.removesuffix("_id").split("_")
    return head + "".join(part.title() for part in rest) + ("Id" if key.endswith("_id") else "")


async def create_risk(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, values: Mapping[str, Any]
) -> Risk:
    """A risk is open when raised; its owner defaults to you and must be a project member."""
    actor.require(RISK, Action.CREATE)
    project = await get_project(session, actor, project_id, "projectId", object_type=RISK)
    given = {"title": None, "probability": None, "impact": None, "response": "mitigate", **values}
    given["owner_id"] = values.get("owner_id") or actor.user_id
    cleaned = await clean_risk(session, actor, project.id, given)
    risk = Risk(tenant_id=actor.tenant_id, id=new_id(), project_id=project.id, **cleaned)
    custom = await apply_custom_values(session, actor, RISK, risk, values, creating=True)
    session.add(risk)
    await session.flush()
    changes = audit.diff({}, snapshot(risk, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "risk.create", RISK, risk.id, changes)
    await announce(session, actor.tenant_id, "risk.created", risk.version, project=project.id, risk=risk.id)
    return risk


async def get_risk(session: AsyncSession, actor: Actor, risk_id: uuid.UUID) -> Risk:
    risk = await session.scalar(select(Risk).where(Risk.id == risk_id))
    if risk is None:
        raise not_found("risk")
    await get_project(session, actor, risk.project_id, object_type=RISK)
    return risk


async def update_risk(
    session: AsyncSession, actor: Actor, risk_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Risk:
    actor.require(RISK, Action.UPDATE)
    risk = await get_risk(session, actor, risk_id)
    check_version(risk, version, "risk")
    cleaned = await clean_risk(session, actor, risk.project_id, values)
    before = snapshot(risk, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(risk, key, value)
    custom = await apply_custom_values(session, actor, RISK, risk, values, creating=False)
    await flush_versioned(session, "risk")
    await session.refresh(risk, ["score"])
    changes = audit.diff(before, snapshot(risk, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "risk.update", RISK, risk.id, changes)
    await announce(
        session, actor.tenant_id, "risk.updated", risk.version, project=risk.project_id, risk=risk.id
    )
    return risk


@dataclass
class MatrixCell:
    probability: int
    impact: int
    risks: list[Risk] = field(default_factory=list)


async def risk_matrix(session: AsyncSession, actor: Actor, project_id: uuid.UUID) -> list[MatrixCell]:
    """All 25 cells (probability 5 → 1, impact 1 → 5) with the project's risks that are not closed."""
    actor.require(RISK, Action.READ)
    project = await get_project(session, actor, project_id, "projectId", object_type=RISK)
    risks = await session.scalars(
        select(Risk)
        .where(Risk.project_id == project.id, Risk.status != "closed")
        .order_by(Risk.score.desc(), Risk.id)
    )
    cells = {(p, i): MatrixCell(p, i) for p in range(5, 0, -1) for i in range(1, 6)}
    for risk in risks:
        cells[(risk.probability, risk.impact)].risks.append(risk)
    return list(cells.values())
