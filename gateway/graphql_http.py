"""GraphQL over HTTP, as the specification (graphql.github.io/graphql-over-http) asks, SHOULDs included.

Strawberry's view answers `application/json` only; this view negotiates the response media type and
uses the specification's status codes:

- `application/graphql-response+json` when the client's Accept prefers it: 200 for a response with a
  `data` entry (even `null`), 400 for a request error (unparsable or invalid document, variable
  coercion failure, unknown operation), with no `data` entry;
- `application/json` otherwise (also when Accept is absent or only a wildcard): 200 for every
  well-formed request, whatever the GraphQL errors;
- 406 for an Accept that allows neither, 415 for a body that is not `application/json` (no form
  posts, so no CSRF through plain HTML forms), 413 for a body over `max_body_bytes`, 400 for a
  malformed request (bad JSON, JSON-array batches, missing or non-string `query`, non-object
  `variables`/`extensions`, non-string `operationName`), 405 with `Allow: POST` for a mutation sent
  by GET, and the authentication failure's own status (401) as a GraphQL-shaped error body.

File uploads follow the GraphQL multipart request specification (`operations`, `map`, file parts)
when multipart uploads are enabled and the request carries a header a plain HTML form cannot send
(`Apollo-Require-Preflight`, `X-Apollo-Operation-Name` or `GraphQL-Require-Preflight`: CSRF
protection); otherwise multipart is a 415 like any other form. The body is capped while it streams in
(`max_multipart_bytes`, 413 past it); Starlette's parser spools each file to a temporary file (at most
1 MB of it in memory), and resolvers stream from there into the blob store.

WebSockets and the GraphiQL page still go through Strawberry's view.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.file_uploads.utils import replace_placeholders_with_files
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.idempotency import (
    CONFLICT_MESSAGE,
    CONFLICT_STATUS,
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_SCOPE,
    REPLAYED_HEADER,
    UNKEPT_MESSAGE,
    IdempotentRequest,
    InvalidKey,
    conflict_code,
    idempotent_request,
)
from graph.core.errors import UNAVAILABLE_MESSAGE, database_unavailable

logger = logging.getLogger("crm.gateway")

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
SUPPORTED_MEDIA_TYPES = (GRAPHQL_RESPONSE_JSON, APPLICATION_JSON)
MULTIPART_FORM_DATA = "multipart/form-data"
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-require-preflight")
MAX_UPLOAD_FILES = 10
RETRY_AFTER_SECONDS = "5"
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
UNSUPPORTED_BODY = (
    "Unsupported content type: send a JSON body with Content-Type: application/json "
    "(file uploads: multipart/form-data with an Apollo-Require-Preflight header)."
)


class BodyTooLarge(Exception):
    """The request body streamed past the cap."""


class RequestRefused(Exception):
    """A request the server will not execute, answered with `status` and a GraphQL-shaped body."""

    def __init__(
        self, status: int, message: str, headers: Mapping[str, str] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.code = code


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header; None when it allows neither of ours.

    No Accept header means `application/json` (the specification's rule for legacy clients). Among
    equally preferred types, an explicitly named `application/graphql-response+json` wins, while a
    wildcard (`*/*`, `application/*`) alone keeps the legacy `application/json`.
    """
    if accept is None or not accept.strip():
        return APPLICATION_JSON
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    ranges = [parse_media_range(part) for part in accept.split(",") if part.strip()]
    for candidate in SUPPORTED_MEDIA_TYPES:
        matches = [
            (q, specificity)
            for media_range, q in ranges
            if (specificity := match_specificity(media_range, candidate)) is not None
        ]
        if not matches:
            continue
        # The most specific matching range decides the quality (RFC 9110, section 12.5.1).
        specificity, q = max((s, q) for q, s in matches)
        if q <= 0:
            continue
        exact = specificity == 2
        preferred = (candidate == GRAPHQL_RESPONSE_JSON) == exact
        key = (q, int(exact), int(preferred))
        if best is None or key > best:
            best, chosen = key, candidate
    return chosen


def parse_media_range(part: str) -> tuple[str, float]:
    media_range, *parameters = (piece.strip() for piece in part.split(";"))
    q = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                q = 0.0
    return media_range.lower(), q


def match_specificity(media_range: str, media_type: str) -> int | None:
    if media_range == media_type:
        return 2
    if media_range == "*/*":
        return 0
    if media_range.endswith("/*") and media_type.startswith(media_range[:-1]):
        return 1
    return None


