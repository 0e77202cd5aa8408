"""Failed-login throttling, per account and per client address, shared by every server process.

Counters live in PostgreSQL (not process memory) so N workers enforce one limit, and are written in
their own short transaction so a failure still counts when the request's transaction rolls back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from tenants.db import Database
from tenants.models import AuthThrottle

RECORD_FAILURE = text(
    """
    insert into auth_throttle as t (key, failures, window_started_at) values (:key, 1, :now)
    on conflict (key) do update set
      failures = case when t.window_started_at < :window_start then 1 else t.failures + 1 end,
      window_started_at = case when t.window_started_at < :window_start then :now else t.window_started_at end
    """
)


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


class LoginThrottle:
    def __init__(self, db: Database, per_account: int, per_address: int, window_seconds: int) -> None:
        self.db = db
        self.limits = {"account": per_account, "address": per_address}
        self.window = timedelta(seconds=window_seconds)

    async def retry_after(self, keys: list[str]) -> int | None:
        """Seconds until an attempt is allowed again, or None when none of the keys is locked."""
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            rows = (await session.execute(select(AuthThrottle).where(AuthThrottle.key.in_(keys)))).scalars()
            waits = [
                (row.window_started_at + self.window - now).total_seconds()
                for row in rows
                if row.window_started_at + self.window > now
                and row.failures >= self.limits[row.key.split(":", 1)[0]]
            ]
        return max(1, int(max(waits))) if waits else None

    async def record_failure(self, keys: list[str]) -> None:
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            for key in keys:
                await session.execute(
                    RECORD_FAILURE, {"key": key, "now": now, "window_start": now - self.window}
                )

    async def clear(self, key: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(text("delete from auth_throttle where key = :key"), {"key": key})
