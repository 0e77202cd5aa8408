"""The Starlette application: GraphQL at /graphql (HTTP and WebSocket), plus /healthz and /readyz."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from graphql import get_operation_ast
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from config.settings import Settings
from gateway.api_contract import CHARGE, ApiContract
from gateway.charts import chart_routes
from gateway.client_address import client_address, trusted_networks
from gateway.fast_path import Answer, FastPath, FastRequest
from gateway.graphql_http import GraphQLHTTPView, RequestRefused
from gateway.idempotency import IDEMPOTENCY_SCOPE
from gateway.observability.context import REQUEST_ID, current, note_tenant
from gateway.observability.endpoint import metrics_location, metrics_route, start_listener
from gateway.observability.logs import configure_logging
from gateway.observability.metrics import Metrics
from gateway.observability.middleware import ObservedApp
from gateway.observability.tracing import build_tracer_provider, instrument_database
from gateway.services import Services
from gateway.sms_hooks import sms_hook_routes
from graph.compiled.planner import Planner
from graph.core.context import RequestContext
from graph.core.extensions import validation_rules
from graph.live.backends import build_event_bus
from graph.live.bus import EventBus
from graph.live.checks import CredentialChecks
from graph.live.context import LiveContext
from graph.live.transport import LiveTransportHandler
from graph.schema import build_schema
from storage.routes import blob_routes
from tenants import login_log
from tenants.credentials import AccessRefused, AuthenticationFailed, authenticate, bearer_credential
from tenants.login_log import Client
from tenants.rate_limits import LimitRefusal, take_tokens

logger = logging.getLogger("crm.gateway")
slow_log = logging.getLogger("crm.slow")
OPERATION_KINDS_SIZE = 2_000


def request_id_for(request: Request) -> str:
    """The client's X-Request-Id when well-formed, else a new one; the same for the whole request."""
    known = request.scope.get("crm.request_id")
    if known is None:
        offered = request.headers.get("x-request-id", "")
        known = offered if REQUEST_ID.fullmatch(offered) else os.urandom(16).hex()
        request.scope["crm.request_id"] = known
    return known


