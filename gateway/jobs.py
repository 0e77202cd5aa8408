"""Scheduled jobs: `crm jobs run` runs every registered job once for every tenant, and every global job
(the global tables' upkeep) once.

A scheduler (cron, a Kubernetes CronJob) calls the command; jobs must be idempotent, so running twice, or
two runners at once, changes nothing more. Each (job, tenant) pair runs in its own transaction inside that
tenant's RLS wall, as the application role, with the clock passed in (`--at`) so tests control time.
Areas register their jobs with `@job("name")` (graph/core/jobs.py) at import time; importing the schema
imports every area, and with it every area's jobs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

import graph.schema  # noqa: F401 - imports every area, registering its jobs
from graph.core.jobs import (
    BACKLOGS,
    BATCHED_JOBS,
    GLOBAL_JOBS,
    JOBS,
    BatchedJobFunction,
    GlobalJobFunction,
    JobFunction,
)
from tenants.db import Database
from tenants.models import TenantRegistry

logger = logging.getLogger("crm.jobs")
# A job's lease on what it locked: a transaction that sends PostgreSQL nothing for this long (a runner
# hung on a mail server, a network partition) is ended by the server, its row locks released and its
# writes undone, so the next run claims the same rows and retries them. A runner that dies outright
# (kill -9, a lost machine) loses its session at once, with the same effect.
DEFAULT_LEASE_SECONDS = 300.0
SET_LEASE = text("select set_config('idle_in_transaction_session_timeout', :lease, true)")
# The runner's record for /metrics (gateway/observability/metrics.py): wall-clock times, not `--at`.
RECORD_START = text(
    "insert into job_runs (job, last_started_at) values (:job, clock_timestamp())"
    " on conflict (job) do update set last_started_at = excluded.last_started_at"
)
RECORD_FINISH = text(
    "update job_runs set runs = runs + 1, failures = failures + :failed,"
    " last_finished_at = clock_timestamp(),"
    " last_succeeded_at = case when :failed > 0 then last_succeeded_at else clock_timestamp() end,"
    " backlog = :backlog where job = :job"
)


def registered_jobs() -> dict[str, JobFunction | BatchedJobFunction]:
    """The jobs that run once per tenant (GLOBAL_JOBS run once per run: `run_global`)."""
    return {**JOBS, **BATCHED_JOBS}


@dataclass(frozen=True)
class JobOutcome:
    job: str
    tenant_id: uuid.UUID | None  # None: a global job
    summary: str
    failed: bool = False
    backlog: int | None = None  # what the job left due in the tenant (graph/core/jobs.py `backlog`)


@asynccontextmanager
async def leased_transaction(
    db: Database, tenant_id: uuid.UUID, lease_seconds: float
) -> AsyncIterator[AsyncSession]:
    """A transaction in the tenant that PostgreSQL ends after `lease_seconds` without a statement."""
    async with db.transaction(tenant_id) as session:
        await session.execute(SET_LEASE, {"lease": f"{int(lease_seconds * 1000)}ms"})
        yield session


async def run_jobs(
    db: Database, now: datetime, only: str | None = None, lease_seconds: float = DEFAULT_LEASE_SECONDS
) -> list[JobOutcome]:
    jobs: dict[str, Any] = registered_jobs()
    global_jobs: dict[str, GlobalJobFunction] = dict(GLOBAL_JOBS)
    if only is not None:
        known = sorted([*jobs, *global_jobs])
        if only not in known:
            raise KeyError(f"No job named '{only}'; known jobs: {', '.join(known) or 'none'}.")
        jobs = {only: jobs[only]} if only in jobs else {}
        global_jobs = {only: global_jobs[only]} if only in global_jobs else {}
    outcomes = [
        await run_global(db, name, function, now, lease_seconds)
        for name, function in sorted(global_jobs.items())
    ]
    async with db.transaction() as session:
        tenant_ids = list(await session.scalars(select(TenantRegistry.id).order_by(TenantRegistry.id)))
    for name, function in sorted(jobs.items()):
        async with db.transaction() as session:
            await session.execute(RECORD_START, {"job": name})
        ran = [await run_one(db, name, function, tenant_id, now, lease_seconds) for tenant_id in tenant_ids]
        backlogs = [o.backlog for o in ran if o.backlog is not None]
        async with db.transaction() as session:
            await session.execute(
                RECORD_FINISH,
                {
                    "job": name,
                    "failed": int(any(o.failed for o in ran)),
                    "backlog": sum(backlogs) if name in BACKLOGS else None,
                },
            )
        outcomes += ran
    return outcomes


async def run_global(
    db: Database, name: str, function: GlobalJobFunction, now: datetime, lease_seconds: float
) -> JobOutcome:
    """A global job once, in one transaction outside any tenant (under the same lease); a failure is
    logged and reported like a tenant's."""
    async with db.transaction() as session:
        await session.execute(RECORD_START, {"job": name})
    failed = False
    try:
        async with db.transaction() as session:
            await session.execute(SET_LEASE, {"lease": f"{int(lease_seconds * 1000)}ms"})
            summary = await function(session, now)
    except Exception as error:
        logger.exception("global job %s failed", name)
        summary, failed = f"failed: {error.__class__.__name__}", True
    async with db.transaction() as session:
        await session.execute(RECORD_FINISH, {"job": name, "failed": int(failed), "backlog": None})
    return JobOutcome(name, None, summary, failed=failed)


async def run_one(
    db: Database,
    name: str,
    function: JobFunction | BatchedJobFunction,
    tenant_id: uuid.UUID,
    now: datetime,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> JobOutcome:
    """One tenant's failure is logged and reported, and does not stop the others. A batched job opens
    its own transactions in the tenant (graph/core/jobs.py), each under the same lease."""
    left = None
    try:
        if name in BATCHED_JOBS:
            summary = await BATCHED_JOBS[name](
                lambda: leased_transaction(db, tenant_id, lease_seconds), tenant_id, now
            )
        else:
            async with leased_transaction(db, tenant_id, lease_seconds) as session:
                summary = await JOBS[name](session, tenant_id, now)
                left = await BACKLOGS[name](session, tenant_id, now) if name in BACKLOGS else None
    except Exception as error:
        logger.exception("job %s failed for tenant %s", name, tenant_id)
        return JobOutcome(name, tenant_id, f"failed: {error.__class__.__name__}", failed=True)
    return JobOutcome(name, tenant_id, summary, backlog=left)
