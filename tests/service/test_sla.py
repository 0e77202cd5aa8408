"""SLA: targets in working minutes of the tenant's week (offset, holidays), paused while pending the
customer, at-risk and breached flags and queues, and the escalation job with a controlled clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from gateway.jobs import run_one
from graph.core.jobs import JOBS
from graph.service.calendar import WorkWeek, add_working_minutes, working_minutes_between
from tests.notifications.support import inbox
from tests.service.documents import (
    ADD_MESSAGE,
    CHANGE_STATUS,
    CREATE_POLICY,
    SET_HOLIDAY,
    TICKET,
    UPDATE_POLICY,
    UPDATE_SETTINGS,
    Clock,
    create_policy,
    open_ticket,
    tickets,
)
from tests.support import error_pairs, ok, relay_uuid

BEIJING = WorkWeek(
    {day: (540, 1080) for day in range(1, 6)}, utc_offset_minutes=480, holidays=frozenset({date(2026, 3, 9)})
)
FRIDAY_1730_LOCAL = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_working_minutes_skip_nights_weekends_and_holidays_in_local_time():
    # Friday 17:30 in UTC+8: 30 minutes left that day; Monday 9 March is a holiday.
    assert add_working_minutes(BEIJING, FRIDAY_1730_LOCAL, 30) == utc(6, 10)
    assert add_working_minutes(BEIJING, FRIDAY_1730_LOCAL, 60) == utc(10, 1, 30)
    # Starting before the working day begins counts from its start; at its very end, from the next one.
    assert add_working_minutes(BEIJING, utc(10, 0), 15) == utc(10, 1, 15)
    assert add_working_minutes(BEIJING, utc(10, 10), 1) == utc(11, 1, 1)
    assert working_minutes_between(BEIJING, FRIDAY_1730_LOCAL, utc(10, 1, 30)) == 60
    assert working_minutes_between(BEIJING, utc(10, 3), utc(10, 1)) == 0
    assert add_working_minutes(WorkWeek(), utc(2, 9), 540 * 5) == utc(6, 18)  # a whole default week


async def set_up_desk(client):  # type: ignore[no-untyped-def]
    admin = await client.sign_up("Desk")
    agent = await client.add_member(admin, "sales", "agent")
    manager = await client.add_member(admin, "manager", "manager")
    week = [{"weekday": day, "startMinute": 540, "endMinute": 1080} for day in range(1, 6)]
    await ok(
        client,
        admin,
        UPDATE_SETTINGS,
        {"input": {"week": week, "utcOffsetMinutes": 480}},
        "updateServiceSettings",
    )
    holiday = {"input": {"day": "2026-03-09", "name": "Bridge day"}}
    settings = await ok(client, admin, SET_HOLIDAY, holiday, "setServiceHoliday")
    assert settings["settings"]["holidays"] == [{"day": "2026-03-09", "name": "Bridge day"}]
    policy = await create_policy(
        client,
        admin,
        name="High",
        priority="HIGH",
        firstResponseMinutes=60,
        resolutionMinutes=240,
        atRiskPercent=50,
        escalateToId=manager.user_id,
    )
    return admin, agent, manager, policy


async def escalate(services, member, now):  # type: ignore[no-untyped-def]
    tenant_id = uuid.UUID(member.tenant_id)
    return await run_one(services.db, "service.escalate", JOBS["service.escalate"], tenant_id, now)


async def read(client, member, ticket_id):  # type: ignore[no-untyped-def]
    return (await client.execute(TICKET, {"id": ticket_id}, member.token))["ticket"]


async def test_the_sla_clock_runs_in_business_hours_pauses_and_escalates(client, services, monkeypatch):
    clock = Clock(monkeypatch, FRIDAY_1730_LOCAL)
    admin, agent, manager, policy = await set_up_desk(client)
    ticket = await open_ticket(client, agent, priority="HIGH", kind="COMPLAINT", assigneeId=agent.user_id)

    assert ticket["slaPolicy"] == {"id": policy["id"], "name": "High"}
    assert ticket["responseDueAt"] == "2026-03-10T01:30:00+00:00"
    assert ticket["resolutionDueAt"] == "2026-03-10T04:30:00+00:00"
    assert (await escalate(services, admin, utc(6, 9, 50))).summary == "escalated 0"

    # Saturday: half of the first-response target is used (Friday's last 30 minutes): at risk.
    clock.set(utc(7, 3))
    assert (await read(client, admin, ticket["id"]))["slaAtRisk"] is True
    assert [t["id"] for t in await tickets(client, admin, queue="AT_RISK")] == [ticket["id"]]
    assert (await escalate(services, admin, utc(7, 3))).summary == "escalated 1"
    assert (await escalate(services, admin, utc(7, 4))).summary == "escalated 0"  # once per level
    escalated = await read(client, admin, ticket["id"])
    assert escalated["escalationLevel"] == 1 and escalated["assignee"] == {"id": manager.user_id}
    entry = escalated["history"]["nodes"][-1]
    assert entry["kind"] == "escalated" and entry["actor"] is None
    assert entry["data"]["level"] == 1 and entry["data"]["previous_assignee_id"] == relay_uuid(agent.user_id)
    # The agent's own scope no longer reaches it; the manager's queue has it.
    assert [t["id"] for t in await tickets(client, manager, queue="MINE")] == [ticket["id"]]

    # Tuesday 09:00 local: answered in time, then waiting on the customer for two working hours.
    clock.set(utc(10, 1))
    reply = {"input": {"ticketId": ticket["id"], "visibility": "PUBLIC", "body": "Sending a technician."}}
    replied = (await ok(client, manager, ADD_MESSAGE, reply, "addTicketMessage"))["ticket"]
    moved = {"id": ticket["id"], "version": replied["version"], "status": "PENDING_CUSTOMER"}
    waiting = (await ok(client, manager, CHANGE_STATUS, moved, "changeTicketStatus"))["ticket"]
    clock.set(utc(10, 5))
    assert (await read(client, admin, ticket["id"]))["slaBreached"] is False  # paused before the due time
    assert await tickets(client, admin, queue="BREACHED") == []
    clock.set(utc(10, 3))
    resumed = {"id": ticket["id"], "version": waiting["version"], "status": "OPEN"}
    back = (await ok(client, manager, CHANGE_STATUS, resumed, "changeTicketStatus"))["ticket"]
    assert back["resolutionDueAt"] == "2026-03-10T06:30:00+00:00"  # 210 minutes were left at the pause
    assert back["slaBreached"] is False and back["firstRespondedAt"] == "2026-03-10T01:00:00+00:00"

    clock.set(utc(10, 6, 31))
    assert (await read(client, admin, ticket["id"]))["slaBreached"] is True
    assert [t["id"] for t in await tickets(client, admin, queue="BREACHED")] == [ticket["id"]]
    assert await tickets(client, admin, queue="AT_RISK") == []
    assert (await escalate(services, admin, utc(10, 6, 31))).summary == "escalated 1"
    assert (await read(client, admin, ticket["id"]))["escalationLevel"] == 2

    # Each level told the member it moved to and the one it came from, once (issue 18's SLA reminder).
    told = {
        member.user_id: [
            edge["node"]["kind"] for edge in (await inbox(client, member))["notifications"]["edges"]
        ]
        for member in (agent, manager)
    }
    assert sorted(told[agent.user_id]) == ["ticket.sla_at_risk"]
    assert sorted(told[manager.user_id]) == ["ticket.sla_at_risk", "ticket.sla_breached"]


async def test_a_ticket_without_a_matching_policy_has_no_targets(client):
    admin = await client.sign_up("Desk")
    await create_policy(client, admin, priority="URGENT", customerTier="gold")
    plain = await open_ticket(client, admin, priority="URGENT")
    gold = await open_ticket(client, admin, priority="URGENT", customerTier="gold")

    assert plain["slaPolicy"] is None and plain["responseDueAt"] is None and plain["slaAtRisk"] is False
    assert gold["slaPolicy"] is not None and gold["responseDueAt"] is not None


async def test_policy_and_settings_refusals(client):
    admin = await client.sign_up("Desk")
    agent = await client.add_member(admin, "sales", "agent")
    policy = await create_policy(client, admin)
    base = {"name": "N", "priority": "NORMAL", "firstResponseMinutes": 60, "resolutionMinutes": 480}

    duplicate = await client.mutate(CREATE_POLICY, {"input": base}, admin.token, "createSlaPolicy")
    assert error_pairs(duplicate) == [("priority", "DUPLICATE")]
    bad = {**base, "name": "", "firstResponseMinutes": 0, "atRiskPercent": 100, "priority": "LOW"}
    assert error_pairs(
        await client.mutate(CREATE_POLICY, {"input": bad}, admin.token, "createSlaPolicy")
    ) == [
        ("name", "REQUIRED"),
        ("firstResponseMinutes", "INVALID"),
        ("atRiskPercent", "INVALID"),
    ]
    denied = await client.refused(
        CREATE_POLICY, {"input": {**base, "priority": "LOW"}}, agent.token, "createSlaPolicy"
    )
    assert denied == [(None, "PERMISSION_DENIED")]
    off = await ok(
        client,
        admin,
        UPDATE_POLICY,
        {"id": policy["id"], "version": policy["version"], "input": {"active": False}},
        "updateSlaPolicy",
    )
    assert off["slaPolicy"]["active"] is False
    assert (await client.mutate(CREATE_POLICY, {"input": base}, admin.token, "createSlaPolicy"))[
        "errors"
    ] == []

    week = [{"weekday": 8, "startMinute": 540, "endMinute": 1080}]
    settings = await client.mutate(
        UPDATE_SETTINGS,
        {"input": {"week": week, "reopenWindowDays": -1}},
        admin.token,
        "updateServiceSettings",
    )
    assert error_pairs(settings) == [("week", "INVALID"), ("reopenWindowDays", "INVALID")]
    refused = await client.refused(
        UPDATE_SETTINGS, {"input": {"reopenWindowDays": 3}}, agent.token, "updateServiceSettings"
    )
    assert refused == [(None, "PERMISSION_DENIED")]


async def test_another_tenants_policies_and_calendar_are_out_of_reach(client, db):
    mine = await client.sign_up("Mine")
    theirs = await client.sign_up("Theirs")
    policy = await create_policy(client, mine)
    await ok(
        client, mine, SET_HOLIDAY, {"input": {"day": "2026-10-01", "name": "国庆节"}}, "setServiceHoliday"
    )
    await ok(client, mine, UPDATE_SETTINGS, {"input": {"reopenWindowDays": 3}}, "updateServiceSettings")

    data = await client.execute(
        "{ slaPolicies { nodes { id } } serviceSettings { reopenWindowDays holidays { day } } }",
        None,
        theirs.token,
    )
    assert data == {"slaPolicies": {"nodes": []}, "serviceSettings": {"reopenWindowDays": 7, "holidays": []}}
    changed = await client.mutate(
        UPDATE_POLICY,
        {"id": policy["id"], "version": 1, "input": {"name": "x"}},
        theirs.token,
        "updateSlaPolicy",
    )
    assert error_pairs(changed) == [("id", "NOT_FOUND")]
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
        for table in ("sla_policies", "service_settings", "service_holidays"):
            assert await connection.fetchval(f"select count(*) from {table}") == 0
        assert await connection.execute("delete from service_holidays") == "DELETE 0"
