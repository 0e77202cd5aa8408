"""Query and mutation fields of the API contract (persisted operations, API settings)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from graph.api_contract import service
from graph.api_contract.models import TenantApiSettings
from graph.api_contract.types import (
    ApiSettings,
    DeletePersistedOperationPayload,
    PersistedOperation,
    RateLimits,
    RegisterPersistedOperationInput,
    RegisterPersistedOperationPayload,
    SetPersistedOperationsOnlyPayload,
)
from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, connection_of


def api_settings_of(info: Info, row: TenantApiSettings) -> ApiSettings:
    settings = info.context.services.settings
    return ApiSettings(
        persisted_operations_only=row.persisted_operations_only,
        rate_limits=RateLimits(
            tenant_burst=row.tenant_burst or settings.rate_limit_tenant_burst,
            tenant_per_minute=row.tenant_per_minute or settings.rate_limit_tenant_per_minute,
            user_burst=row.user_burst or settings.rate_limit_user_burst,
            user_per_minute=row.user_per_minute or settings.rate_limit_user_per_minute,
            key_burst=row.key_burst or settings.rate_limit_key_burst,
            key_per_minute=row.key_per_minute or settings.rate_limit_key_per_minute,
        ),
    )


@strawberry.type
class ApiContractQuery:
    @strawberry.field(description="The tenant's persisted operations, newest first (needs manage_settings).")
    async def persisted_operations(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[PersistedOperation]:
        found = await service.list_persisted_operations(await info.context.session(), info.context.actor)
        nodes = [PersistedOperation.from_model(operation) for operation in found]
        return connection_of(nodes, lambda node: node.id, first, after, last, before)

    @strawberry.field(
        description="How the tenant's API is exposed: persisted-only rule, rate limits"
        " (needs manage_settings)."
    )
    async def api_settings(self, info: Info) -> ApiSettings:
        row = await service.api_settings(await info.context.session(), info.context.actor)
        return api_settings_of(info, row)


@strawberry.type
class ApiContractMutation:
    @strawberry.mutation(
        description="Allow a GraphQL document by its SHA-256 (needs manage_settings); DUPLICATE when it is"
        " registered already, INVALID when it does not parse."
    )
    @mutation_payload(RegisterPersistedOperationPayload)
    async def register_persisted_operation(
        self,
        info: Info,
        input: Annotated[RegisterPersistedOperationInput, strawberry.argument(description="The document.")],
    ) -> RegisterPersistedOperationPayload:
        operation = await service.register_persisted_operation(
            await info.context.session(), info.context.actor, input.name, input.query
        )
        return RegisterPersistedOperationPayload(persisted_operation=PersistedOperation.from_model(operation))

    @strawberry.mutation(description="Stop allowing a persisted operation (needs manage_settings).")
    @mutation_payload(DeletePersistedOperationPayload)
    async def delete_persisted_operation(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A PersistedOperation's `id`.")],
    ) -> DeletePersistedOperationPayload:
        operation = await service.delete_persisted_operation(
            await info.context.session(), info.context.actor, decode_id(id, "PersistedOperation")
        )
        return DeletePersistedOperationPayload(persisted_operation=PersistedOperation.from_model(operation))

    @strawberry.mutation(
        description="Accept only persisted operations in this tenant, or any document again (needs"
        " manage_settings). Turning it on is WOULD_LOCK_YOU_OUT until a registered document contains"
        " this mutation."
    )
    @mutation_payload(SetPersistedOperationsOnlyPayload)
    async def set_persisted_operations_only(
        self,
        info: Info,
        enabled: Annotated[bool, strawberry.argument(description="true: persisted operations only.")],
    ) -> SetPersistedOperationsOnlyPayload:
        row = await service.set_persisted_operations_only(
            await info.context.session(), info.context.actor, enabled
        )
        return SetPersistedOperationsOnlyPayload(api_settings=api_settings_of(info, row))
