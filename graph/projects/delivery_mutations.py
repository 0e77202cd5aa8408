"""Time, expense, cost rate, risk, change request and template mutations."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, TypeVar

import strawberry
from strawberry import relay

from graph.core.context import RequestContext
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects import change_requests, costs, risks, templates
from graph.projects.delivery_inputs import (
    ChangeRequestPayload,
    CreateChangeRequestInput,
    CreateProjectFromTemplateInput,
    CreateRiskInput,
    ExpensePayload,
    LogTimeInput,
    ProjectTemplatePayload,
    RecordExpenseInput,
    RiskPayload,
    TimeEntryPayload,
    UpdateChangeRequestInput,
    UpdateRiskInput,
    UserCostRatePayload,
)
from graph.projects.extra_types import ChangeRequest, Expense, ProjectTemplate, Risk, TimeEntry, UserCostRate
from graph.projects.inputs import ProjectPayload, given_values
from graph.projects.types import Project
from tenants.errors import not_found

Info = strawberry.Info[RequestContext, None]
T = TypeVar("T")
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]
Comment = Annotated[str | None, strawberry.argument(description="Why (max 2,000 characters).")]
ChangeRequestId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a ChangeRequest.")]


def parse_uuid(value: str, what: str, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise not_found(what, field) from None


@strawberry.type
class DeliveryMutation:
    @strawberry.mutation(description="Log hours on a task of a project you are a member of.")
    @mutation_payload(TimeEntryPayload)
    async def log_time(self, info: Info, input: Input[LogTimeInput]) -> TimeEntryPayload:
        session, actor = await info.context.session(), info.context.actor
        entry = await costs.log_time(session, actor, given_values(input))
        return TimeEntryPayload(time_entry=TimeEntry.from_model(entry))

    @strawberry.mutation(description="Delete your own time entry (or any, as the project's manager).")
    @mutation_payload(TimeEntryPayload)
    async def delete_time_entry(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The entry's id.")]
    ) -> TimeEntryPayload:
        session, actor = await info.context.session(), info.context.actor
        entry = await costs.delete_time_entry(session, actor, parse_uuid(id, "time entry"))
        return TimeEntryPayload(time_entry=TimeEntry.from_model(entry))

    @strawberry.mutation(description="Record an expense against a project.")
    @mutation_payload(ExpensePayload)
    async def record_expense(self, info: Info, input: Input[RecordExpenseInput]) -> ExpensePayload:
        session, actor = await info.context.session(), info.context.actor
        expense = await costs.record_expense(session, actor, given_values(input))
        return ExpensePayload(expense=Expense.from_model(expense))

    @strawberry.mutation(description="Set a member's hourly cost rate (manage_settings).")
    @mutation_payload(UserCostRatePayload)
    async def set_user_cost_rate(
        self,
        info: Info,
        user_id: Annotated[relay.GlobalID, strawberry.argument(description="The User.")],
        hourly_rate: Annotated[Decimal, strawberry.argument(description="Not negative.")],
        currency: Annotated[str, strawberry.argument(description="ISO 4217.")],
    ) -> UserCostRatePayload:
        session, actor = await info.context.session(), info.context.actor
        rate = await costs.set_user_cost_rate(
            session, actor, decode_id(user_id, "User", "userId"), hourly_rate, currency
        )
        return UserCostRatePayload(cost_rate=UserCostRate.from_model(rate))

    @strawberry.mutation(description="Raise a risk on a project.")
    @mutation_payload(RiskPayload)
    async def create_risk(self, info: Info, input: Input[CreateRiskInput]) -> RiskPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        risk = await risks.create_risk(session, actor, values.pop("project_id"), values)
        return RiskPayload(risk=Risk.from_model(risk))

    @strawberry.mutation(description="Change the given fields of a risk.")
    @mutation_payload(RiskPayload)
    async def update_risk(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Risk.")],
        version: Version,
        input: Input[UpdateRiskInput],
    ) -> RiskPayload:
        session, actor = await info.context.session(), info.context.actor
        risk = await risks.update_risk(session, actor, decode_id(id, "Risk"), version, given_values(input))
        return RiskPayload(risk=Risk.from_model(risk))

    @strawberry.mutation(description="Draft a change request on a project.")
    @mutation_payload(ChangeRequestPayload)
    async def create_change_request(
        self, info: Info, input: Input[CreateChangeRequestInput]
    ) -> ChangeRequestPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        change = await change_requests.create_change_request(session, actor, values.pop("project_id"), values)
        return ChangeRequestPayload(change_request=ChangeRequest.from_model(change))

    @strawberry.mutation(description="Change a draft change request.")
    @mutation_payload(ChangeRequestPayload)
    async def update_change_request(
        self, info: Info, id: ChangeRequestId, version: Version, input: Input[UpdateChangeRequestInput]
    ) -> ChangeRequestPayload:
        session, actor = await info.context.session(), info.context.actor
        change = await change_requests.update_change_request(
            session, actor, decode_id(id, "ChangeRequest"), version, given_values(input)
        )
        return ChangeRequestPayload(change_request=ChangeRequest.from_model(change))

    @strawberry.mutation(description="Submit a draft for approval through the tenant's change request chain.")
    @mutation_payload(ChangeRequestPayload)
    async def submit_change_request(
        self, info: Info, id: ChangeRequestId, version: Version, comment: Comment = None
    ) -> ChangeRequestPayload:
        session, actor = await info.context.session(), info.context.actor
        change = await change_requests.submit_change_request(
            session, actor, decode_id(id, "ChangeRequest"), version, comment
        )
        return ChangeRequestPayload(change_request=ChangeRequest.from_model(change))

    @strawberry.mutation(description="Apply an approved change to the project (its manager).")
    @mutation_payload(ChangeRequestPayload)
    async def implement_change_request(
        self, info: Info, id: ChangeRequestId, version: Version, comment: Comment = None
    ) -> ChangeRequestPayload:
        session, actor = await info.context.session(), info.context.actor
        change = await change_requests.implement_change_request(
            session, actor, decode_id(id, "ChangeRequest"), version, comment
        )
        return ChangeRequestPayload(change_request=ChangeRequest.from_model(change))

    @strawberry.mutation(description="Save a project's milestones and tasks as a template.")
    @mutation_payload(ProjectTemplatePayload)
    async def save_project_as_template(
        self,
        info: Info,
        project_id: Annotated[relay.GlobalID, strawberry.argument(description="The Project.")],
        name: Annotated[str, strawberry.argument(description="Unique per tenant, 1-200 characters.")],
        description: Annotated[str | None, strawberry.argument(description="Free text.")] = None,
    ) -> ProjectTemplatePayload:
        session, actor = await info.context.session(), info.context.actor
        template = await templates.save_project_as_template(
            session, actor, decode_id(project_id, "Project", "projectId"), name, description
        )
        return ProjectTemplatePayload(template=ProjectTemplate.from_model(template))

    @strawberry.mutation(
        description="Create a project from a template with its dates shifted to a new start."
    )
    @mutation_payload(ProjectPayload)
    async def create_project_from_template(
        self, info: Info, input: Input[CreateProjectFromTemplateInput]
    ) -> ProjectPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input, skip=("template_id",))
        template_id = parse_uuid(input.template_id, "project template", "templateId")
        project = await templates.create_project_from_template(session, actor, template_id, values)
        return ProjectPayload(project=Project.from_model(project))
