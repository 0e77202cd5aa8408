"""The default bus transport: one PostgreSQL LISTEN connection per server process.

The connection is watched (termination callback plus a periodic ping): when PostgreSQL restarts or the
backend is killed, the listener reconnects with exponential backoff, listens again, and tells every
local subscriber that events may have been missed (`DROPPED`), so clients refetch instead of silently
showing stale data.

Only watched tenants are notified (migration 0302: a NOTIFY serialises commits database-wide). The
process keeps a `live_listeners` row per tenant it has subscribers of, added by `watch` before a new
subscription's first read, renewed by the ping (which is that renewal) and dropped by it once the
tenant's last local subscriber has gone; a dead process's rows expire after `ttl_seconds`.

A write whose event check ran before the row was committed does not notify, so `watch` also waits
until every transaction that was open when the row was committed has ended (all statements run in
READ COMMITTED: one that starts later sees the row; the executor checks in its effects statement and
commits in a later round trip). Those are a few milliseconds of in-flight writes; if some transaction
is still open after `SETTLE_SECONDS` (a job, say), the new subscriber is told to refetch (`DROPPED`)
rather than trusted to have missed nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import datetime

import asyncpg

from graph.live.bus import EventBus, backoff_delays
from graph.live.events import CHANNEL, Event

logger = logging.getLogger("crm.live")

LISTEN = "select crm_live_listen($1, $2::uuid[], $3::uuid[], $4)"
# Client transactions of this database, other than this connection's, open since before `$1` that may
# have checked for listeners: a statement running, or a transaction that has written (an xid) and sits
# idle before its COMMIT (the executor checks in its effects statement and commits in a later round trip).
# A transaction that has written nothing sent no event: a subscription's read waiting for its socket, say,
# must not hold every new watch for SETTLE_SECONDS.
IN_FLIGHT = """
select exists (
    select 1 from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
      and xact_start < $1 and (state = 'active' or backend_xid is not null))"""
SETTLE_SECONDS = 1.0
LISTEN_TIMEOUT_SECONDS = 5.0
SETTLE_POLL_SECONDS = 0.005


def to_asyncpg_dsn(url: str) -> str:
    """asyncpg takes plain `postgresql://` URLs; accept SQLAlchemy's driver-qualified form too."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


