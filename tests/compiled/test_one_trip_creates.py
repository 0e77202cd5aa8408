"""One-trip creates (gateway/fast_path.py `create_in_one_trip`): the credential check and the create in
one statement, planned for the credential's last admission, writing only if the check shows that same
admission (tenants.admissions). Whatever changed since, the request gets what the current
credential gets and nothing is written under the old admission. Verify mode is off here so the
one-trip statement's writes stay (it would rehearse and roll them back)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import asyncpg

from tests.admin.documents import ASSIGN_ROLE, DEACTIVATE, ROLES
from tests.compiled.conftest import OneTrips
from tests.crm.documents import CREATE_ACCOUNT
from tests.identity.test_sessions import LOGOUT, SWITCH
from tests.security.support import client_at, login, set_session_times, update_settings

NAMES = "query { accounts(first: 50) { nodes { name } } }"
AUDIT = """
query($id: ID!) { auditLog(filter: {objectId: $id}, first: 5) { edges { node { action requestId } } } }"""


async def create(client, token: str, name: str) -> Any:  # type: ignore[no-untyped-def]
    return await client.post(CREATE_ACCOUNT, {"input": {"name": name}}, token)


async def known(client, token: str, one_trips: OneTrips) -> None:  # type: ignore[no-untyped-def]
    """Creates until the credential's admission is remembered and field definitions are cached (the
    first create: the fast path remembers the admission, the executor caches the definitions), so the
    next create is one statement; the third shows it."""
    for name in ("First", "Second"):
        assert (await create(client, token, name)).json()["data"]["createAccount"]["errors"] == []
    before = one_trips.written
    assert (await create(client, token, "Third")).json()["data"]["createAccount"]["errors"] == []
    assert one_trips.written == before + 1


async def names(client, token: str) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(n["name"] for n in (await client.execute(NAMES, token=token))["accounts"]["nodes"])


async def test_the_audit_entry_names_the_request_that_wrote_it(client, one_trips):
    admin = await client.sign_up()
    await known(client, admin.token, one_trips)

    response = await client.post(
        CREATE_ACCOUNT, {"input": {"name": "Traced"}}, admin.token, **{"X-Request-Id": "req-one-trip-1"}
    )

    created = response.json()["data"]["createAccount"]["account"]
    assert one_trips.written == 3
    [entry] = [
        e["node"]
        for e in (await client.execute(AUDIT, {"id": created["id"]}, admin.token))["auditLog"]["edges"]
    ]
    assert entry == {"action": "account.create", "requestId": "req-one-trip-1"}


async def test_a_role_taken_away_is_refused_and_nothing_is_written(client, one_trips):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await known(client, rep.token, one_trips)
    roles = {r["key"]: r["id"] for r in (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"]}
    assigned = await client.execute(
        ASSIGN_ROLE, {"userId": rep.user_id, "roleId": roles["viewer"]}, admin.token
    )
    assert assigned["assignRole"]["errors"] == []

    refused = await client.mutate(CREATE_ACCOUNT, {"input": {"name": "No"}}, rep.token, "createAccount")

    assert refused.get("account") is None and refused["errors"][0]["code"] == "PERMISSION_DENIED"
    assert one_trips.written == 2
    assert await names(client, admin.token) == ["First", "Second", "Third"]


async def test_a_logged_out_session_writes_nothing(client, one_trips):
    admin = await client.sign_up()
    await known(client, admin.token, one_trips)
    await client.execute(LOGOUT, token=admin.token)

    refused = await create(client, admin.token, "After logout")

    assert (
        refused.status_code == 401 and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    )
    assert await names(client, await fresh_token(client, admin)) == ["First", "Second", "Third"]


async def test_a_deactivated_member_writes_nothing(client, one_trips):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await known(client, rep.token, one_trips)
    deactivated = await client.execute(DEACTIVATE, {"userId": rep.user_id}, admin.token)
    assert deactivated["deactivateMember"]["errors"] == []

    refused = await create(client, rep.token, "Gone")

    assert refused.status_code == 401
    assert await names(client, admin.token) == ["First", "Second", "Third"]


async def test_a_create_after_switching_tenant_lands_in_the_new_tenant(client, one_trips):
    first = await client.sign_up("First Co")
    second = await client.sign_up("Second Co")
    member = await client.add_member(first, "admin")
    await client.join_tenant(second, member, "admin")
    await known(client, member.token, one_trips)

    await client.execute(SWITCH, {"id": second.tenant_node_id}, member.token)
    created = (await create(client, member.token, "In the second")).json()["data"]["createAccount"]

    assert created["errors"] == []
    assert await names(client, first.token) == ["First", "Second", "Third"]
    assert await names(client, second.token) == ["In the second"]


async def test_an_address_outside_a_new_allowlist_writes_nothing(app, one_trips):
    async with client_at(app, "10.77.1.1") as office, client_at(app, "192.0.2.9") as cafe:
        admin = await office.sign_up()
        await known(cafe, admin.token, one_trips)
        assert (await update_settings(office, admin, ipAllowlist=["10.77.0.0/16"]))["errors"] == []

        refused = await create(cafe, admin.token, "From the cafe")

        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN_NETWORK"
        assert await names(office, admin.token) == ["First", "Second", "Third"]


async def test_an_idle_session_writes_nothing_and_stays_expired(client, database_urls, one_trips):
    admin = await client.sign_up()
    assert (await update_settings(client, admin, sessionIdleMinutes=30))["errors"] == []
    await known(client, admin.token, one_trips)

    await set_session_times(database_urls.owner, admin.token, last_seen_at=timedelta(minutes=31))

    for name in ("Idle", "Still idle"):
        refused = await create(client, admin.token, name)
        assert refused.status_code == 401
        assert "30 minutes without activity" in refused.json()["errors"][0]["message"]
    assert one_trips.written == 2
    assert await names(client, await fresh_token(client, admin)) == ["First", "Second", "Third"]


async def test_a_credential_is_checked_in_a_transaction_once_a_touch_is_due(
    app, client, database_urls, one_trips
):
    """One-trip statements never touch the session; once a touch may be due the fast path checks the
    credential in a transaction, which refreshes the last-seen time."""
    admin = await client.sign_up()
    assert await names(client, admin.token) == []
    assert await names(client, admin.token) == []  # remembered: one-trip reads from now
    await set_session_times(database_urls.owner, admin.token, last_seen_at=timedelta(minutes=5))
    assert await names(client, admin.token) == []  # one trip: no touch
    assert await last_seen_age(database_urls.owner, admin.token) >= timedelta(minutes=5)
    fast_path = app.state.fast_path
    for key, checked in fast_path.known_actors.items():
        fast_path.known_actors[key] = type(checked)(checked.actor, checked.row, checked.at - 61)

    assert await names(client, admin.token) == []

    assert await last_seen_age(database_urls.owner, admin.token) < timedelta(minutes=1)


async def fresh_token(client, member) -> str:  # type: ignore[no-untyped-def]
    return (await login(client, member.email))["token"]


async def last_seen_age(owner_url: str, token: str) -> timedelta:
    connection = await asyncpg.connect(owner_url)
    try:
        return await connection.fetchval(
            "select now() - last_seen_at from user_sessions where token_hash = $1",
            hashlib.sha256(token.encode()).digest(),
        )
    finally:
        await connection.close()
