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


@pytest.fixture
async def new_tenant(database_urls: DatabaseUrls) -> AsyncIterator[object]:
    """A factory of tenant rows (live_listeners rows name a real tenant)."""

    async def create() -> uuid.UUID:
        tenant = uuid.uuid4()
        owner = await asyncpg.connect(database_urls.owner)
        try:
            async with owner.transaction():
                await owner.execute("select set_config('app.tenant_id', $1, true)", str(tenant))
                await owner.execute("insert into tenants (id, name) values ($1, 'Bus test')", tenant)
        finally:
            await owner.close()
        return tenant

    yield create


async def heard_by_sql(database_urls: DatabaseUrls, tenant: uuid.UUID) -> list[str]:
    """What a bare LISTEN hears when the tenant's event is emitted as the app role."""
    heard: list[str] = []
    listener = await asyncpg.connect(database_urls.app)
    writer = await asyncpg.connect(database_urls.app)
    try:
        await listener.add_listener("crm_events", lambda *args: heard.append(args[3]))
        async with writer.transaction():
            await writer.execute("select set_config('app.tenant_id', $1, true)", str(tenant))
            await writer.execute("select crm_emit_event('crm_events', $1)", event(tenant).encode())
        await asyncio.sleep(0.2)
    finally:
        await writer.close()
        await listener.close()
    return heard


async def test_only_committed_transactions_are_heard(
    listening_bus: PostgresEventBus, database: Database, new_tenant
) -> None:
    tenant = await new_tenant()
    rolled_back, in_savepoint, committed = (
        event(tenant, version=1),
        event(tenant, version=2),
        event(tenant, version=3),
    )
    with listening_bus.subscribe(tenant) as subscription:
        await listening_bus.watch(tenant)
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
    listening_bus: PostgresEventBus, database: Database, database_urls: DatabaseUrls, new_tenant
) -> None:
    tenant = await new_tenant()
    with listening_bus.subscribe(tenant) as subscription:
        await listening_bus.watch(tenant)
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


async def test_a_tenant_subscribed_while_the_listener_is_down_is_watched_once_it_is_back(
    listening_bus: PostgresEventBus, database: Database, database_urls: DatabaseUrls, new_tenant
) -> None:
    tenant = await new_tenant()
    admin = await asyncpg.connect(database_urls.admin)
    try:
        assert await admin.fetchval("select pg_terminate_backend($1)", listening_bus.listener_pid)
    finally:
        await admin.close()
    with listening_bus.subscribe(tenant) as subscription:
        await listening_bus.watch(tenant)  # on the dying connection, or none: told to refetch
        assert await next_item(subscription) is DROPPED
        deadline = asyncio.get_running_loop().time() + 5
        while listening_bus.reconnects < 1 or not listening_bus.listening.is_set():
            assert asyncio.get_running_loop().time() < deadline, "the listener did not come back"
            await asyncio.sleep(0.05)
        assert tenant in listening_bus.watched
        fresh = event(tenant, version=5)
        async with database.transaction(tenant) as session:
            await publish(session, fresh)
        item = await next_item(subscription)
        while item is DROPPED:  # the reconnection's own refetch signal may come first
            item = await next_item(subscription)
        assert item == fresh


async def test_only_watched_tenants_are_notified_and_a_watch_ends_with_its_last_subscriber(
    listening_bus: PostgresEventBus, database_urls: DatabaseUrls, new_tenant
) -> None:
    """A NOTIFY serialises commits database-wide (migration 0302): an event of a tenant nobody watches
    sends none; one of a watched tenant does; the ping drops the tenant once its subscribers are gone."""
    watched, unwatched = await new_tenant(), await new_tenant()
    assert await heard_by_sql(database_urls, watched) == []
    with listening_bus.subscribe(watched):
        await listening_bus.watch(watched)
        assert len(await heard_by_sql(database_urls, watched)) == 1
        assert await heard_by_sql(database_urls, unwatched) == []
    await asyncio.sleep(1.0)  # the ping (every 0.3 s here) drops the row of a tenant without subscribers
    assert listening_bus.watched == set()
    assert await heard_by_sql(database_urls, watched) == []


async def test_a_watch_waits_for_writes_that_checked_before_it_and_else_says_dropped(
    listening_bus: PostgresEventBus, database_urls: DatabaseUrls, new_tenant
) -> None:
    """A statement still running when the watch was committed may have looked for listeners before it:
    `watch` waits for it to end, and when it runs past the settle time the subscriber is told to refetch."""
    from graph.live import postgres

    tenant = await new_tenant()
    slow = await asyncpg.connect(database_urls.app)
    try:
        running = asyncio.create_task(slow.execute("select pg_sleep(0.3)"))
        await asyncio.sleep(0.1)
        with listening_bus.subscribe(tenant) as subscription:
            started = asyncio.get_running_loop().time()
            await listening_bus.watch(tenant)
            assert running.done() and asyncio.get_running_loop().time() - started >= 0.15
            assert subscription.queue.empty()
        other = await new_tenant()
        running = asyncio.create_task(slow.execute("select pg_sleep(0.6)"))
        await asyncio.sleep(0.1)
        saved, postgres.SETTLE_SECONDS = postgres.SETTLE_SECONDS, 0.1
        try:
            with listening_bus.subscribe(other) as subscription:
                await listening_bus.watch(other)
                # the default wait: on a loaded machine the notice can come later than the settle time
                assert await next_item(subscription) is DROPPED
        finally:
            postgres.SETTLE_SECONDS = saved
        await running
    finally:
        await slow.close()


