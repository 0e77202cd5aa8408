"""Approval chain definitions and the registry of what can be approved.

An area registers each kind of subject it sends through approvals (`change_request` today; quote
discounts and expense claims later) with a callback that hears every decision, in the deciding
transaction. Tenants define one active chain per subject type: ordered steps, each naming users and/or
a role, passed when all (or any) of them approve. A new definition replaces the active chain; requests
already under way finish on the chain they started with (chains are never edited in place).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.models import APPROVAL_CHAIN, RULES, ApprovalChain, ApprovalChainStep, ApprovalRequest
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.models import Membership, Role
from tenants.permissions import Action, Actor, Capability
from tenants.validation import required_text

MAX_STEPS = 10
MAX_STEP_USERS = 50

# Called after every decision with the request in its new state (status pending, approved or rejected)
# and the decision's comment.
DecisionHook = Callable[[AsyncSession, Actor, ApprovalRequest, str | None], Awaitable[None]]


@dataclass(frozen=True)
class ApprovalSubject:
    key: str
    label: str
    node_type: str  # GraphQL type name of the subject, for its global id
    on_decision: DecisionHook


SUBJECTS: dict[str, ApprovalSubject] = {}


def register_approval_subject(
    key: str, label: str, node_type: str, on_decision: DecisionHook
) -> ApprovalSubject:
    """Areas declare what they send through approvals at import time."""
    subject = ApprovalSubject(key, label, node_type, on_decision)
    SUBJECTS[key] = subject
    return subject


def approval_subject(key: str, field: str = "subjectType") -> ApprovalSubject:
    if key not in SUBJECTS:
        known = ", ".join(sorted(SUBJECTS)) or "none"
        raise DomainError(ErrorCode.INVALID, f"Unknown approval subject '{key}'; known: {known}.", field)
    return SUBJECTS[key]


async def clean_step(
    session: AsyncSession, actor: Actor, index: int, step: Mapping[str, Any]
) -> dict[str, Any]:
    prefix = f"steps.{index}"
    errors: list[DomainError] = []
    cleaned: dict[str, Any] = {"position": index + 1}
    try:
        cleaned["name"] = required_text(step.get("name"), f"{prefix}.name", 200)
    except DomainError as error:
        errors.append(error)
    if step.get("rule") not in RULES:
        errors.append(DomainError(ErrorCode.INVALID, "Use ALL or ANY.", f"{prefix}.rule"))
    cleaned["rule"] = step.get("rule")
    user_ids = list(dict.fromkeys(step.get("user_ids") or []))
    if len(user_ids) > MAX_STEP_USERS:
        errors.append(DomainError(ErrorCode.INVALID, f"At most {MAX_STEP_USERS} users.", f"{prefix}.userIds"))
    found = set(
        await session.scalars(
            select(Membership.user_id).where(
                Membership.tenant_id == actor.tenant_id,
                Membership.user_id.in_(user_ids),
                Membership.is_active.is_(True),
            )
        )
    )
    if len(found) != len(user_ids):
        errors.append(DomainError(ErrorCode.NOT_FOUND, "No active member with this id.", f"{prefix}.userIds"))
    cleaned["user_ids"] = user_ids
    cleaned["role_id"] = None
    if step.get("role_key"):
        role_id = await session.scalar(
            select(Role.id).where(Role.tenant_id == actor.tenant_id, Role.key == step["role_key"])
        )
        if role_id is None:
            errors.append(DomainError(ErrorCode.NOT_FOUND, "No role with this key.", f"{prefix}.roleKey"))
        cleaned["role_id"] = role_id
    elif not user_ids:
        errors.append(DomainError(ErrorCode.REQUIRED, "Name users, a role, or both.", f"{prefix}.userIds"))
    if errors:
        raise ValidationErrors(errors)
    return cleaned


async def define_approval_chain(
    session: AsyncSession, actor: Actor, name: str, subject_type: str, steps: Sequence[Mapping[str, Any]]
) -> ApprovalChain:
    """Creates the tenant's active chain for `subject_type`, replacing the previous one."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    actor.require(APPROVAL_CHAIN, Action.CREATE)
    errors: list[DomainError] = []
    cleaned_name = subject = None
    try:
        cleaned_name = required_text(name, "name", 200)
    except DomainError as error:
        errors.append(error)
    try:
        subject = approval_subject(subject_type)
    except DomainError as error:
        errors.append(error)
    if not 1 <= len(steps) <= MAX_STEPS:
        errors.append(DomainError(ErrorCode.INVALID, f"A chain has 1 to {MAX_STEPS} steps.", "steps"))
    cleaned_steps = []
    for index, step in enumerate(steps[:MAX_STEPS]):
        try:
            cleaned_steps.append(await clean_step(session, actor, index, step))
        except ValidationErrors as error:
            errors.extend(error.errors)
    if errors:
        raise ValidationErrors(errors)
    assert subject is not None and cleaned_name is not None
    await session.execute(
        update(ApprovalChain)
        .where(ApprovalChain.subject_type == subject.key, ApprovalChain.is_active.is_(True))
        .values(is_active=False, version=ApprovalChain.version + 1)
        .execution_options(synchronize_session=False)
    )
    chain = ApprovalChain(
        tenant_id=actor.tenant_id, name=cleaned_name, subject_type=subject.key, created_by_id=actor.user_id
    )
    session.add(chain)
    await session.flush()
    for step in cleaned_steps:
        session.add(ApprovalChainStep(tenant_id=actor.tenant_id, chain_id=chain.id, **step))
    await session.flush()
    await audit.record(
        session,
        actor,
        "approval_chain.define",
        APPROVAL_CHAIN,
        chain.id,
        {
            "name": cleaned_name,
            "subject_type": subject.key,
            "steps": [
                {
                    "name": step["name"],
                    "rule": step["rule"],
                    "user_ids": [str(user_id) for user_id in step["user_ids"]],
                    "role_id": str(step["role_id"]) if step["role_id"] else None,
                }
                for step in cleaned_steps
            ],
        },
    )
    return chain


async def active_chain(session: AsyncSession, subject_type: str) -> ApprovalChain | None:
    return await session.scalar(
        select(ApprovalChain).where(
            ApprovalChain.subject_type == subject_type, ApprovalChain.is_active.is_(True)
        )
    )


async def chain_steps(session: AsyncSession, chain_id: uuid.UUID) -> list[ApprovalChainStep]:
    return list(
        await session.scalars(
            select(ApprovalChainStep)
            .where(ApprovalChainStep.chain_id == chain_id)
            .order_by(ApprovalChainStep.position)
        )
    )


async def list_chains(session: AsyncSession, actor: Actor, subject_type: str | None) -> list[ApprovalChain]:
    actor.require(APPROVAL_CHAIN, Action.READ)
    statement = select(ApprovalChain).order_by(ApprovalChain.subject_type, ApprovalChain.created_at.desc())
    if subject_type:
        statement = statement.where(ApprovalChain.subject_type == subject_type)
    return list(await session.scalars(statement))
