"""GraphQL types of approval chains, requests and decisions."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.dataloader import DataLoader

from graph.approvals import models
from graph.approvals.chains import SUBJECTS
from graph.approvals.requests import request_scope
from graph.core.context import Info, RequestContext
from graph.core.ids import encode_id, nodes_in_order
from graph.core.nodes import resolve_by_ids
from graph.identity.types import Role, User, owner
from tenants.models import Membership
from tenants.models import Role as RoleRow
from tenants.permissions import Action


@strawberry.enum(description="ALL: every approver the step names must approve; ANY: one is enough.")
class ApprovalRule(Enum):
    ALL = "all"
    ANY = "any"


@strawberry.enum(description="Where an approval request stands.")
class ApprovalStatus(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@strawberry.enum(description="An approver's decision.")
class ApprovalDecisionKind(Enum):
    APPROVE = "approve"
    REJECT = "reject"


def steps_by_chain_id(context: RequestContext) -> DataLoader[uuid.UUID, list[models.ApprovalChainStep]]:
    async def load(ids: Sequence[uuid.UUID]) -> list[list[models.ApprovalChainStep]]:
        session = await context.session()
        steps: dict[uuid.UUID, list[models.ApprovalChainStep]] = defaultdict(list)
        for step in await session.scalars(
            select(models.ApprovalChainStep)
            .where(models.ApprovalChainStep.chain_id.in_(ids))
            .order_by(models.ApprovalChainStep.chain_id, models.ApprovalChainStep.position)
        ):
            steps[step.chain_id].append(step)
        return [steps.get(chain_id, []) for chain_id in ids]

    return DataLoader(load_fn=load)


def roles_by_id(context: RequestContext) -> DataLoader[uuid.UUID, RoleRow | None]:
    async def load(ids: Sequence[uuid.UUID]) -> list[RoleRow | None]:
        session = await context.session()
        rows = await session.scalars(
            select(RoleRow).where(RoleRow.tenant_id == context.actor.tenant_id, RoleRow.id.in_(ids))
        )
        found = {row.id: row for row in rows}
        return [found.get(role_id) for role_id in ids]

    return DataLoader(load_fn=load)


def chains_by_id(context: RequestContext) -> DataLoader[uuid.UUID, models.ApprovalChain | None]:
    async def load(ids: Sequence[uuid.UUID]) -> list[models.ApprovalChain | None]:
        session = await context.session()
        rows = await session.scalars(select(models.ApprovalChain).where(models.ApprovalChain.id.in_(ids)))
        found = {row.id: row for row in rows}
        return [found.get(chain_id) for chain_id in ids]

    return DataLoader(load_fn=load)


def decisions_by_request_id(context: RequestContext) -> DataLoader[uuid.UUID, list[models.ApprovalDecision]]:
    async def load(ids: Sequence[uuid.UUID]) -> list[list[models.ApprovalDecision]]:
        session = await context.session()
        decisions: dict[uuid.UUID, list[models.ApprovalDecision]] = defaultdict(list)
        for row in await session.scalars(
            select(models.ApprovalDecision)
            .where(models.ApprovalDecision.request_id.in_(ids))
            .order_by(models.ApprovalDecision.decided_at, models.ApprovalDecision.id)
        ):
            decisions[row.request_id].append(row)
        return [decisions.get(request_id, []) for request_id in ids]

    return DataLoader(load_fn=load)


def requests_by_id(context: RequestContext) -> DataLoader[uuid.UUID, models.ApprovalRequest | None]:
    async def load(ids: Sequence[uuid.UUID]) -> list[models.ApprovalRequest | None]:
        if not context.actor.permissions.can(models.APPROVAL_REQUEST, Action.READ):
            return [None] * len(ids)
        session = await context.session()
        rows = await session.scalars(
            select(models.ApprovalRequest).where(
                request_scope(context.actor), models.ApprovalRequest.id.in_(ids)
            )
        )
        found = {row.id: row for row in rows}
        return [found.get(request_id) for request_id in ids]

    return DataLoader(load_fn=load)


def awaiting_by_request_id(context: RequestContext) -> DataLoader[uuid.UUID, list[uuid.UUID]]:
    """Who may still decide each request's current step, in three statements for the whole batch."""

    async def load(ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
        session = await context.session()
        loader = context.loader("approval_requests_by_id", requests_by_id)
        requests = [row for row in await loader.load_many(ids) if row is not None and row.status == "pending"]
        if not requests:
            return [[] for _ in ids]
        steps = {
            (step.chain_id, step.position): step
            for step in await session.scalars(
                select(models.ApprovalChainStep).where(
                    models.ApprovalChainStep.chain_id.in_({request.chain_id for request in requests})
                )
            )
        }
        role_ids = {step.role_id for step in steps.values() if step.role_id is not None}
        user_ids = {user_id for step in steps.values() for user_id in step.user_ids}
        holders: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        active: set[uuid.UUID] = set()
        for role_id, user_id in await session.execute(
            select(Membership.role_id, Membership.user_id).where(
                Membership.tenant_id == context.actor.tenant_id,
                Membership.is_active.is_(True),
                Membership.role_id.in_(role_ids) | Membership.user_id.in_(user_ids),
            )
        ):
            holders[role_id].add(user_id)
            active.add(user_id)
        decided: dict[tuple[uuid.UUID, int], set[uuid.UUID]] = defaultdict(set)
        for request_id, position, approver_id in await session.execute(
            select(
                models.ApprovalDecision.request_id,
                models.ApprovalDecision.step_position,
                models.ApprovalDecision.approver_id,
            ).where(models.ApprovalDecision.request_id.in_([request.id for request in requests]))
        ):
            decided[(request_id, position)].add(approver_id)
        waiting: dict[uuid.UUID, list[uuid.UUID]] = {}
        for request in requests:
            step = steps[(request.chain_id, request.current_step)]
            named = (set(step.user_ids) & active) | (holders[step.role_id] if step.role_id else set())
            left = named - decided[(request.id, request.current_step)] - {request.requested_by_id}
            waiting[request.id] = sorted(left)
        return [waiting.get(request_id, []) for request_id in ids]

    return DataLoader(load_fn=load)


@strawberry.type(description="One step of a chain: who approves and whether all or any must.")
class ApprovalStep:
    position: int = strawberry.field(description="1-based order in the chain.")
    name: str = strawberry.field(description="E.g. 'Project office'.")
    rule: ApprovalRule = strawberry.field(description="ALL or ANY of the named approvers.")
    user_ids: strawberry.Private[list[uuid.UUID]]
    role_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Approvers named directly.")
    async def users(self, info: Info) -> list[User]:
        users = [await owner(info, user_id) for user_id in self.user_ids]
        return [user for user in users if user is not None]

    @strawberry.field(description="Members holding this role approve too.")
    async def role(self, info: Info) -> Role | None:
        if self.role_id is None:
            return None
        row = await info.context.loader("roles_by_id", roles_by_id).load(self.role_id)
        return Role.from_model(row) if row else None


@strawberry.type(description="A tenant's approval chain for one subject type (e.g. change_request).")
class ApprovalChain(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name.")
    subject_type: str = strawberry.field(description="What it approves, e.g. change_request.")
    is_active: bool = strawberry.field(description="Only the active chain receives new requests.")
    created_at: datetime = strawberry.field(description="When it was defined (UTC).")

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ApprovalChain | None]:
        """Chains of the tenant, for members who may read them (as `approvalChains`)."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, ApprovalChain]:
            if not actor.permissions.can(models.APPROVAL_CHAIN, Action.READ):
                return {}
            rows = await (await info.context.session()).scalars(
                select(models.ApprovalChain).where(models.ApprovalChain.id.in_(ids))
            )
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, chain: models.ApprovalChain) -> ApprovalChain:
        return cls(
            id=str(chain.id),
            name=chain.name,
            subject_type=chain.subject_type,
            is_active=chain.is_active,
            created_at=chain.created_at,
        )

    @strawberry.field(description="Steps in order.")
    async def steps(self, info: Info) -> list[ApprovalStep]:
        rows = await info.context.loader("steps_by_chain_id", steps_by_chain_id).load(uuid.UUID(self.id))
        return [
            ApprovalStep(
                position=row.position,
                name=row.name,
                rule=ApprovalRule(row.rule),
                user_ids=list(row.user_ids),
                role_id=row.role_id,
            )
            for row in rows
        ]


@strawberry.type(description="One recorded decision (never changed or deleted).")
class ApprovalDecision:
    step_position: int = strawberry.field(description="The step it was taken on.")
    decision: ApprovalDecisionKind = strawberry.field(description="APPROVE or REJECT.")
    comment: str | None = strawberry.field(description="Why, as given by the approver.")
    decided_at: datetime = strawberry.field(description="When (UTC).")
    approver_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who decided.")
    async def approver(self, info: Info) -> User | None:
        return await owner(info, self.approver_id)


@strawberry.type(description="A subject (e.g. a change request) walking an approval chain.")
class ApprovalRequest(relay.Node):
    id: relay.NodeID[str]
    subject_type: str = strawberry.field(description="E.g. change_request.")
    subject_id: strawberry.ID = strawberry.field(
        description="Global id of the subject (e.g. a ChangeRequest)."
    )
    title: str = strawberry.field(description="What is asked for (the subject's title).")
    status: ApprovalStatus = strawberry.field(
        description="PENDING until the last step passes (APPROVED) or anyone rejects (REJECTED)."
    )
    current_step: int = strawberry.field(description="The step awaiting decisions (while PENDING).")
    created_at: datetime = strawberry.field(description="When it was submitted (UTC).")
    decided_at: datetime | None = strawberry.field(description="When it was approved or rejected.")
    chain_id: strawberry.Private[uuid.UUID]
    requested_by_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, request: models.ApprovalRequest) -> ApprovalRequest:
        subject = SUBJECTS.get(request.subject_type)
        node_type = subject.node_type if subject else request.subject_type
        return cls(
            id=str(request.id),
            subject_type=request.subject_type,
            subject_id=strawberry.ID(str(encode_id(node_type, request.subject_id))),
            title=request.title,
            status=ApprovalStatus(request.status),
            current_step=request.current_step,
            created_at=request.created_at,
            decided_at=request.decided_at,
            chain_id=request.chain_id,
            requested_by_id=request.requested_by_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ApprovalRequest | None]:
        return await resolve_by_ids(info, "approval_requests_by_id", requests_by_id, node_ids, cls.from_model)

    @strawberry.field(description="Who asked.")
    async def requested_by(self, info: Info) -> User | None:
        return await owner(info, self.requested_by_id)

    @strawberry.field(description="The chain it walks.")
    async def chain(self, info: Info) -> ApprovalChain | None:
        row = await info.context.loader("approval_chains_by_id", chains_by_id).load(self.chain_id)
        return ApprovalChain.from_model(row) if row else None

    @strawberry.field(description="Every decision so far, oldest first.")
    async def decisions(self, info: Info) -> list[ApprovalDecision]:
        rows = await info.context.loader("approval_decisions_by_request_id", decisions_by_request_id).load(
            uuid.UUID(self.id)
        )
        return [
            ApprovalDecision(
                step_position=row.step_position,
                decision=ApprovalDecisionKind(row.decision),
                comment=row.comment,
                decided_at=row.decided_at,
                approver_id=row.approver_id,
            )
            for row in rows
        ]

    @strawberry.field(description="Who may still decide the current step (empty once decided).")
    async def awaiting(self, info: Info) -> list[User]:
        loader = info.context.loader("awaiting_by_request_id", awaiting_by_request_id)
        users = [await owner(info, user_id) for user_id in await loader.load(uuid.UUID(self.id))]
        return [user for user in users if user is not None]


async def approval_of(info: Info, request_id: uuid.UUID | None) -> ApprovalRequest | None:
    """The approval request a subject (a change request, a purchase) points at, if the reader may see it."""
    if request_id is None:
        return None
    row = await info.context.loader("approval_requests_by_id", requests_by_id).load(request_id)
    return ApprovalRequest.from_model(row) if row else None
