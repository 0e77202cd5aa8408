"""Webhook delivery end to end: the outbox written in the event's transaction, a real receiver process
killed mid-stream and restarted (every event arrives, deduplicated by event id, none lost, retries
logged), signatures (also during a secret rotation), the delivery log and replay, disabling after
repeated failures with the admins notified, and the compiled create's outbox row."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import orjson
import pytest

from graph.integrations.delivery import Outcome, claim, record
from graph.integrations.signing import verify
from tests.compiled.test_compiled_create import Served, served  # noqa: F401 - a fixture
from tests.integrations.support import (
    DELIVERIES,
    LOCAL,
    REPLAY,
    ROTATE,
    UPDATE_ENDPOINT,
    Receiver,
    closed_port,
    create_accounts,
    create_endpoint,
    deliver,
    later,
    webhook_config,
)

NOTIFICATIONS = "{ notifications(first: 10) { nodes { kind subject body } } }"
ENDPOINTS_IDS = "{ webhookEndpoints(first: 5) { nodes { id } } }"


@pytest.fixture(autouse=True)
def local_receivers() -> Iterator[None]:
    with webhook_config():
        yield


async def deliveries(client, admin, endpoint_id, **filters):  # type: ignore[no-untyped-def]
    variables = {"endpointId": endpoint_id, "first": 50, **filters}
    return (await client.execute(DELIVERIES, variables, admin.token))["webhookDeliveries"]


async def test_a_receiver_killed_mid_stream_gets_every_event_once_after_it_returns(
    client, services, tmp_path
):
    admin = await client.sign_up()
    receiver = Receiver(tmp_path / "received.jsonl", secret="")
    created = await create_endpoint(client, admin, receiver.url, "account.created")
    receiver.secret = created["secret"]
    endpoint = created["endpoint"]
    account_ids = await create_accounts(client, admin, *(f"Customer {n}" for n in range(5)))

    receiver.start(crash_at=3)  # takes two, logs the third and dies before answering it
    try:
        first = await deliver(services.db, admin, later(0))
        assert first == "delivered 2, failed 1, 2 left for the next run"
        log = (await deliveries(client, admin, endpoint["id"]))["nodes"]
        assert sorted(d["status"] for d in log) == ["PENDING"] * 3 + ["SUCCEEDED"] * 2
        [crashed] = [d for d in log if d["attemptCount"] == 1 and d["status"] == "PENDING"]
        assert crashed["attempts"][0]["succeeded"] is False and crashed["attempts"][0]["statusCode"] is None

        # Down: the next run (after the retry delay) fails on the first delivery and keeps the rest.
        assert await deliver(services.db, admin, later(2)) == "delivered 0, failed 1, 2 left for the next run"
        receiver.start()
        assert await deliver(services.db, admin, later(24 * 60)) == "delivered 3, failed 0"
        assert await deliver(services.db, admin, later(48 * 60)) == "delivered 0, failed 0"
    finally:
        receiver.stop()

    entries = receiver.entries()
    assert all(entry["verified"] for entry in entries)
    assert all(entry["host"] == f"127.0.0.1:{receiver.port}" for entry in entries)
    by_event: dict[str, list[dict]] = {}
    for entry in entries:
        by_event.setdefault(entry["id"], []).append(entry)
    # Every event arrived; the one whose answer was lost arrived twice and dedups to one.
    assert len(by_event) == 5 and len(entries) == 6
    assert sorted(e[0]["body"]["data"]["account"] for e in by_event.values()) == sorted(account_ids)
    assert {e[0]["body"]["type"] for e in by_event.values()} == {"account.created"}
    assert all(e[0]["body"]["id"] == event_id for event_id, e in by_event.items())
    log = (await deliveries(client, admin, endpoint["id"]))["nodes"]
    assert [d["status"] for d in log] == ["SUCCEEDED"] * 5
    retried = [d for d in log if d["attemptCount"] > 1]
    assert retried and all(
        d["attempts"][0]["succeeded"] and d["attempts"][0]["statusCode"] == 204 for d in retried
    )
    assert all(not a["succeeded"] for d in retried for a in d["attempts"][1:])


async def test_signatures_cover_timestamp_and_body_and_a_rotation_signs_with_both(client, services, tmp_path):
    admin = await client.sign_up()
    receiver = Receiver(tmp_path / "received.jsonl", secret="")
    created = await create_endpoint(client, admin, receiver.url, "account.created", "account.updated")
    old_secret, endpoint = created["secret"], created["endpoint"]
    rotated = (
        await client.execute(ROTATE, {"id": endpoint["id"], "version": endpoint["version"]}, admin.token)
    )["rotateWebhookSecret"]
    assert (
        rotated["errors"] == [] and rotated["secret"] != old_secret and rotated["endpoint"]["rotatingUntil"]
    )
    receiver.secret = old_secret  # a receiver that has not switched yet still verifies
    await create_accounts(client, admin, "Rotating")
    receiver.start()
    try:
        assert await deliver(services.db, admin, later(0)) == "delivered 1, failed 0"
    finally:
        receiver.stop()
    [entry] = receiver.entries()
    assert entry["verified"] and entry["signatures"] == 2

    from graph.integrations.signing import signature_header

    body = orjson.dumps(entry["body"])
    header = signature_header([rotated["secret"], old_secret], 1_700_000_000, body)
    assert verify(rotated["secret"], header, 1_700_000_000, body)
    assert verify(old_secret, header, 1_700_000_000, body)
    assert not verify(old_secret, header, 1_700_000_001, body)  # the timestamp is signed
    assert not verify(old_secret, header, 1_700_000_000, body + b" ")  # and so is the body
    assert not verify("whsec_other", header, 1_700_000_000, body)


async def test_an_endpoint_failing_repeatedly_is_disabled_and_its_admins_told(client, services):
    admin = await client.sign_up()
    sales = await client.add_member(admin, "sales")
    endpoint = (
        await create_endpoint(client, admin, f"http://127.0.0.1:{closed_port()}/x", "account.created")
    )["endpoint"]
    await create_accounts(client, admin, "Down 1", "Down 2")

    for minutes in (0, 60, 600):  # three consecutive failures (LOCAL.disable_after)
        assert (await deliver(services.db, admin, later(minutes))).startswith("delivered 0, failed 1")
    [state] = (
        await client.execute(
            "{ webhookEndpoints(first: 5) { nodes { enabled disabledReason } } }", None, admin.token
        )
    )["webhookEndpoints"]["nodes"]
    assert state == {"enabled": False, "disabledReason": "disabled after 3 consecutive failed deliveries"}
    # Disabled: nothing is sent any more, and new events are not queued for it.
    assert await deliver(services.db, admin, later(24 * 60)) == "delivered 0, failed 0"
    await create_accounts(client, admin, "While disabled")
    assert (await deliveries(client, admin, endpoint["id"]))["totalCount"] == 2

    told = (await client.execute(NOTIFICATIONS, None, admin.token))["notifications"]["nodes"]
    assert [n["kind"] for n in told] == ["webhook.disabled"]
    assert endpoint["url"] in told[0]["body"]
    assert (await client.execute(NOTIFICATIONS, None, sales.token))["notifications"]["nodes"] == []

    # Enabled again: failures forgotten, the waiting deliveries go out on the next run.
    enabled = (
        await client.execute(
            UPDATE_ENDPOINT,
            {"id": endpoint["id"], "version": endpoint["version"] + 1, "input": {"enabled": True}},
            admin.token,
        )
    )["updateWebhookEndpoint"]
    assert enabled["errors"] == [] and enabled["endpoint"]["consecutiveFailures"] == 0


async def test_the_delivery_log_pages_by_keyset_and_a_delivery_can_be_replayed(client, services, tmp_path):
    admin = await client.sign_up()
    receiver = Receiver(tmp_path / "received.jsonl", secret="unused")
    endpoint = (await create_endpoint(client, admin, receiver.url, "account.created"))["endpoint"]
    await create_accounts(client, admin, "One", "Two", "Three")
    receiver.start()
    try:
        assert await deliver(services.db, admin, later(0)) == "delivered 3, failed 0"
        page = await deliveries(client, admin, endpoint["id"], first=2)
        assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] and len(page["nodes"]) == 2
        rest = await deliveries(client, admin, endpoint["id"], first=2, after=page["pageInfo"]["endCursor"])
        assert len(rest["nodes"]) == 1 and not rest["pageInfo"]["hasNextPage"]
        replayed_id = rest["nodes"][0]["id"]

        replay = (await client.execute(REPLAY, {"id": replayed_id}, admin.token))["replayWebhookDelivery"]
        assert replay == {
            "delivery": {"id": replayed_id, "status": "PENDING", "attemptCount": 0},
            "errors": [],
        }
        again = (await client.execute(REPLAY, {"id": replayed_id}, admin.token))["replayWebhookDelivery"]
        assert [(e["field"], e["code"]) for e in again["errors"]] == [("id", "INVALID_TRANSITION")]
        assert await deliver(services.db, admin, later(1)) == "delivered 1, failed 0"
    finally:
        receiver.stop()
    ids = [entry["id"] for entry in receiver.entries()]
    assert len(ids) == 4 and len(set(ids)) == 3  # the replay carries the same event id
    pending = await deliveries(client, admin, endpoint["id"], filter={"status": "PENDING"})
    assert pending["totalCount"] == 0


async def test_the_outbox_row_commits_with_the_event_or_not_at_all(client, db):
    admin = await client.sign_up()
    await create_endpoint(client, admin, f"http://127.0.0.1:{closed_port()}/x", "account.updated")
    connection = await db.connect()
    payload = orjson.dumps(
        {
            "tenant": admin.tenant_id,
            "type": "account.updated",
            "ids": {"account": str(uuid.uuid4())},
            "version": 2,
        }
    ).decode()
    for outcome in ("rollback", "commit"):
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute("select crm_emit_event('crm_events', $1)", payload)
        await getattr(transaction, outcome)()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        rows = await connection.fetch("select event_type, status from webhook_deliveries")
    assert [tuple(r) for r in rows] == [("account.updated", "pending")]
    # A type the endpoint does not hear writes nothing.
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute(
            "select crm_emit_event('crm_events', $1)", payload.replace("updated", "deleted")
        )
        assert await connection.fetchval("select count(*) from webhook_deliveries") == 1


async def test_a_compiled_create_writes_its_outbox_row_in_its_own_statement(client, served: Served, db):  # noqa: F811
    admin = await client.sign_up()
    await create_endpoint(client, admin, f"http://127.0.0.1:{closed_port()}/x", "account.created")
    await create_accounts(client, admin, "Warm-up")  # the executor: caches the tenant's field definitions
    served.compiled = served.executor = 0
    [account_id] = await create_accounts(client, admin, "Compiled")
    assert served.compiled == 1
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        rows = await connection.fetch(
            "select event->'ids'->>'account' as account from webhook_deliveries order by created_at"
        )
    from tests.support import relay_uuid

    assert [r["account"] for r in rows][-1] == relay_uuid(account_id) and len(rows) == 2


def test_retry_delays_grow_exponentially_with_jitter():
    from graph.integrations.delivery import retry_delay

    for attempts, ceiling in ((1, 30), (2, 60), (5, 480), (20, 6 * 3600)):
        delays = [retry_delay(attempts, LOCAL) for _ in range(50)]
        assert all(timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays)
        assert len(set(delays)) > 1


async def test_each_delivery_checks_the_address_again_and_a_silent_receiver_times_out(client, services):
    admin = await client.sign_up()
    silent = socket.socket()  # accepts connections (the backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        target = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        endpoint = (await create_endpoint(client, admin, target, "account.created"))["endpoint"]
        await create_accounts(client, admin, "Slow")
        with webhook_config(replace(LOCAL, timeout_seconds=0.3)):
            assert await deliver(services.db, admin, later(0)) == "delivered 0, failed 1"
        # The operator withdraws the allowance: the saved URL is refused before any connection is made.
        with webhook_config(replace(LOCAL, allowed_networks=())):
            assert await deliver(services.db, admin, later(60)) == "delivered 0, failed 1"
    finally:
        silent.close()
    [delivery] = (await deliveries(client, admin, endpoint["id"]))["nodes"]
    refused, timed_out = delivery["attempts"]
    assert timed_out["error"] == "timed out after 0.3 s" and timed_out["statusCode"] is None
    assert refused["error"].startswith("'127.0.0.1' resolves to 127.0.0.1, which is not a public address")
    assert delivery["lastError"] == refused["error"] and delivery["status"] == "PENDING"


async def test_two_runners_never_send_one_delivery_and_a_dead_runners_lease_expires(
    client, services, tmp_path
):
    admin = await client.sign_up()
    receiver = Receiver(tmp_path / "received.jsonl", secret="unused")
    await create_endpoint(client, admin, receiver.url, "account.created")
    await create_accounts(client, admin, "Leased", "Raced 1", "Raced 2")
    tenant, start = uuid.UUID(admin.tenant_id), later(0)
    # A runner claims one delivery and dies before sending it.
    async with services.db.transaction(tenant) as session:
        [dead] = await claim(session, tenant, start, uuid.uuid4(), replace(LOCAL, batch=1))
    receiver.start()
    try:
        runs = await asyncio.gather(*(deliver(services.db, admin, start) for _ in range(2)))
        assert sorted(runs) == ["delivered 0, failed 0", "delivered 2, failed 0"] or sorted(runs) == [
            "delivered 1, failed 0",
            "delivered 1, failed 0",
        ]
        assert await deliver(services.db, admin, start + timedelta(seconds=30)) == "delivered 0, failed 0"
        # Past the lease (60 s) the next run takes it over; the dead runner's late record changes nothing.
        assert await deliver(services.db, admin, start + timedelta(minutes=2)) == "delivered 1, failed 0"
    finally:
        receiver.stop()
    async with services.db.transaction(tenant) as session:
        await record(session, tenant, dead, Outcome(500, "HTTP 500", 5), uuid.uuid4(), start, LOCAL)
    ids = [entry["id"] for entry in receiver.entries()]
    assert len(ids) == 3 and len(set(ids)) == 3 and str(dead.event_id) in ids
    endpoint_id = (await client.execute(ENDPOINTS_IDS, None, admin.token))["webhookEndpoints"]["nodes"][0][
        "id"
    ]
    statuses = [d["status"] for d in (await deliveries(client, admin, endpoint_id))["nodes"]]
    assert statuses == ["SUCCEEDED"] * 3
