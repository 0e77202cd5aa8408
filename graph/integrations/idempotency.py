"""Idempotency keys' upkeep: the stored first responses of keyed mutations (gateway/idempotency.py)
are kept for their time to live (`CRM_IDEMPOTENCY_TTL_HOURS`, 24 h) and then removed by this job."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.integrations.models import IdempotencyKey


@job("idempotency.purge")
async def purge_idempotency_keys(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.expires_at <= now)
    )
    return f"removed {result.rowcount} expired keys"  # type: ignore[attr-defined]
