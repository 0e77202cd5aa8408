"""GraphQL types of webhooks: endpoints, deliveries and their attempts, inputs and payloads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum

import strawberry
from sqlalchemy import ColumnElement, false, true
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError, payload_errors
from graph.core.loaders import by_id
from graph.core.nodes import resolve_by_ids
from graph.integrations import models as im
from graph.integrations.loaders import attempts_by_delivery
from graph.integrations.signing import SECRET_PREFIX
from tenants.permissions import Actor, Capability


def integrations_scope(actor: Actor) -> ColumnElement[bool]:
    """Webhook rows are for members who manage integrations; to others they do not exist."""
    return true() if actor.permissions.has(Capability.MANAGE_INTEGRATIONS) else false()


endpoints_by_id = by_id(im.WebhookEndpoint, None, integrations_scope)
deliveries_by_id = by_id(im.WebhookDelivery, None, integrations_scope)


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryStatus(Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


assert {s.value for s in WebhookDeliveryStatus} == set(im.DELIVERY_STATUSES)


@strawberry.type(description="A receiver of the tenant's domain events (capability manage_integrations).")
class WebhookEndpoint(relay.Node):
    id: relay.NodeID[str]
    url: str = strawberry.field(
        description="Where events are POSTed (https; checked against private addresses)."
    )
    description: str = strawberry.field(description="What it is for (at most 300 characters).")
    event_types: list[str] = strawberry.field(description="The event types it hears (see webhookEventTypes).")
    secret_hint: str = strawberry.field(
        description="The first characters of the signing secret; the secret itself is shown only once."
    )
    rotating_until: datetime | None = strawberry.field(
        description="During a secret rotation: until when the previous secret still signs too."
    )
    enabled: bool = strawberry.field(
        description="Disabled endpoints get nothing; events are not kept for them."
    )
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled (by an admin, or failures)."
    )
    consecutive_failures: int = strawberry.field(description="Failed attempts since the last success.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")

    @classmethod
    def from_model(cls, endpoint: im.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=str(endpoint.id),
            url=endpoint.url,
            description=endpoint.description,
            event_types=list(endpoint.event_types),
            secret_hint=endpoint.secret[: len(SECRET_PREFIX) + 4],
            rotating_until=endpoint.previous_secret_expires_at if endpoint.previous_secret else None,
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            consecutive_failures=endpoint.consecutive_failures,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
            version=endpoint.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookEndpoint | None]:
        return await resolve_by_ids(
            info, "webhook_endpoints_by_id", endpoints_by_id, node_ids, cls.from_model
        )


@strawberry.type(description="One POST of a delivery and what came back.")
class WebhookAttempt:
    attempt: int = strawberry.field(
        description="1 for the first try of a round (a replay starts a new round)."
    )
    occurred_at: datetime = strawberry.field(description="When it was sent (UTC).")
    duration_ms: int = strawberry.field(description="How long the receiver took, in milliseconds.")
    status_code: int | None = strawberry.field(description="The HTTP status; null when there was no answer.")
    error: str | None = strawberry.field(
        description="What went wrong (null on success), at most 500 characters."
    )
    succeeded: bool = strawberry.field(description="Whether the receiver answered 2xx.")

    @classmethod
    def from_model(cls, attempt: im.WebhookAttempt) -> WebhookAttempt:
        return cls(
            attempt=attempt.attempt,
            occurred_at=attempt.started_at,
            duration_ms=attempt.duration_ms,
            status_code=attempt.status_code,
            error=attempt.error,
            succeeded=attempt.succeeded,
        )


@strawberry.type(description="One event for one endpoint: the outbox row and its delivery log.")
class WebhookDelivery(relay.Node):
    id: relay.NodeID[str]
    event_id: str = strawberry.field(
        description="The event's id, sent as Webhook-Id (the same on every attempt)."
    )
    event_type: str = strawberry.field(description="The event type, e.g. account.created.")
    status: WebhookDeliveryStatus = strawberry.field(description="PENDING, SUCCEEDED or FAILED.")
    attempt_count: int = strawberry.field(description="Attempts in the current round.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next (PENDING only).")
    last_status_code: int | None = strawberry.field(description="The last answer's HTTP status.")
    last_error: str | None = strawberry.field(description="The last attempt's error.")
    delivered_at: datetime | None = strawberry.field(description="When a receiver took it (2xx).")
    created_at: datetime = strawberry.field(description="When the event happened (UTC).")
    model: strawberry.Private[im.WebhookDelivery]

    @classmethod
    def from_model(cls, delivery: im.WebhookDelivery) -> WebhookDelivery:
        return cls(
            id=str(delivery.id),
            event_id=str(delivery.event_id),
            event_type=delivery.event_type,
            status=WebhookDeliveryStatus(delivery.status),
            attempt_count=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
            model=delivery,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookDelivery | None]:
        return await resolve_by_ids(
            info, "webhook_deliveries_by_id", deliveries_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="The attempts, newest first (at most 50).")
    async def attempts(self, info: Info) -> list[WebhookAttempt]:
        rows = await info.context.loader("webhook_attempts_by_delivery", attempts_by_delivery).load(
            self.model.id
        )
        return [WebhookAttempt.from_model(row) for row in rows]


@strawberry.input(description="A new webhook endpoint.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="An https URL (at most 2000 characters) on a public address.")
    event_types: list[str] = strawberry.field(
        description="1-100 event types from webhookEventTypes; each needs read access to all its records."
    )
    description: str | None = strawberry.field(default=UNSET, description="At most 300 characters.")


@strawberry.input(description="Changes to an endpoint; fields you leave out stay.")
class UpdateWebhookEndpointInput:
    url: str | None = strawberry.field(default=UNSET, description="A new URL (checked again).")
    event_types: list[str] | None = strawberry.field(default=UNSET, description="Replaces the event types.")
    description: str | None = strawberry.field(default=UNSET, description="At most 300 characters.")
    enabled: bool | None = strawberry.field(
        default=UNSET, description="false disables it; true enables it again and forgets past failures."
    )


@strawberry.type(description="Result of a webhook endpoint mutation.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        default=None, description="The endpoint after the change."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret: only in the answer of create and rotate; store it now.",
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of deleteWebhookEndpoint.")
class DeleteWebhookEndpointPayload:
    deleted_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The WebhookEndpoint deleted."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of replayWebhookDelivery.")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(default=None, description="The delivery, due again.")
    errors: list[UserError] = payload_errors()
