"""GraphQL types and inputs of the public customer pool."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum

import strawberry
from sqlalchemy import ColumnElement, or_
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError
from graph.core.filters import search_text
from graph.core.ids import nodes_in_order
from graph.crm.models import Account as AccountRow
from graph.crm.pool import pool_events
from graph.crm.pool_models import POOL_EVENT_KINDS, AccountPoolEvent, AccountPoolSettings
from graph.identity.types import User, owner


@strawberry.enum(description="What happened to an account in the pool.")
class PoolEventKind(Enum):
    CLAIMED = "claimed"
    RELEASED = "released"
    RECLAIMED = "reclaimed"
    WARNED = "warned"


assert {kind.value for kind in PoolEventKind} == set(POOL_EVENT_KINDS)


@strawberry.type(description="One entry of an account's pool history.")
class PoolEvent(relay.Node):
    id: relay.NodeID[str]
    kind: PoolEventKind = strawberry.field(description="Claimed, released, reclaimed, or a grace warning.")
    reason: str | None = strawberry.field(
        description="Why: the release reason, or the reclaim rule that applied."
    )
    deadline: datetime | None = strawberry.field(description="For warnings: when it returns to the pool.")
    occurred_at: datetime = strawberry.field(description="When (the job's clock for reclaims and warnings).")
    owner_id: strawberry.Private[uuid.UUID | None]
    actor_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PoolEvent | None]:
        """An entry of the pool history of an account whose history you may read (as `poolHistory`)."""

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, PoolEvent]:
            statement = pool_events(info.context.actor).where(AccountPoolEvent.id.in_(ids))
            rows = await (await info.context.session()).scalars(statement)
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, event: AccountPoolEvent) -> PoolEvent:
        return cls(
            id=str(event.id),
            kind=PoolEventKind(event.kind),
            reason=event.reason,
            deadline=event.deadline,
            occurred_at=event.occurred_at,
            owner_id=event.owner_id,
            actor_id=event.actor_id,
        )

    @strawberry.field(description="The member concerned: who claimed, the former owner, or the owner warned.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id) if self.owner_id else None

    @strawberry.field(description="Who did it; null when the reclaim job did.")
    async def actor(self, info: Info) -> User | None:
        return await owner(info, self.actor_id) if self.actor_id else None


@strawberry.type(description="Per-tenant rules of the public pool.")
class PoolSettings:
    max_accounts_per_rep: int | None = strawberry.field(
        description="Accounts one member may own; null: no cap."
    )
    reclaim_inactive_days: int | None = strawberry.field(
        description="Owned accounts without activity for this many days return to the pool; null: off."
    )
    reclaim_no_opportunity_days: int | None = strawberry.field(
        description="Owned accounts without an open opportunity for this many days return; null: off."
    )
    warning_days: int = strawberry.field(description="The owner is warned this many days before a reclaim.")
    keep_open_opportunities: bool = strawberry.field(
        description="Accounts with an open opportunity are never reclaimed (default true)."
    )
    keep_won_days: int | None = strawberry.field(
        description="Accounts with an opportunity won within this many days are never reclaimed (default "
        "90); null: off."
    )
    keep_active_contracts: bool = strawberry.field(
        description="Accounts with a draft or active contract are never reclaimed (default true)."
    )
    keep_unpaid_receivables: bool = strawberry.field(
        description="Accounts with a signed contract not fully paid are never reclaimed (default true)."
    )
    version: int = strawberry.field(description="Pass to updatePoolSettings.")

    @classmethod
    def from_model(cls, row: AccountPoolSettings) -> PoolSettings:
        return cls(
            max_accounts_per_rep=row.max_accounts_per_rep,
            reclaim_inactive_days=row.reclaim_inactive_days,
            reclaim_no_opportunity_days=row.reclaim_no_opportunity_days,
            warning_days=row.warning_days,
            keep_open_opportunities=row.keep_open_opportunities,
            keep_won_days=row.keep_won_days,
            keep_active_contracts=row.keep_active_contracts,
            keep_unpaid_receivables=row.keep_unpaid_receivables,
            version=row.version,
        )


@strawberry.input(description="Pool rules; fields you leave out stay as they are.")
class UpdatePoolSettingsInput:
    max_accounts_per_rep: int | None = strawberry.field(
        default=UNSET, description="0-1000000, or null: no cap."
    )
    reclaim_inactive_days: int | None = strawberry.field(default=UNSET, description="1-3650, or null: off.")
    reclaim_no_opportunity_days: int | None = strawberry.field(
        default=UNSET, description="1-3650, or null: off."
    )
    warning_days: int | None = strawberry.field(default=UNSET, description="0-3650 (0: no warning).")
    keep_open_opportunities: bool | None = strawberry.field(
        default=UNSET, description="Keep accounts with an open opportunity from every reclaim rule."
    )
    keep_won_days: int | None = strawberry.field(
        default=UNSET, description="Keep accounts with a deal won within 1-3650 days; null: off."
    )
    keep_active_contracts: bool | None = strawberry.field(
        default=UNSET, description="Keep accounts with a draft or active contract."
    )
    keep_unpaid_receivables: bool | None = strawberry.field(
        default=UNSET, description="Keep accounts whose signed contracts are not fully paid."
    )


@strawberry.input(description="Public pool filters; all given conditions must hold.")
class PublicPoolFilter:
    search: str | None = strawberry.field(default=None, description="Case-insensitive substring of the name.")
    industry: str | None = strawberry.field(default=None, description="Exactly this industry.")
    region: str | None = strawberry.field(default=None, description="Exactly this region (case-insensitive).")
    country: str | None = strawberry.field(
        default=None, description="Exactly this country (case-insensitive)."
    )


def public_pool_conditions(given: PublicPoolFilter | None) -> list[ColumnElement[bool]]:
    given = given or PublicPoolFilter()
    clauses: list[ColumnElement[bool]] = []
    if given.search and given.search.strip():
        pattern = search_text(given.search)
        clauses.append(or_(AccountRow.name.ilike(pattern), AccountRow.domain.ilike(pattern)))
    if given.industry:
        clauses.append(AccountRow.industry == given.industry.strip())
    if given.region:
        clauses.append(AccountRow.region.ilike(given.region.strip().replace("%", r"\%").replace("_", r"\_")))
    if given.country:
        clauses.append(
            AccountRow.country.ilike(given.country.strip().replace("%", r"\%").replace("_", r"\_"))
        )
    return clauses


@strawberry.type(description="Result of updatePoolSettings.")
class PoolSettingsPayload:
    settings: PoolSettings | None = strawberry.field(
        default=None, description="The settings after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )
