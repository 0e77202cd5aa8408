"""Round trips to PostgreSQL per request (ARCHITECTURE.md's budget: 4 for a read, 6 for a simple write).

Counted as the database sees them: every statement SQLAlchemy sends (savepoints included) plus what
asyncpg sends outside prepared statements (BEGIN, COMMIT, ROLLBACK, the compiled path's queries).
Prepared statements are cached per connection, so each operation runs once first and the repeat is
counted. The verify mode of the suite (both paths run) is switched off here: it doubles the reads.

The rate-limit charge (tenants/rate_limits.py) rides in the one-trip statement, but on the paths that
open a transaction it is one statement of its own on the statement pool (+1): inside the transaction
the bucket rows would stay locked until COMMIT and queue every request of a tenant behind the last.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from tests.crm.documents import create_account, create_contact, link

POINT_READ = """
query($id: ID!) {
  contact(id: $id) { id firstName lastName emails primaryAccount { name } }
}"""
LIST_50 = """
query {
  accounts(first: 50, orderBy: [{field: NAME, direction: ASC}]) {
    nodes { id name owner { fullName } contactCount }
  }
}"""
CREATE = """
mutation($name: String!, $ownerId: ID!) {
  createAccount(input: {name: $name, ownerId: $ownerId}) {
    account { id name owner { id } createdAt }
  }
}"""

CREATE_UNDER = """
mutation($name: String!, $parentId: ID!) {
  createAccount(input: {name: $name, parentId: $parentId}) {
    account { id name parent { name } createdAt }
  }
}"""


class RoundTrips:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __len__(self) -> int:
        return len(self.seen)

    def reset(self) -> None:
        self.seen.clear()


@pytest.fixture
def round_trips(app) -> Iterator[RoundTrips]:  # type: ignore[no-untyped-def]
    engine = app.state.services.db.engine.sync_engine
    counter = RoundTrips()

    def statement(_conn, _cursor, sql, *_args) -> None:  # type: ignore[no-untyped-def]
        counter.seen.append(sql)

    def raw_query(record) -> None:  # type: ignore[no-untyped-def]
        counter.seen.append(record.query)

    def checkout(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.driver_connection.add_query_logger(raw_query)

    def checkin(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if dbapi_connection is not None:
            dbapi_connection.driver_connection.remove_query_logger(raw_query)

    listeners = [
        ("before_cursor_execute", statement),
        ("checkout", checkout),
        ("checkin", checkin),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    database = app.state.services.db
    database.query_loggers.append(raw_query)  # the one-trip reads' own pool
    view = app.state.graphql
    view.verifies_compiled = False
    yield counter
    view.verifies_compiled = True
    database.query_loggers.remove(raw_query)
    database.retired_loggers.append(raw_query)
    for name, listener in listeners:
        event.remove(engine, name, listener)


async def counted(client, round_trips, query, variables, token):  # type: ignore[no-untyped-def]
    await client.execute(query, variables, token)  # warm: statements prepared on this connection
    await asyncio.sleep(0)  # asyncpg reports its queries with call_soon
    round_trips.reset()
    data = await client.execute(query, variables, token)
    await asyncio.sleep(0)
    return data, list(round_trips.seen)


async def test_point_read_takes_one_round_trip(client, round_trips) -> None:  # type: ignore[no-untyped-def]
    """After the credential's first request: the check and the read in one statement, no BEGIN/COMMIT."""
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Initech")
    contact_id = (await create_contact(client, admin, firstName="Ada", lastName="Lovelace"))["id"]
    await link(client, admin, contact_id, account["id"], isPrimary=True)

    data, seen = await counted(client, round_trips, POINT_READ, {"id": contact_id}, admin.token)

    assert data["contact"]["primaryAccount"] == {"name": "Initech"}
    # the rate-limit charge comes from the lease the warm-up request took (tenants/rate_limits.py)
    assert len(seen) == 1 and "crm_take_tokens(" not in seen[0], "\n".join(s[:80] for s in seen)


async def test_without_leases_the_charge_rides_in_the_one_trip_read(app, client, round_trips) -> None:  # type: ignore[no-untyped-def]
    admin = await client.sign_up()
    await create_account(client, admin, name="Initech")
    contract = app.state.graphql.contract
    contract.lease_points = 0
    try:
        data, seen = await counted(client, round_trips, LIST_50, {}, admin.token)
    finally:
        contract.lease_points = app.state.services.settings.rate_limit_lease_points

    assert [node["name"] for node in data["accounts"]["nodes"]] == ["Initech"]
    assert len(seen) == 1 and "crm_take_tokens(" in seen[0], "\n".join(s[:80] for s in seen)


async def test_a_first_read_with_a_credential_takes_five_round_trips(client, round_trips) -> None:  # type: ignore[no-untyped-def]
    admin = await client.sign_up()
    await create_account(client, admin, name="Initech")
    fresh = await client.sign_up()  # a credential the fast path has not seen: BEGIN, check, charge, read, COMMIT
    await asyncio.sleep(0)
    round_trips.reset()

    data = await client.execute(LIST_50, {}, fresh.token)
    await asyncio.sleep(0)

    assert data["accounts"]["nodes"] == []
    assert len(round_trips) <= 5, "\n".join(s[:80] for s in round_trips.seen)


