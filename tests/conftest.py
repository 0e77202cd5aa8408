"""Test harness: one real PostgreSQL for the session, tests connect as the application role.

`DATABASE_URL`, when set, must be a role that may create roles and databases; the suite creates its own
database there. Otherwise the embedded server is started in a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from config.settings import Settings
from gateway.app import create_app
from gateway.services import Services
from migrations import upgrade_to_head
from tenants.embedded import DatabaseUrls, bootstrap_roles, start_embedded_server
from tests.support import GraphQLClient, TestDatabase

APP_ROLE = "crm_app"
COMPILED_READS: list[int] = []  # reads served by both paths and compared (verify mode)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # type: ignore[no-untyped-def]
    """pytest-xdist: a worker's count of compared operations, summed in the controller."""
    COMPILED_READS.extend(getattr(node, "workeroutput", {}).get("compiled_reads", []))


def pytest_sessionfinish(session) -> None:  # type: ignore[no-untyped-def]
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        worker_output["compiled_reads"] = list(COMPILED_READS)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if COMPILED_READS:
        terminalreporter.write_line(
            f"compiled reads and creates compared with the executor: {sum(COMPILED_READS)}, all equal"
        )


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        # OWASP's minimum argon2id parameters keep the suite fast; production uses stronger defaults.
        "CRM_ARGON2_MEMORY_KIB": 19_456,
        "CRM_ARGON2_TIME_COST": 2,
        "CRM_ARGON2_PARALLELISM": 1,
        "CRM_ENV": "development",
        # Every operation the fast path serves runs both ways and must agree (gateway/fast_path.py).
        "CRM_COMPILED_READS": "verify",
        # Rate limits far above what any test spends as one member (the fuzzer, imports, loops of
        # creates); tests/integrations/test_rate_limits.py sets small ones per tenant (`crm rate-limits`).
        "CRM_RATE_LIMIT_TENANT_BURST": 1_000_000,
        "CRM_RATE_LIMIT_USER_BURST": 1_000_000,
        "CRM_RATE_LIMIT_KEY_BURST": 1_000_000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session", autouse=True)
def steady_leases() -> Iterator[None]:
    """Rate-limit leases (tenants/rate_limits.py) last a second; round-trip counts must not depend on
    whether a loaded machine let one expire between a warm-up request and the counted one."""
    from tenants import rate_limits

    saved, rate_limits.LEASE_SECONDS = rate_limits.LEASE_SECONDS, 3600.0
    yield
    rate_limits.LEASE_SECONDS = saved


@pytest.fixture(scope="session")
def database_urls() -> Iterator[DatabaseUrls]:
    external = os.environ.get("DATABASE_URL")
    data_dir: str | None = None
    if external:
        admin_url = external
    else:
        data_dir = tempfile.mkdtemp(prefix="crmtest-", dir="/tmp")
        admin_url = start_embedded_server(Path(data_dir))
    database = f"crm_test_{uuid.uuid4().hex[:8]}"
    urls = asyncio.run(bootstrap_roles(admin_url, database, APP_ROLE))
    upgrade_to_head(urls.owner, APP_ROLE)
    yield urls
    if external:
        asyncio.run(drop_database(admin_url, database))
    elif data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)


async def drop_database(admin_url: str, database: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'drop database if exists "{database}" with (force)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def services(database_urls: DatabaseUrls) -> AsyncIterator[Services]:
    services = Services.build(make_settings(), database_urls.app)
    yield services
    await services.db.dispose()


@pytest.fixture(scope="session")
async def app(database_urls: DatabaseUrls, services: Services):  # type: ignore[no-untyped-def]
    application = create_app(make_settings(), database_urls.app)
    await application.state.services.db.verify_runtime_role()
    yield application
    await application.state.services.db.dispose()
    report = application.state.fast_path.report
    COMPILED_READS.append(report.compiled)
    assert not report.mismatches, f"compiled reads differ from the executor: {report.mismatches[:3]}"


@pytest.fixture
async def client(app) -> AsyncIterator[GraphQLClient]:  # type: ignore[no-untyped-def]
    # A distinct client address per test, so failed-login counters per address never leak between tests.
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


@pytest.fixture
async def db(database_urls: DatabaseUrls) -> AsyncIterator[TestDatabase]:
    """Raw asyncpg access as the application role (for SQL-level isolation tests)."""
    database = TestDatabase(database_urls)
    yield database
    await database.close()
