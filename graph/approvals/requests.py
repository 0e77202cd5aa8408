"""Approval requests and decisions: a subject walks its chain step by step.

A step passes when any one of its approvers approves (rule `any`), or when every approver it names
has approved (rule `all`: the listed users plus the active members holding its role when the decision
is taken). One rejection rejects the whole request. Approvers need the approve_changes capability and
never decide on their own requests. Decisions are append-only; the subject's area hears each one in
the same transaction (so an approved change can be applied atomically with its approval).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.chains import active_chain, approval_subject, chain_steps
from graph.approvals.models import (
    APPROVAL_REQUEST,
    DECISIONS,
    ApprovalChainStep,
    ApprovalDecision,
    ApprovalRequest,
)
from graph.live.events import announce
from graph.notifications.notify import notify
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Membership
from tenants.permissions import Action, Actor, Capability, record_scope_clause
from tenants.validation import optional_text


def actor_role_id(actor: Actor) -> ColumnElement[uuid.UUID]:
    return (
        select(Membership.role_id)
        .where(Membership.tenant_id == actor.tenant_id, Membership.user_id == actor.user_id)
        .scalar_subquery()
    )


def names_actor(actor: Actor) -> ColumnElement[bool]:
    """A predicate on ApprovalChainStep: the step names the actor, directly or through their role."""
    return or_(
        ApprovalChainStep.user_ids.contains([actor.user_id]),
        ApprovalChainStep.role_id == actor_role_id(actor),
    )


def request_scope(actor: Actor) -> ColumnElement[bool]:
    """Requests the actor may read: within their role's scope (as requester), or naming them as an
    approver in any step of the chain."""
    approver = exists().where(
        ApprovalChainStep.tenant_id == ApprovalRequest.tenant_id,
        ApprovalChainStep.chain_id == ApprovalRequest.chain_id,
        names_actor(actor),
    )
    owned = record_scope_clause(actor, APPROVAL_REQUEST, ApprovalRequest.requested_by_id)
    return (ApprovalRequest.tenant_id == actor.tenant_id) & (owned | approver)


async def start_approval(
    session: AsyncSession,
    actor: Actor,
    subject_type: str,
    subject_id: uuid.UUID,
    title: str,
) -> ApprovalRequest:
    """Opens a request on the tenant's active chain for the subject type (INVALID when there is none)."""
    subject = approval_subject(subject_type)
    chain = await active_chain(session, subject.key)
    if chain is None:
        raise DomainError(
            ErrorCode.INVALID,
            f"No approval chain is defined for {subject.label.lower()}; an admin defines one with "
            "defineApprovalChain.",
        )
    request = ApprovalRequest(
        tenant_id=actor.tenant_id,
        chain_id=chain.id,
        subject_type=subject.key,
        subject_id=subject_id,
        title=title[:300],
        requested_by_id=actor.user_id,
    )
    session.add(request)
    await session.flush()
    await audit.record(
        session,
        actor,
        "approval_request.create",
        APPROVAL_REQUEST,
        request.id,
        {"subject_type": subject.key, "subject_id": str(subject_id), "chain_id": str(chain.id)},
    )
    await announce(session, actor.tenant_id, "approval.requested", request=request.id)
    await tell_approvers(session, request)
    return request


async def tell_approvers(session: AsyncSession, request: ApprovalRequest) -> None:
    """Notify the current step's approvers that the request waits for them (once per step)."""
    step = await session.get(ApprovalChainStep, (request.tenant_id, request.chain_id, request.current_step))
    assert step is not None
    approvers = await step_approvers(session, step) - {request.requested_by_id}
    await notify(
        session,
        request.tenant_id,
        approvers,
        "approval.waiting",
        f"Waiting for your approval: {request.title}",
        f"Step: {step.name}.",
        "/approvals",
        key=f"approval.waiting:{request.id}:{request.current_step}",
    )


async def step_approvers(session: AsyncSession, step: ApprovalChainStep) -> set[uuid.UUID]:
    """Everyone the step names right now: its users and the members holding its role, active ones only
    (a deactivated member neither decides nor holds up an ALL step)."""
    named = Membership.user_id.in_(step.user_ids)
    if step.role_id is not None:
        named = named | (Membership.role_id == step.role_id)
    return set(
        await session.scalars(
            select(Membership.user_id).where(
                Membership.tenant_id == step.tenant_id, Membership.is_active.is_(True), named
            )
        )
    )


async def approvals_at_step(session: AsyncSession, request: ApprovalRequest, position: int) -> set[uuid.UUID]:
    return set(
        await session.scalars(
            select(ApprovalDecision.approver_id).where(
                ApprovalDecision.request_id == request.id,
                ApprovalDecision.step_position == position,
                ApprovalDecision.decision == "approve",
            )
        )
    )


