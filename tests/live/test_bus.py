"""The event bus in-process: payloads, bounded queues, transactional NOTIFY, listener reconnects."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from graph.live.bus import DROPPED, Dropped, Subscription
from graph.live.events import Event, publish
from graph.live.postgres import PostgresEventBus
from tenants.db import Database
from tenants.embedded import DatabaseUrls


def event(tenant_id: uuid.UUID, type_: str = "account.updated", version: int = 1) -> Event:
    return Event(tenant_id, type_, {"account": uuid.uuid4()}, version)


def test_payloads_carry_ids_only_and_round_trip() -> None:
    original = Event(uuid.uuid4(), "account.updated", {"account": uuid.uuid4(), "parent": None}, 3)
    encoded = original.encode()
    assert len(encoded.encode()) < 200
    assert set(json.loads(encoded)) == {"tenant", "type", "ids", "version"}
    assert Event.decode(encoded) == original
    assert Event.decode('{"type": "x"}') is None
    assert Event.decode("not json") is None


def test_a_payload_over_notifys_limit_is_refused() -> None:
    huge = Event(uuid.uuid4(), "x" * 8000)
    with pytest.raises(AssertionError, match="over NOTIFY's limit"):
        huge.encode()


def test_an_overflowing_queue_keeps_its_bound_and_ends_with_a_dropped_marker() -> None:
    bus = PostgresEventBus("postgresql://unused", max_queue=3)
    tenant = uuid.uuid4()
    subscription = bus.subscribe(tenant)
    events = [event(tenant, version=n) for n in range(10)]
    for item in events:
        bus.dispatch(item)
    assert subscription.queue.qsize() <= 3
    drained = [subscription.queue.get_nowait()[0] for _ in range(subscription.queue.qsize())]
    assert DROPPED in drained
    assert drained[-1] == events[-1] or drained[-1] is DROPPED
    assert subscription.dropped_count > 0
    subscription.close()
    assert bus.subscriber_count == 0


def test_events_reach_only_subscribers_of_their_tenant() -> None:
    bus = PostgresEventBus("postgresql://unused")
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    with bus.subscribe(mine) as subscription, bus.subscribe(theirs) as other:
        bus.dispatch(event(mine))
        assert subscription.queue.qsize() == 1
        assert other.queue.qsize() == 0
    assert bus.subscriber_count == 0


@pytest.fixture
async def listening_bus(database_urls: DatabaseUrls) -> AsyncIterator[PostgresEventBus]:
    bus = PostgresEventBus(database_urls.app, health_interval=0.3)
    await bus.ensure_started()
    assert bus.listening.is_set()
    yield bus
    await bus.stop()


@pytest.fixture
async def database(database_urls: DatabaseUrls) -> AsyncIterator[Database]:
    database = Database(database_urls.app, pool_size=2)
    yield database
    await database.dispose()


async def next_item(subscription: Subscription, within: float = 5.0) -> Event | Dropped:
    return await asyncio.wait_for(subscription.next(), within)


async def test_only_committed_transactions_are_heard(
    listening_bus: PostgresEventBus, database: Database
) -> None:
    tenant = uuid.uuid4()
    rolled_back, in_savepoint, committed = (
        event(tenant, version=1),
        event(tenant, version=2),
        event(tenant, version=3),
    )
    with listening_bus.subscribe(tenant) as subscription:
        with pytest.raises(RuntimeError):
            async with database.transaction(tenant) as session:
                await publish(session, rolled_back)
                raise RuntimeError("roll back")
        async with database.transaction(tenant) as session:
            savepoint = await session.begin_nested()
            await publish(session, in_savepoint)
            await savepoint.rollback()
            await publish(session, committed)
            # Not before the commit:
            await asyncio.sleep(0.1)
            assert subscription.queue.empty()
        assert await next_item(subscription) == committed
        await asyncio.sleep(0.2)
        assert subscription.queue.empty()


async def test_the_listener_reconnects_after_its_backend_is_killed(
    listening_bus: PostgresEventBus, database: Database, database_urls: DatabaseUrls
) -> None:
    tenant = uuid.uuid4()
    with listening_bus.subscribe(tenant) as subscription:
        admin = await asyncpg.connect(database_urls.admin)
        try:
            assert await admin.fetchval("select pg_terminate_backend($1)", listening_bus.listener_pid)
        finally:
            await admin.close()
        # Subscribers are told that events may have been missed, then hear new ones again.
        assert await next_item(subscription) is DROPPED
        assert listening_bus.reconnects >= 1
        fresh = event(tenant, version=9)
        async with database.transaction(tenant) as session:
            await publish(session, fresh)
        assert await next_item(subscription) == fresh


def test_lost_connections_are_told_apart_from_bugs() -> None:
    """A delivery that fails because PostgreSQL is away becomes `dropped`; anything else ends the stream."""
    from asyncpg.exceptions import AdminShutdownError, ConnectionDoesNotExistError, UndefinedColumnError
    from sqlalchemy.exc import DBAPIError

    from graph.live.stream import database_unavailable

    assert database_unavailable(ConnectionRefusedError())
    assert database_unavailable(ConnectionDoesNotExistError("gone"))
    assert database_unavailable(AdminShutdownError("terminating connection due to administrator command"))
    shutdown = DBAPIError("select 1", {}, AdminShutdownError("shutdown"))
    assert database_unavailable(shutdown)
    assert database_unavailable(DBAPIError("select 1", {}, Exception("x"), connection_invalidated=True))
    assert not database_unavailable(DBAPIError("select x", {}, UndefinedColumnError("no column x")))
    assert not database_unavailable(ValueError("a bug"))
