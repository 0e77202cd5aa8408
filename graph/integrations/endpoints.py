"""Webhook endpoints: what tenant admins (capability `manage_integrations`) create, change and remove.

The secret is made here and returned once (create, rotate); afterwards only its prefix is shown. A
rotation keeps the previous secret signing beside the new one for the configured overlap. Subscribing
to an event type needs the right to read its object type across the tenant (graph/integrations/
catalog.py): nobody hands a receiver more than they may see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned, snapshot
from graph.integrations import config
from graph.integrations.addresses import check_url
from graph.integrations.catalog import EVENT_TYPES
from graph.integrations.models import WebhookEndpoint
from graph.integrations.signing import new_secret
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.ids import new_id
from tenants.permissions import Action, Actor, Capability, Scope
from tenants.validation import optional_text

OBJECT_TYPE = "webhook_endpoint"  # in the audit log
MAX_EVENT_TYPES = 100
AUDITED_FIELDS = ("url", "description", "event_types", "enabled", "disabled_reason")


def require_integrations(actor: Actor) -> None:
    actor.require_capability(Capability.MANAGE_INTEGRATIONS)


def endpoints(actor: Actor) -> Select[tuple[WebhookEndpoint]]:
    require_integrations(actor)
    return (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.tenant_id == actor.tenant_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )


async def get_endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID, field: str = "id", lock: bool = False
) -> WebhookEndpoint:
    statement = endpoints(actor).where(WebhookEndpoint.id == endpoint_id)
    endpoint = await session.scalar(statement.with_for_update() if lock else statement)
    if endpoint is None:
        raise not_found("webhook endpoint", field)
    return endpoint


def clean_event_types(actor: Actor, given: Iterable[str]) -> list[str]:
    """Known event types only, each about records the actor reads across the whole tenant."""
    chosen = sorted({name.strip() for name in given})
    if not chosen:
        raise DomainError(ErrorCode.REQUIRED, "Subscribe to at least one event type.", "eventTypes")
    if len(chosen) > MAX_EVENT_TYPES:
        raise DomainError(ErrorCode.INVALID, f"At most {MAX_EVENT_TYPES} event types.", "eventTypes")
    unknown = [name for name in chosen if name not in EVENT_TYPES]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Unknown event type '{unknown[0]}'; see webhookEventTypes for the list.",
            "eventTypes",
        )
    for name in chosen:
        object_type = EVENT_TYPES[name]
        permissions = actor.permissions
        if not permissions.can(object_type, Action.READ) or permissions.scope(object_type) is not Scope.ALL:
            raise DomainError(
                ErrorCode.PERMISSION_DENIED,
                f"'{name}' tells about every {object_type} record; your role does not read them all.",
                "eventTypes",
            )
    return chosen


async def clean_endpoint(actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    """The given fields checked; every field's error at once."""
    cleaned: dict[str, Any] = {}
    errors: list[DomainError] = []
    try:
        if "url" in values:
            cleaned["url"] = (await check_url(values["url"] or "", config.current())).url.geturl()
    except DomainError as error:
        errors.append(error)
    try:
        if "event_types" in values:
            cleaned["event_types"] = clean_event_types(actor, values["event_types"] or [])
    except DomainError as error:
        errors.append(error)
    try:
        if "description" in values:
            cleaned["description"] = optional_text(values["description"], "description", 300) or ""
    except DomainError as error:
        errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    return cleaned


async def create_endpoint(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any]
) -> tuple[WebhookEndpoint, str]:
    require_integrations(actor)
    cleaned = await clean_endpoint(actor, {"url": None, "event_types": None, **values})
    secret = new_secret()
    endpoint = WebhookEndpoint(
        tenant_id=actor.tenant_id,
        id=new_id(),
        secret=secret,
        enabled=True,
        consecutive_failures=0,
        created_by_id=actor.user_id,
        **{"description": ""} | cleaned,
    )
    session.add(endpoint)
    await session.flush()
    changes = audit.diff({}, snapshot(endpoint, AUDITED_FIELDS))
    await audit.record(session, actor, "webhook_endpoint.create", OBJECT_TYPE, endpoint.id, changes)
    return endpoint, secret


async def update_endpoint(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> WebhookEndpoint:
    """Change URL, event types, description, or enable/disable it (enabling forgets past failures)."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    check_version(endpoint, version, "webhook endpoint")
    cleaned = await clean_endpoint(actor, values)
    before = snapshot(endpoint, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(endpoint, key, value)
    if "enabled" in values and values["enabled"] is not None:
        endpoint.enabled = bool(values["enabled"])
        if endpoint.enabled:
            endpoint.consecutive_failures = 0
            endpoint.disabled_reason = None
        elif before["enabled"]:
            endpoint.disabled_reason = "disabled by an admin"
    await flush_versioned(session, "webhook endpoint")
    changes = audit.diff(before, snapshot(endpoint, AUDITED_FIELDS))
    await audit.record(session, actor, "webhook_endpoint.update", OBJECT_TYPE, endpoint.id, changes)
    return endpoint


async def rotate_secret(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID, version: int, now: datetime
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the current one keeps signing beside it for the overlap (then only the new one)."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    check_version(endpoint, version, "webhook endpoint")
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + config.current().secret_overlap
    endpoint.secret = secret
    await flush_versioned(session, "webhook endpoint")
    await audit.record(session, actor, "webhook_endpoint.rotate_secret", OBJECT_TYPE, endpoint.id, {})
    return endpoint, secret


async def delete_endpoint(session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID) -> uuid.UUID:
    """Removes the endpoint with its outbox and delivery log."""
    endpoint = await get_endpoint(session, actor, endpoint_id)
    before = snapshot(endpoint, AUDITED_FIELDS)
    await session.delete(endpoint)
    await session.flush()
    await audit.record(
        session, actor, "webhook_endpoint.delete", OBJECT_TYPE, endpoint_id, audit.diff(before, {})
    )
    return endpoint_id


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous during the overlap."""
    signing = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        signing.append(endpoint.previous_secret)
    return signing
