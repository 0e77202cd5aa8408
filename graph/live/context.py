"""The context of a WebSocket connection: one actor, many subscriptions, a fresh transaction per event.

An HTTP request owns one transaction. A WebSocket connection lives for hours and runs many operations
at once, so holding one transaction (and one pooled connection) for it would pin the pool and read an
ever older picture of the data. Instead every delivered event runs in its own short *event scope*: a new
transaction carrying the subscriber's tenant and user, and new DataLoaders, opened before the event is
re-read and closed once its selection set has been resolved and sent.

The scope is found through a context variable: each operation runs in its own asyncio task, and the
tasks graphql-core starts for nested fields inherit it, so the nested resolvers of one event share that
event's session without seeing another subscription's.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import uuid
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.context import RequestContext
from tenants.credentials import Credential, authenticate
from tenants.db import start_request_transaction
from tenants.permissions import Actor

if TYPE_CHECKING:
    from graph.live.bus import EventBus
    from graph.live.checks import CredentialChecks
    from graph.live.transport import LiveTransportHandler


@dataclass
class SharedView:
    """What the subscribers of one event with the same view share: its DataLoaders (and their caches).

    `context` is a copy of the first such subscriber's context taken when the view was created, so the
    loaders keep that view's actor even if the original connection adopts another role later.
    """

    context: LiveContext
    loaders: dict[str, Any] = field(default_factory=dict)
    # One subscriber at a time works with the loaders (from the view's check to the end of its
    # transaction), so a load is never in flight on another subscriber's connection; the first one reads,
    # the ones after it find the records cached.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # A subscriber failed or was cancelled with the lock: its cache may hold errors, start a new view.
    failed: bool = False
    # What the event comes to for this view, once its first subscriber has found out: `settled`, then the
    # JSON of the `next` message's payload to send (None: nothing to send) and whether the stream ends.
    # The other subscribers of the view send that same payload: no re-read, no GraphQL execution.
    settled: bool = False
    payload: str | None = None
    last: bool = False


@dataclass
class EventScope:
    session: AsyncSession | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
    holds_slot: bool = False
    # The subscriber whose transaction this is (its tenant and user open it), and the shared view, if any.
    owner: LiveContext | None = None
    view: SharedView | None = None


CURRENT_SCOPE: ContextVar[EventScope | None] = ContextVar("crm_live_event_scope", default=None)


@dataclass
class LiveContext(RequestContext):
    bus: EventBus | None = None
    # Set by the transport: the connection_init payload, the credential it carried, the handler.
    connection_params: dict[str, Any] | None = None
    credential: Credential | None = None
    connection: LiveTransportHandler | None = None
    # Caps the transactions live deliveries hold at once (process-wide), so a fan-out to thousands of
    # subscribers waits here rather than timing out on the pool, and leaves connections for HTTP.
    slots: asyncio.Semaphore | None = None
    # The process's batched per-event credential checks (graph/live/checks.py); None: one by one.
    checks: CredentialChecks | None = None

    @property
    def event_bus(self) -> EventBus:
        assert self.bus is not None, "LiveContext needs the process's event bus"
        return self.bus

    def _scope(self) -> EventScope:
        scope = CURRENT_SCOPE.get()
        if scope is None:
            scope = EventScope()
            CURRENT_SCOPE.set(scope)
        return scope

    async def session(self) -> AsyncSession:
        scope = self._scope()
        # A shared view's loaders run on whichever subscriber's task needs them: that subscriber's own
        # transaction, opened under its own tenant and user.
        owner = scope.owner or self
        if scope.session is None:
            if owner.slots is not None and not scope.holds_slot:
                await owner.slots.acquire()
                scope.holds_slot = True
            session = owner.db.sessions()
            await session.begin()
            scope.session = session
            actor = owner.actor_or_none
            await start_request_transaction(
                session,
                actor.tenant_id if actor else None,
                actor.user_id if actor else None,
                owner.db.statement_timeout,
            )
        return scope.session

    async def finish(self, *, commit: bool, result: Any = None) -> None:
        scope = CURRENT_SCOPE.get()
        if scope is None:
            return
        owner = scope.owner or self
        session, scope.session = scope.session, None
        view, scope.view = scope.view, None
        if view is not None:
            view.failed = view.failed or not commit
            view.lock.release()
        try:
            if session is not None:
                try:
                    if commit:
                        await session.commit()
                    else:
                        await session.rollback()
                finally:
                    await session.close()
        finally:
            if scope.holds_slot and owner.slots is not None:
                scope.holds_slot = False
                owner.slots.release()

    def loader(self, name: str, factory: Any) -> Any:
        scope = self._scope()
        if scope.view is not None:
            loaders, context = scope.view.loaders, scope.view.context
        else:
            loaders, context = scope.loaders, self
        if name not in loaders:
            loaders[name] = factory(context)
        return loaders[name]

    async def join_view(self, views: dict[Any, SharedView], key: Any) -> SharedView | None:
        """From now on this event's loaders are the ones of the view `key`: what another subscriber with
        the same view already loaded for this event is not read again. Held until `finish`.

        Returns the view instead, holding nothing, when an earlier subscriber of it has settled what the
        event sends (`SharedView.settled`): the caller sends the same."""
        while True:
            view = views.get(key)
            if view is None or view.failed:
                view = views[key] = SharedView(self.view_snapshot())
            if view.settled:
                return view
            await view.lock.acquire()
            if view.failed or view.settled:
                view.lock.release()
                if view.settled:
                    return view
                continue
            break
        self._scope().view = view
        return None

    def settle_view(self, payload: str | None, *, last: bool | None = None) -> None:
        """Records what this event sends to every subscriber of the joined view (see `join_view`).
        `last`: whether their streams end after it (None: as `view_ends` recorded before execution)."""
        view = self._joined_view()
        if view is not None and not view.failed:
            view.payload, view.settled = payload, True
            view.last = view.last if last is None else last

    def view_ends(self, last: bool) -> None:
        """Whether the streams of the joined view end after the item now going to be executed."""
        view = self._joined_view()
        if view is not None:
            view.last = last

    def _joined_view(self) -> SharedView | None:
        scope = CURRENT_SCOPE.get()
        return scope.view if scope is not None else None

    async def send_shared(self, payload: str) -> None:
        """Sends a view's serialised `next` payload on the operation of the current task."""
        assert self.connection is not None, "a LiveContext is always bound to its transport"
        await self.connection.send_payload(payload)

    def view_snapshot(self) -> LiveContext:
        """A copy that keeps the current actor (for a SharedView's loaders)."""
        return copy.copy(self)

    @contextlib.asynccontextmanager
    async def event_scope(self) -> AsyncIterator[None]:
        """A fresh transaction and fresh loaders for the code inside (one event, one check)."""
        token = CURRENT_SCOPE.set(EventScope(owner=self))
        ok = False
        try:
            yield
            ok = True
        finally:
            await self.finish(commit=ok)
            try:
                CURRENT_SCOPE.reset(token)
            except ValueError:  # closed from another context: nothing of ours is left in it
                CURRENT_SCOPE.set(None)

    async def authenticate(self, session: AsyncSession | None = None) -> Actor:
        """Checks the connection's credential again (raises AuthenticationFailed when it no longer holds)."""
        assert self.credential is not None
        timeout = self.db.statement_timeout
        address = self.client_address
        if session is not None:
            return await authenticate(session, self.credential, self.request_id, timeout, address)
        async with self.db.transaction() as own_session:
            return await authenticate(own_session, self.credential, self.request_id, timeout, address)

    @property
    def tenant(self) -> uuid.UUID:
        return self.actor.tenant_id


# The `info` of every subscription resolver.
Info = strawberry.Info[LiveContext, None]
