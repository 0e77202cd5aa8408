"""Concurrent one-trip creates sharing one statement (gateway/create_batches.py).

Through the API: creates of one session that arrive while the session's previous statement runs go
together in the next one; each request still gets its own record, audit entry (naming its own request)
and event; a row a guard refuses is served alone by the executor with its error while the rest of its
batch is written; two tenants never share a statement. The gate below holds the first statement until
the others are waiting, so the batches are the same on every run.

Directly, on a real pool: a statement that fails answers FAILED to every create in it, a row missing
from the answer None to that create only, creates with other shared arguments run apart (equal lists
run together), a create whose client went away before its batch ran is left out, a connection lost
while the statement ran (from this side, or a backend the server ended) is OutcomeUnknown, never
retried (it may have committed), a runner cancelled before it started leaves no lane behind, and the runner
does not run in the first request's context.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from gateway.create_batches import FAILED, CreateBatches, OutcomeUnknown
from graph.compiled.errors import CannotCompile
from graph.compiled.registry import CREATES, NewRecord
from graph.compiled.writes import row_json
from graph.core.errors import database_unavailable
from tests.compiled.conftest import OneTrips
from tests.compiled.test_event_side_effects import listened
from tests.compiled.test_one_trip_creates import known
from tests.crm.documents import CREATE_ACCOUNT
from tests.support import relay_uuid

AUDIT = """
query($id: ID!) { auditLog(filter: {objectId: $id}, first: 5) { edges { node { action requestId } } } }"""
KEY_AUDIT = """
query($id: ID!) {
  auditLog(filter: {objectId: $id}, first: 5) { edges { node { action requestId viaApiKey } } }
}"""
NAMES = "query { accounts(first: 50) { nodes { name } } }"


class Gate:
    """Holds every batch until opened; records the batch sizes in the order they ran."""

    def __init__(self, batches: CreateBatches) -> None:
        self.batches = batches
        self.opened = asyncio.Event()
        self.sizes: list[int] = []

    def waiting(self) -> int:
        return sum(len(lane) for lane in self.batches.lanes.values())

    async def until_waiting(self, count: int) -> None:
        for _ in range(500):
            if self.waiting() == count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{self.waiting()} creates waiting, expected {count}")


@pytest.fixture
def gate(app, monkeypatch) -> Iterator[Gate]:  # type: ignore[no-untyped-def]
    batches = app.state.fast_path.batches
    held = Gate(batches)
    run_batch = batches.run_batch

    async def gated(pool: Any, batch: list[Any], rehearse: bool) -> None:
        await held.opened.wait()
        held.sizes.append(len(batch))
        await run_batch(pool, batch, rehearse)

    monkeypatch.setattr(batches, "run_batch", gated)
    yield held
    held.opened.set()


async def create(client, token: str, name: str, request_id: str, **values: Any) -> Any:  # type: ignore[no-untyped-def]
    return await client.post(
        CREATE_ACCOUNT, {"input": {"name": name, **values}}, token, **{"X-Request-Id": request_id}
    )


async def together(gate: Gate, firsts: list[Any], rest: list[Any]) -> list[Any]:
    """Starts `firsts` (each the first of its lane: its statement is held), then `rest`, which wait
    behind them; opens the gate once all are in and returns the responses in the order given."""
    started = [asyncio.ensure_future(each) for each in firsts]
    for _ in range(500):  # until each first create was taken by its own lane's runner
        if len(gate.batches.lanes) == len(firsts) and gate.waiting() == 0:
            break
        await asyncio.sleep(0.01)
    started += [asyncio.ensure_future(each) for each in rest]
    await gate.until_waiting(len(rest))
    gate.opened.set()
    return list(await asyncio.gather(*started))


async def test_concurrent_creates_of_one_session_share_a_statement_and_keep_their_own_answers(
    client, db, gate, one_trips: OneTrips
):
    gate.opened.set()
    admin = await client.sign_up()
    await known(client, admin.token, one_trips)
    await listened(db, admin.tenant_id, 60)
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await db.connect()
    await listener.add_listener("crm_events", lambda *args: heard.put_nowait(args[3]))
    gate.opened.clear()
    gate.sizes.clear()
    written = one_trips.written
    names = ["Alone", "华为技术有限公司", 'Quote " and \\ backslash', "Ünïcode GmbH", "Acme (上海) Ltd"]

    responses = await together(
        gate,
        [create(client, admin.token, names[0], "req-batch-0")],
        [create(client, admin.token, name, f"req-batch-{n}") for n, name in enumerate(names[1:], 1)],
    )

    assert gate.sizes == [1, 4]
    assert one_trips.written == written + 5
    accounts = [response.json()["data"]["createAccount"]["account"] for response in responses]
    assert [account["name"] for account in accounts] == names
    assert len({account["id"] for account in accounts}) == 5
    for n, account in enumerate(accounts):
        [entry] = (await client.execute(AUDIT, {"id": account["id"]}, admin.token))["auditLog"]["edges"]
        assert entry["node"] == {"action": "account.create", "requestId": f"req-batch-{n}"}
    events = [json.loads(await asyncio.wait_for(heard.get(), 5)) for _ in names]
    assert sorted(event["ids"]["account"] for event in events) == sorted(
        relay_uuid(account["id"]) for account in accounts
    )
    assert {(event["type"], event["tenant"]) for event in events} == {("account.created", admin.tenant_id)}


async def test_a_row_a_guard_refuses_is_served_alone_and_the_rest_of_its_batch_is_written(
    client, gate, one_trips: OneTrips, caplog
):
    gate.opened.set()
    admin = await client.sign_up()
    stranger = await client.sign_up("Elsewhere")
    await known(client, admin.token, one_trips)
    gate.opened.clear()
    gate.sizes.clear()

    responses = await together(
        gate,
        [create(client, admin.token, "Held", "req-held")],
        [
            create(client, admin.token, "Kept", "req-kept"),
            create(client, admin.token, "Not mine", "req-refused", ownerId=stranger.user_id),
            create(client, admin.token, "Also kept", "req-also"),
        ],
    )

    assert gate.sizes == [1, 3]  # the refused one then goes on alone: the transactional path, the executor
    assert not [r for r in caplog.records if "one-trip create" in r.getMessage()]  # no statement failed
    refused = responses[2].json()["data"]["createAccount"]
    assert refused["account"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("ownerId", "NOT_FOUND")]
    stored = (await client.execute(NAMES, token=admin.token))["accounts"]["nodes"]
    assert sorted(node["name"] for node in stored) == [
        "Also kept",
        "First",
        "Held",
        "Kept",
        "Second",
        "Third",
    ]


async def test_creates_of_two_tenants_never_share_a_statement(client, gate, one_trips: OneTrips):
    gate.opened.set()
    first, second = await client.sign_up("First Co"), await client.sign_up("Second Co")
    for member in (first, second):
        await known(client, member.token, one_trips)
    gate.opened.clear()
    gate.sizes.clear()

    await together(
        gate,
        [create(client, first.token, "1-held", "a"), create(client, second.token, "2-held", "b")],
        [
            create(client, member.token, f"{n}-{k}", "c")
            for k in (1, 2)
            for n, member in ((1, first), (2, second))
        ],
    )

    assert sorted(gate.sizes) == [1, 1, 2, 2]
    for n, member in ((1, first), (2, second)):
        stored = (await client.execute(NAMES, token=member.token))["accounts"]["nodes"]
        mine = sorted(node["name"] for node in stored if node["name"][0].isdigit())
        assert mine == [f"{n}-1", f"{n}-2", f"{n}-held"]


async def test_creates_of_one_api_key_share_a_statement_and_are_audited_as_the_keys(
    client, gate, one_trips: OneTrips
):
    from tests.identity.test_api_keys import create_key

    gate.opened.set()
    admin = await client.sign_up()
    key = (await create_key(client, admin, role_key="sales", name="ERP sync"))["secret"]
    await known(client, key, one_trips)
    gate.opened.clear()
    gate.sizes.clear()

    responses = await together(
        gate,
        [create(client, key, "ERP 0", "erp-0")],
        [create(client, key, f"ERP {n}", f"erp-{n}") for n in (1, 2, 3)],
    )

    assert gate.sizes == [1, 3]
    for n, response in enumerate(responses):
        account = response.json()["data"]["createAccount"]["account"]
        assert account["name"] == f"ERP {n}"
        [entry] = (await client.execute(KEY_AUDIT, {"id": account["id"]}, admin.token))["auditLog"]["edges"]
        assert entry["node"] == {"action": "account.create", "requestId": f"erp-{n}", "viaApiKey": True}


def test_a_nul_character_is_left_to_the_executor_and_other_text_is_carried_as_written():
    root = CREATES["createAccount"]
    event = SimpleNamespace(type="account.created", encode=lambda: "{}")
    text = '华为 "quoted" \\ back\tslash'
    row = row_json(root, NewRecord(row={"id": uuid.uuid4(), "name": text}, audit={}, event=event))
    assert json.loads(row)["name"] == text
    with pytest.raises(CannotCompile):
        row_json(root, NewRecord(row={"id": uuid.uuid4(), "name": "a\x00b"}, audit={}, event=event))


# --- the batches on a real pool ---------------------------------------------------------------------

# Rows are answered when n > $2; n that is not a number fails the whole statement.
STATEMENT = "select r.id::text, r.id from json_to_recordset($1::json) as r(id uuid, n int) where r.n > $2"


def plan(n: Any, threshold: int = 0, sql: str = STATEMENT, *more: Any) -> Any:
    record_id = uuid.uuid4()
    row = json.dumps({"id": str(record_id), "n": n})
    return SimpleNamespace(
        sql=sql, arguments=[f"[{row}]", threshold, *more], rows_at=0, row=row, record_id=record_id
    )


@pytest.fixture
async def pool(database_urls):  # type: ignore[no-untyped-def]
    opened = await asyncpg.create_pool(database_urls.app, min_size=1, max_size=2)
    yield opened
    await opened.close()


class Counted(CreateBatches):
    def __init__(self) -> None:
        super().__init__(max_rows=3)
        self.sizes: list[int] = []

    async def run_batch(self, pool: Any, batch: list[Any], rehearse: bool) -> None:
        self.sizes.append(len(batch))
        await super().run_batch(pool, batch, rehearse)


async def test_each_create_gets_its_own_row_or_none_and_batches_stay_within_their_size(pool):
    batches = Counted()
    plans = [plan(1), plan(2), plan(-1), plan(3), plan(4), plan(5)]

    answers = await asyncio.gather(*(batches.create(pool, each, False) for each in plans))

    assert answers == [str(p.record_id) if p is not plans[2] else None for p in plans]
    assert batches.sizes == [3, 3] and batches.lanes == {}


async def test_a_failing_statement_answers_failed_to_every_create_in_it_and_not_to_the_next(pool):
    batches = Counted()
    held, bad, fine, after = plan(1), plan("x"), plan(2), plan(3)

    first = asyncio.ensure_future(batches.create(pool, held, False))
    await asyncio.sleep(0)
    rest = [batches.create(pool, each, False) for each in (bad, fine)]
    answers = await asyncio.gather(first, *rest)
    last = await batches.create(pool, after, False)

    assert answers == [str(held.record_id), FAILED, FAILED] and last == str(after.record_id)
    assert batches.sizes == [1, 2, 1]


async def test_creates_with_other_shared_arguments_run_apart(pool):
    batches = Counted()
    plans = [plan(5, threshold=0), plan(5, threshold=0), plan(5, threshold=9)]

    answers = await asyncio.gather(*(batches.create(pool, each, False) for each in plans))

    assert answers == [str(plans[0].record_id), str(plans[1].record_id), None]
    assert sorted(batches.sizes) == [1, 2]


async def test_a_create_whose_client_went_away_before_its_batch_is_left_out(pool):
    batches = Counted()
    held, gone, kept = plan(1), plan(2), plan(3)

    first = asyncio.ensure_future(batches.create(pool, held, False))
    await asyncio.sleep(0)
    leaving = asyncio.ensure_future(batches.create(pool, gone, False))
    staying = asyncio.ensure_future(batches.create(pool, kept, False))
    await asyncio.sleep(0)
    leaving.cancel()

    assert await first == str(held.record_id) and await staying == str(kept.record_id)
    assert leaving.cancelled() and batches.sizes == [1, 1]


async def test_equal_lists_among_the_shared_arguments_run_together(pool):
    batches = Counted()
    sql = STATEMENT + " and $3::text[] is not null"
    both, one = ["read", "write"], ["read"]
    plans = [
        plan(1, 0, sql, both),
        plan(2, 0, sql, list(both)),
        plan(3, 0, sql, list(both)),
        plan(4, 0, sql, one),
    ]

    first = asyncio.ensure_future(batches.create(pool, plans[0], False))
    await asyncio.sleep(0)
    answers = await asyncio.gather(first, *(batches.create(pool, each, False) for each in plans[1:]))

    assert answers == [str(each.record_id) for each in plans]
    assert sorted(batches.sizes) == [1, 1, 2]  # unhashable lists would give each create a lane: 1, 1, 1, 1


class Severing:
    """A real pool whose connections are closed from this side while a statement runs."""

    def __init__(self, pool: Any, after: float) -> None:
        self.pool, self.after = pool, after

    @contextlib.asynccontextmanager
    async def acquire(self) -> Any:
        async with self.pool.acquire() as connection:
            asyncio.get_running_loop().call_later(self.after, connection.terminate)
            yield connection


async def test_a_connection_lost_while_the_statement_ran_is_an_unknown_outcome_not_a_retry(pool):
    batches = Counted()
    slow = STATEMENT + " and pg_sleep(2) is not null"

    with pytest.raises(OutcomeUnknown) as lost:
        await batches.create(Severing(pool, 0.2), plan(1, 0, slow), False)
    assert batches.lanes == {}
    assert database_unavailable(lost.value)  # the client gets UNAVAILABLE (503), as for an outage


async def test_a_backend_ended_by_the_server_mid_statement_is_an_unknown_outcome_too(pool, database_urls):
    # asyncpg reports it as the connection closed in the middle of the operation, with the server's
    # message: the driver cannot say whether the statement committed before the backend went.
    batches = Counted()
    slow = STATEMENT + " and pg_sleep(2.5) is not null"  # its own text, to be found below
    admin = await asyncpg.connect(database_urls.admin)
    try:
        running = asyncio.ensure_future(batches.create(pool, plan(1, 0, slow), False))
        for _ in range(100):
            pid = await admin.fetchval(
                "select pid from pg_stat_activity where query like '%pg_sleep(2.5)%' and pid <> pg_backend_pid()"
            )
            if pid is not None:
                break
            await asyncio.sleep(0.02)
        await admin.execute("select pg_terminate_backend($1)", pid)

        with pytest.raises(OutcomeUnknown):
            await running
    finally:
        await admin.close()


async def test_a_runner_cancelled_before_it_started_leaves_no_lane_behind(pool):
    batches = Counted()
    waiting = asyncio.ensure_future(batches.create(pool, plan(1), False))
    await asyncio.sleep(0)  # the lane and its runner exist; the runner has not run yet
    for runner in list(batches.runners):
        runner.cancel()
    await asyncio.sleep(0.01)

    assert waiting.done() and batches.lanes == {}
    assert await batches.create(pool, plan(2), False) is not None


REQUEST = contextvars.ContextVar("request", default=None)


async def test_the_runner_does_not_run_in_the_first_requests_context(pool):
    seen: list[Any] = []

    class Observed(Counted):
        async def run_batch(self, pool: Any, batch: list[Any], rehearse: bool) -> None:
            seen.append(REQUEST.get())
            await super().run_batch(pool, batch, rehearse)

    REQUEST.set("first request")
    await Observed().create(pool, plan(1), False)

    assert seen == [None]
