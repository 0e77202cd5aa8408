"""Webhook queries and mutations (thin resolvers over graph/integrations/endpoints.py and deliveries.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.inputs import given_values
from graph.core.pagination import Connection, paginate
from graph.integrations import deliveries, endpoints
from graph.integrations.catalog import EVENT_TYPES
from graph.integrations.types import (
    CreateWebhookEndpointInput,
    DeleteWebhookEndpointPayload,
    UpdateWebhookEndpointInput,
    WebhookDelivery,
    WebhookDeliveryPayload,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEndpointPayload,
)

EndpointId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a WebhookEndpoint.")]
DeliveryId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a WebhookDelivery.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


@strawberry.type(description="An event type a webhook can subscribe to.")
class WebhookEventType:
    name: str = strawberry.field(description="e.g. account.created; the names subscriptions use.")
    object_type: str = strawberry.field(description="The object type it is about (its read right is needed).")


@strawberry.type(description="What webhooks can hear.")
class WebhookEventCatalog:
    event_types: list[WebhookEventType] = strawberry.field(description="Every event type, by name.")


@strawberry.input(description="Conditions on the delivery log.")
class WebhookDeliveryFilter:
    status: WebhookDeliveryStatus | None = strawberry.field(default=None, description="Only this status.")


def now() -> datetime:
    return datetime.now(UTC)


@strawberry.type
class IntegrationsQuery:
    @strawberry.field(description="The event types webhooks can subscribe to (the names subscriptions use).")
    def webhook_event_catalog(self) -> WebhookEventCatalog:
        return WebhookEventCatalog(
            event_types=[
                WebhookEventType(name=name, object_type=kind) for name, kind in sorted(EVENT_TYPES.items())
            ]
        )

    @strawberry.field(description="The tenant's webhook endpoints, oldest first (manage_integrations).")
    async def webhook_endpoints(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[WebhookEndpoint]:
        statement = endpoints.endpoints(info.context.actor)
        session = await info.context.session()
        return await paginate(session, statement, WebhookEndpoint.from_model, first, after, before, last)

    @strawberry.field(description="An endpoint's delivery log, newest first, with each delivery's attempts.")
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: EndpointId,
        filter: Annotated[
            WebhookDeliveryFilter | None, strawberry.argument(description="Conditions.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookDelivery]:
        session, actor = await info.context.session(), info.context.actor
        status = filter.status.value if filter is not None and filter.status is not None else None
        statement = await deliveries.deliveries(
            session, actor, decode_id(endpoint_id, "WebhookEndpoint", "endpointId"), status
        )
        return await paginate(session, statement, WebhookDelivery.from_model, first, after, before, last)


@strawberry.type
class IntegrationsMutation:
    @strawberry.mutation(
        description="Create a webhook endpoint (manage_integrations); the answer carries its secret, once."
    )
    @mutation_payload(WebhookEndpointPayload)
    async def create_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[CreateWebhookEndpointInput, strawberry.argument(description="The endpoint.")],
    ) -> WebhookEndpointPayload:
        session, actor = await info.context.session(), info.context.actor
        endpoint, secret = await endpoints.create_endpoint(session, actor, given_values(input, {}))
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_model(endpoint), secret=secret)

    @strawberry.mutation(
        description="Change an endpoint's URL, event types or description; disable or enable it."
    )
    @mutation_payload(WebhookEndpointPayload)
    async def update_webhook_endpoint(
        self,
        info: Info,
        id: EndpointId,
        version: Version,
        input: Annotated[UpdateWebhookEndpointInput, strawberry.argument(description="The changes.")],
    ) -> WebhookEndpointPayload:
        session, actor = await info.context.session(), info.context.actor
        endpoint = await endpoints.update_endpoint(
            session, actor, decode_id(id, "WebhookEndpoint"), version, given_values(input, {})
        )
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_model(endpoint))

    @strawberry.mutation(
        description="A new signing secret (shown once); the previous one still signs beside it for 24 h."
    )
    @mutation_payload(WebhookEndpointPayload)
    async def rotate_webhook_secret(
        self, info: Info, id: EndpointId, version: Version
    ) -> WebhookEndpointPayload:
        session, actor = await info.context.session(), info.context.actor
        endpoint, secret = await endpoints.rotate_secret(
            session, actor, decode_id(id, "WebhookEndpoint"), version, now()
        )
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_model(endpoint), secret=secret)

    @strawberry.mutation(description="Delete an endpoint with its outbox and delivery log.")
    @mutation_payload(DeleteWebhookEndpointPayload)
    async def delete_webhook_endpoint(self, info: Info, id: EndpointId) -> DeleteWebhookEndpointPayload:
        session, actor = await info.context.session(), info.context.actor
        deleted = await endpoints.delete_endpoint(session, actor, decode_id(id, "WebhookEndpoint"))
        return DeleteWebhookEndpointPayload(deleted_id=relay.GlobalID("WebhookEndpoint", str(deleted)))

    @strawberry.mutation(
        description="Send a delivered or failed event again: due now, same event id, a new round of attempts."
    )
    @mutation_payload(WebhookDeliveryPayload)
    async def replay_webhook_delivery(self, info: Info, id: DeliveryId) -> WebhookDeliveryPayload:
        session, actor = await info.context.session(), info.context.actor
        delivery = await deliveries.replay_delivery(session, actor, decode_id(id, "WebhookDelivery"), now())
        return WebhookDeliveryPayload(delivery=WebhookDelivery.from_model(delivery))
