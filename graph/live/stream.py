"""The shared loop of every subscription field: authorize, listen, re-read, deliver.

1. At subscribe time the field is authorized like a query (`actor.require(..., READ)` and, for a single
   record, a visibility check under the actor's record scope); refusals are GraphQL errors with the
   domain code in `extensions.code`.
2. The subscriber is registered with the process's bus (its tenant only), then gets a first
   `subscribed` item: from then on nothing is missed, so a client fetches its screen after it.
3. For each event of the tenant that the field cares about, a fresh transaction re-validates the
   connection's credential (a revoked session, API key or membership closes the socket with 4403) and
   re-reads the record under the subscriber's tenant and permissions; what the subscriber may not see is
   skipped, never sent. Subscribers with the same view (`view_key`) share the event's DataLoaders, so the
   record is read once per view rather than once per connection, and the serialised result of the first
   one's execution: the others send that same payload without executing the selection set again.
4. A `DROPPED` marker (queue overflow, listener reconnect) becomes a `dropped` item: refetch.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg
from graphql import GraphQLError, print_ast
from sqlalchemy.exc import DBAPIError, DisconnectionError

from graph.live.bus import Dropped
from graph.live.context import LiveContext
from graph.live.events import Event
from tenants.credentials import AuthenticationFailed
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor, Permissions, Scope

logger = logging.getLogger("crm.live")

T = TypeVar("T")

SUBSCRIBED = "subscribed"
DROPPED_TYPE = "dropped"


@dataclass
class Delivery(Generic[T]):
    """What one event becomes: an item to send (or None to skip), and whether the stream ends after it."""

    item: T | None
    last: bool = False


def live_context(info: Any) -> LiveContext:
    context = info.context
    if not isinstance(context, LiveContext):
        raise GraphQLError("Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql.")
    return context


def graphql_error(error: DomainError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


@contextmanager
def domain_errors() -> Iterator[None]:
    """Domain errors (refusals) as GraphQL errors that keep their code."""
    try:
        yield
    except DomainError as error:
        raise graphql_error(error) from None


async def live_stream(
    info: Any,
    object_types: tuple[str, ...],
    accepts: Callable[[Event], bool],
    deliver: Callable[[LiveContext, Event], Awaitable[Delivery[T]]],
    subscribed: Callable[[LiveContext], Awaitable[T]],
    dropped: Callable[[], T],
    *,
    per_user: bool = False,
) -> AsyncIterator[T]:
    """`per_user`: what the field delivers depends on who the subscriber is even at scope "all" (e.g.
    "awaiting me"), so subscribers share reads only with the same user's other subscriptions."""
    context = live_context(info)
    document = operation_key(info)
    try:
        with domain_errors():
            authorize(context, object_types)
        bus = context.event_bus
        await bus.ensure_started()
        with bus.subscribe(context.actor.tenant_id) as subscription:
            await bus.watch(context.actor.tenant_id)
            async with context.event_scope():
                # Like an HTTP query, a new subscription is authorized with the credential as it is now.
                if not await still_allowed(context, time.monotonic(), event=False):
                    await wait_for_close()
                with domain_errors():
                    authorize(context, object_types)
                    first = await subscribed(context)
                yield first
            async for item in subscription:
                if isinstance(item, Dropped):
                    yield dropped()
                    continue
                if not accepts(item):
                    continue
                try:
                    async with context.event_scope():
                        if not await still_allowed(context, subscription.received_at):
                            await wait_for_close()
                        with domain_errors():
                            authorize(context, object_types)
                        # The check's transaction (if it needed one) ends before waiting for the view,
                        # so no subscriber waits for a view while holding a database lane.
                        await context.finish(commit=True)
                        key = view_key(context.actor, document, per_user)
                        settled = await context.join_view(item.views, key)
                        if settled is not None:  # the view's first subscriber has executed it: send the same
                            if settled.payload is not None:
                                await context.send_shared(settled.payload)
                            delivery = Delivery(None, settled.last)
                        else:
                            with domain_errors():
                                delivery = await deliver(context, item)
                            if delivery.item is None:
                                context.settle_view(None, last=delivery.last)
                            else:
                                context.view_ends(delivery.last)
                                yield delivery.item
                except Exception as error:
                    if not database_unavailable(error):
                        raise
                    # PostgreSQL is restarting or unreachable: this event is lost for this subscriber,
                    # who is told to refetch; the stream carries on with the next one.
                    logger.warning("could not deliver an event (%s); sending `dropped`", error)
                    yield dropped()
                    continue
                if delivery.last:
                    return
    except GraphQLError:
        raise
    except Exception as error:  # a bug: log it with the connection's request id, send nothing of it
        logger.exception("subscription failed (connection %s)", context.request_id)
        message = (
            f"Unexpected error (request id {context.request_id})."
            if context.services.settings.is_production
            else str(error)
        )
        raise GraphQLError(
            message, extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": context.request_id}
        ) from None


