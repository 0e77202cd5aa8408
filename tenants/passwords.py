"""argon2id password hashing (argon2-cffi), always off the event loop: a hash takes tens of ms.

Hashes are CPU-bound, so more of them at once than there are CPUs only makes each slower. A
`Reservation` admits a hashing job without waiting: at most `concurrency` hashes run, at most `queue`
more wait for a slot, and anything beyond is refused at once with OVERLOADED (HTTP 429) instead of
piling up behind the others while every other tenant's request waits for the event loop and the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from tenants.errors import DomainError, ErrorCode, RetryLater

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
OVERLOAD_RETRY_SECONDS = 1
HASH_NICENESS = 10

ResultT = TypeVar("ResultT")


def cpu_count() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@lru_cache
def hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID)


def lower_thread_priority() -> None:
    """Hashing threads yield the CPU to the event loop: a flood of logins must not slow other requests.

    On Linux the niceness is per thread and inherited by the threads libargon2 starts for its lanes.
    """
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


class Reservation:
    """An admitted hashing job: its hashes wait for a free slot (bounded), then run in a thread."""

    def __init__(self, passwords: Passwords) -> None:
        self.passwords = passwords
        self.released = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.passwords.admitted -= 1

    async def run(self, work: Callable[[], ResultT]) -> ResultT:
        async with self.passwords.slots:
            return await asyncio.get_running_loop().run_in_executor(self.passwords.executor, work)

    async def hash(self, password: str) -> str:
        return await self.run(lambda: self.passwords.hasher.hash(password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        hasher, dummy = self.passwords.hasher, self.passwords.dummy_hash

        def check() -> bool:
            try:
                return hasher.verify(password_hash or dummy, password) and bool(password_hash)
            except (VerificationError, InvalidHashError):
                return False

        return await self.run(check)


class Passwords:
    def __init__(
        self,
        memory_kib: int,
        time_cost: int,
        parallelism: int,
        concurrency: int | None = None,
        queue: int = 0,
    ) -> None:
        self.hasher = hasher(memory_kib, time_cost, parallelism)
        # Verified against when the account does not exist, so both paths cost the same time.
        self.dummy_hash = self.hasher.hash("not a real password, only for timing")
        concurrency = concurrency or cpu_count()
        self.slots = asyncio.Semaphore(concurrency)
        self.executor = ThreadPoolExecutor(concurrency, "argon2", initializer=lower_thread_priority)
        self.capacity = concurrency + queue
        self.admitted = 0

    def admit(self) -> Reservation:
        """Admit a hashing job now or refuse it now (OVERLOADED); `release()` the reservation after."""
        if self.admitted >= self.capacity:
            raise RetryLater(
                ErrorCode.OVERLOADED,
                f"The server is busy checking passwords; retry in {OVERLOAD_RETRY_SECONDS} second.",
                OVERLOAD_RETRY_SECONDS,
            )
        self.admitted += 1
        return Reservation(self)

    @asynccontextmanager
    async def reservation(self) -> AsyncIterator[Reservation]:
        reservation = self.admit()
        try:
            yield reservation
        finally:
            reservation.release()

    async def hash(self, password: str) -> str:
        async with self.reservation() as reservation:
            return await reservation.hash(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        async with self.reservation() as reservation:
            return await reservation.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


def check_password_policy(password: str, field: str = "password") -> None:
    """OWASP ASVS: length is what matters; no composition rules, generous maximum."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.WEAK_PASSWORD, f"Use at least {MIN_PASSWORD_LENGTH} characters.", field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(ErrorCode.TOO_LONG, f"Use at most {MAX_PASSWORD_LENGTH} characters.", field)
