"""Sessions: a user lists and revokes their own, a user manager revokes a member's (in their tenant only),
and sessions end after the tenant's idle and absolute limits."""

from __future__ import annotations

from datetime import timedelta

from tests.admin.documents import assign, create_role
from tests.security.support import (
    ME,
    MEMBER_SESSIONS,
    MY_SESSIONS,
    REVOKE_MEMBER,
    REVOKE_MINE,
    REVOKE_SESSION,
    login,
    mutate,
    set_session_times,
    update_settings,
)
from tests.support import ACCEPT as ACCEPT_INVITE
from tests.support import INVITE, PASSWORD, error_pairs

SWITCH = "mutation Switch($id: ID!) { switchTenant(tenantId: $id) { errors { code } } }"


async def sessions_of(client, token: str) -> list[dict]:
    return (await client.execute(MY_SESSIONS, token=token))["mySessions"]["nodes"]


async def test_a_user_lists_their_sessions_with_address_and_user_agent(client):
    admin = await client.sign_up()
    phone = (await login(client, admin.email, **{"user-agent": "CRM-Phone/2.1"}))["token"]

    listed = await sessions_of(client, admin.token)

    assert len(listed) == 2
    current = [s for s in listed if s["current"]]
    assert len(current) == 1
    other = next(s for s in listed if not s["current"])
    assert other["userAgent"] == "CRM-Phone/2.1"
    assert other["clientAddress"].startswith("10.")
    assert other["tenantId"] == admin.tenant_node_id
    assert other["createdAt"] and other["expiresAt"]
    assert [s["current"] for s in await sessions_of(client, phone)].count(True) == 1


async def test_a_user_revokes_one_session(client):
    admin = await client.sign_up()
    phone = (await login(client, admin.email))["token"]
    other = next(s for s in await sessions_of(client, admin.token) if not s["current"])

    revoked = await mutate(client, REVOKE_SESSION, {"id": other["id"]}, admin.token, "revokeSession")

    assert revoked == {"revoked": 1, "errors": []}
    assert (await client.post(ME, token=phone)).status_code == 401
    assert (await client.post(ME, token=admin.token)).status_code == 200
    assert [s["current"] for s in await sessions_of(client, admin.token)] == [True]
    again = await mutate(client, REVOKE_SESSION, {"id": other["id"]}, admin.token, "revokeSession")
    assert error_pairs(again) == [("id", "NOT_FOUND")]


async def test_nobody_revokes_another_users_session(client):
    admin = await client.sign_up()
    stranger = await client.sign_up("Other Co")
    target = (await sessions_of(client, admin.token))[0]

    refused = await mutate(client, REVOKE_SESSION, {"id": target["id"]}, stranger.token, "revokeSession")

    assert error_pairs(refused) == [("id", "NOT_FOUND")]
    assert (await client.post(ME, token=admin.token)).status_code == 200


async def test_revoke_all_sessions_but_or_including_the_current_one(client):
    admin = await client.sign_up()
    others = [(await login(client, admin.email))["token"] for _ in range(2)]

    kept = await mutate(client, REVOKE_MINE, {"all": False}, admin.token, "revokeMySessions")

    assert kept == {"revoked": 2, "errors": []}
    for token in others:
        assert (await client.post(ME, token=token)).status_code == 401
    assert (await client.post(ME, token=admin.token)).status_code == 200
    everything = await mutate(client, REVOKE_MINE, {"all": True}, admin.token, "revokeMySessions")
    assert everything == {"revoked": 1, "errors": []}
    assert (await client.post(ME, token=admin.token)).status_code == 401


