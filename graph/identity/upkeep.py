"""Upkeep of the global identity tables: what no tenant owns, and so no tenant's job removes.

- A sign-up waiting for its email to be confirmed keeps the person's email, name and password hash
  (`pending_sign_ups`). Once it expired or was used, it is removed a week later (the week keeps the
  "expired: sign up again" answer for a late click instead of "does not exist").
- A session (`user_sessions`: the token's hash, the client's address and user agent) that expired or
  was revoked is removed 30 days after it ended; sessions still usable are never touched.

`crm jobs run` runs it once per run (graph/core/jobs.py `global_job`); daily is enough.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import global_job
from tenants.models import PendingSignUp, UserSession

SIGN_UPS_KEPT = timedelta(days=7)
SESSIONS_KEPT = timedelta(days=30)


@global_job("identity.purge")
async def purge_ended_sign_ups_and_sessions(session: AsyncSession, now: datetime) -> str:
    sign_ups = await session.execute(
        delete(PendingSignUp).where(
            or_(
                PendingSignUp.expires_at < now - SIGN_UPS_KEPT,
                PendingSignUp.used_at < now - SIGN_UPS_KEPT,
            )
        )
    )
    sessions = await session.execute(
        delete(UserSession).where(
            or_(
                UserSession.expires_at < now - SESSIONS_KEPT,
                UserSession.revoked_at < now - SESSIONS_KEPT,
            )
        )
    )
    return (
        f"removed {sign_ups.rowcount} ended sign-ups and "  # type: ignore[attr-defined]
        f"{sessions.rowcount} ended sessions"  # type: ignore[attr-defined]
    )
