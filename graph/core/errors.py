"""How domain errors reach clients.

Mutations: `errors: [UserError!]` in the payload, with the mutation's savepoint rolled back.
Queries: a GraphQL error whose `extensions.code` is the domain code. Anything else is unexpected and,
in production, masked with a request id (see `graph/core/extensions.py`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from tenants.errors import DomainError, ErrorCode, RetryLater, ValidationErrors


@strawberry.type(description="A problem the caller can fix; `field` is the input field it concerns.")
class UserError:
    field: str | None = strawberry.field(description="Input field (camelCase) the error is about, if any.")
    code: str = strawberry.field(description="Stable machine-readable code, e.g. NOT_FOUND, CONFLICT.")
    message: str = strawberry.field(description="Human-readable explanation saying how to fix it.")


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [UserError(field=e.field, code=e.code.value, message=e.message) for e in errors]


PayloadT = TypeVar("PayloadT")
UNIQUE_VIOLATION = "23505"
CONCURRENT_WRITE = DomainError(
    ErrorCode.CONFLICT, "Someone else made the same change at the same moment; reload and retry."
)


def mutation_payload(
    payload_type: type[PayloadT], *, savepoint: bool = True
) -> Callable[[Callable[..., Awaitable[PayloadT]]], Callable[..., Awaitable[PayloadT]]]:
    """Runs a mutation resolver inside a savepoint; a DomainError becomes `payload(errors=[...])`.

    The resolver must take `info` and return the payload; the payload type must give every field a
    default so that an error payload can be built with `errors` alone. `savepoint=False` is for a
    resolver that manages the request's transaction itself (login: it commits what it counted before
    hashing a password, and what it writes before failing must stay).
    """

    def decorate(resolver: Callable[..., Awaitable[PayloadT]]) -> Callable[..., Awaitable[PayloadT]]:
        @functools.wraps(resolver)
        async def run(*args: Any, **kwargs: Any) -> PayloadT:
            context = kwargs["info"].context
            try:
                if not savepoint:
                    return await resolver(*args, **kwargs)
                async with context.savepoint():
                    return await resolver(*args, **kwargs)
            except DomainError as error:
                answer_overload(context, error)
                return payload_type(errors=user_errors(error))  # type: ignore[call-arg]
            except IntegrityError as error:
                if not savepoint or getattr(error.orig, "sqlstate", None) != UNIQUE_VIOLATION:
                    raise
                # Two writers raced past the service's own checks; the savepoint is already rolled back.
                return payload_type(errors=user_errors(CONCURRENT_WRITE))  # type: ignore[call-arg]

        return run

    return decorate


def answer_overload(context: Any, error: DomainError) -> None:
    """A server at capacity answers HTTP 429 with `Retry-After`, so clients and proxies back off."""
    overloaded = isinstance(error, RetryLater) and error.code is ErrorCode.OVERLOADED
    if overloaded and isinstance(context.response, Response):  # HTTP only, not a WebSocket
        context.response.status_code = 429
        context.response.headers["Retry-After"] = str(error.retry_after)
