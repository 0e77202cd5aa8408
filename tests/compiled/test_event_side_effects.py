"""A one-trip create's change event (graph/compiled/writes.py `event_notice`, `event_deliveries`): the
two steps of `crm_emit_event` inlined into the create statement. The NOTIFY goes out only while a server
process watches the tenant; one outbox row per enabled endpoint subscribed to the type, sharing one event
id; nothing for another tenant's endpoints. Verify mode is off (`one_trips`): it would roll the one-trip
statement back and let the executor write."""

from __future__ import annotations

import asyncio
import json
import uuid

from tests.compiled.test_one_trip_creates import create, known
from tests.integrations.support import closed_port, create_endpoint, webhook_config
from tests.support import relay_uuid

LISTENER = uuid.UUID("00000000-0000-7000-8000-00000000c0de")


async def listened(db, tenant_id: str, seconds: int) -> None:  # type: ignore[no-untyped-def]
    connection = await db.connect()
    await connection.execute(
        "select crm_live_listen($1, array[$2::uuid], '{}'::uuid[], $3)", LISTENER, tenant_id, seconds
    )


async def test_a_watched_tenant_is_notified_and_an_unwatched_one_is_not(client, db, one_trips):
    admin = await client.sign_up()
    await known(client, admin.token, one_trips)
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await db.connect()
    await listener.add_listener("crm_events", lambda *args: heard.put_nowait(args[3]))
    written = one_trips.written

    unwatched = (await create(client, admin.token, "Unwatched")).json()["data"]["createAccount"]["account"]
    await listened(db, admin.tenant_id, 60)
    watched = (await create(client, admin.token, "Watched")).json()["data"]["createAccount"]["account"]

    assert one_trips.written == written + 2
    event = json.loads(await asyncio.wait_for(heard.get(), 5))
    assert (event["type"], event["ids"]["account"]) == ("account.created", relay_uuid(watched["id"]))
    assert event["tenant"] == admin.tenant_id
    assert heard.empty() and unwatched["id"] != watched["id"]
    await listener.remove_listener("crm_events", lambda *args: None)


async def test_each_subscribed_endpoint_gets_one_outbox_row_of_the_tenants_own(client, db, one_trips):
    admin = await client.sign_up()
    other = await client.sign_up("Other Co")
    url = f"http://127.0.0.1:{closed_port()}/hook"
    with webhook_config():  # local plain-http receivers allowed
        for member in (admin, admin, other):
            await create_endpoint(client, member, url, "account.created")
        await create_endpoint(client, admin, url, "account.updated")
    await known(client, admin.token, one_trips)
    written = one_trips.written

    account = (await create(client, admin.token, "Hooked")).json()["data"]["createAccount"]["account"]

    assert one_trips.written == written + 1
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        rows = await connection.fetch(
            "select tenant_id, event_id, event_type, event from webhook_deliveries"
            " where event->'ids'->>'account' = $1",
            relay_uuid(account["id"]),
        )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
        theirs = await connection.fetchval("select count(*) from webhook_deliveries")
    assert len(rows) == 2 and len({row["event_id"] for row in rows}) == 1
    assert {(str(row["tenant_id"]), row["event_type"]) for row in rows} == {
        (admin.tenant_id, "account.created")
    }
    assert json.loads(rows[0]["event"])["type"] == "account.created"
    assert theirs == 0