async def test_another_tenant_cannot_read_or_write_live_listener_rows(
    listening_bus: PostgresEventBus, database_urls: DatabaseUrls, new_tenant
) -> None:
    mine, theirs = await new_tenant(), await new_tenant()
    with listening_bus.subscribe(theirs):
        await listening_bus.watch(theirs)
        connection = await asyncpg.connect(database_urls.app)
        try:
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", str(mine))
                assert await connection.fetchval("select count(*) from live_listeners") == 0
                assert await connection.execute("delete from live_listeners") == "DELETE 0"
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(
                        "insert into live_listeners values ($1, $2, now() + interval '1 hour')",
                        theirs,
                        uuid.uuid4(),
                    )
        finally:
            await connection.close()
        assert len(await heard_by_sql(database_urls, theirs)) == 1


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


async def test_a_watch_waits_for_a_transaction_that_checked_before_it_and_commits_after(
    listening_bus: PostgresEventBus, database_urls: DatabaseUrls, new_tenant
) -> None:
    """Review: the executor's effects statement (and the compiled create) call crm_emit_event and then
    COMMIT in a later round trip; between the two the writer is `idle in transaction`, not `active`. A
    watch committed in that gap must not return as settled: the write commits after the subscriber's
    first read, its event check saw no listener, so without DROPPED the subscriber silently misses it."""
    tenant = await new_tenant()
    writer = await asyncpg.connect(database_urls.app)
    try:
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute("select set_config('app.tenant_id', $1, true)", str(tenant))
        await writer.execute("select txid_current()")  # a writer: its change has an xid, as every event's does
        written = event(tenant, version=7)
        await writer.execute("select crm_emit_event('crm_events', $1)", written.encode())
        with listening_bus.subscribe(tenant) as subscription:

            async def commit_later() -> None:
                await asyncio.sleep(0.3)
                await transaction.commit()

            committing = asyncio.create_task(commit_later())
            await listening_bus.watch(tenant)
            # The first read comes now: it sees the write only if it has committed; else, refetch.
            told_to_refetch = not subscription.queue.empty() and subscription.queue.get_nowait()[0] is DROPPED
            assert committing.done() or told_to_refetch, "the write commits unseen and unheard"
            await committing
    finally:
        await writer.close()


async def test_a_ping_held_up_past_the_rows_expiry_tells_subscribers_to_refetch(
    database_urls: DatabaseUrls, new_tenant
) -> None:
    """Review: the ping (`_renew`) shares the connection lock with `watch`, whose settle may hold it for
    SETTLE_SECONDS each while some transaction is running; new tenants' watches queued ahead of it delay
    the renewal past `ttl_seconds`, the process's rows expire, and events of tenants it still has
    subscribers of are neither notified nor followed by DROPPED."""
    from graph.live import postgres

    class ShortRows(PostgresEventBus):
        @property
        def ttl_seconds(self) -> int:
            return 1

    bus = ShortRows(database_urls.app, health_interval=0.2)
    await bus.ensure_started()
    watched = await new_tenant()
    newcomers = [await new_tenant() for _ in range(8)]
    slow = await asyncpg.connect(database_urls.app)
    saved, postgres.SETTLE_SECONDS = postgres.SETTLE_SECONDS, 0.3
    try:
        with bus.subscribe(watched) as subscription:
            await bus.watch(watched)
            running = asyncio.create_task(slow.execute("select pg_sleep(3)"))
            await asyncio.sleep(0.1)
            others = [bus.subscribe(tenant) for tenant in newcomers]
            watches = asyncio.gather(*(bus.watch(tenant) for tenant in newcomers))  # ~2.4 s of lock
            await asyncio.sleep(1.6)  # past the row's expiry; the ping waits behind the watches
            written = event(watched, version=3)
            writer = await asyncpg.connect(database_urls.app)
            try:
                async with writer.transaction():
                    await writer.execute("select set_config('app.tenant_id', $1, true)", str(watched))
                    await writer.execute("select crm_emit_event('crm_events', $1)", written.encode())
            finally:
                await writer.close()
            await watches
            item = await next_item(subscription, within=3.0)
            assert item == written or item is DROPPED
            for other in others:
                other.close()
            await running
    finally:
        postgres.SETTLE_SECONDS = saved
        await slow.close()
        await bus.stop()
