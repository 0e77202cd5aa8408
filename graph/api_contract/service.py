"""Persisted operations and the tenant's API settings: rules for tenant admins (`manage_settings`).

A persisted operation is a document the tenant allows by the SHA-256 of its exact text (the hash Apollo
clients send as `extensions.persistedQuery.sha256Hash`). With `persisted_operations_only` the tenant's
requests must be registered documents (gateway: `crm_take_tokens` checks it in the statement that
charges the request). Turning that on is refused while no registered document can turn it off again,
so an admin cannot lock the tenant out of its own setting.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from graph.api_contract.models import PersistedOperation, TenantApiSettings
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Actor, Capability
from tenants.validation import required_text

MAX_DOCUMENT_LENGTH = 100_000
# The mutation that turns the rule off: a tenant keeps a registered document containing it.
SWITCH_FIELD = "setPersistedOperationsOnly"


def operation_hash(query: str) -> bytes:
    return hashlib.sha256(query.encode()).digest()


async def register_persisted_operation(
    session: AsyncSession, actor: Actor, name: str, query: str
) -> PersistedOperation:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    name = required_text(name, "name", 100)
    if not query.strip():
        raise DomainError(ErrorCode.REQUIRED, "This field is required.", "query")
    if len(query) > MAX_DOCUMENT_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_DOCUMENT_LENGTH} characters.", "query")
    try:
        parse(query)
    except GraphQLError as error:
        raise DomainError(ErrorCode.INVALID, f"Not a GraphQL document: {error.message}", "query") from None
    digest = operation_hash(query)
    operation = PersistedOperation(
        tenant_id=actor.tenant_id,
        operation_hash=digest,
        name=name,
        query_text=query,
        created_by_id=actor.user_id,
    )
    try:
        async with session.begin_nested():
            session.add(operation)
            await session.flush()
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "This document is registered already.", "query") from None
    await audit.record(
        session,
        actor,
        "persisted_operation.register",
        "persisted_operation",
        operation.id,
        {"name": [None, name], "sha256": [None, digest.hex()]},
    )
    return operation


async def delete_persisted_operation(
    session: AsyncSession, actor: Actor, operation_id: uuid.UUID
) -> PersistedOperation:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    operation = await session.get(PersistedOperation, (actor.tenant_id, operation_id))
    if operation is None:
        raise not_found("persisted operation")
    await session.delete(operation)
    await session.flush()
    await audit.record(
        session,
        actor,
        "persisted_operation.delete",
        "persisted_operation",
        operation.id,
        {"name": [operation.name, None]},
    )
    return operation


async def list_persisted_operations(session: AsyncSession, actor: Actor) -> Sequence[PersistedOperation]:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    return (
        await session.scalars(
            select(PersistedOperation)
            .where(PersistedOperation.tenant_id == actor.tenant_id)
            .order_by(PersistedOperation.created_at.desc(), PersistedOperation.id)
        )
    ).all()


async def api_settings(session: AsyncSession, actor: Actor) -> TenantApiSettings:
    """The tenant's row, or the defaults (not stored) when it has none."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    found = await session.get(TenantApiSettings, actor.tenant_id)
    return found or TenantApiSettings(tenant_id=actor.tenant_id, persisted_operations_only=False)


async def set_persisted_operations_only(
    session: AsyncSession, actor: Actor, enabled: bool
) -> TenantApiSettings:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    if enabled and not await can_switch_off(session, actor):
        raise DomainError(
            ErrorCode.WOULD_LOCK_YOU_OUT,
            f"Register a document with the {SWITCH_FIELD} mutation first: with persisted operations only,"
            " nothing else could turn this off again.",
            "enabled",
        )
    before = await api_settings(session, actor)
    # Column grants: the application role may insert and update this column only.
    await session.execute(
        insert(TenantApiSettings)
        .values(tenant_id=actor.tenant_id, persisted_operations_only=enabled)
        .on_conflict_do_update(
            index_elements=[TenantApiSettings.tenant_id],
            set_={"persisted_operations_only": enabled, "updated_at": func.now()},
        )
    )
    await audit.record(
        session,
        actor,
        "api_settings.update",
        "tenant",
        actor.tenant_id,
        {"persistedOperationsOnly": [before.persisted_operations_only, enabled]},
    )
    found = await session.get(TenantApiSettings, actor.tenant_id, populate_existing=True)
    assert found is not None  # just written
    return found


async def can_switch_off(session: AsyncSession, actor: Actor) -> bool:
    texts = await session.scalars(
        select(PersistedOperation.query_text).where(
            PersistedOperation.tenant_id == actor.tenant_id,
            PersistedOperation.query_text.contains(SWITCH_FIELD),
        )
    )
    return any(switches_off(text) for text in texts)


def switches_off(query: str) -> bool:
    """Whether a document has a mutation whose root selects the switch (checked on the parsed text)."""
    document = parse(query)
    return any(
        isinstance(definition, OperationDefinitionNode)
        and definition.operation is OperationType.MUTATION
        and any(
            getattr(s, "name", None) and s.name.value == SWITCH_FIELD
            for s in definition.selection_set.selections
        )
        for definition in document.definitions
    )
