"""The registry of scheduled jobs: areas register `@job("name")` functions at import time.

`crm jobs run` (gateway/jobs.py) runs every registered job once for every tenant, each (job, tenant) pair in
its own transaction inside that tenant's RLS wall, with the clock passed in. Jobs must be idempotent:
running twice, or two runners at once, changes nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

JobFunction = Callable[[AsyncSession, uuid.UUID, datetime], Awaitable[str]]
JOBS: dict[str, JobFunction] = {}


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register `async def f(session, tenant_id, now) -> summary` under `name`."""

    def register(function: JobFunction) -> JobFunction:
        JOBS[name] = function
        return function

    return register
