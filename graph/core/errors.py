"""How domain errors reach clients (docs/errors.md).

Mutations: what the caller can fix in its input arrives as `errors: [UserError!]` in the payload; a
refusal of the caller (`REFUSALS`: not logged in, not allowed, throttled, overloaded) is a top-level
GraphQL error with `extensions.code` and the mutation's field null. Either way the mutation's savepoint
is rolled back. Queries: every domain error is a top-level GraphQL error with `extensions.code`.
Anything else is unexpected and, in production, masked with a request id (see `graph/core/extensions.py`).
"""

from __future__ import annotations

import functools
import os
import socket
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import strawberry
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import Response

from tenants import i18n
from tenants.errors import DomainError, ErrorCode, RetryLater, ValidationErrors


@strawberry.type(description="A problem the caller can fix; `field` is the input field it concerns.")
class UserError:
    field: str | None = strawberry.field(description="Input field (camelCase) the error is about, if any.")
    code: str = strawberry.field(description="Stable machine-readable code, e.g. NOT_FOUND, CONFLICT.")
    # The English text the service wrote; the API shows it in the reader's language.
    message: strawberry.Private[str]

    @strawberry.field(
        name="message",
        description="Human-readable explanation saying how to fix it, in the reader's language (their own "
        "locale, else Accept-Language, else the tenant's; English where no translation exists). `code` and "
        "`field` never change with the language.",
    )
    async def localized_message(self, info: strawberry.Info) -> str:
        # Resolved after the mutation's savepoint ended, so reading the locale cannot disturb it.
        return await in_readers_language(info, self.message)


async def in_readers_language(info: strawberry.Info, message: str) -> str:
    """A message the services wrote in English, in the language of the request's reader."""
    locale = getattr(info.context, "locale", None)
    return i18n.translate(message, await locale()) if locale else message


def payload_errors() -> list[UserError]:
    """The `errors` field every mutation payload carries (empty on success)."""
    return strawberry.field(
        default_factory=list,
        description="What the caller can fix, one entry per problem; empty on success. When not empty, "
        "the mutation changed nothing.",
    )


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [UserError(field=e.field, code=e.code.value, message=e.message) for e in errors]


# Refusals of the caller rather than of the input: no change to the input makes the mutation pass. They
# are top-level errors, like the same refusals of a query field (docs/errors.md has the table).
REFUSALS = frozenset(
    {
        ErrorCode.UNAUTHENTICATED,
        ErrorCode.PERMISSION_DENIED,
        ErrorCode.FORBIDDEN_NETWORK,
        ErrorCode.THROTTLED,
        ErrorCode.OVERLOADED,
        ErrorCode.UNAVAILABLE,
        ErrorCode.INSUFFICIENT_SCOPE,
        ErrorCode.RATE_LIMITED,
        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
        ErrorCode.PERSISTED_QUERY_REQUIRED,
    }
)


def refusal(error: DomainError) -> DomainError | None:
    """The refusal of the caller in `error` (only those entries of several), or None for input errors."""
    if not isinstance(error, ValidationErrors):
        return error if error.code in REFUSALS else None
    refused = [e for e in error.errors if e.code in REFUSALS]
    if not refused:
        return None
    return refused[0] if len(refused) == 1 else ValidationErrors(refused)


PayloadT = TypeVar("PayloadT")


def error_payload(payload_type: type[PayloadT], context: Any, error: DomainError) -> PayloadT:
    """`payload_type(errors=...)` for an input error; a refusal of the caller is raised instead, so that
    GraphQL reports it at top level with `extensions.code` and nulls this mutation's field alone."""
    answer_overload(context, error)
    refused = refusal(error)
    if refused is not None:
        raise refused
    return payload_type(errors=user_errors(error))  # type: ignore[call-arg]


UNIQUE_VIOLATION = "23505"
CONCURRENT_WRITE = DomainError(
    ErrorCode.CONFLICT, "Someone else made the same change at the same moment; reload and retry."
)


