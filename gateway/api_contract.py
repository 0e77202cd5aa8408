"""The edge of the API contract: what a request costs, persisted operations by hash, refusals by limit.

Every authenticated HTTP request gets a `Charge` (tenants/rate_limits.py): its cost in points from its
document (graph/core/complexity.py) and the SHA-256 of its text. The path that checks its credential
takes the charge (the one-trip read in the same statement, the others in one statement of their own),
and the same database function applies the tenant's persisted-operations rule. A request may send only
`extensions.persistedQuery.sha256Hash`: the text is then looked up in the caller's tenant (one statement
with the credential check, the first time a process sees the hash) and kept per process by hash, which
is safe because a text's hash never changes and every request still needs the hash registered in its
own tenant.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from config.settings import Settings
from gateway.graphql_http import RequestRefused, persisted_query_hash
from graph.api_contract.service import operation_hash
from graph.core.complexity import Complexity
from tenants.credentials import AccessRefused, AuthenticationFailed, authenticate_and_read, bearer_credential
from tenants.errors import ErrorCode
from tenants.rate_limits import Charge, LimitRefusal, Limits
from tenants.tokens import digest as credential_digest

if TYPE_CHECKING:
    from gateway.app import GraphQLApp

CHARGE = "crm.charge"  # the request's Charge, in the ASGI scope
LOOKUP = "select p.query_text from persisted_operations p where p.operation_hash = $1"
KNOWN_TEXTS_SIZE = 10_000
NOT_REGISTERED = (
    "No persisted operation with this sha256Hash in your tenant: send the `query` too, or register it"
    " (registerPersistedOperation)."
)
PERSISTED_ONLY = (
    "This tenant accepts persisted operations only: send `extensions.persistedQuery.sha256Hash` of a"
    " registered operation."
)


def limits_from(settings: Settings) -> Limits:
    return Limits(
        tenant_burst=settings.rate_limit_tenant_burst,
        tenant_per_minute=settings.rate_limit_tenant_per_minute,
        user_burst=settings.rate_limit_user_burst,
        user_per_minute=settings.rate_limit_user_per_minute,
        key_burst=settings.rate_limit_key_burst,
        key_per_minute=settings.rate_limit_key_per_minute,
    )


class ApiContract:
    def __init__(self, view: GraphQLApp, settings: Settings) -> None:
        self.view = view
        self.limits = limits_from(settings)
        self.lease_points = settings.rate_limit_lease_points
        self.complexity = Complexity(view.schema._schema, settings.max_page_size)
        self.known_texts: OrderedDict[str, str] = OrderedDict()

    async def charge_for(self, request: Any, params: dict[str, Any]) -> tuple[dict[str, Any], Charge]:
        """The operation (its text resolved from a sent hash) and its charge."""
        sent_hash = persisted_query_hash(params["extensions"])
        query = params["query"]
        hash_only = query is None
        if sent_hash is not None and query is None:
            query = await self.registered_text(request, sent_hash)
            params = {**params, "query": query}
        digest = operation_hash(query)
        if sent_hash is not None and digest.hex() != sent_hash:
            raise RequestRefused(400, "`sha256Hash` is not the SHA-256 of `query`.", code=ErrorCode.INVALID)
        cost = self.complexity.cost(query, params["operationName"], params["variables"])
        credential = request.headers.get("authorization") or ""
        return params, Charge(
            cost,
            self.limits,
            digest,
            hash_only,
            credential_key=credential_digest(credential),
            lease_points=self.lease_points,
        )

    async def registered_text(self, request: Any, sent_hash: str) -> str:
        known = self.known_texts.get(sent_hash)
        if known is not None:
            return known
        try:
            credential = bearer_credential(request.headers.get("authorization"))
            if credential is None:
                raise AuthenticationFailed("A persisted operation is looked up in your tenant: sign in.")
            db = self.view.services.db
            _, text = await authenticate_and_read(
                await db.single_statements(),
                credential,
                None,
                db.statement_timeout,
                self.view.client_address(request),
                LOOKUP,
                [bytes.fromhex(sent_hash)],
            )
        except AccessRefused as refused:
            raise RequestRefused(403, str(refused), code=refused.code) from None
        except AuthenticationFailed as failed:
            raise RequestRefused(
                401, str(failed), {"WWW-Authenticate": "Bearer"}, ErrorCode.UNAUTHENTICATED
            ) from None
        if text is None:
            raise RequestRefused(400, NOT_REGISTERED, code=ErrorCode.PERSISTED_QUERY_NOT_FOUND)
        self.known_texts[sent_hash] = text
        if len(self.known_texts) > KNOWN_TEXTS_SIZE:
            self.known_texts.popitem(last=False)
        return text

    def refusal_response(self, media_type: str, request_id: str, refusal: LimitRefusal) -> Response:
        admission, cost = refusal.admission, refusal.charge.cost
        headers = {"X-Request-Id": request_id, **admission.headers()}
        if admission.refusal == ErrorCode.PERSISTED_QUERY_NOT_FOUND:
            return self.view.error_response(media_type, 400, NOT_REGISTERED, headers, admission.refusal)
        if admission.refusal == ErrorCode.PERSISTED_QUERY_REQUIRED:
            return self.view.error_response(media_type, 403, PERSISTED_ONLY, headers, admission.refusal)
        if admission.limit is not None and cost > admission.limit:
            message = (
                f"This operation costs {cost} points, more than a bucket of {admission.limit} holds:"
                " ask for smaller pages."
            )
        else:
            message = (
                f"Rate limit reached: this operation costs {cost} points;"
                f" retry after {admission.retry_after} s."
            )
        return self.view.error_response(media_type, 429, message, headers, ErrorCode.RATE_LIMITED)
