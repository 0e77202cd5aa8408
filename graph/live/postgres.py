"""The default bus transport: one PostgreSQL LISTEN connection per server process.

The connection is watched (termination callback plus a periodic `select 1`): when PostgreSQL restarts or
the backend is killed, the listener reconnects with exponential backoff, listens again, and tells every
local subscriber that events may have been missed (`DROPPED`), so clients refetch instead of silently
showing stale data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from graph.live.bus import EventBus, backoff_delays
from graph.live.events import CHANNEL, Event

logger = logging.getLogger("crm.live")


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
                self._connection = connection
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, self._on_notification)
                self.listening.set()
                if not first:
                    self.reconnects += 1
                    logger.info("event listener reconnected; subscribers are told to refetch")
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
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(next(delays))

    async def _watch(self, connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Returns when the connection is gone; a ping catches half-open connections the callback misses."""
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), self.health_interval)
            except TimeoutError:
                await connection.fetchval("select 1", timeout=self.health_interval)
