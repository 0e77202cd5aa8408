"""The registry of scheduled jobs: areas register `@job("name")` functions at import time.

`crm jobs run` (gateway/jobs.py) runs every registered job once for every tenant, each (job, tenant) pair in
its own transaction inside that tenant's RLS wall, with the clock passed in. Jobs must be idempotent:
running twice, or two runners at once, changes nothing more.

A job over the global tables (sign-ups waiting for confirmation, sessions: no tenant owns them) registers
with `@global_job("name")`: it runs once per `crm jobs run`, in one transaction outside any tenant.

A job too long for one transaction (an import of a million rows) registers with `@batched_job("name")`
instead: it receives a factory of tenant transactions and commits its work batch by batch, each batch
with the progress it made, so a crash loses at most the batch in flight.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

JobFunction = Callable[[AsyncSession, uuid.UUID, datetime], Awaitable[str]]
JOBS: dict[str, JobFunction] = {}
# A new transaction inside the job's tenant, committed when the block ends without an exception.
Transactions = Callable[[], AbstractAsyncContextManager[AsyncSession]]
BatchedJobFunction = Callable[[Transactions, uuid.UUID, datetime], Awaitable[str]]
BATCHED_JOBS: dict[str, BatchedJobFunction] = {}


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register `async def f(session, tenant_id, now) -> summary` under `name`."""

    def register(function: JobFunction) -> JobFunction:
        JOBS[name] = function
        return function

    return register


def batched_job(name: str) -> Callable[[BatchedJobFunction], BatchedJobFunction]:
    """Register `async def f(transactions, tenant_id, now) -> summary` under `name`."""

    def register(function: BatchedJobFunction) -> BatchedJobFunction:
        BATCHED_JOBS[name] = function
        return function

    return register


GlobalJobFunction = Callable[[AsyncSession, datetime], Awaitable[str]]
GLOBAL_JOBS: dict[str, GlobalJobFunction] = {}


def global_job(name: str) -> Callable[[GlobalJobFunction], GlobalJobFunction]:
    """Register `async def f(session, now) -> summary` under `name`: once per run, in no tenant."""
    return functools.partial(GLOBAL_JOBS.setdefault, name)


# What a job leaves due after it ran in a tenant (its backlog: e.g. the notification outbox), counted in
# the job's own transaction; `crm jobs run` records the sum over tenants for the metrics (job_runs).
BacklogFunction = Callable[[AsyncSession, uuid.UUID, datetime], Awaitable[int]]
BACKLOGS: dict[str, BacklogFunction] = {}


def backlog(name: str) -> Callable[[BacklogFunction], BacklogFunction]:
    """Register `async def f(session, tenant_id, now) -> int` as the backlog of the job `name`."""

    def register(function: BacklogFunction) -> BacklogFunction:
        BACKLOGS[name] = function
        return function

    return register