# SQLSTATE class 22 ("data exception"): the database refused a value as given. Each is the caller's
# input (a NUL character, a number wider than its column), so it is INVALID, never an internal error, and
# the statement's SQL text never reaches the client.
NUL_MESSAGE = "Text may not contain the NUL character (U+0000)."
DATA_EXCEPTION_MESSAGES = {
    "22021": NUL_MESSAGE,  # invalid byte sequence (a NUL in text)
    "22P05": NUL_MESSAGE,  # untranslatable character (a NUL in JSON)
    "22003": "A number is out of the range this field can store.",
    "22008": "A date or time is out of range.",
    "22001": "A text is longer than this field can store.",
}


def data_exception(error: BaseException | None) -> DomainError | None:
    """The INVALID error for a value the database refused (SQLSTATE class 22); None for anything else."""
    if not isinstance(error, DBAPIError) or isinstance(error, IntegrityError):
        return None
    sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
    if not sqlstate.startswith("22"):
        return None
    return DomainError(
        ErrorCode.INVALID, DATA_EXCEPTION_MESSAGES.get(sqlstate, "A value cannot be stored as given.")
    )


UNAVAILABLE_MESSAGE = "The database is not answering; try again in a few seconds."
# SQLSTATE classes and codes that mean the server is unreachable or going away, not a bad statement:
# connection exceptions (08...), admin/crash shutdown and "cannot connect now" (57P01-57P03).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def database_unavailable(error: BaseException | None) -> bool:
    """True when `error` (or what caused it) is the database being unreachable: an outage, not a bug.

    Connection failures arrive as OSError (refused, reset, timed out, or a missing Unix socket raised
    inside asyncpg's connect; other OSErrors, a blob store's say, are not the database), as asyncpg
    connection errors, or wrapped by SQLAlchemy (which marks a lost connection `connection_invalidated`);
    a full pool is a `sqlalchemy.exc.TimeoutError`. Statement timeouts (57014) are not outages.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ConnectionError | TimeoutError | socket.gaierror | PoolTimeout):
            return True
        if isinstance(error, asyncpg.PostgresConnectionError) or (
            isinstance(error, OSError) and raised_in_asyncpg(error)
        ):
            return True
        if isinstance(error, asyncpg.InterfaceError) and "connection" in str(error).lower():
            return True
        if isinstance(error, asyncpg.InternalClientError) and "another operation" in str(error):
            # The server ended the session (a restart) while the driver was between messages: its
            # protocol is stuck on the farewell, the connection is lost (tenants/db.py `connection_lost`).
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if str(getattr(error, "sqlstate", "") or "").startswith(UNAVAILABLE_SQLSTATES):
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


def raised_in_asyncpg(error: BaseException) -> bool:
    """Raised while asyncpg was connecting or talking to the server (the socket calls are asyncio's)."""
    frames = traceback.extract_tb(error.__traceback__)
    return any(f"{os.sep}asyncpg{os.sep}" in frame.filename for frame in frames)


def mutation_payload(
    payload_type: type[PayloadT], *, savepoint: bool = True
) -> Callable[[Callable[..., Awaitable[PayloadT]]], Callable[..., Awaitable[PayloadT]]]:
    """Runs a mutation resolver inside a savepoint; a DomainError becomes `payload(errors=[...])`, or a
    top-level error when it refuses the caller (`error_payload`).

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
            except DomainError as error:  # the savepoint is already rolled back
                return error_payload(payload_type, context, error)
            except IntegrityError as error:
                if not savepoint or getattr(error.orig, "sqlstate", None) != UNIQUE_VIOLATION:
                    raise
                # Two writers raced past the service's own checks; the savepoint is already rolled back.
                return payload_type(errors=user_errors(CONCURRENT_WRITE))  # type: ignore[call-arg]
            except DBAPIError as error:
                refused = data_exception(error)
                if refused is None:
                    raise
                # The savepoint is rolled back, so the request's transaction carries on.
                return payload_type(errors=user_errors(refused))  # type: ignore[call-arg]

        return run

    return decorate


def answer_overload(context: Any, error: DomainError) -> None:
    """A server at capacity answers HTTP 429 with `Retry-After`, so clients and proxies back off."""
    overloaded = isinstance(error, RetryLater) and error.code is ErrorCode.OVERLOADED
    if overloaded and isinstance(context.response, Response):  # HTTP only, not a WebSocket
        context.response.status_code = 429
        context.response.headers["Retry-After"] = str(error.retry_after)
