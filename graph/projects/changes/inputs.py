"""Inputs and payloads of risk and change request mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core.errors import UserError
from graph.projects.changes.types import ChangeRequest, Risk
from graph.projects.enums import ChangeKind, RiskResponse, RiskStatus
from graph.projects.inputs import described


@strawberry.input(description="A new risk; it starts OPEN.")
class CreateRiskInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project.")
    title: str = strawberry.field(description="1-300 characters.")
    description: str | None = described("Details.")
    category: str | None = described("A key of the tenant's risk_categories option list.")
    probability: int = strawberry.field(description="1-5.")
    impact: int = strawberry.field(description="1-5.")
    owner_id: relay.GlobalID | None = described("A project member (User); default you.")
    response: RiskResponse | None = described("Default MITIGATE.")
    mitigation_plan: str | None = described("How it is handled.")
    review_date: date | None = described("When to look at it again.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a risk; left-out fields stay.")
class UpdateRiskInput:
    title: str | None = described("1-300 characters.")
    description: str | None = described("Details; null clears.")
    category: str | None = described("Option key; null clears.")
    probability: int | None = described("1-5.")
    impact: int | None = described("1-5.")
    owner_id: relay.GlobalID | None = described("A project member.")
    response: RiskResponse | None = described("Strategy.")
    mitigation_plan: str | None = described("Plan; null clears.")
    status: RiskStatus | None = described("OPEN, MONITORING or CLOSED.")
    review_date: date | None = described("Next review; null clears.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="A change request (a draft until submitted).")
class CreateChangeRequestInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project.")
    title: str = strawberry.field(description="1-300 characters.")
    kind: ChangeKind = strawberry.field(description="SCOPE, SCHEDULE or BUDGET.")
    reason: str = strawberry.field(description="Why (1-10,000 characters).")
    description: str | None = described("What exactly changes.")
    cost_impact: Decimal | None = described("Budget change (may be negative); required for BUDGET.")
    new_planned_end: date | None = described("New planned end; required for SCHEDULE.")
    apply_on_approval: bool | None = described("Apply to the project on final approval (default true).")


@strawberry.input(description="Changes to a draft change request.")
class UpdateChangeRequestInput:
    title: str | None = described("1-300 characters.")
    kind: ChangeKind | None = described("What changes.")
    reason: str | None = described("Why.")
    description: str | None = described("Details; null clears.")
    cost_impact: Decimal | None = described("Budget change; null clears.")
    new_planned_end: date | None = described("New planned end; null clears.")
    apply_on_approval: bool | None = described("Apply on final approval.")


@strawberry.type(description="Result of a risk mutation.")
class RiskPayload:
    risk: Risk | None = strawberry.field(default=None, description="The risk after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a change request mutation.")
class ChangeRequestPayload:
    change_request: ChangeRequest | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
