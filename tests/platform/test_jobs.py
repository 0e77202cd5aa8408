from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from config.settings import get_settings
from gateway import jobs
from gateway.cli import app
from gateway.jobs import run_jobs


@pytest.fixture
def probe_job():
    """A job that records, per tenant, which tenant its transaction sees and the clock it was given."""
    seen: list[tuple[uuid.UUID, str, datetime]] = []

    async def probe(session, tenant_id, now):
        visible = await session.scalar(text("select string_agg(id::text, ',') from tenants"))
        seen.append((tenant_id, visible, now))
        return f"saw {visible}"

    jobs.JOBS["test.probe"] = probe
    yield seen
    jobs.JOBS.pop("test.probe", None)


async def test_each_job_runs_once_per_tenant_inside_that_tenant(client, services, probe_job):
    first = await client.sign_up("Job A")
    second = await client.sign_up("Job B")
    at = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)

    outcomes = await run_jobs(services.db, at, only="test.probe")

    by_tenant = {tenant_id: visible for tenant_id, visible, _ in probe_job}
    assert by_tenant[uuid.UUID(first.tenant_id)] == first.tenant_id
    assert by_tenant[uuid.UUID(second.tenant_id)] == second.tenant_id
    assert all(now == at for _, _, now in probe_job)
    assert not any(outcome.failed for outcome in outcomes)


async def test_a_failing_tenant_does_not_stop_the_others(client, services):
    ok = await client.sign_up("Fine")
    broken = await client.sign_up("Broken")

    async def flaky(session, tenant_id, now):
        if tenant_id == uuid.UUID(broken.tenant_id):
            raise RuntimeError("boom")
        return "done"

    jobs.JOBS["test.flaky"] = flaky
    try:
        outcomes = await run_jobs(services.db, datetime.now(UTC), only="test.flaky")
    finally:
        jobs.JOBS.pop("test.flaky")

    result = {outcome.tenant_id: outcome for outcome in outcomes}
    assert result[uuid.UUID(broken.tenant_id)].failed
    assert result[uuid.UUID(ok.tenant_id)].summary == "done"


async def test_unknown_job_is_a_clear_error(services):
    with pytest.raises(KeyError, match="No job named 'nope'"):
        await run_jobs(services.db, datetime.now(UTC), only="nope")


async def test_jobs_command_takes_a_clock_and_reports(client, database_urls, monkeypatch, probe_job):
    tenant = await client.sign_up("Cli jobs")
    monkeypatch.setenv("DATABASE_URL", database_urls.app)
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(
            CliRunner().invoke, app, ["jobs", "run", "--job", "test.probe", "--at", "2031-05-06T07:08:09"]
        )
        unknown = await asyncio.to_thread(CliRunner().invoke, app, ["jobs", "run", "--job", "nope"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert f"test.probe {tenant.tenant_id}: saw {tenant.tenant_id}" in result.output
    assert datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC) in [now for _, _, now in probe_job]
    assert unknown.exit_code == 2 and "No job named 'nope'" in unknown.output
