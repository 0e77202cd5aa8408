"""Inputs and payloads of project mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core.errors import UserError
from graph.projects.inputs import described
from graph.projects.types import Project


@strawberry.input(description="A new project; it starts PLANNED with a code from the tenant's numbering.")
class CreateProjectInput:
    name: str = strawberry.field(description="Name (1-200 characters).")
    description: str | None = described("Free text (max 20,000 characters).")
    account_id: relay.GlobalID | None = described("The client Account.")
    opportunity_id: relay.GlobalID | None = described("The won Opportunity this project delivers.")
    contract_id: relay.GlobalID | None = described("The Contract it delivers.")
    manager_id: relay.GlobalID | None = described("The managing member (User); defaults to you.")
    planned_start: date | None = described("Planned start date.")
    planned_end: date | None = described("Planned end date (not before the start).")
    budget: Decimal | None = described("Budget in `currency` (not negative).")
    currency: str | None = described("ISO 4217 code; defaults to the tenant's base currency.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a project; fields you leave out stay as they are.")
class UpdateProjectInput:
    name: str | None = described("Name (1-200 characters).")
    description: str | None = described("Free text; null clears it.")
    account_id: relay.GlobalID | None = described("The client Account; null unlinks it.")
    opportunity_id: relay.GlobalID | None = described("The won Opportunity; null unlinks it.")
    contract_id: relay.GlobalID | None = described("The Contract; null unlinks it.")
    manager_id: relay.GlobalID | None = described("The new manager (becomes a LEAD member).")
    planned_start: date | None = described("Planned start date.")
    planned_end: date | None = described("Planned end date.")
    budget: Decimal | None = described("Budget in `currency`.")
    currency: str | None = described("ISO 4217 code.")
    custom: JSON | None = custom_values_field()


@strawberry.type(description="Result of a project mutation: the project, or errors.")
class ProjectPayload:
    project: Project | None = strawberry.field(default=None, description="The project after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