def is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable-coercion errors: no data, and no error carries a field path."""
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)


def is_internal_error(result: ExecutionResult) -> bool:
    return any((e.extensions or {}).get("code") == "INTERNAL_SERVER_ERROR" for e in result.errors or [])


def is_unavailable(result: ExecutionResult) -> bool:
    return any((e.extensions or {}).get("code") == "UNAVAILABLE" for e in result.errors or [])


class GraphQLHTTPView(GraphQL):
    """Strawberry's ASGI view with a specification-conformant HTTP transport in front of it."""

    max_body_bytes: int = 1_000_000
    max_multipart_bytes: int = 50 * 1024 * 1024
    graphiql_enabled: bool = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, self.capped(receive))
        try:
            response = await self.handle_http(request)
        finally:
            form = getattr(request.state, "upload_form", None)
            if form is not None:
                await form.close()  # removes the spooled temporary files
        await response(scope, receive, send)

    def capped(self, receive: Receive) -> Receive:
        """`receive` that stops a body growing past the larger of the two caps while it streams."""
        limit = max(self.max_body_bytes, self.max_multipart_bytes if self.multipart_uploads_enabled else 0)
        received = 0

        async def limited() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        return limited

    def wants_graphiql(self, request: Request) -> bool:
        return (
            self.graphiql_enabled
            and request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def handle_http(self, request: Request) -> Response:
        if self.wants_graphiql(request):
            return await self.render_graphql_ide(request)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None:
            return self.error_response(
                APPLICATION_JSON,
                406,
                f"Accept must allow {GRAPHQL_RESPONSE_JSON} or {APPLICATION_JSON}.",
            )
        try:
            params = await self.read_params(request)
            return await self.execute_params(request, media_type, params)
        except BodyTooLarge:
            return self.error_response(media_type, 413, "The request body is larger than allowed.")
        except RequestRefused as refused:
            return self.error_response(
                media_type, refused.status, refused.message, refused.headers, refused.code
            )
        except Exception as error:
            # The database is down (authentication, or ending the transaction, could not reach it):
            # a GraphQL error the client can act on, not Starlette's plain-text 500.
            if not database_unavailable(error):
                raise
            logger.warning("database unavailable: %s", error)
            return self.error_response(
                media_type, 503, UNAVAILABLE_MESSAGE, {"Retry-After": RETRY_AFTER_SECONDS}, "UNAVAILABLE"
            )

    async def read_params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for name in ("variables", "extensions"):
                if isinstance(params.get(name), str):
                    params[name] = (
                        decode_json(params[name], f"`{name}` is not valid JSON.") if params[name] else None
                    )
        elif request.method == "POST":
            content_type = request.headers.get("content-type", "")
            if content_type.split(";", 1)[0].strip().lower() == MULTIPART_FORM_DATA:
                params = await self.read_multipart(request)
            else:
                params = await self.read_json_body(request)
        else:
            raise RequestRefused(405, "GraphQL over HTTP takes GET and POST.", {"Allow": "GET, POST"})
        return validate_params(params)

    async def read_json_body(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type")
        if content_type is None:
            raise RequestRefused(
                415, "Send the operation as a JSON body with Content-Type: application/json."
            )
        media_type, *parameters = (piece.strip().lower() for piece in content_type.split(";"))
        charset = next(
            (p.partition("=")[2].strip('" ') for p in parameters if p.startswith("charset=")), "utf-8"
        )
        if media_type != APPLICATION_JSON or charset not in ("utf-8", "utf8"):
            raise RequestRefused(415, UNSUPPORTED_BODY)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise RequestRefused(413, f"The request body is larger than {self.max_body_bytes} bytes.")
        body = bytearray()
        try:
            async for chunk in request.stream():
                body.extend(chunk)
                if len(body) > self.max_body_bytes:
                    raise RequestRefused(413, f"The request body is larger than {self.max_body_bytes} bytes.")
        except ClientDisconnect:
            raise RequestRefused(400, "The request body ended early.") from None
        if not body.strip():
            raise RequestRefused(400, "The request body is empty: send a JSON object with a `query`.")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestRefused(400, "The request body is not UTF-8.") from None
        data = decode_json(text, "The request body is not valid JSON.")
        if isinstance(data, list):
            raise RequestRefused(400, "Batching is not supported: send one operation per request.")
        if not isinstance(data, dict):
            raise RequestRefused(400, "The request body must be a JSON object.")
        return data

    async def read_multipart(self, request: Request) -> dict[str, Any]:
        """The operation of a GraphQL multipart request, with its files put in place of the nulls."""
        if not self.multipart_uploads_enabled or not any(request.headers.get(h) for h in PREFLIGHT_HEADERS):
            raise RequestRefused(415, UNSUPPORTED_BODY)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_multipart_bytes:
            raise RequestRefused(
                413, f"The upload is larger than {self.max_multipart_bytes} bytes; use requestUpload."
            )
        try:
            form = await request.form(
                max_files=MAX_UPLOAD_FILES, max_fields=10, max_part_size=self.max_body_bytes
            )
        except BodyTooLarge:
            raise RequestRefused(
                413, f"The upload is larger than {self.max_multipart_bytes} bytes; use requestUpload."
            ) from None
        except (MultiPartException, ClientDisconnect, ValueError) as error:
            raise RequestRefused(400, f"Malformed multipart request: {error}") from None
        request.state.upload_form = form
        return parse_multipart_operation(form)

    async def execute_params(self, request: Request, media_type: str, params: dict[str, Any]) -> Response:
        idempotent = self.idempotent_request(request, params)
        answer = await self.execute_compiled(request, params)
        compiled = None if answer is None else answer[0]
        if answer is not None and not self.verifies_compiled:
            return self.raw_json_response(media_type, b'{"data":' + answer[0].data + b"}", answer[1])
        sub_response = await self.get_sub_response(request)
        try:
            context = await self.get_context(request, sub_response)
        except HTTPException as error:
            if error.status_code == 401:
                raise RequestRefused(
                    401, error.reason, {"WWW-Authenticate": "Bearer"}, "UNAUTHENTICATED"
                ) from None
            raise RequestRefused(error.status_code, error.reason) from None
        if idempotent is not None and context.actor_or_none is not None:
            replayed = await self.claim_idempotency(context, idempotent, media_type)
            if replayed is not None:
                return replayed
        allowed = {OperationType.QUERY}
        if request.method == "POST":
            allowed.add(OperationType.MUTATION)
            context.single_mutation = self.is_single_mutation(params)
        try:
            result = await self.schema.execute(
                params["query"],
                variable_values=params["variables"],
                context_value=context,
                operation_name=params["operationName"],
                allowed_operation_types=allowed,
                operation_extensions=params["extensions"],
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.MUTATION:
                raise RequestRefused(405, "Mutations are only accepted by POST.", {"Allow": "POST"}) from None
            raise RequestRefused(
                400, "Subscriptions are served over WebSocket (graphql-transport-ws)."
            ) from None
        except CannotGetOperationTypeError as error:
            raise RequestRefused(400, error.as_http_error_reason()) from None
        except MissingQueryError:
            raise RequestRefused(400, "The request has no GraphQL `query`.") from None
        finally:
            # Normally the RequestLifecycle extension has already ended the transaction.
            await context.finish(commit=False)

        body = process_result(result)
        if compiled is not None:
            mismatch = self.compare_compiled(params, compiled, body)
            if mismatch is not None:
                error = {"message": mismatch, "extensions": {"code": "COMPILED_MISMATCH"}}
                body.setdefault("errors", []).append(error)
        status = 200
        if is_request_error(result):
            body.pop("data", None)
            if media_type == GRAPHQL_RESPONSE_JSON:
                status = 500 if is_internal_error(result) else 400
        headers = {"X-Request-Id": context.request_id}
        if is_unavailable(result):
            status, headers["Retry-After"] = 503, RETRY_AFTER_SECONDS
        response = self.json_response(media_type, status, body, headers)
        response.headers.raw.extend(
            (name, value) for name, value in sub_response.headers.raw if name != b"content-type"
        )
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    async def execute_compiled(self, request: Request, params: dict[str, Any]) -> tuple[Any, str] | None:
        """An operation served without the executor (its `data` JSON in `.data`), with the request id;
        None to use the executor (which then serves the request from the start)."""
        return None

    verifies_compiled = False
    idempotency_ttl_hours = 24

    def idempotent_request(self, request: Request, params: dict[str, Any]) -> IdempotentRequest | None:
        """A mutation's Idempotency-Key (gateway/idempotency.py), also handed to the fast path."""
        try:
            idempotent = idempotent_request(
                request.headers.get(IDEMPOTENCY_HEADER), request.method, params, self.idempotency_ttl_hours
            )
        except InvalidKey as error:
            raise RequestRefused(400, str(error), code="INVALID") from None
        request.scope[IDEMPOTENCY_SCOPE] = idempotent
        return idempotent

    async def claim_idempotency(
        self, context: Any, idempotent: IdempotentRequest, media_type: str
    ) -> Response | None:
        """None when this request holds the key (its response is stored before COMMIT); otherwise the
        first request's stored answer, or the conflict of a different request under the same key."""
        claim = await idempotent.claim(await context.session(), context.actor)
        if claim.claimed:
            context.before_commit = idempotent.store_before_commit(context.actor)
            return None
        await context.finish(commit=False)
        if not claim.same_request:
            raise RequestRefused(CONFLICT_STATUS, CONFLICT_MESSAGE, code=conflict_code())
        if claim.response is None:  # committed without its answer (a mutation that left the tenant)
            raise RequestRefused(CONFLICT_STATUS, UNKEPT_MESSAGE, code=conflict_code())
        return self.raw_json_response(
            media_type, claim.response.encode(), context.request_id, {REPLAYED_HEADER: "true"}
        )

    def is_single_mutation(self, params: dict[str, Any]) -> bool:
        """Whether the operation is exactly one mutation field (it then needs no savepoint)."""
        return False

    def compare_compiled(self, params: dict[str, Any], compiled: Any, body: dict[str, Any]) -> str | None:
        return None

    def json_response(
        self, media_type: str, status: int, body: object, headers: Mapping[str, str] | None = None
    ) -> Response:
        return self.raw_json_response(media_type, orjson.dumps(body), headers=headers, status=status)

    def raw_json_response(
        self,
        media_type: str,
        content: bytes,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        all_headers = {"Vary": "Accept", **(headers or {})}
        if request_id is not None:
            all_headers["X-Request-Id"] = request_id
        return Response(
            content, status_code=status, headers=all_headers, media_type=f"{media_type}; charset=utf-8"
        )

    def error_response(
        self,
        media_type: str,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
    ) -> Response:
        error: dict[str, Any] = {"message": message}
        if code is not None:
            error["extensions"] = {"code": code}
        return self.json_response(media_type, status, {"errors": [error]}, headers)


def decode_json(text: str | bytes, message: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # also NaN/Infinity and nesting past orjson's depth limit
        raise RequestRefused(400, message) from None


def parse_multipart_operation(form: FormData) -> dict[str, Any]:
    operations, files_map = form.get("operations"), form.get("map")
    if not isinstance(operations, str) or not isinstance(files_map, str):
        raise RequestRefused(400, "A multipart request needs `operations` and `map` fields before the files.")
    operation = decode_json(operations, "`operations` is not valid JSON.")
    mapping = decode_json(files_map, "`map` is not valid JSON.")
    if isinstance(operation, list):
        raise RequestRefused(400, "Batching is not supported: send one operation per request.")
    if not isinstance(operation, dict):
        raise RequestRefused(400, "`operations` must be a JSON object.")
    if not isinstance(mapping, dict) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths) for paths in mapping.values()
    ):
        raise RequestRefused(400, "`map` must map each file field to a list of variable paths.")
    files = {}
    for name in mapping:
        part = form.get(name)
        if not isinstance(part, UploadFile):
            raise RequestRefused(400, f"`map` names a file part '{name}' that the request does not have.")
        files[name] = part
    if not all(path.startswith("variables.") for paths in mapping.values() for path in paths):
        raise RequestRefused(400, "`map` paths must point into `variables`.")
    try:
        return replace_placeholders_with_files(operation, mapping, files)
    except (KeyError, IndexError, TypeError, ValueError):
        raise RequestRefused(400, "A `map` path does not match a null in `variables`.") from None


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    query = params.get("query")
    if query is None and not persisted_query_hash(params.get("extensions")):
        raise RequestRefused(400, "The request has no GraphQL `query`.")
    if query is not None and not isinstance(query, str):
        raise RequestRefused(400, "`query` must be a string.")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestRefused(400, "`operationName` must be a string or null.")
    for name in ("variables", "extensions"):
        value = params.get(name)
        if value is not None and not isinstance(value, dict):
            raise RequestRefused(400, f"`{name}` must be an object or null.")
    return {
        "query": query,
        "operationName": operation_name,
        "variables": params.get("variables"),
        "extensions": params.get("extensions"),
    }


def persisted_query_hash(extensions: Any) -> str | None:
    """`extensions.persistedQuery.sha256Hash` (Apollo's persisted queries), lowercase hex, if sent;
    a request may then leave out `query` (gateway/app.py resolves the hash in the caller's tenant)."""
    if not isinstance(extensions, dict):
        return None
    persisted = extensions.get("persistedQuery")
    found = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if found is None:
        return None
    if not isinstance(found, str) or not SHA256_HEX.fullmatch(found):
        raise RequestRefused(400, "`extensions.persistedQuery.sha256Hash` must be 64 hex digits.")
    return found.lower()


__all__ = ["GraphQLHTTPView", "RequestRefused", "negotiate", "persisted_query_hash"]
