"""The tenant's send limits of campaign messages: handed-over emails and SMS together, per clock hour and
per UTC day (marketing settings; absent: the defaults). The sending job (sending.py) counts claims
against them; what exceeds them waits for the next window."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.marketing.models import MarketingSettings
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.permissions import Actor, Capability

DEFAULT_HOURLY_LIMIT = 1000
DEFAULT_DAILY_LIMIT = 10_000
MAX_HOURLY_LIMIT = 1_000_000
MAX_DAILY_LIMIT = 10_000_000


@dataclass(frozen=True)
class SendLimits:
    hourly: int
    daily: int
    version: int = 0


async def send_limits(session: AsyncSession, tenant_id: uuid.UUID) -> SendLimits:
    row = await session.get(MarketingSettings, tenant_id)
    if row is None:
        return SendLimits(DEFAULT_HOURLY_LIMIT, DEFAULT_DAILY_LIMIT)
    return SendLimits(row.hourly_send_limit, row.daily_send_limit, row.version)


async def set_send_limits(
    session: AsyncSession, actor: Actor, hourly: int, daily: int, version: int
) -> SendLimits:
    """The tenant's limits (manage_settings); `version` as last read (0: never saved)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    errors = []
    if not 0 <= hourly <= MAX_HOURLY_LIMIT:
        errors.append(DomainError(ErrorCode.INVALID, f"From 0 to {MAX_HOURLY_LIMIT:,} a hour.", "hourly"))
    if not 0 <= daily <= MAX_DAILY_LIMIT:
        errors.append(DomainError(ErrorCode.INVALID, f"From 0 to {MAX_DAILY_LIMIT:,} a day.", "daily"))
    if errors:
        raise ValidationErrors(errors)
    before = await send_limits(session, actor.tenant_id)
    if before.version != version:
        raise DomainError(ErrorCode.CONFLICT, "The send limits changed since you read them; read again.")
    values = {"hourly_send_limit": hourly, "daily_send_limit": daily}
    await session.execute(
        upsert(MarketingSettings)
        .values(tenant_id=actor.tenant_id, **values)
        .on_conflict_do_update(
            index_elements=["tenant_id"],
            set_={**values, "version": MarketingSettings.version + 1, "updated_at": func.now()},
        )
    )
    changes = audit.diff({"hourly": before.hourly, "daily": before.daily}, {"hourly": hourly, "daily": daily})
    await audit.record(
        session, actor, "marketing.send_limits", "marketing_settings", actor.tenant_id, changes
    )
    return SendLimits(hourly, daily, version + 1)
