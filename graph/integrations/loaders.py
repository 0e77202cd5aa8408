"""DataLoaders of the integrations area, on the request's own session (RLS applies)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.integrations.models import WebhookAttempt
from tenants.permissions import Capability

MAX_ATTEMPTS_SHOWN = 50


def attempts_by_delivery(context: RequestContext) -> DataLoader[uuid.UUID, list[WebhookAttempt]]:
    """A page of deliveries' attempts in one query, newest first, at most 50 each."""

    async def load(ids: Sequence[uuid.UUID]) -> list[list[WebhookAttempt]]:
        if not context.actor.permissions.has(Capability.MANAGE_INTEGRATIONS):
            return [[] for _ in ids]
        session = await context.session()
        attempts: dict[uuid.UUID, list[WebhookAttempt]] = defaultdict(list)
        statement = (
            select(WebhookAttempt)
            .where(WebhookAttempt.tenant_id == context.actor.tenant_id, WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.started_at.desc(), WebhookAttempt.id.desc())
        )
        for attempt in await session.scalars(statement):
            if len(attempts[attempt.delivery_id]) < MAX_ATTEMPTS_SHOWN:
                attempts[attempt.delivery_id].append(attempt)
        return [attempts.get(delivery_id, []) for delivery_id in ids]

    return DataLoader(load_fn=load)
