"""Inputs and payloads of time, expenses, cost rates, risks, change requests and templates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core.errors import UserError
from graph.projects.enums import ChangeKind, RiskResponse, RiskStatus
from graph.projects.extra_types import ChangeRequest, Expense, ProjectTemplate, Risk, TimeEntry, UserCostRate
from graph.projects.inputs import described


@strawberry.input(
    description="Hours on a task; `userId` defaults to you (others need the project's manager)."
)
class LogTimeInput:
    task_id: relay.GlobalID = strawberry.field(description="The Task.")
    work_date: date = strawberry.field(description="The day worked (not in the future).")
    hours: Decimal = strawberry.field(description="0.01-24; at most 24 per person and day.")
    billable: bool = strawberry.field(default=True, description="Billable to the client.")
    note: str | None = described("Max 1,000 characters.")
    user_id: relay.GlobalID | None = described("Who worked (a project member); default you.")


@strawberry.input(description="A cost recorded against a project.")
class RecordExpenseInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project.")
    description: str = strawberry.field(description="1-500 characters.")
    amount: Decimal = strawberry.field(description="Greater than zero.")
    currency: str | None = described("ISO 4217; defaults to the project's currency.")
    incurred_on: date = strawberry.field(description="When it was incurred (also the conversion date).")


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


@strawberry.input(description="A new project from a template, every date shifted to `plannedStart`.")
class CreateProjectFromTemplateInput:
    template_id: strawberry.ID = strawberry.field(description="The template's id.")
    name: str = strawberry.field(description="1-200 characters.")
    planned_start: date = strawberry.field(description="The new start; the template's dates shift to it.")
    account_id: relay.GlobalID | None = described("The client Account.")
    opportunity_id: relay.GlobalID | None = described("The won Opportunity.")
    contract_id: relay.GlobalID | None = described("The Contract.")
    manager_id: relay.GlobalID | None = described("The manager; default you.")
    budget: Decimal | None = described("Budget.")
    currency: str | None = described("ISO 4217; default the tenant's base currency.")


@strawberry.type(description="Result of logging or deleting time.")
class TimeEntryPayload:
    time_entry: TimeEntry | None = strawberry.field(default=None, description="The entry.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of recording an expense.")
class ExpensePayload:
    expense: Expense | None = strawberry.field(default=None, description="The expense.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of setting a cost rate.")
class UserCostRatePayload:
    cost_rate: UserCostRate | None = strawberry.field(default=None, description="The rate.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a risk mutation.")
class RiskPayload:
    risk: Risk | None = strawberry.field(default=None, description="The risk after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a change request mutation.")
class ChangeRequestPayload:
    change_request: ChangeRequest | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of saving a template.")
class ProjectTemplatePayload:
    template: ProjectTemplate | None = strawberry.field(default=None, description="The template.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