async def test_an_admin_revokes_a_members_sessions_in_their_tenant_only(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales", "rep")
    elsewhere_admin = await client.sign_up("Elsewhere")
    invited = await client.execute(
        INVITE, {"input": {"email": member.email, "roleKey": "viewer"}}, elsewhere_admin.token
    )
    joined = await client.execute(
        ACCEPT_INVITE, {"input": {"token": invited["inviteUser"]["token"], "password": PASSWORD}}
    )
    elsewhere_session = joined["acceptInvite"]["token"]

    listed = (await client.execute(MEMBER_SESSIONS, {"userId": member.user_id}, admin.token))[
        "memberSessions"
    ]["nodes"]
    revoked = await mutate(
        client, REVOKE_MEMBER, {"userId": member.user_id}, admin.token, "revokeMemberSessions"
    )

    assert (
        len(listed) == 1 and listed[0]["tenantId"] == admin.tenant_node_id and listed[0]["current"] is False
    )
    assert revoked == {"revoked": 1, "errors": []}
    assert (await client.post(ME, token=member.token)).status_code == 401
    assert (await client.post(ME, token=elsewhere_session)).status_code == 200  # the other tenant's session
    assert (await client.execute(MEMBER_SESSIONS, {"userId": member.user_id}, admin.token))["memberSessions"][
        "nodes"
    ] == []


async def test_member_sessions_need_manage_users(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales", "rep")

    listing = await client.errors(MEMBER_SESSIONS, {"userId": admin.user_id}, member.token)
    revoking = await mutate(
        client, REVOKE_MEMBER, {"userId": admin.user_id}, member.token, "revokeMemberSessions"
    )

    assert listing[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert error_pairs(revoking) == [(None, "PERMISSION_DENIED")]
    assert (await client.post(ME, token=admin.token)).status_code == 200


async def test_a_user_manager_cannot_revoke_someone_holding_more(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "viewer", "user-manager")
    role = await create_role(client, admin, "user_manager", capabilities=["MANAGE_USERS"])
    await assign(client, admin, manager, role)
    rep = await client.add_member(admin, "sales", "rep")

    refused = await mutate(
        client, REVOKE_MEMBER, {"userId": admin.user_id}, manager.token, "revokeMemberSessions"
    )
    allowed = await mutate(
        client, REVOKE_MEMBER, {"userId": rep.user_id}, manager.token, "revokeMemberSessions"
    )

    assert error_pairs(refused) == [("userId", "PERMISSION_DENIED")]
    assert "manage_roles" in refused["errors"][0]["message"]
    assert (await client.post(ME, token=admin.token)).status_code == 200
    assert allowed == {"revoked": 1, "errors": []}


async def test_another_tenants_admin_sees_and_revokes_nothing(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales", "rep")
    outsider = await client.sign_up("Outsider")

    listing = await client.errors(MEMBER_SESSIONS, {"userId": member.user_id}, outsider.token)
    revoking = await mutate(
        client, REVOKE_MEMBER, {"userId": member.user_id}, outsider.token, "revokeMemberSessions"
    )

    assert listing[0]["extensions"]["code"] == "NOT_FOUND"
    assert error_pairs(revoking) == [("userId", "NOT_FOUND")]
    assert (await client.post(ME, token=member.token)).status_code == 200


async def test_bad_session_ids_are_refused(client):
    admin = await client.sign_up()

    for other_type in ["VXNlcjox", admin.user_id]:  # "User:1", a user's id
        payload = await mutate(client, REVOKE_SESSION, {"id": other_type}, admin.token, "revokeSession")
        assert error_pairs(payload) == [("id", "NOT_FOUND")], payload
    malformed = await client.errors(REVOKE_SESSION, {"id": "nope"}, admin.token)
    assert "GlobalID" in malformed[0]["message"]


async def test_sessions_end_after_the_tenants_idle_limit(client, database_urls):
    admin = await client.sign_up()
    assert (await update_settings(client, admin, sessionIdleMinutes=30))["errors"] == []
    fresh = (await login(client, admin.email))["token"]

    await set_session_times(database_urls.owner, admin.token, last_seen_at=timedelta(minutes=31))
    await set_session_times(database_urls.owner, fresh, last_seen_at=timedelta(minutes=29))

    refused = await client.post(ME, token=admin.token)
    assert refused.status_code == 401
    assert "30 minutes without activity" in refused.json()["errors"][0]["message"]
    assert (await client.post(ME, token=fresh)).status_code == 200


async def test_sessions_end_after_the_tenants_absolute_limit(client, database_urls):
    admin = await client.sign_up()
    assert (await update_settings(client, admin, sessionMaxHours=8))["errors"] == []

    await set_session_times(database_urls.owner, admin.token, created_at=timedelta(hours=8, minutes=1))

    refused = await client.post(ME, token=admin.token)
    assert refused.status_code == 401
    assert "limit of 8 hours" in refused.json()["errors"][0]["message"]


async def test_server_default_idle_limit_applies_without_tenant_settings(client, database_urls):
    """CRM_SESSION_IDLE_MINUTES defaults to 7 days."""
    admin = await client.sign_up()
    other = (await login(client, admin.email))["token"]

    await set_session_times(database_urls.owner, admin.token, last_seen_at=timedelta(days=7, minutes=1))
    await set_session_times(database_urls.owner, other, last_seen_at=timedelta(days=6))

    assert (await client.post(ME, token=admin.token)).status_code == 401
    assert (await client.post(ME, token=other)).status_code == 200


async def test_limits_follow_the_tenant_the_session_acts_in(client, database_urls):
    strict = await client.sign_up("Strict")
    assert (await update_settings(client, strict, sessionIdleMinutes=10))["errors"] == []
    relaxed = await client.sign_up("Relaxed")

    await set_session_times(database_urls.owner, relaxed.token, last_seen_at=timedelta(minutes=20))

    assert (await client.post(ME, token=relaxed.token)).status_code == 200