async def test_list_of_fifty_takes_one_round_trip(client, round_trips) -> None:  # type: ignore[no-untyped-def]
    admin = await client.sign_up()
    for index in range(3):
        await create_account(client, admin, name=f"Account {index}")

    data, seen = await counted(client, round_trips, LIST_50, {}, admin.token)

    assert [node["name"] for node in data["accounts"]["nodes"]] == ["Account 0", "Account 1", "Account 2"]
    assert len(seen) == 1, "\n".join(s[:80] for s in seen)


async def test_create_takes_one_round_trip(client, round_trips) -> None:  # type: ignore[no-untyped-def]
    """The compiled create (graph/compiled/writes.py) with the credential check in the same statement,
    once the credential's admission is known (gateway/fast_path.py `create_in_one_trip`); the
    rate-limit charge comes from the credential's lease (tenants/rate_limits.py)."""
    admin = await client.sign_up()
    await client.execute(CREATE, {"name": "Warm-up", "ownerId": admin.user_id}, admin.token)
    await client.execute(CREATE, {"name": "Prepared", "ownerId": admin.user_id}, admin.token)
    await asyncio.sleep(0)
    round_trips.reset()

    data = await client.execute(CREATE, {"name": "Counted", "ownerId": admin.user_id}, admin.token)
    await asyncio.sleep(0)

    assert data["createAccount"]["account"]["name"] == "Counted"
    [statement] = round_trips.seen
    assert "INSERT INTO accounts" in statement
    # The credential is checked once (its remembered admission, tenants/admissions.py): the guards read
    # the session row, they do not look it up again; no PL/pgSQL check function.
    assert statement.count("from public.user_sessions") == 1, statement
    assert "crm_authenticate_session(" not in statement, statement


async def test_a_first_create_with_a_credential_takes_five_round_trips(client, round_trips) -> None:  # type: ignore[no-untyped-def]
    """BEGIN, the credential check, the charge, the statement, COMMIT."""
    admin = await client.sign_up()
    await client.execute(CREATE, {"name": "Warm-up", "ownerId": admin.user_id}, admin.token)
    other = await client.add_member(admin, "admin", "other")
    await asyncio.sleep(0)
    round_trips.reset()

    data = await client.execute(CREATE, {"name": "Counted", "ownerId": other.user_id}, other.token)
    await asyncio.sleep(0)

    assert data["createAccount"]["account"]["name"] == "Counted"
    assert len(round_trips) <= 5, "\n".join(s[:80] for s in round_trips.seen)


async def test_create_by_the_executor_takes_seven_round_trips(app, client, round_trips) -> None:  # type: ignore[no-untyped-def]
    admin = await client.sign_up()
    app.state.fast_path.mode = "off"
    try:
        await client.execute(CREATE, {"name": "Warm-up", "ownerId": admin.user_id}, admin.token)
        await asyncio.sleep(0)
        round_trips.reset()

        data = await client.execute(CREATE, {"name": "Counted", "ownerId": admin.user_id}, admin.token)
        await asyncio.sleep(0)
    finally:
        app.state.fast_path.mode = "verify"

    assert data["createAccount"]["account"]["name"] == "Counted"
    assert len(round_trips) <= 7, "\n".join(s[:80] for s in round_trips.seen)


async def test_a_create_left_to_the_executor_opens_no_fast_path_transaction(client, round_trips) -> None:  # type: ignore[no-untyped-def]
    """Input the compiled create never handles (a parent: the hierarchy checks) is recognised before
    BEGIN, so the fallback costs no extra round trips."""
    admin = await client.sign_up()
    parent = await client.execute(CREATE, {"name": "Parent", "ownerId": admin.user_id}, admin.token)
    parent_id = parent["createAccount"]["account"]["id"]
    await client.execute(CREATE_UNDER, {"name": "Warm-up", "parentId": parent_id}, admin.token)
    await asyncio.sleep(0)
    round_trips.reset()

    data = await client.execute(CREATE_UNDER, {"name": "Counted", "parentId": parent_id}, admin.token)
    await asyncio.sleep(0)

    assert data["createAccount"]["account"]["parent"]["name"] == "Parent"
    assert [s for s in round_trips.seen if s.startswith(("BEGIN", "ROLLBACK"))] == ["BEGIN;"]


async def test_a_read_the_planner_cannot_compile_costs_no_fast_path_attempt(client, round_trips) -> None:  # type: ignore[no-untyped-def]
    """A nested field no area compiles (custom fields) in a text search: planned for the credential's
    known actor first, so the executor serves it with no BEGIN, check and ROLLBACK before."""
    admin = await client.sign_up()
    await create_account(client, admin, name="Initech")
    await client.execute(LIST_50, {}, admin.token)  # the fast path now knows this credential
    # A text search (the four-statement path, not one-trip) with a field no area compiles.
    uncompiled = 'query { accounts(first: 5, filter: {search: "Init"}) { nodes { name customFields } } }'

    data, seen = await counted(client, round_trips, uncompiled, {}, admin.token)

    assert data["accounts"]["nodes"] == [{"name": "Initech", "customFields": {}}]
    assert [s for s in seen if s.startswith(("BEGIN", "ROLLBACK"))] == ["BEGIN;"], "\n".join(seen)
