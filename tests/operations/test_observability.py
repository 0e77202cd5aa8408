"""Metrics at /metrics, the span tree of a request, request ids, JSON logs with request and tenant ids,
and the slow-operation log (issue 22). One app for the module, with an in-memory span exporter."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from gateway.app import create_app
from gateway.jobs import run_jobs
from gateway.observability.endpoint import metrics_location, start_listener
from gateway.observability.logs import JsonFormatter, RequestIds
from tests.conftest import make_settings
from tests.support import GraphQLClient

ACCOUNTS = "query Accounts { accounts(first: 5) { edges { node { name } } } }"
CREATE = """mutation CreateAccount($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id name } errors { code } } }"""
ME = "query WhoAmI { me { user { email } } }"
TOKEN = "scrape-secret"


@pytest.fixture(scope="module")
async def observed(database_urls) -> AsyncIterator[tuple[Any, InMemorySpanExporter]]:  # type: ignore[no-untyped-def]
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(make_settings(CRM_SLOW_OPERATION_MS=0), database_urls.app, tracer_provider=provider)
    yield app, exporter
    await app.state.services.db.dispose()


@pytest.fixture
async def http(observed) -> AsyncIterator[GraphQLClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=observed[0], client=("10.22.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield GraphQLClient(client)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(http: GraphQLClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await http.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


def operation_count(metrics, operation_type: str, path: str) -> float:  # type: ignore[no-untyped-def]
    key = ("crm_graphql_operation_duration_seconds_count", (("path", path), ("type", operation_type)))
    return metrics.get(key, 0.0)


async def test_metrics_count_requests_operations_by_path_errors_and_pools(http):
    admin = await http.sign_up("Metrics")
    before = await scrape(http)

    await http.execute(CREATE, {"input": {"name": "Counted"}}, admin.token)
    await http.execute(ACCOUNTS, None, admin.token)  # the credential's first read: four statements
    await http.execute(ACCOUNTS, None, admin.token)  # one trip
    refused = await http.post(ME, None, "crm_not-a-token")
    after = await scrape(http)

    assert refused.status_code == 401
    assert operation_count(after, "query", "fast") - operation_count(before, "query", "fast") == 2
    assert operation_count(after, "mutation", "fast") - operation_count(before, "mutation", "fast") == 0
    # verify mode rehearses the create and lets the executor make it: the executor's path
    assert (
        operation_count(after, "mutation", "executor") - operation_count(before, "mutation", "executor") == 1
    )
    assert operation_count(after, "query", "executor") - operation_count(before, "query", "executor") == 1
    unauthenticated = ("crm_graphql_errors_total", (("code", "UNAUTHENTICATED"),))
    assert after[unauthenticated] - before.get(unauthenticated, 0) == 1
    graphql_200 = ("crm_http_request_duration_seconds_count", (("route", "/graphql"), ("status", "200")))
    assert after[graphql_200] - before[graphql_200] == 3
    for pool in ("sessions", "statements"):
        assert ("crm_db_pool_connections", (("pool", pool), ("state", "in_use"))) in after
    # CRM_DB_POOL_SIZE (10) plus as many overflow connections; the statement pool beside it
    assert after[("crm_db_pool_max_connections", (("pool", "sessions"),))] == 20
    assert after[("crm_db_pool_max_connections", (("pool", "statements"),))] == 10
    assert after[("crm_db_pool_connections", (("pool", "statements"), ("state", "idle")))] >= 1
    assert after[("crm_live_subscriptions", ())] == 0
    # No label carries a tenant or an operation name.
    assert not any(admin.tenant_id in str(labels) or "Accounts" in str(labels) for _, labels in after)


async def test_job_runs_lag_and_outbox_depth_are_scraped(http, observed):
    await http.sign_up("Jobs")
    await run_jobs(observed[0].state.services.db, datetime.now(UTC), "notifications.deliver")
    first = await scrape(http)
    await run_jobs(observed[0].state.services.db, datetime.now(UTC), "notifications.deliver")
    second = await scrape(http)

    job = (("job", "notifications.deliver"),)
    assert second[("crm_job_runs_total", job)] - first[("crm_job_runs_total", job)] == 1
    assert second[("crm_job_failures_total", job)] == first[("crm_job_failures_total", job)]
    assert 0 <= second[("crm_job_lag_seconds", job)] < 60
    assert second[("crm_job_backlog", job)] >= 0


async def test_the_span_tree_of_a_request(http, observed):
    exporter = observed[1]
    admin = await http.sign_up("Traced")
    await http.execute(ME, None, admin.token)  # the executor
    await http.execute(ACCOUNTS, None, admin.token)  # fast path, first read of this credential
    await asyncio.sleep(0)  # its COMMIT's span too
    exporter.clear()

    response = await http.post(ME, None, admin.token, **{"x-request-id": "trace-me-1"})
    assert response.status_code == 200
    await asyncio.sleep(0)  # asyncpg hands statements to its loggers with call_soon
    spans = exporter.get_finished_spans()

    roots = [s for s in spans if s.parent is None]
    assert [s.name for s in roots] == ["POST /graphql"]
    root = roots[0]
    assert root.attributes["crm.request_id"] == "trace-me-1"
    assert root.attributes["crm.tenant_id"] == admin.tenant_id
    assert root.attributes["http.response.status_code"] == 200
    operations = [s for s in spans if s.parent is not None and s.parent.span_id == root.context.span_id]
    assert [s.name for s in operations] == ["graphql query WhoAmI"]
    operation = operations[0]
    assert operation.attributes["graphql.operation.name"] == "WhoAmI"
    assert operation.attributes["crm.tenant_id"] == admin.tenant_id
    statements = [s for s in spans if s.parent is not None and s.parent.span_id == operation.context.span_id]
    assert statements and all(s.name.startswith("SQL ") for s in statements)
    assert any("crm_authenticate_session" in s.attributes["db.statement"] for s in statements)
    strays = [(s.name, s.parent) for s in spans if s.context.trace_id != root.context.trace_id]
    assert strays == []


async def test_fast_path_statements_are_spans_of_the_operation(http, observed):
    exporter = observed[1]
    admin = await http.sign_up("TracedFast")
    await http.execute(ACCOUNTS, None, admin.token)
    await asyncio.sleep(0)
    exporter.clear()

    await http.execute(ACCOUNTS, None, admin.token)  # one trip on the statement pool
    await asyncio.sleep(0)
    spans = exporter.get_finished_spans()

    operation = next(s for s in spans if s.name == "graphql query Accounts")
    assert operation.attributes["crm.path"] == "fast"
    children = [s for s in spans if s.parent is not None and s.parent.span_id == operation.context.span_id]
    assert any(
        s.name == "SQL SELECT" and "crm_authenticate" in s.attributes["db.statement"] for s in children
    )


async def test_a_traceparent_header_continues_the_callers_trace(http, observed):
    exporter = observed[1]
    exporter.clear()
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    await http.http.get("/healthz", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})

    (span,) = exporter.get_finished_spans()
    assert (span.name, format(span.context.trace_id, "032x")) == ("GET /healthz", trace_id)


async def test_request_ids_are_echoed_or_made(http):
    given = await http.post(ME, None, None, **{"x-request-id": "client-42"})
    made = await http.post(ME, None, None)
    malformed = await http.post(ME, None, None, **{"x-request-id": "has spaces"})
    refused = await http.http.post("/graphql", content=b"x", headers={"content-type": "text/plain"})
    health = await http.http.get("/healthz", headers={"x-request-id": "probe-1"})

    assert given.headers["x-request-id"] == "client-42"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", malformed.headers["x-request-id"])
    assert refused.status_code == 415 and re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
    assert health.headers["x-request-id"] == "probe-1"
    assert given.headers.get_list("x-request-id") == ["client-42"]  # never twice


async def test_slow_operations_are_logged_as_json_with_request_and_tenant_ids(http):
    admin = await http.sign_up("Logged")
    lines: list[str] = []
    handler = logging.Handler()
    handler.addFilter(RequestIds())
    handler.setFormatter(JsonFormatter())
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    slow = logging.getLogger("crm.slow")
    slow.addHandler(handler)
    try:
        await http.post(ACCOUNTS, None, admin.token, **{"x-request-id": "slow-1"})
    finally:
        slow.removeHandler(handler)

    (entry,) = [json.loads(line) for line in lines]
    assert entry["level"] == "WARNING" and entry["logger"] == "crm.slow"
    assert entry["request_id"] == "slow-1"
    assert entry["tenant_id"] == admin.tenant_id
    assert (entry["operation_type"], entry["operation_name"]) == ("query", "Accounts")
    assert entry["path"] in ("fast", "executor") and entry["duration_ms"] >= 0
    assert entry["message"].startswith("slow operation: query Accounts took ")


async def test_metrics_need_the_token_when_one_is_set(database_urls):
    app = create_app(make_settings(CRM_METRICS_TOKEN=TOKEN), database_urls.app)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            anonymous = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"authorization": "Bearer nope"})
            right = await client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    finally:
        await app.state.services.db.dispose()

    assert (anonymous.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert "crm_db_pool_connections" in right.text


def test_where_metrics_are_served():
    assert metrics_location(make_settings()) == "app"
    assert metrics_location(make_settings(CRM_METRICS_BIND="off")) is None
    assert metrics_location(make_settings(CRM_METRICS_BIND="0.0.0.0:9100")) == ("0.0.0.0", 9100)
    # Production serves /metrics on the public port only with a token.
    assert metrics_location(make_settings(CRM_ENV="production")) is None
    assert metrics_location(make_settings(CRM_ENV="production", CRM_METRICS_TOKEN=TOKEN)) == "app"
    with pytest.raises(ValueError, match="CRM_METRICS_BIND must be `app`, `off` or host:port, got 'nine'"):
        metrics_location(make_settings(CRM_METRICS_BIND="nine"))


async def test_a_metrics_listener_of_its_own(observed):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    listener = await start_listener(observed[0].state.graphql.metrics, "127.0.0.1", port, None)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            scraped = await client.get("/metrics")
            other = await client.get("/graphql")
    finally:
        listener.close()

    assert scraped.status_code == 200 and "crm_http_request_duration_seconds" in scraped.text
    assert other.status_code == 404


async def test_without_an_exporter_no_span_is_made(database_urls):
    app = create_app(make_settings(), database_urls.app)
    try:
        assert app.state.graphql.tracer is None
        assert app.observed.tracer is None
        assert app.state.services.db.query_loggers == []
    finally:
        await app.state.services.db.dispose()