class GraphQLApp(GraphQLHTTPView):
    """The GraphQL endpoint with our typed context: authenticates the bearer credential.

    WebSockets speak graphql-transport-ws only (the legacy `graphql-ws` subprotocol is refused with
    4406); their credential arrives in `connection_init` (see graph/live/transport.py).
    """

    graphql_transport_ws_handler_class = LiveTransportHandler

    def __init__(
        self,
        services: Services,
        bus: EventBus,
        metrics: Metrics | None = None,
        tracer: Tracer | None = None,
        **kwargs: Any,
    ) -> None:
        settings = services.settings
        super().__init__(
            build_schema(settings),
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
            allowed_origins=[o.strip() for o in settings.ws_allowed_origins.split(",") if o.strip()],
            **kwargs,
        )
        self.services = services
        self.bus = bus
        self.live_slots = asyncio.Semaphore(settings.db_pool_size)
        self.credential_checks = CredentialChecks(services.db)
        self.fast_path = FastPath(
            Planner(self.schema, services.db.engine.dialect, validation_rules(settings), settings.max_tokens),
            settings.compiled_reads,
        )
        self.verifies_compiled = settings.compiled_reads == "verify"
        self.max_body_bytes = settings.max_body_bytes
        self.max_multipart_bytes = settings.max_multipart_bytes
        self.graphiql_enabled = settings.graphiql_enabled
        self.idempotency_ttl_hours = settings.idempotency_ttl_hours
        self.trusted_proxies = trusted_networks(settings.trusted_proxies)
        self.contract = ApiContract(self, settings)
        self.metrics = metrics
        self.tracer = tracer
        self.slow_seconds = settings.slow_operation_ms / 1000
        self.operation_kinds: dict[tuple[str, str | None], tuple[str, str | None]] = {}

    async def execute_params(self, request: Any, media_type: str, params: dict[str, Any]) -> Any:
        """The operation, timed (metrics, slow log) and, with tracing on, in a span of its own."""
        observation = current()
        if observation is None:  # not behind ObservedApp (a test mounting the view alone)
            return await self.charged_execute(request, media_type, params)
        observation.operation_type, observation.operation_name = self.operation_kind(params)
        span = token = None
        if self.tracer is not None:
            span = self.tracer.start_span(
                f"graphql {observation.operation_type} {observation.operation_name or ''}".rstrip(),
                attributes={
                    "graphql.operation.type": observation.operation_type,
                    "graphql.operation.name": observation.operation_name or "",
                },
            )
            token = otel_context.attach(trace.set_span_in_context(span))
        started = time.perf_counter()
        try:
            return await self.charged_execute(request, media_type, params)
        finally:
            elapsed = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.observe_operation(observation.operation_type, observation.path, elapsed)
            if elapsed >= self.slow_seconds:
                slow_log.warning(
                    "slow operation: %s %s took %.0f ms (%s path)",
                    observation.operation_type,
                    observation.operation_name or "(anonymous)",
                    elapsed * 1000,
                    observation.path,
                    extra={
                        "operation_type": observation.operation_type,
                        "operation_name": observation.operation_name,
                        "path": observation.path,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
            if span is not None:
                span.set_attribute("crm.path", observation.path)
                if observation.tenant_id is not None:
                    span.set_attribute("crm.tenant_id", str(observation.tenant_id))
                otel_context.detach(token)  # type: ignore[arg-type]
                span.end()

    def operation_kind(self, params: dict[str, Any]) -> tuple[str, str | None]:
        """(query | mutation | subscription | unknown, the operation's name), once per text and name."""
        key = (params["query"], params["operationName"])
        if key[0] is None:  # a persisted operation sent by its hash alone: resolved later (ApiContract)
            return ("unknown", key[1])
        known = self.operation_kinds.get(key)
        if known is None:
            document = self.fast_path.planner.document(params["query"])
            operation = get_operation_ast(document, key[1]) if document is not None else None
            if operation is None:
                known = ("unknown", key[1])
            else:
                known = (operation.operation.value, operation.name.value if operation.name else key[1])
            if len(self.operation_kinds) >= OPERATION_KINDS_SIZE:
                self.operation_kinds.clear()
            self.operation_kinds[key] = known
        return known

    def json_response(self, media_type: str, status: int, body: object, headers: Any = None) -> Response:
        if self.metrics is not None and isinstance(body, dict) and body.get("errors"):
            self.metrics.count_errors(body["errors"])
        return super().json_response(media_type, status, body, headers)

    async def charged_execute(self, request: Any, media_type: str, params: dict[str, Any]) -> Response:
        """Charges an authenticated request against its rate-limit buckets (whichever path checks its
        credential takes the charge, once) and answers the RateLimit headers; a persisted operation's
        hash is resolved first (gateway/api_contract.py)."""
        charge = None
        if request.headers.get("authorization"):
            params, charge = await self.contract.charge_for(request, params)
            request.scope[CHARGE] = charge
        try:
            response = await super().execute_params(request, media_type, params)
        except LimitRefusal as refusal:
            return self.contract.refusal_response(media_type, request_id_for(request), refusal)
        if charge is not None and charge.answer is not None:
            response.headers.update(charge.answer.headers())
        return response

    async def charge(self, request: Any, context: RequestContext) -> None:
        """The executor path's charge: one statement of its own, after the credential check."""
        charge = request.scope.get(CHARGE)
        if charge is None or context.actor_or_none is None:
            return
        try:
            await take_tokens(await self.services.db.single_statements(), context.actor_or_none, charge)
        except LimitRefusal:
            await context.finish(commit=False)
            raise

    async def execute_compiled(self, request: Any, params: dict[str, Any]) -> tuple[Answer, str] | None:
        if not self.fast_path.wanted(params, request.method):
            return None
        try:
            credential = bearer_credential(request.headers.get("authorization"))
        except AuthenticationFailed:
            return None
        if credential is None:
            return None
        request_id = request_id_for(request)
        fast = FastRequest(
            self.services.db,
            credential,
            self.client_address(request),
            request_id,
            params,
            request.scope.get(CHARGE),
            request.scope.get(IDEMPOTENCY_SCOPE),
        )
        answer = await self.fast_path.serve(fast, rehearse=self.verifies_compiled)
        if answer is None:
            return None
        observation = current()
        if observation is not None:
            observation.path = "fast"
        return answer, request_id

    def is_single_mutation(self, params: dict[str, Any]) -> bool:
        return self.fast_path.planner.is_single_mutation(params["query"], params["operationName"])

    def compare_compiled(self, params: dict[str, Any], compiled: Any, body: dict[str, Any]) -> str | None:
        return self.fast_path.compare(params, compiled, body)

    def client_address(self, request: Any) -> str | None:
        return client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.trusted_proxies,
        )

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        address = self.client_address(request)
        if isinstance(request, WebSocket):
            return LiveContext(
                services=self.services,
                request=request,
                response=response,
                request_id=request_id_for(request),  # type: ignore[arg-type]
                client_address=address,
                bus=self.bus,
                slots=self.live_slots,
                checks=self.credential_checks,
            )
        context = RequestContext(
            services=self.services,
            request=request,
            response=response,
            request_id=request_id_for(request),
            client_address=address,
        )
        credential = None
        try:
            credential = bearer_credential(request.headers.get("authorization"))
            if credential is not None:
                timeout = self.services.db.statement_timeout
                context.actor_or_none = await context.begin_with(
                    lambda session: authenticate(session, credential, context.request_id, timeout, address)
                )
                await self.charge(request, context)
                note_tenant(context.actor_or_none.tenant_id)
        except AuthenticationFailed as error:
            if credential is not None and credential.kind == "api_key":  # the login log keeps key failures
                client = Client(address, request.headers.get("user-agent"))
                await login_log.record_api_key_failure(await context.session(), credential.value, client)
            await context.finish(commit=True)  # keep nothing but close the transaction cleanly
            if isinstance(error, AccessRefused):  # the tenant's policy: 403 with its code
                raise RequestRefused(403, str(error), code=error.code) from None
            raise HTTPException(401, str(error)) from None
        return context


class CrmApplication(Starlette):
    """Starlette, with GraphQL's GET and POST handed straight to the view.

    Starlette's middleware stack and router cost about a tenth of a compiled read; the view answers
    every error itself (status, GraphQL-shaped body), so they add nothing on this route. Everything
    else (health checks, blobs, WebSockets, other methods) goes through Starlette as routed.
    """

    def __init__(self, graphql: GraphQLApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.graphql = graphql
        # Outermost: request id, the request's metrics and span (gateway/observability/middleware.py).
        self.observed = ObservedApp(self.dispatch, graphql.metrics, graphql.tracer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.observed(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql" and scope["method"] in ("GET", "POST"):
            scope["app"] = self
            await self.graphql(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings, database_url: str, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The application; `tracer_provider` overrides the OTLP configuration (tests: in-memory spans)."""
    services = Services.build(settings, database_url)
    bus = build_event_bus(settings, database_url)
    location = metrics_location(settings)  # "app", (host, port) or None
    metrics = Metrics(services.db, bus) if location is not None else None
    provider = tracer_provider or build_tracer_provider(settings)
    tracer = provider.get_tracer("crm.gateway") if provider is not None else None
    if tracer is not None:
        instrument_database(services.db, tracer)
    graphql = GraphQLApp(
        services,
        bus,
        metrics,
        tracer,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        allow_queries_via_get=True,
        multipart_uploads_enabled=True,
    )

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            async with services.db.engine.connect() as connection:
                await connection.execute(text("select 1"))
        except Exception:
            logger.exception("readiness check failed")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await services.db.verify_runtime_role()
        try:
            await services.blobs.ensure_ready()
        except Exception:
            logger.exception("the file store is not ready; document uploads will fail until it is")
        if not await services.db.search_operators_leakproof():
            logger.warning(
                "LIKE/ILIKE are not LEAKPROOF in this database, so text search cannot use the trigram "
                "indexes under row-level security; as a superuser run: ALTER FUNCTION texticlike(text, text) "
                "LEAKPROOF; ALTER FUNCTION textlike(text, text) LEAKPROOF; (see infra/README.md)"
            )
        await bus.ensure_started()
        listener = None
        if metrics is not None and isinstance(location, tuple):
            listener = await start_listener(metrics, *location, settings.metrics_token)
        yield
        if listener is not None:
            listener.close()
        await bus.stop()
        await services.dispose()
        if provider is not None and tracer_provider is None:
            provider.shutdown()  # flushes the spans still batched

    metrics_routes = []
    if metrics is not None and location == "app":
        metrics_routes.append(Route("/metrics", metrics_route(metrics, settings.metrics_token)))
    app = CrmApplication(
        graphql,
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *metrics_routes,
            Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            *blob_routes(services.blobs),
            *chart_routes(),
            *sms_hook_routes(),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.event_bus = bus
    app.state.fast_path = graphql.fast_path
    app.state.graphql = graphql
    return app


def app_from_environment() -> Starlette:
    """uvicorn factory: settings (and the resolved DATABASE_URL) come from the environment."""
    from config.settings import get_settings

    settings = get_settings()
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set; start the server with `crm serve`.")
    configure_logging(settings)
    app = create_app(settings, settings.database_url)
    tune_garbage_collector()
    return app


def tune_garbage_collector() -> None:
    """A server process holds many long-lived objects (the schema and mappers built above, and ~650 per
    open WebSocket), so CPython's default thresholds run full collections every few seconds under load,
    each stopping the event loop for 0.3-0.7 s with 1,000 subscribers (bench/subscribers.py). What startup
    built is frozen out of the collector's passes, and young collections run every 50,000 allocations
    instead of 700, so far fewer in-flight objects are promoted into the generation that full passes scan."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