class PostgresEventBus(EventBus):
    def __init__(self, database_url: str, max_queue: int = 100, health_interval: float = 5.0) -> None:
        super().__init__(max_queue)
        self.dsn = to_asyncpg_dsn(database_url)
        self.health_interval = health_interval
        self.listening = asyncio.Event()
        self.reconnects = 0
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None
        self.listener_id = uuid.uuid4()
        self.watched: set[uuid.UUID] = set()  # tenants with a live_listeners row of this process
        self._using = asyncio.Lock()  # the connection runs one statement at a time
        self._renewed_at = 0.0  # (monotonic) when the last renewal of every watched row was sent

    @property
    def ttl_seconds(self) -> int:
        """How long a row outlives its last renewal: a few missed pings, never less than 30 s."""
        return max(30, int(self.health_interval * 4))

    @property
    def listener_pid(self) -> int | None:
        """The backend pid of the LISTEN connection (None while reconnecting)."""
        connection = self._connection
        return connection.get_server_pid() if connection is not None and not connection.is_closed() else None

    async def start_listening(self, ready_timeout: float = 10.0) -> None:
        self._task = asyncio.create_task(self._listen_forever(), name="crm-live-listener")
        # Subscribers registered from now on miss nothing once LISTEN is active; if PostgreSQL is down
        # right now, carry on: the loop keeps trying and subscribers are told to refetch when it is back.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), ready_timeout)

    async def stop_listening(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def watch(self, tenant_id: uuid.UUID) -> None:
        settled = True
        try:
            # Under the lock: a second subscriber of a tenant being watched waits for the first's settle.
            async with self._using:
                connection = self._connection
                if tenant_id in self.watched or connection is None:
                    return  # carried already; or the listener is down: reconnecting watches, says DROPPED
                committed_at = await self._listen(connection, {tenant_id}, set())
                settled = await self._settle(connection, committed_at)
        except Exception as error:  # a dying connection fails in several ways; refetching is always safe
            logger.warning("could not watch a tenant's events (%s); its subscribers refetch", error)
            settled = False
        if not settled:
            self.dispatch_dropped([tenant_id])

    async def _listen(
        self, connection: asyncpg.Connection, renewed: set[uuid.UUID], dropped: set[uuid.UUID]
    ) -> datetime:
        """Adds or renews the rows of `renewed`, deletes those of `dropped`; a time after it was committed
        (read in a statement of its own: a statement that starts later takes a snapshot that includes it)."""
        await connection.execute(
            LISTEN,
            self.listener_id,
            list(renewed),
            list(dropped),
            self.ttl_seconds,
            # A write and a commit, slower than the old `select 1` (cold caches after a restart): a
            # short ping interval must not turn a slow renewal into a reconnection (and a DROPPED).
            timeout=max(self.health_interval, LISTEN_TIMEOUT_SECONDS),
        )
        self.watched = (self.watched | renewed) - dropped
        committed_at: datetime = await connection.fetchval("select clock_timestamp()")
        return committed_at

    async def _settle(self, connection: asyncpg.Connection, committed_at: datetime) -> bool:
        """Waits for the transactions that may have checked for listeners before `committed_at`; False
        when one is still open after SETTLE_SECONDS."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while await connection.fetchval(IN_FLIGHT, committed_at, timeout=SETTLE_SECONDS):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(SETTLE_POLL_SECONDS)
        return True

    async def _renew(self, connection: asyncpg.Connection) -> None:
        """The ping: renews the watched tenants that still have subscribers here, drops the others."""
        async with self._using:
            keep = {tenant for tenant in self.watched if self.subscribers.get(tenant)}
            started = time.monotonic()
            committed_at = await self._listen(connection, keep, self.watched - keep)
            # Held up (behind watches that settle, a slow database) past the rows' lifetime: they may
            # have expired meanwhile and writes found no listener. Once those writes have ended, the
            # subscribers refetch.
            late = time.monotonic() - self._renewed_at >= self.ttl_seconds
            self._renewed_at = started
            if late and keep:
                await self._settle(connection, committed_at)
                self.dispatch_dropped(keep)

    def _on_notification(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        event = Event.decode(payload)
        if event is not None:
            self.dispatch(event)

    async def _listen_forever(self) -> None:
        delays = backoff_delays()
        first = True
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(
                    self.dsn, timeout=5, server_settings={"application_name": "crm-live-listener"}
                )
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, self._on_notification)
                # Under the lock, with the connection published inside it: a subscriber whose `watch`
                # came first (and found no connection) is in `subscribers` by now and watched here; one
                # whose `watch` comes later finds the connection and watches its tenant itself.
                async with self._using:
                    started = time.monotonic()
                    committed_at = await self._listen(connection, set(self.subscribers), set())
                    self._renewed_at = started
                    await self._settle(connection, committed_at)
                    self._connection = connection
                self.listening.set()
                if not first:
                    self.reconnects += 1
                    logger.info("event listener reconnected; subscribers are told to refetch")
                subscribed_while_down = bool(self.subscribers)  # they may have missed events
                if not first or subscribed_while_down:
                    self.dispatch_dropped()
                first = False
                delays = backoff_delays()
                await self._watch(connection, lost)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any failure: reconnect, never let the listener die
                logger.warning("event listener connection lost (%s); reconnecting", error)
            finally:
                self.listening.clear()
                self._connection = None
                self.watched = set()
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(next(delays))

    async def _watch(self, connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Returns when the connection is gone; a ping catches half-open connections the callback misses."""
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), self.health_interval)
            except TimeoutError:
                await self._renew(connection)
