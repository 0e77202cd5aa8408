"""argon2id password hashing (argon2-cffi), always off the event loop: a hash takes tens of ms."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from tenants.errors import DomainError, ErrorCode

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


@lru_cache
def hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


class Passwords:
    def __init__(self, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self.hasher = hasher(memory_kib, time_cost, parallelism)
        # Verified against when the account does not exist, so both paths cost the same time.
        self._dummy_hash = self.hasher.hash("not a real password, only for timing")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self.hasher.verify(password_hash or self._dummy_hash, password) and bool(password_hash)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


def check_password_policy(password: str, field: str = "password") -> None:
    """OWASP ASVS: length is what matters; no composition rules, generous maximum."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.WEAK_PASSWORD, f"Use at least {MIN_PASSWORD_LENGTH} characters.", field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, f"Use at most {MAX_PASSWORD_LENGTH} characters.", field)
