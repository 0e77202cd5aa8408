"""GraphQL types of the API contract: persisted operations and the tenant's API settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from graph.api_contract import models, service
from graph.core.context import Info
from graph.core.errors import UserError, payload_errors


@strawberry.type(description="A GraphQL document the tenant allows by the SHA-256 of its exact text.")
class PersistedOperation(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="A label to recognise the document by.")
    sha256_hash: str = strawberry.field(
        description="Lowercase hex SHA-256 of `query`: send it as `extensions.persistedQuery.sha256Hash`."
    )
    query: str = strawberry.field(description="The document, exactly as registered.")
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def from_model(cls, operation: models.PersistedOperation) -> PersistedOperation:
        return cls(
            id=str(operation.id),
            name=operation.name,
            sha256_hash=operation.operation_hash.hex(),
            query=operation.query_text,
            created_at=operation.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PersistedOperation | None]:
        wanted = [uuid.UUID(node_id) for node_id in node_ids]
        found = {
            operation.id: cls.from_model(operation)
            for operation in await service.list_persisted_operations(
                await info.context.session(), info.context.actor
            )
            if operation.id in wanted
        }
        return [found.get(key) for key in wanted]


@strawberry.type(description="Rate-limit buckets in force for the tenant (points; see README 'Rate limits').")
class RateLimits:
    tenant_burst: int = strawberry.field(description="Most points the whole tenant may spend at once.")
    tenant_per_minute: int = strawberry.field(description="Points per minute the tenant's bucket refills.")
    user_burst: int = strawberry.field(description="Most points one member may spend at once.")
    user_per_minute: int = strawberry.field(description="Points per minute a member's bucket refills.")
    key_burst: int = strawberry.field(description="Most points one API key may spend at once.")
    key_per_minute: int = strawberry.field(description="Points per minute a key's bucket refills.")


@strawberry.type(description="How the tenant's API is exposed to its integrations.")
class ApiSettings:
    persisted_operations_only: bool = strawberry.field(
        description="Whether every request must be a registered persisted operation."
    )
    rate_limits: RateLimits = strawberry.field(
        description="The buckets in force: the platform's values for this tenant, else the server's."
    )


@strawberry.input(description="A document to allow by its hash.")
class RegisterPersistedOperationInput:
    name: str = strawberry.field(description="A label (1-100 characters).")
    query: str = strawberry.field(
        description="The GraphQL document, exactly as clients will send it (its SHA-256 is its identity;"
        " at most 100,000 characters)."
    )


@strawberry.type(description="Result of registerPersistedOperation.")
class RegisterPersistedOperationPayload:
    persisted_operation: PersistedOperation | None = strawberry.field(
        default=None, description="The registered document."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of deletePersistedOperation.")
class DeletePersistedOperationPayload:
    persisted_operation: PersistedOperation | None = strawberry.field(
        default=None, description="The document that is no longer allowed."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of setPersistedOperationsOnly.")
class SetPersistedOperationsOnlyPayload:
    api_settings: ApiSettings | None = strawberry.field(default=None, description="The settings now.")
    errors: list[UserError] = payload_errors()
