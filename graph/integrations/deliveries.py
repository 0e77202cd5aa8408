"""The delivery log as admins read it, and replay.

Deliveries are listed per endpoint, newest first, keyset-paginated; each carries its attempts (status
code, error, duration). A replay puts a delivery back in the outbox, due now, for a new round of
attempts with the same event id (receivers that already have it deduplicate it).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.integrations.endpoints import OBJECT_TYPE, get_endpoint, require_integrations
from graph.integrations.models import DELIVERY_STATUSES, WebhookDelivery
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Actor


async def deliveries(
    session: AsyncSession, actor: Actor, endpoint_id: uuid.UUID, status: str | None
) -> Select[tuple[WebhookDelivery]]:
    endpoint = await get_endpoint(session, actor, endpoint_id, "endpointId")
    statement = select(WebhookDelivery).where(
        WebhookDelivery.tenant_id == actor.tenant_id, WebhookDelivery.endpoint_id == endpoint.id
    )
    if status is not None:
        if status not in DELIVERY_STATUSES:
            raise DomainError(
                ErrorCode.INVALID, f"Status is one of {', '.join(DELIVERY_STATUSES)}.", "status"
            )
        statement = statement.where(WebhookDelivery.status == status)
    return statement.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())


async def get_delivery(session: AsyncSession, actor: Actor, delivery_id: uuid.UUID) -> WebhookDelivery:
    require_integrations(actor)
    delivery = await session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.tenant_id == actor.tenant_id, WebhookDelivery.id == delivery_id)
        .with_for_update()
    )
    if delivery is None:
        raise not_found("webhook delivery")
    return delivery


async def replay_delivery(
    session: AsyncSession, actor: Actor, delivery_id: uuid.UUID, now: datetime
) -> WebhookDelivery:
    delivery = await get_delivery(session, actor, delivery_id)
    if delivery.status == "pending":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "This delivery is still in the outbox; it needs no replay.", "id"
        )
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
    delivery.leased_until = delivery.lease_token = None
    await session.flush()
    await audit.record(
        session,
        actor,
        "webhook_endpoint.replay",
        OBJECT_TYPE,
        delivery.endpoint_id,
        {"delivery": [None, str(delivery.id)]},
    )
    return delivery
