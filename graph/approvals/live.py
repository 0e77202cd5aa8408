"""Live approvals: `myApprovalsChanged`.

Events come from `graph/approvals/requests.py` (approval.requested, approval.decided); each is re-read
through the approvals' own scoped loader (request scope) under the subscriber's tenant and role."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry
from sqlalchemy import exists, select
from strawberry import relay

from graph.approvals import models as approvals
from graph.approvals.requests import awaiting_me, names_actor
from graph.approvals.types import ApprovalRequest, requests_by_id
from graph.core.ids import encode_id
from graph.live.context import Info, LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream

APPROVAL_EVENTS = ("approval.requested", "approval.decided")


@strawberry.type(
    description=(
        "A change to an approval request that concerns you (you requested it, or its chain names you as "
        "an approver). `type` is `subscribed` first, then `approval.requested` or `approval.decided`; "
        "`dropped` when events were lost: refetch `myApprovals`."
    )
)
class ApprovalChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    request_id: relay.GlobalID | None = strawberry.field(
        description="The request; null for `subscribed`/`dropped`."
    )
    request: ApprovalRequest | None = strawberry.field(description="The request as you may see it now.")
    awaiting_me: bool = strawberry.field(description="True when the request now waits for your decision.")
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


async def concerns(context: LiveContext, record: approvals.ApprovalRequest) -> bool:
    actor = context.actor
    if record.requested_by_id == actor.user_id:
        return True
    session = await context.session()
    names_me = exists().where(
        approvals.ApprovalChainStep.tenant_id == record.tenant_id,
        approvals.ApprovalChainStep.chain_id == record.chain_id,
        names_actor(actor),
    )
    return bool(await session.scalar(select(names_me)))


async def is_awaiting(context: LiveContext, request_id: uuid.UUID) -> bool:
    session = await context.session()
    statement = select(exists().where(approvals.ApprovalRequest.id == request_id, awaiting_me(context.actor)))
    return bool(await session.scalar(statement))


@strawberry.type
class ApprovalSubscription:
    @strawberry.subscription(
        description=(
            "Changes to approval requests that concern you: requested by you, or naming you as an approver. "
            "First item: `subscribed`."
        )
    )
    async def my_approvals_changed(self, info: Info) -> AsyncGenerator[ApprovalChange, None]:
        async def subscribed(_context: LiveContext) -> ApprovalChange:
            return ApprovalChange(
                type=SUBSCRIBED, request_id=None, request=None, awaiting_me=False, dropped=False
            )

        async def deliver(context: LiveContext, event: Event) -> Delivery[ApprovalChange]:
            request_id = event.id("request")
            if request_id is None:
                return Delivery(None)
            record = await context.loader("requests_by_id", requests_by_id).load(request_id)
            if record is None or not await concerns(context, record):
                return Delivery(None)
            return Delivery(
                ApprovalChange(
                    type=event.type,
                    request_id=encode_id("ApprovalRequest", request_id),
                    request=ApprovalRequest.from_model(record),
                    awaiting_me=await is_awaiting(context, request_id),
                    dropped=False,
                )
            )

        def dropped() -> ApprovalChange:
            return ApprovalChange(
                type=DROPPED_TYPE, request_id=None, request=None, awaiting_me=False, dropped=True
            )

        async for change in live_stream(
            info,
            (approvals.APPROVAL_REQUEST,),
            lambda event: event.type in APPROVAL_EVENTS,
            deliver,
            subscribed,
            dropped,
            per_user=True,
        ):
            yield change
