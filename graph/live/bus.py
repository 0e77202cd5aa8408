"""The event bus: one listener per server process, fanning events out to local subscribers.

`EventBus` is the interface the subscriptions use; `PostgresEventBus` (LISTEN/NOTIFY) is the default and
`RedisEventBus` an optional transport for deployments that outgrow notifications. Every subscriber has a
bounded queue: when it is full the queued events are thrown away and the subscriber gets one `DROPPED`
marker instead, so a slow client costs a fixed amount of memory and learns that it must refetch.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Final

from graph.live.events import Event

logger = logging.getLogger("crm.live")


class Dropped:
    """Marker: events were lost for this subscriber (queue overflow, or the listener reconnected)."""

    def __repr__(self) -> str:
        return "DROPPED"


DROPPED: Final = Dropped()


class Subscription:
    """A subscriber's bounded queue of one tenant's events."""

    def __init__(self, bus: EventBus, tenant_id: uuid.UUID, max_queue: int) -> None:
        self.bus = bus
        self.tenant_id = tenant_id
        # Items with the (monotonic) time this process received them.
        self.queue: asyncio.Queue[tuple[Event | Dropped, float]] = asyncio.Queue(maxsize=max_queue)
        self.dropped_count = 0
        self.received_at = 0.0  # when the item `next` returned last arrived

    def offer(self, item: Event | Dropped) -> None:
        """Never blocks the listener: on overflow, the backlog becomes one DROPPED marker."""
        now = time.monotonic()
        try:
            self.queue.put_nowait((item, now))
        except asyncio.QueueFull:
            self.dropped_count += self.queue.qsize()
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait((DROPPED, now))

    async def next(self) -> Event | Dropped:
        item, self.received_at = await self.queue.get()
        return item

    def close(self) -> None:
        self.bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    async def __aiter__(self) -> AsyncIterator[Event | Dropped]:
        while True:
            yield await self.next()


class EventBus(abc.ABC):
    """Local fan-out plus a transport-specific listener, started once per process."""

    def __init__(self, max_queue: int = 100) -> None:
        self.max_queue = max_queue
        self.subscribers: dict[uuid.UUID, set[Subscription]] = defaultdict(set)
        self._started = False
        self._start_lock = asyncio.Lock()

    async def ensure_started(self) -> None:
        if self._started:
            return
        async with self._start_lock:
            if not self._started:
                await self.start_listening()
                self._started = True

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self.stop_listening()

    async def watch(self, tenant_id: uuid.UUID) -> None:
        """Called once a subscription of `tenant_id` is registered and before its first read: a transport
        that only carries the events of watched tenants starts carrying this one's (every event
        committed after this returns reaches the subscriber). A transport carrying every tenant's events
        has nothing to do."""
        return None

    def subscribe(self, tenant_id: uuid.UUID) -> Subscription:
        """A new subscriber to one tenant's events; close it (or use `with`) when done."""
        subscription = Subscription(self, tenant_id, self.max_queue)
        self.subscribers[tenant_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        local = self.subscribers.get(subscription.tenant_id)
        if local is not None:
            local.discard(subscription)
            if not local:
                del self.subscribers[subscription.tenant_id]

    @property
    def subscriber_count(self) -> int:
        return sum(len(local) for local in self.subscribers.values())

    def dispatch(self, event: Event) -> None:
        """Hand an event to this process's subscribers of its tenant (and nobody else)."""
        for subscription in tuple(self.subscribers.get(event.tenant_id, ())):
            subscription.offer(event)

    def dispatch_dropped(self, tenants: Iterable[uuid.UUID] | None = None) -> None:
        """Tell the local subscribers of `tenants` (None: every one) that events may have been missed."""
        chosen = tuple(self.subscribers) if tenants is None else tuple(tenants)
        for tenant_id in chosen:
            for subscription in tuple(self.subscribers.get(tenant_id, ())):
                subscription.offer(DROPPED)

    @abc.abstractmethod
    async def start_listening(self) -> None: ...

    @abc.abstractmethod
    async def stop_listening(self) -> None: ...


def backoff_delays(initial: float = 0.1, maximum: float = 5.0) -> Iterator[float]:
    """0.1, 0.2, 0.4 ... seconds, capped, for reconnect loops."""
    delay = initial
    while True:
        yield delay
        delay = min(delay * 2, maximum)
