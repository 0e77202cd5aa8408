"""Login throttling: attempts are counted atomically before the password is checked.

Counters live in PostgreSQL (not process memory) so N workers enforce one limit. One statement
(`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`) bumps every counter of an attempt and returns the new
values while it holds their row locks, so parallel attempts are serialised on the counters and exactly
`limit` of them go on to a password check: the rest are refused without hashing. The statement runs on
the request's own connection, in a transaction the login commits before it hashes, so the count stands
whatever the rest of the request does; a success gives its attempt back (`forgive`).

Three limits, so that nobody can lock out anybody else (issue 12, H6):
- one account from one address (`account_address`): an attacker guessing a password from their address
  locks only that pair; the owner still logs in from anywhere else;
- one account from all addresses (`account`, higher): caps guessing spread over many addresses;
- one address over all accounts (`address`): caps credential stuffing from one client. Behind a reverse
  proxy the address is the forwarded client's, trusted only from configured proxies (gateway).
An email that belongs to no account has counters of its own, so failures for unknown emails never touch
a real account's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class Scope(StrEnum):
    ACCOUNT_ADDRESS = "account_address"
    ACCOUNT = "account"
    ADDRESS = "address"


# Keys are sorted before the statement, so two attempts lock shared rows in the same order (no deadlock).
COUNT_ATTEMPT = text(
    """
    insert into auth_throttle as t (key, failures, window_started_at)
    select key, 1, :now from unnest(cast(:keys as text[])) as key order by key
    on conflict (key) do update set
      failures = case when t.window_started_at < :window_start then 1 else t.failures + 1 end,
      window_started_at = case when t.window_started_at < :window_start then :now else t.window_started_at end
    returning key, failures, window_started_at
    """
)
# Gives an attempt back on the counters it was counted on (same window only: a newer window is not ours).
FORGIVE = text(
    """
    update auth_throttle as t set failures = greatest(t.failures - 1, 0)
    from unnest(cast(:keys as text[]), cast(:windows as timestamptz[])) as a(key, window_started_at)
    where t.key = a.key and t.window_started_at = a.window_started_at
    """
)
CLEAR = text("delete from auth_throttle where key = :key")


def normalized_email(email: str) -> str:
    return email.strip().lower()


def throttle_keys(email: str, address: str | None) -> dict[Scope, str]:
    account, origin = normalized_email(email), address or "unknown"
    return {
        Scope.ACCOUNT_ADDRESS: f"{Scope.ACCOUNT_ADDRESS}:{account}|{origin}",
        Scope.ACCOUNT: f"{Scope.ACCOUNT}:{account}",
        Scope.ADDRESS: f"{Scope.ADDRESS}:{origin}",
    }


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: the window each counter was counted in, and which limits it passed."""

    keys: dict[Scope, str]
    windows: dict[Scope, datetime]
    exceeded: dict[Scope, float]  # scope -> seconds until its window ends

    @property
    def allowed(self) -> bool:
        return not self.exceeded

    @property
    def retry_after(self) -> int:
        return max(1, int(max(self.exceeded.values(), default=1)))


class LoginThrottle:
    def __init__(
        self, per_account_address: int, per_account: int, per_address: int, window_seconds: int
    ) -> None:
        self.limits = {
            Scope.ACCOUNT_ADDRESS: per_account_address,
            Scope.ACCOUNT: per_account,
            Scope.ADDRESS: per_address,
        }
        self.window = timedelta(seconds=window_seconds)

    async def count(self, session: AsyncSession, email: str, address: str | None) -> Attempt:
        """Counts an attempt on every key; a refused attempt is given back at once (it checks nothing)."""
        keys = throttle_keys(email, address)
        scopes = {key: scope for scope, key in keys.items()}
        now = datetime.now(UTC)
        rows = (
            await session.execute(
                COUNT_ATTEMPT, {"keys": sorted(keys.values()), "now": now, "window_start": now - self.window}
            )
        ).all()
        windows = {scopes[row.key]: row.window_started_at for row in rows}
        exceeded = {
            scopes[row.key]: (row.window_started_at + self.window - now).total_seconds()
            for row in rows
            if row.failures > self.limits[scopes[row.key]]
        }
        attempt = Attempt(keys, windows, exceeded)
        if not attempt.allowed:
            # Refused attempts do not count, or hammering one locked pair would lock the whole account.
            await self.forgive(session, attempt)
        return attempt

    async def forgive(self, session: AsyncSession, attempt: Attempt) -> None:
        scopes = list(attempt.keys)
        await session.execute(
            FORGIVE,
            {"keys": [attempt.keys[s] for s in scopes], "windows": [attempt.windows[s] for s in scopes]},
        )

    async def succeeded(self, session: AsyncSession, attempt: Attempt) -> None:
        """The password was right: the attempt is given back and the account-from-address pair reset."""
        await self.forgive(session, attempt)
        await session.execute(CLEAR, {"key": attempt.keys[Scope.ACCOUNT_ADDRESS]})
