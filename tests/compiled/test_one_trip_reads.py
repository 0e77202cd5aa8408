"""One-trip reads (gateway/fast_path.py `read_in_one_trip`): the credential check and the read in one
statement, planned for the actor the credential was last time. Whatever changed since (a revoked
session, another role, another tenant, the network), the answer is the one the current credential gets:
the suite's verify mode compares every such read with the executor's, and these tests pin the cases."""

from __future__ import annotations

from datetime import timedelta

from tests.admin.documents import ASSIGN_ROLE, ROLES
from tests.crm.documents import create_account
from tests.identity.test_sessions import LOGOUT, SWITCH
from tests.security.support import set_session_times, update_settings

NAMES = "query { accounts(first: 10) { nodes { name } } }"


async def names(client, token: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [node["name"] for node in (await client.execute(NAMES, token=token))["accounts"]["nodes"]]


async def test_a_logged_out_session_is_refused_at_once(app, client):
    admin = await client.sign_up()
    await create_account(client, admin, name="Visible")
    assert await names(client, admin.token) == ["Visible"]
    assert await names(client, admin.token) == ["Visible"]  # served in one trip
    assert app.state.fast_path.known_actors

    await client.execute(LOGOUT, token=admin.token)
    response = await client.post(NAMES, token=admin.token)

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_new_role_applies_to_the_next_read(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await create_account(client, admin, name="The admin's")
    await create_account(client, rep, name="The rep's")
    assert await names(client, rep.token) == ["The rep's"]
    assert await names(client, rep.token) == ["The rep's"]
    roles = {r["key"]: r["id"] for r in (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"]}

    assigned = await client.execute(
        ASSIGN_ROLE, {"userId": rep.user_id, "roleId": roles["admin"]}, admin.token
    )
    assert assigned["assignRole"]["errors"] == []

    assert await names(client, rep.token) == ["The admin's", "The rep's"]


async def test_switching_tenant_reads_the_new_tenant(client):
    first = await client.sign_up("First Co")
    second = await client.sign_up("Second Co")
    await create_account(client, first, name="First's")
    await create_account(client, second, name="Second's")
    member = await client.add_member(first, "admin")
    await client.join_tenant(second, member, "admin")
    assert await names(client, member.token) == ["First's"]
    assert await names(client, member.token) == ["First's"]

    await client.execute(SWITCH, {"id": second.tenant_node_id}, member.token)

    assert await names(client, member.token) == ["Second's"]
    assert await names(client, member.token) == ["Second's"]


async def test_an_idle_session_stays_expired_after_a_one_trip_read(client, database_urls):
    """The one-trip statement commits the credential check's last-seen touch on its own: a session
    past its idle limit must not be refreshed by the read that refuses it (and then let in)."""
    admin = await client.sign_up()
    assert (await update_settings(client, admin, sessionIdleMinutes=30))["errors"] == []
    assert await names(client, admin.token) == []
    assert await names(client, admin.token) == []  # the credential is known: one-trip reads from now

    await set_session_times(database_urls.owner, admin.token, last_seen_at=timedelta(minutes=31))

    for _ in range(2):
        refused = await client.post(NAMES, token=admin.token)
        assert refused.status_code == 401
        assert "30 minutes without activity" in refused.json()["errors"][0]["message"]
