"""Prometheus metrics of one server process (`/metrics`, or a listener of its own: CRM_METRICS_BIND).

Per request the process only observes two histograms and, for errors, a counter; labels are bounded
(route, status, operation type, path taken, error code), never a tenant or an operation name. Pool
usage, open subscriptions and the job runner's record are read when Prometheus scrapes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from graph.live.bus import EventBus
from tenants.db import Database

logger = logging.getLogger("crm.metrics")

# Compiled reads answer in about a millisecond; executor pages in tens; anything past 5 s is an incident.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
KNOWN_ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")
JOB_RUNS = text(
    "select job, runs, failures, last_started_at, last_finished_at, last_succeeded_at, backlog from job_runs"
)


def route_of(path: str) -> str:
    """A bounded label for a request path."""
    if path in KNOWN_ROUTES:
        return path
    if path.startswith("/blobs/"):
        return "/blobs"
    return "other"


class Metrics:
    def __init__(self, db: Database, bus: EventBus) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Histogram(
            "crm_http_request_duration_seconds",
            "HTTP requests by route and status, from the first byte in to the last byte out.",
            ["route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.operations = Histogram(
            "crm_graphql_operation_duration_seconds",
            "GraphQL operations over HTTP by type (query, mutation, unknown) and path (fast, executor).",
            ["type", "path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "crm_graphql_errors",
            "GraphQL errors in responses, by extensions.code (UNAVAILABLE, UNAUTHENTICATED, ...).",
            ["code"],
            registry=self.registry,
        )
        self.runtime = RuntimeCollector(db, bus)
        self.registry.register(self.runtime)

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).observe(seconds)

    def observe_operation(self, operation_type: str, path: str, seconds: float) -> None:
        self.operations.labels(operation_type, path).observe(seconds)

    def count_errors(self, errors: list[Any]) -> None:
        for error in errors:
            code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
            self.errors.labels(code if isinstance(code, str) and code.isupper() else "OTHER").inc()

    async def refresh(self) -> None:
        """Reads what lives in the database (the job runner's record) before a scrape."""
        await self.runtime.read_job_runs()


class RuntimeCollector(Collector):
    """Gauges read at scrape time: both connection pools, live subscriptions, the job runner's record."""

    def __init__(self, db: Database, bus: EventBus) -> None:
        self.db = db
        self.bus = bus
        self.job_rows: list[Any] = []

    async def read_job_runs(self) -> None:
        try:
            async with self.db.engine.connect() as connection:
                self.job_rows = list(await connection.execute(JOB_RUNS))
        except Exception as error:  # the database is down: the pool gauges still tell
            logger.warning("job runs not read for metrics: %s", error)
            self.job_rows = []

    def collect(self) -> Iterator[Any]:
        pool = self.db.engine.sync_engine.pool
        in_use = GaugeMetricFamily(
            "crm_db_pool_connections", "Connections of each pool by state.", labels=["pool", "state"]
        )
        limit = GaugeMetricFamily(
            "crm_db_pool_max_connections", "Most connections a pool opens.", labels=["pool"]
        )
        checked_out = pool.checkedout()  # type: ignore[attr-defined]
        in_use.add_metric(["sessions", "in_use"], checked_out)
        in_use.add_metric(["sessions", "idle"], pool.checkedin())  # type: ignore[attr-defined]
        limit.add_metric(["sessions"], pool.size() + getattr(pool, "_max_overflow", 0))  # type: ignore[attr-defined]
        statements = self.db.statement_pool
        busy = idle = 0
        if statements is not None:
            idle = statements.get_idle_size()
            busy = statements.get_size() - idle
        in_use.add_metric(["statements", "in_use"], busy)
        in_use.add_metric(["statements", "idle"], idle)
        limit.add_metric(["statements"], self.db.pool_size)
        yield in_use
        yield limit
        yield GaugeMetricFamily(
            "crm_live_subscriptions",
            "Open GraphQL subscriptions in this process.",
            value=self.bus.subscriber_count,
        )
        yield from self.job_families(time.time())

    def job_families(self, now: float) -> Iterator[Any]:
        runs = CounterMetricFamily(
            "crm_job_runs", "Runs of each scheduled job (all runners).", labels=["job"]
        )
        failures = CounterMetricFamily(
            "crm_job_failures", "Runs of each job in which at least one tenant failed.", labels=["job"]
        )
        lag = GaugeMetricFamily(
            "crm_job_lag_seconds", "Seconds since each job last finished without a failure.", labels=["job"]
        )
        backlog = GaugeMetricFamily(
            "crm_job_backlog",
            "Work a job left due after its last run, summed over tenants (the notification outbox).",
            labels=["job"],
        )
        for row in self.job_rows:
            runs.add_metric([row.job], row.runs)
            failures.add_metric([row.job], row.failures)
            if row.last_succeeded_at is not None:
                lag.add_metric([row.job], max(0.0, now - row.last_succeeded_at.timestamp()))
            if row.backlog is not None:
                backlog.add_metric([row.job], row.backlog)
        yield from (runs, failures, lag, backlog)
