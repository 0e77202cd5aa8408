"""The in-app inbox: notify writes one row per recipient (once per key), a member reads and marks only
their own, preferences are validated, and another tenant sees nothing, through the API and in SQL."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from graph.notifications.notify import notify
from tenants.errors import DomainError, ErrorCode
from tests.notifications.support import (
    MARK_ALL_READ,
    MARK_READ,
    PREFERENCES,
    UPDATE_PREFERENCES,
    inbox,
    notify_members,
)
from tests.platform.test_round_trips import counted
from tests.support import relay_uuid

INBOX_PAGE = "{ notifications(first: 20) { edges { node { id subject read createdAt } } } }"
NODE = "query Node($id: ID!) { node(id: $id) { ... on Notification { id subject } } }"


async def test_notify_once_per_key_then_read_and_mark(client, services):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await notify_members(services, admin.tenant_id, [rep.user_id], key="task:1", link="/tasks/1")
    again = await notify_members(services, admin.tenant_id, [rep.user_id], key="task:1", link="/tasks/1")
    await notify_members(
        services, admin.tenant_id, [rep.user_id, admin.user_id], "approval.waiting", subject="Approve  me"
    )
    assert again == []

    data = await inbox(client, rep)
    nodes = [edge["node"] for edge in data["notifications"]["edges"]]
    assert [(n["kind"], n["subject"], n["link"], n["read"]) for n in nodes] == [
        ("approval.waiting", "Approve me", None, False),
        ("task.due", "Task due today", "/tasks/1", False),
    ]
    assert (data["unreadNotificationCount"], data["notifications"]["totalCount"]) == (2, 2)

    marked = (await client.execute(MARK_READ, {"ids": [nodes[1]["id"]]}, rep.token))["markNotificationsRead"]
    assert marked == {"notifications": [{"id": nodes[1]["id"], "read": True}], "unreadCount": 1, "errors": []}
    unread = await inbox(client, rep, filter={"unread": True})
    assert [e["node"]["kind"] for e in unread["notifications"]["edges"]] == ["approval.waiting"]
    read = await inbox(client, rep, filter={"unread": False})
    assert [e["node"]["kind"] for e in read["notifications"]["edges"]] == ["task.due"]

    assert (await client.execute(MARK_ALL_READ, {}, rep.token))["markAllNotificationsRead"] == {
        "marked": 1,
        "errors": [],
    }
    assert (await inbox(client, rep))["unreadNotificationCount"] == 0
    # The admin's own notice is untouched by the rep marking everything read.
    assert (await inbox(client, admin))["unreadNotificationCount"] == 1


async def test_a_member_never_sees_or_marks_anothers_notifications(client, services):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await notify_members(services, admin.tenant_id, [rep.user_id])
    rep_notice = (await inbox(client, rep))["notifications"]["edges"][0]["node"]["id"]

    # Not even an admin reads another member's inbox.
    assert (await inbox(client, admin))["notifications"]["totalCount"] == 0
    assert (await client.execute(NODE, {"id": rep_notice}, admin.token))["node"] is None
    assert (await client.execute(NODE, {"id": rep_notice}, rep.token))["node"]["subject"] == "Task due today"
    pairs = await client.outcome(MARK_READ, {"ids": [rep_notice]}, admin.token, "markNotificationsRead")
    assert pairs == [("ids.0", "NOT_FOUND")]
    assert (await inbox(client, rep))["unreadNotificationCount"] == 1


async def test_marking_is_all_or_nothing_with_exact_errors(client, services):
    admin = await client.sign_up()
    await notify_members(services, admin.tenant_id, [admin.user_id])
    mine = (await inbox(client, admin))["notifications"]["edges"][0]["node"]["id"]
    stranger = "Tm90aWZpY2F0aW9uOjAxOTNlYWE5LTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA=="  # unknown uuid

    pairs = await client.outcome(MARK_READ, {"ids": [mine, stranger]}, admin.token, "markNotificationsRead")
    assert pairs == [("ids.1", "NOT_FOUND")]
    assert (await inbox(client, admin))["unreadNotificationCount"] == 1  # nothing half-written
    assert await client.outcome(MARK_READ, {"ids": []}, admin.token, "markNotificationsRead") == [
        ("ids", "REQUIRED")
    ]
    wrong_type = "QWNjb3VudDowMTkzZWFhOS0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA="  # an Account id
    assert await client.outcome(MARK_READ, {"ids": [wrong_type]}, admin.token, "markNotificationsRead") == [
        ("ids.0", "NOT_FOUND")
    ]


async def test_notify_refuses_bad_notices_and_skips_non_members(client, services):
    admin = await client.sign_up()
    tenant = uuid.UUID(admin.tenant_id)
    cases = [
        (("Task Due", "s", "", None), ("kind", ErrorCode.INVALID)),
        (("task.due", "  ", "", None), ("subject", ErrorCode.REQUIRED)),
        (("task.due", "x" * 301, "", None), ("subject", ErrorCode.TOO_LONG)),
        (("task.due", "s", "", "javascript:alert(1)"), ("link", ErrorCode.INVALID)),
    ]
    for (kind, subject, body, link), expected in cases:
        async with services.db.transaction(tenant) as session:
            with pytest.raises(DomainError) as raised:
                await notify(
                    session, tenant, [uuid.UUID(relay_uuid(admin.user_id))], kind, subject, body, link
                )
        assert (raised.value.field, raised.value.code) == expected
    async with services.db.transaction(tenant) as session:
        assert await notify(session, tenant, [uuid.uuid4()], "task.due", "Nobody here") == []
    assert (await inbox(client, admin))["notifications"]["totalCount"] == 0


async def test_preferences_defaults_save_and_exact_errors(client):
    admin = await client.sign_up()
    defaults = (await client.execute(PREFERENCES, {}, admin.token))["notificationPreferences"]
    assert defaults == {
        "emailEnabled": True,
        "smsEnabled": False,
        "smsNumber": None,
        "mutedKinds": [],
        "quietStart": None,
        "quietEnd": None,
        "timeZone": "UTC",
        "version": 0,
    }

    async def save(version, values):
        variables = {"version": version, "input": values}
        return await client.mutate(
            UPDATE_PREFERENCES, variables, admin.token, "updateNotificationPreferences"
        )

    bad = await save(
        0,
        {
            "smsEnabled": True,
            "smsNumber": "0151 123",
            "timeZone": "Mars/Olympus",
            "mutedKinds": ["ok.kind", "Not OK"],
            "quietStart": "22:00:00",
            "emailEnabled": None,
        },
    )
    assert sorted((e["field"], e["code"]) for e in bad["errors"]) == [
        ("emailEnabled", "INVALID"),
        ("mutedKinds.1", "INVALID"),
        ("quietEnd", "INVALID"),
        ("smsNumber", "INVALID"),
        ("timeZone", "INVALID"),
    ]
    assert await save(0, {"smsEnabled": True}) == {
        "preferences": None,
        "errors": [{"field": "smsNumber", "code": "REQUIRED", "message": "SMS needs a number to send to."}],
    }
    saved = await save(
        0,
        {
            "smsEnabled": True,
            "smsNumber": "+4915112345678",
            "quietStart": "22:00:00",
            "quietEnd": "07:00:00",
            "timeZone": "Europe/Berlin",
            "mutedKinds": ["birthday"],
        },
    )
    assert saved["errors"] == [] and saved["preferences"]["version"] == 1
    assert saved["preferences"]["quietEnd"] == "07:00:00"
    stale = await save(0, {"emailEnabled": False})
    assert [(e["field"], e["code"]) for e in stale["errors"]] == [("version", "CONFLICT")]
    changed = await save(1, {"emailEnabled": False, "quietStart": None, "quietEnd": None})
    assert (
        changed["errors"],
        changed["preferences"]["emailEnabled"],
        changed["preferences"]["quietStart"],
    ) == (
        [],
        False,
        None,
    )


async def test_another_tenant_sees_and_writes_nothing_in_sql(client, services, db):
    first = await client.sign_up("First")
    second = await client.sign_up("Second")
    await notify_members(services, first.tenant_id, [first.user_id])
    saved = await client.mutate(
        UPDATE_PREFERENCES,
        {"version": 0, "input": {"emailEnabled": True}},
        first.token,
        "updateNotificationPreferences",
    )
    assert saved["errors"] == []
    assert (await inbox(client, second))["notifications"]["totalCount"] == 0

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
        for table in ("notifications", "notification_deliveries", "notification_preferences"):
            assert await connection.fetchval(f"select count(*) from {table}") == 0, table
        assert await connection.fetchval("update notifications set read_at = now() returning 1") is None
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
            await connection.execute(
                "insert into notifications (tenant_id, id, user_id, kind, subject) values ($1, $2, $3, 'x', 'y')",
                uuid.UUID(first.tenant_id),
                uuid.uuid4(),
                uuid.UUID(relay_uuid(first.user_id)),
            )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", first.tenant_id)
        assert await connection.fetchval("select count(*) from notifications") == 1
        assert await connection.fetchval("select count(*) from notification_deliveries") == 1


async def test_the_inbox_reads_in_five_round_trips_and_marks_in_seven(client, services, round_trips):
    admin = await client.sign_up()
    await notify_members(services, admin.tenant_id, [admin.user_id], subject="One")
    await notify_members(services, admin.tenant_id, [admin.user_id], subject="Two")
    data, seen = await counted(client, round_trips, INBOX_PAGE, {}, admin.token)
    assert [edge["node"]["subject"] for edge in data["notifications"]["edges"]] == ["Two", "One"]
    # the credential, BEGIN, the rate-limit charge (tenants/rate_limits.py), the page, COMMIT
    assert len(seen) <= 5, "\n".join(s[:80] for s in seen)

    ids = [edge["node"]["id"] for edge in data["notifications"]["edges"]]
    await client.execute(MARK_READ, {"ids": ids[:1]}, admin.token)  # warm
    await asyncio.sleep(0)
    round_trips.reset()
    marked = (await client.execute(MARK_READ, {"ids": ids}, admin.token))["markNotificationsRead"]
    await asyncio.sleep(0)
    assert (marked["errors"], marked["unreadCount"]) == ([], 0)
    # the six of an executor write plus the rate-limit charge
    assert len(round_trips) <= 7, "\n".join(s[:80] for s in round_trips.seen)
