"""OpenTelemetry traces: HTTP request -> GraphQL operation -> SQL statements.

Off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT, or CRM_OTLP_ENDPOINT): then a
TracerProvider exports in batches over OTLP/HTTP. Tests hand `create_app` a provider with an in-memory
exporter. With tracing off none of this module's hooks is installed, so a request makes no span object.

SQL spans come from two hooks: SQLAlchemy's cursor events (the sessions) and asyncpg's query loggers
(the fast path's raw connections and one-trip statement pool). asyncpg calls its loggers after the
statement, with its duration, from `loop.call_soon` in the statement's context: the span is made then,
with the statement's own start and end, under the span that was current when it ran.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Tracer
from sqlalchemy import event

from config.settings import Settings
from tenants.db import Database

STATEMENT_CHARS = 2_000  # statement text only, never its parameters (they carry customer data)


def build_tracer_provider(settings: Settings) -> TracerProvider | None:
    """The process's exporting provider when an OTLP endpoint is configured, else None (tracing off)."""
    endpoint = settings.tracing_endpoint
    if endpoint is None:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
    # OTEL_EXPORTER_OTLP_ENDPOINT is a base URL the exporter completes itself; CRM_OTLP_ENDPOINT too.
    exporter = (
        OTLPSpanExporter()
        if settings.otlp_endpoint
        else OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    )
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def instrument_database(db: Database, tracer: Tracer) -> None:
    """SQL spans for every statement of this process's pools."""
    engine = db.engine.sync_engine

    def before(_conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        if context is not None:
            context._crm_span = tracer.start_span(
                statement_name(statement), kind=SpanKind.CLIENT, attributes=statement_attributes(statement)
            )

    def after(_conn: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        span = getattr(context, "_crm_span", None)
        if span is not None:
            span.end()

    def failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, "_crm_span", None)
        if span is not None:
            span.set_status(trace.StatusCode.ERROR, str(exception_context.original_exception)[:200])
            span.end()

    def raw_statement(record: Any) -> None:
        finished = time.time_ns()
        span = tracer.start_span(
            statement_name(record.query),
            kind=SpanKind.CLIENT,
            attributes=statement_attributes(record.query),
            start_time=finished - int(record.elapsed * 1e9),
        )
        if record.exception is not None:
            span.set_status(trace.StatusCode.ERROR, str(record.exception)[:200])
        span.end(end_time=finished)

    def connected(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(raw_statement)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)
    event.listen(engine.pool, "connect", connected)
    db.query_loggers.append(raw_statement)


def statement_name(statement: str) -> str:
    verb = statement.lstrip().split(None, 1)[0].rstrip(";").upper() if statement.strip() else "SQL"
    return f"SQL {verb}"


def statement_attributes(statement: str) -> dict[str, str]:
    return {"db.system": "postgresql", "db.statement": statement[:STATEMENT_CHARS]}


def start_request_span(tracer: Tracer, scope: Any, route: str) -> tuple[Any, object]:
    """The server span of one HTTP request (continuing the caller's trace from `traceparent`), made
    current; returns it with the token to detach it."""
    from opentelemetry.propagate import extract

    carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", ())}
    parent = extract(carrier)
    span = tracer.start_span(
        f"{scope.get('method', 'WS')} {route}",
        context=parent,
        kind=SpanKind.SERVER,
        attributes={"http.request.method": scope.get("method", "GET"), "url.path": route},
    )
    token = otel_context.attach(trace.set_span_in_context(span, parent))
    return span, token


def end_span(span: Any, token: object, attributes: dict[str, Any]) -> None:
    for name, value in attributes.items():
        if value is not None:
            span.set_attribute(name, value)
    otel_context.detach(token)  # type: ignore[arg-type]
    span.end()