async def get_request(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    field: str = "requestId",
    *,
    lock: bool = False,
) -> ApprovalRequest:
    actor.require(APPROVAL_REQUEST, Action.READ)
    statement = select(ApprovalRequest).where(request_scope(actor), ApprovalRequest.id == request_id)
    request = await session.scalar(statement.with_for_update(of=ApprovalRequest) if lock else statement)
    if request is None:
        raise not_found("approval request", field)
    return request


async def decide(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    decision: str,
    comment: str | None,
) -> ApprovalRequest:
    """Records the actor's decision on the current step and moves the request on."""
    actor.require_capability(Capability.APPROVE_CHANGES)
    if decision not in DECISIONS:
        raise DomainError(ErrorCode.INVALID, "Decide APPROVE or REJECT.", "decision")
    comment = optional_text(comment, "comment", 2_000)
    # The row lock serialises decisions on one request, so two last approvals cannot both advance it.
    request = await get_request(session, actor, request_id, lock=True)
    if request.status != "pending":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"This request is already {request.status}.", "requestId"
        )
    if request.requested_by_id == actor.user_id:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "You cannot decide on your own request.")
    step = await session.get(ApprovalChainStep, (request.tenant_id, request.chain_id, request.current_step))
    assert step is not None
    approvers = await step_approvers(session, step)
    if actor.user_id not in approvers:
        raise DomainError(ErrorCode.PERMISSION_DENIED, f"You are not an approver of the step '{step.name}'.")
    already = await session.scalar(
        select(ApprovalDecision.id).where(
            ApprovalDecision.request_id == request.id,
            ApprovalDecision.step_position == step.position,
            ApprovalDecision.approver_id == actor.user_id,
        )
    )
    if already is not None:
        raise DomainError(ErrorCode.DUPLICATE, "You already decided on this step.", "requestId")
    session.add(
        ApprovalDecision(
            tenant_id=actor.tenant_id,
            request_id=request.id,
            step_position=step.position,
            approver_id=actor.user_id,
            decision=decision,
            comment=comment,
        )
    )
    await session.flush()
    before = {"status": request.status, "current_step": request.current_step}
    await advance(session, request, step, approvers, decision)
    await session.flush()
    await audit.record(
        session,
        actor,
        f"approval_request.{decision}",
        APPROVAL_REQUEST,
        request.id,
        {
            **audit.diff(before, {"status": request.status, "current_step": request.current_step}),
            "step": step.position,
            "comment": comment,
        },
    )
    await approval_subject(request.subject_type).on_decision(session, actor, request, comment)
    if request.status == "pending" and request.current_step != before["current_step"]:
        await tell_approvers(session, request)
    await announce(session, actor.tenant_id, "approval.decided", request=request.id)
    return request


async def advance(
    session: AsyncSession,
    request: ApprovalRequest,
    step: ApprovalChainStep,
    approvers: set[uuid.UUID],
    decision: str,
) -> None:
    now = datetime.now(UTC)
    if decision == "reject":
        request.status, request.decided_at = "rejected", now
        return
    approved = await approvals_at_step(session, request, step.position)
    required = approvers - {request.requested_by_id}
    if step.rule == "all" and not required <= approved:
        return
    steps = await chain_steps(session, request.chain_id)
    if step.position >= steps[-1].position:
        request.status, request.decided_at = "approved", now
    else:
        request.current_step = step.position + 1


def awaiting_me(actor: Actor) -> ColumnElement[bool]:
    """Pending requests whose current step names the actor, not yet decided by them, not their own."""
    current_step_names_me = exists().where(
        ApprovalChainStep.tenant_id == ApprovalRequest.tenant_id,
        ApprovalChainStep.chain_id == ApprovalRequest.chain_id,
        ApprovalChainStep.position == ApprovalRequest.current_step,
        names_actor(actor),
    )
    decided = exists().where(
        ApprovalDecision.tenant_id == ApprovalRequest.tenant_id,
        ApprovalDecision.request_id == ApprovalRequest.id,
        ApprovalDecision.step_position == ApprovalRequest.current_step,
        ApprovalDecision.approver_id == actor.user_id,
    )
    return and_(
        ApprovalRequest.status == "pending",
        ApprovalRequest.requested_by_id != actor.user_id,
        current_step_names_me,
        ~decided,
    )


def my_approvals(actor: Actor, requested_by_me: bool) -> Select[tuple[ApprovalRequest]]:
    """Requests awaiting the actor's decision, or (when `requested_by_me`) the actor's pending ones."""
    actor.require(APPROVAL_REQUEST, Action.READ)
    statement = select(ApprovalRequest).where(ApprovalRequest.tenant_id == actor.tenant_id)
    if requested_by_me:
        statement = statement.where(
            ApprovalRequest.requested_by_id == actor.user_id, ApprovalRequest.status == "pending"
        )
    else:
        statement = statement.where(awaiting_me(actor))
    return statement.order_by(ApprovalRequest.created_at, ApprovalRequest.id)