# SQLSTATE classes of a lost or refused connection: 08 (connection exception), 57 (operator intervention:
# shutdown, crash, cannot connect now).
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "57")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` means "PostgreSQL is not reachable right now" rather than a bug."""
    if isinstance(
        error, OSError | TimeoutError | DisconnectionError | asyncpg.exceptions.ConnectionDoesNotExistError
    ):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        return database_unavailable(error.orig) if isinstance(error.orig, BaseException) else False
    sqlstate = getattr(error, "sqlstate", None) or ""
    if sqlstate[:2] in UNAVAILABLE_SQLSTATE_CLASSES:
        return True
    cause = error.__cause__  # SQLAlchemy's asyncpg adapter keeps the driver's exception here
    return isinstance(cause, BaseException) and cause is not error and database_unavailable(cause)


def operation_key(info: Any) -> str:
    """The subscription as sent (operation, fragments, variables), normalised: part of a view's key."""
    raw = info._raw_info
    parts = [print_ast(raw.operation)]
    parts += [print_ast(raw.fragments[name]) for name in sorted(raw.fragments)]
    parts.append(json.dumps(raw.variable_values, sort_keys=True, default=str))
    return "\n".join(parts)


def view_key(actor: Actor, document: str, per_user: bool) -> tuple[Any, ...]:
    """Subscribers whose key is equal would be sent exactly the same thing for an event, so its records
    are read once for all of them (graph/live/context.py `SharedView`): same tenant, same subscription
    document and variables, same role permissions (scopes and field rules) and team, and the same user
    whenever a scope narrower than "all" (own, team) or the field itself depends on who is asking."""
    permissions, narrow = permissions_key(actor.permissions)
    return (
        actor.tenant_id,
        document,
        permissions,
        actor.team_id,
        actor.user_id if per_user or narrow else None,
    )


# Permissions as part of a view key, per Permissions object (tenants.credentials caches one per role
# version), computed once rather than for every subscriber of every event. The entry keeps its object
# alive, so an id is never reused while it is cached.
PERMISSION_KEYS: OrderedDict[int, tuple[Permissions, str, bool]] = OrderedDict()
MAX_PERMISSION_KEYS = 1024


def permissions_key(permissions: Permissions) -> tuple[str, bool]:
    """(the permissions as sorted JSON, whether any scope is narrower than "all")."""
    entry = PERMISSION_KEYS.get(id(permissions))
    if entry is None or entry[0] is not permissions:
        narrow = any(grant.scope is not Scope.ALL for grant in permissions.objects.values())
        entry = (permissions, json.dumps(permissions.to_json(), sort_keys=True), narrow)
        PERMISSION_KEYS[id(permissions)] = entry
        if len(PERMISSION_KEYS) > MAX_PERMISSION_KEYS:
            PERMISSION_KEYS.popitem(last=False)
    return entry[1], entry[2]


def authorize(context: LiveContext, object_types: tuple[str, ...]) -> None:
    actor = context.actor
    for object_type in object_types:
        actor.require(object_type, Action.READ)


async def still_allowed(context: LiveContext, event_received_at: float, *, event: bool = True) -> bool:
    """Re-validates the credential inside the event's transaction; closes the socket when it fails.

    A check that started after this process received the event already saw every change committed
    before it (a revocation included), so another subscription of the same connection, or the next
    event of the same burst, reuses it instead of asking the database again. `event`: the tenant's other
    connections will ask about the same event, so the check covers them too (False: a new subscription).
    """
    connection = context.connection
    assert connection is not None, "a LiveContext is always bound to its transport"
    if connection.validated_at >= event_received_at:
        return not connection.closing
    started = time.monotonic()
    try:
        if context.checks is not None:
            actor, started = await context.checks.actor_for(context, event_received_at, everyone=event)
        else:
            actor = await context.authenticate(await context.session())
    except AuthenticationFailed as error:
        await connection.forbid(str(error))
        return False
    if not await connection.adopt(actor):
        return False
    connection.validated_at = max(connection.validated_at, started)
    return True


async def wait_for_close() -> None:
    """The socket is closing: park until the transport cancels this operation."""
    await asyncio.Future()


def not_found(what: str) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"No {what} with this id, or not yours to see.", "id")
