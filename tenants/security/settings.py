"""Reading and changing a tenant's security settings (capability `manage_settings`).

Two guards keep an admin from shutting themselves out: an allowlist must contain the address they save
it from, and requiring MFA for a group they belong to needs their own second factor first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Actor, Capability
from tenants.security.models import TenantSecuritySettings, UserMfa
from tenants.security.policy import MFA_MODES, address_allowed, parse_allowlist

AUDITED = ("ip_allowlist", "session_idle_minutes", "session_max_hours", "mfa_required")
IDLE_MINUTES = (5, 525_600)  # 5 minutes to a year
MAX_HOURS = (1, 8_784)  # 1 hour to a leap year


async def security_settings(session: AsyncSession, actor: Actor) -> TenantSecuritySettings:
    """The tenant's row; reads never write, so a tenant without one gets the defaults (version 0)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    row = await session.scalar(
        select(TenantSecuritySettings).where(TenantSecuritySettings.tenant_id == actor.tenant_id)
    )
    return row or TenantSecuritySettings(
        tenant_id=actor.tenant_id,
        ip_allowlist=[],
        session_idle_minutes=None,
        session_max_hours=None,
        mfa_required="none",
        version=0,
    )


async def update_security_settings(
    session: AsyncSession, actor: Actor, version: int, values: Mapping[str, Any], client_address: str | None
) -> TenantSecuritySettings:
    """Changes the given settings (absent keys stay); `version` is the one last read (0: never saved)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    await session.execute(
        insert(TenantSecuritySettings)
        .values(tenant_id=actor.tenant_id, ip_allowlist=[], mfa_required="none", version=0)
        .on_conflict_do_nothing()
    )
    row = await session.scalar(
        select(TenantSecuritySettings)
        .where(TenantSecuritySettings.tenant_id == actor.tenant_id)
        .with_for_update()
    )
    assert row is not None
    if row.version != version:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"The security settings changed since you read them (version {row.version}); reload and retry.",
            "version",
        )
    before = {name: render(getattr(row, name)) for name in AUDITED}
    if "ip_allowlist" in values:
        networks = parse_allowlist(values["ip_allowlist"] or [])
        if not address_allowed(networks, client_address):
            raise DomainError(
                ErrorCode.WOULD_LOCK_YOU_OUT,
                f"Your current address ({client_address or 'unknown'}) is not in this list, so saving it "
                "would lock you out; add your network first.",
                "ipAllowlist",
            )
        row.ip_allowlist = [str(network) for network in networks]
    for name, field_name, (low, high) in (
        ("session_idle_minutes", "sessionIdleMinutes", IDLE_MINUTES),
        ("session_max_hours", "sessionMaxHours", MAX_HOURS),
    ):
        if name in values:
            value = values[name]
            if value is not None and not low <= value <= high:
                raise DomainError(
                    ErrorCode.INVALID, f"Use {low} to {high}, or null for the server default.", field_name
                )
            setattr(row, name, value)
    if "mfa_required" in values:
        mode = values["mfa_required"]
        if mode not in MFA_MODES:
            raise DomainError(ErrorCode.INVALID, "Use NONE, ADMINS or ALL.", "mfaRequired")
        # The one saving this administers (manage_settings), so ADMINS and ALL both include them.
        if mode != "none" and not await has_confirmed_mfa(session, actor):
            raise DomainError(
                ErrorCode.WOULD_LOCK_YOU_OUT,
                "Turn on two-factor authentication for yourself (enrolMfa, confirmMfa) before requiring it.",
                "mfaRequired",
            )
        row.mfa_required = mode
    row.version += 1
    await session.flush()
    after = {name: render(getattr(row, name)) for name in AUDITED}
    changes = audit.diff(before, after)
    await audit.record(session, actor, "security_settings.update", "tenant", actor.tenant_id, changes)
    return row


async def has_confirmed_mfa(session: AsyncSession, actor: Actor) -> bool:
    mfa = await session.get(UserMfa, actor.user_id)
    return mfa is not None and mfa.enabled_at is not None


def render(value: Any) -> Any:
    return [str(network) for network in value] if isinstance(value, list) else value
