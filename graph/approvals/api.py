"""Approval queries and mutations: chain definitions, my approvals, decisions."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, TypeVar

import strawberry
from strawberry import UNSET, relay

from graph.approvals import chains, requests
from graph.approvals.types import (
    ApprovalChain,
    ApprovalDecisionKind,
    ApprovalRequest,
    ApprovalRule,
)
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, connection_of, paginate

T = TypeVar("T")
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]


@strawberry.input(description="One step: users and/or a role, and whether all or any must approve.")
class ApprovalStepInput:
    name: str = strawberry.field(description="E.g. 'Project office' (1-200 characters).")
    rule: ApprovalRule = strawberry.field(description="ALL or ANY.")
    user_ids: list[relay.GlobalID] = strawberry.field(default_factory=list, description="Approvers (Users).")
    role_key: str | None = strawberry.field(default=UNSET, description="Members holding this role approve.")


@strawberry.input(description="A chain for one subject type; replaces the tenant's active chain for it.")
class DefineApprovalChainInput:
    name: str = strawberry.field(description="1-200 characters.")
    subject_type: str = strawberry.field(description="What it approves, e.g. change_request.")
    steps: list[ApprovalStepInput] = strawberry.field(description="1 to 10 steps, in order.")


@strawberry.type(description="Result of defining a chain.")
class ApprovalChainPayload:
    chain: ApprovalChain | None = strawberry.field(default=None, description="The new active chain.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of a decision.")
class ApprovalRequestPayload:
    request: ApprovalRequest | None = strawberry.field(default=None, description="The request after it.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.enum(description="Which approvals to list.")
class MyApprovalsScope(Enum):
    AWAITING_ME = "awaiting_me"
    REQUESTED_BY_ME = "requested_by_me"


@strawberry.input(description="Conditions on approval chains.")
class ApprovalChainFilter:
    subject_type: str | None = strawberry.field(
        default=None, description="Only chains for this subject, e.g. change_request."
    )


ScopeArgument = Annotated[
    MyApprovalsScope, strawberry.argument(description="AWAITING_ME (default) or REQUESTED_BY_ME.")
]
DecisionArgument = Annotated[ApprovalDecisionKind, strawberry.argument(description="APPROVE or REJECT.")]


@strawberry.type
class ApprovalsQuery:
    @strawberry.field(description="The tenant's approval chains (active and replaced ones), by subject type.")
    async def approval_chains(
        self,
        info: Info,
        filter: Annotated[
            ApprovalChainFilter | None, strawberry.argument(description="Conditions; left out: every chain.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ApprovalChain]:
        session, actor = await info.context.session(), info.context.actor
        subject_type = filter.subject_type if filter is not None else None
        rows = await chains.list_chains(session, actor, subject_type)
        found = [ApprovalChain.from_model(row) for row in rows]
        return connection_of(found, lambda chain: chain.id, first, after, last, before)

    @strawberry.field(
        description="Pending requests awaiting your decision (default), or your own pending requests."
    )
    async def my_approvals(
        self,
        info: Info,
        scope: ScopeArgument = MyApprovalsScope.AWAITING_ME,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ApprovalRequest]:
        statement = requests.my_approvals(info.context.actor, scope is MyApprovalsScope.REQUESTED_BY_ME)
        session = await info.context.session()
        return await paginate(session, statement, ApprovalRequest.from_model, first, after, before, last)


@strawberry.type
class ApprovalsMutation:
    @strawberry.mutation(description="Define the active approval chain for a subject type (manage_settings).")
    @mutation_payload(ApprovalChainPayload)
    async def define_approval_chain(
        self, info: Info, input: Input[DefineApprovalChainInput]
    ) -> ApprovalChainPayload:
        session, actor = await info.context.session(), info.context.actor
        steps = [
            {
                "name": step.name,
                "rule": step.rule.value,
                "user_ids": [
                    decode_id(user_id, "User", f"steps.{index}.userIds") for user_id in step.user_ids
                ],
                "role_key": step.role_key or None,
            }
            for index, step in enumerate(input.steps)
        ]
        chain = await chains.define_approval_chain(session, actor, input.name, input.subject_type, steps)
        return ApprovalChainPayload(chain=ApprovalChain.from_model(chain))

    @strawberry.mutation(
        description="Approve or reject the current step of a request you approve (approve_changes)."
    )
    @mutation_payload(ApprovalRequestPayload)
    async def decide_approval(
        self,
        info: Info,
        request_id: Annotated[relay.GlobalID, strawberry.argument(description="An ApprovalRequest.")],
        decision: DecisionArgument,
        comment: Annotated[str | None, strawberry.argument(description="Why (max 2,000 characters).")] = None,
    ) -> ApprovalRequestPayload:
        session, actor = await info.context.session(), info.context.actor
        request = await requests.decide(
            session, actor, decode_id(request_id, "ApprovalRequest", "requestId"), decision.value, comment
        )
        return ApprovalRequestPayload(request=ApprovalRequest.from_model(request))
