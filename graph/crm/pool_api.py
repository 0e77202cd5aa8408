"""Public pool queries and mutations. Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import func
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, paginate
from graph.crm import pool
from graph.crm import pool_reclaim as pool_reclaim  # registers the `pool.reclaim` job
from graph.crm.inputs import AccountPayload, given_values
from graph.crm.models import ACCOUNT
from graph.crm.models import Account as AccountRow
from graph.crm.pool_models import AccountPoolEvent
from graph.crm.pool_types import (
    PoolEvent,
    PoolSettings,
    PoolSettingsPayload,
    PublicPoolFilter,
    UpdatePoolSettingsInput,
    public_pool_conditions,
)
from graph.crm.types import Account
from tenants.permissions import Action

AccountId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of an Account.")]


@strawberry.type
class PoolQuery:
    @strawberry.field(description="Accounts without an owner, by name; visible to all who may read accounts.")
    async def public_pool(
        self,
        info: Info,
        filter: Annotated[PublicPoolFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Account]:
        statement = pool.public_pool(info.context.actor).where(*public_pool_conditions(filter))
        ordering = (func.lower(AccountRow.name), AccountRow.id)
        session = await info.context.session()
        return await paginate(
            session, statement.order_by(*ordering), Account.from_model, first, after, before, last
        )

    @strawberry.field(
        description="An account's pool history, newest first (claims, releases, reclaims, warnings)."
    )
    async def pool_history(
        self,
        info: Info,
        account_id: AccountId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PoolEvent]:
        statement = pool.pool_history(info.context.actor, decode_id(account_id, "Account", "accountId"))
        ordering = (AccountPoolEvent.occurred_at.desc(), AccountPoolEvent.id.desc())
        session = await info.context.session()
        return await paginate(
            session, statement.order_by(*ordering), PoolEvent.from_model, first, after, before, last
        )

    @strawberry.field(description="The tenant's public pool rules (defaults until changed: reclaim off).")
    async def pool_settings(self, info: Info) -> PoolSettings:
        actor = info.context.actor
        actor.require(ACCOUNT, Action.READ)
        return PoolSettings.from_model(
            await pool.pool_settings(await info.context.session(), actor.tenant_id)
        )


@strawberry.type
class PoolMutation:
    @strawberry.mutation(description="Take an account from the public pool (LIMIT_REACHED at your cap).")
    @mutation_payload(AccountPayload)
    async def claim_account(self, info: Info, id: AccountId) -> AccountPayload:
        session, actor = await info.context.session(), info.context.actor
        account = await pool.claim_account(session, actor, decode_id(id, "Account"))
        return AccountPayload(account=Account.from_model(account))

    @strawberry.mutation(description="Give an account you own back to the public pool, saying why.")
    @mutation_payload(AccountPayload)
    async def release_account(
        self,
        info: Info,
        id: AccountId,
        reason: Annotated[
            str, strawberry.argument(description="Why (1-500 characters); kept in the history.")
        ],
    ) -> AccountPayload:
        session, actor = await info.context.session(), info.context.actor
        account = await pool.release_account(session, actor, decode_id(id, "Account"), reason)
        return AccountPayload(account=Account.from_model(account))

    @strawberry.mutation(description="Change the public pool rules (needs the manage_settings capability).")
    @mutation_payload(PoolSettingsPayload)
    async def update_pool_settings(
        self,
        info: Info,
        version: Annotated[int, strawberry.argument(description="The `version` you last read.")],
        input: Annotated[UpdatePoolSettingsInput, strawberry.argument(description="The values.")],
    ) -> PoolSettingsPayload:
        session, actor = await info.context.session(), info.context.actor
        settings = await pool.update_pool_settings(session, actor, version, given_values(input))
        return PoolSettingsPayload(settings=PoolSettings.from_model(settings))
