"""Risk and change request mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects.changes import change_requests, risks
from graph.projects.changes.inputs import (
    ChangeRequestPayload,
    CreateChangeRequestInput,
    CreateRiskInput,
    RiskPayload,
    UpdateChangeRequestInput,
    UpdateRiskInput,
)
from graph.projects.changes.types import ChangeRequest, Risk
from graph.projects.inputs import (
    ChangeRequestId,
    Comment,
    Input,
    Version,
    given_values,
)


@strawberry.type
class ChangeMutation:
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
