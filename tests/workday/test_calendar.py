"""Calendar items and visits: recurring items expanded in a window, visits checked in and closed into the
customer timeline, iCalendar export parsed back, exact errors, record scope, and the tenant wall."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from icalendar import Calendar

from tests.crm.documents import create_account
from tests.support import relay_uuid
from tests.workday.documents import (
    CALENDAR,
    CANCEL_ITEM,
    CHECK_IN,
    CREATE_ITEM,
    EXPORT,
    ITEMS,
    NODE,
    OUTCOME,
    UPDATE_ITEM,
    create_item,
)

JANUARY = {"from": "2030-01-01T00:00:00Z", "to": "2030-02-01T00:00:00Z"}


async def test_recurring_items_and_visits_fill_the_calendar_and_export(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    account = await create_account(client, rep, name="Globex", ownerId=rep.user_id)
    weekly = await create_item(client, rep, recurrence="RRULE:FREQ=WEEKLY;COUNT=3", location="Room 1")
    visit = await create_item(
        client,
        rep,
        kind="VISIT",
        title="Visit Globex",
        startsAt="2030-01-15T13:00:00Z",
        endsAt="2030-01-15T14:30:00Z",
        accountId=account["id"],
        purpose="Renewal talk",
    )
    assert (weekly["recurrence"], visit["account"]["name"], visit["status"]) == (
        "FREQ=WEEKLY;COUNT=3",
        "Globex",
        "PLANNED",
    )
    calendar = (await client.execute(CALENDAR, JANUARY, rep.token))["calendar"]
    assert [(e["node"]["startsAt"], e["node"]["item"]["title"]) for e in calendar["edges"]] == [
        ("2030-01-07T09:00:00+00:00", "Weekly sync"),
        ("2030-01-14T09:00:00+00:00", "Weekly sync"),
        ("2030-01-15T13:00:00+00:00", "Visit Globex"),
        ("2030-01-21T09:00:00+00:00", "Weekly sync"),
    ]
    later = {"from": "2030-01-15T00:00:00Z", "to": "2030-01-20T00:00:00Z"}
    assert (await client.execute(CALENDAR, later, rep.token))["calendar"]["totalCount"] == 1

    exported = Calendar.from_ical((await client.execute(EXPORT, {}, rep.token))["calendarExport"])
    events = sorted(exported.walk("VEVENT"), key=lambda event: str(event["SUMMARY"]))
    assert [str(event["SUMMARY"]) for event in events] == ["Visit Globex", "Weekly sync"]
    assert str(events[0]["UID"]) == f"{relay_uuid(visit['id'])}@crm"
    assert events[0]["DESCRIPTION"] == "Renewal talk"
    assert events[1]["RRULE"] == {"FREQ": ["WEEKLY"], "COUNT": [3]}
    assert events[1].decoded("DTSTART").isoformat() == "2030-01-07T09:00:00+00:00"
    assert str(events[1]["LOCATION"]) == "Room 1"

    cancelled = await client.execute(CANCEL_ITEM, {"id": weekly["id"], "version": 1}, rep.token)
    assert cancelled["cancelCalendarItem"]["item"]["status"] == "CANCELLED"
    assert (await client.execute(CALENDAR, JANUARY, rep.token))["calendar"]["totalCount"] == 1


async def test_visit_check_in_and_outcome_go_into_the_timeline(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    account = await create_account(client, rep, name="Globex", ownerId=rep.user_id)
    visit = await create_item(
        client, rep, kind="VISIT", title="Visit Globex", accountId=account["id"], purpose="Renewal"
    )
    early = await client.mutate(
        OUTCOME, {"id": visit["id"], "version": 1, "outcome": "x"}, rep.token, "recordVisitOutcome"
    )
    assert [(e["field"], e["code"]) for e in early["errors"]] == [("id", "INVALID_TRANSITION")]

    bad = await client.mutate(
        CHECK_IN, {"id": visit["id"], "version": 1, "lat": "91", "lng": "-181"}, rep.token, "checkInVisit"
    )
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [
        ("latitude", "INVALID"),
        ("longitude", "INVALID"),
    ]
    checked = await client.mutate(
        CHECK_IN,
        {"id": visit["id"], "version": 1, "lat": "52.520008", "lng": "13.404954"},
        rep.token,
        "checkInVisit",
    )
    item = checked["item"]
    assert (checked["errors"], item["checkInLatitude"], item["checkInLongitude"], item["version"]) == (
        [],
        "52.520008",
        "13.404954",
        2,
    )
    assert item["checkedInAt"] is not None
    twice = await client.mutate(
        CHECK_IN, {"id": visit["id"], "version": 2, "lat": "1", "lng": "1"}, rep.token, "checkInVisit"
    )
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("id", "INVALID_TRANSITION")]
    half = await client.mutate(
        OUTCOME,
        {"id": visit["id"], "version": 2, "outcome": "Good", "followUp": "Send offer"},
        rep.token,
        "recordVisitOutcome",
    )
    assert [(e["field"], e["code"]) for e in half["errors"]] == [("followUpDueAt", "REQUIRED")]

    done = await client.mutate(
        OUTCOME,
        {
            "id": visit["id"],
            "version": 2,
            "outcome": "They will renew for two years.",
            "followUp": "Send the renewal offer",
            "due": "2030-01-20T09:00:00Z",
        },
        rep.token,
        "recordVisitOutcome",
    )
    item = done["item"]
    assert (done["errors"], item["status"], item["outcome"], item["version"]) == (
        [],
        "DONE",
        "They will renew for two years.",
        3,
    )
    assert item["visitActivity"] == {
        "kind": "MEETING",
        "subject": "Visit: Visit Globex",
        "body": "They will renew for two years.",
        "done": True,
        "account": {"id": account["id"]},
    }
    assert item["followUpActivity"] == {
        "kind": "TASK",
        "subject": "Send the renewal offer",
        "dueAt": "2030-01-20T09:00:00+00:00",
        "done": False,
    }
    # Closed: no more changes.
    closed = await client.mutate(
        UPDATE_ITEM,
        {"id": visit["id"], "version": item["version"], "input": {"title": "x"}},
        rep.token,
        "updateCalendarItem",
    )
    assert [(e["field"], e["code"]) for e in closed["errors"]] == [("id", "INVALID_TRANSITION")]


async def test_bad_items_are_refused_with_exact_errors_and_nothing_written(client):
    admin = await client.sign_up()

    async def refused(values):
        data = {
            "kind": "MEETING",
            "title": "T",
            "startsAt": "2030-01-07T09:00:00Z",
            "endsAt": "2030-01-07T10:00:00Z",
        }
        payload = await client.mutate(
            CREATE_ITEM, {"input": {**data, **values}}, admin.token, "createCalendarItem"
        )
        return [(e["field"], e["code"]) for e in payload["errors"]]

    assert await refused({"recurrence": "FREQ=SECONDLY"}) == [("recurrence", "INVALID")]
    assert await refused({"recurrence": "FREQ=WEEKLY;BYDAY=XX"}) == [("recurrence", "INVALID")]
    assert await refused({"recurrence": "FREQ=DAILY;" + "X" * 500}) == [("recurrence", "TOO_LONG")]
    assert await refused({"endsAt": "2030-01-07T08:00:00Z"}) == [("endsAt", "INVALID")]
    assert await refused({"kind": "VISIT"}) == [("accountId", "REQUIRED")]
    assert await refused({"title": " "}) == [("title", "REQUIRED")]
    stranger = "QWNjb3VudDowMTkzZWFhOS0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA="
    assert await refused({"accountId": stranger}) == [("accountId", "NOT_FOUND")]
    assert (await client.execute(ITEMS, {}, admin.token))["calendarItems"]["totalCount"] == 0

    item = await create_item(client, admin)
    stale = await client.mutate(
        UPDATE_ITEM,
        {"id": item["id"], "version": 7, "input": {"title": "New"}},
        admin.token,
        "updateCalendarItem",
    )
    assert [(e["field"], e["code"]) for e in stale["errors"]] == [("version", "CONFLICT")]
    wide = {"from": "2030-01-01T00:00:00Z", "to": "2031-06-01T00:00:00Z"}
    errors = await client.errors(CALENDAR, wide, admin.token)
    assert errors[0]["extensions"]["code"] == "INVALID" and errors[0]["extensions"]["field"] == "to"
    not_a_visit = await client.mutate(
        CHECK_IN, {"id": item["id"], "version": 1, "lat": "1", "lng": "1"}, admin.token, "checkInVisit"
    )
    assert [(e["field"], e["code"]) for e in not_a_visit["errors"]] == [("id", "INVALID")]


async def test_record_scope_keeps_reps_apart_and_admins_see_all(client):
    admin = await client.sign_up()
    first = await client.add_member(admin, "sales", "first")
    second = await client.add_member(admin, "sales", "second")
    account = await create_account(client, first, name="Globex", ownerId=first.user_id)
    item = await create_item(client, first, kind="VISIT", title="Private visit", accountId=account["id"])

    assert (await client.execute(ITEMS, {}, second.token))["calendarItems"]["totalCount"] == 0
    assert (await client.execute(NODE, {"id": item["id"]}, second.token))["node"] is None
    theirs = {**JANUARY, "userId": first.user_id}
    assert (await client.execute(CALENDAR, theirs, second.token))["calendar"]["totalCount"] == 0
    export = (await client.execute(EXPORT, {"userId": first.user_id}, second.token))["calendarExport"]
    assert list(Calendar.from_ical(export).walk("VEVENT")) == []
    moved = await client.mutate(
        UPDATE_ITEM,
        {"id": item["id"], "version": 1, "input": {"title": "Mine"}},
        second.token,
        "updateCalendarItem",
    )
    assert [(e["field"], e["code"]) for e in moved["errors"]] == [("id", "NOT_FOUND")]

    assert (await client.execute(CALENDAR, theirs, admin.token))["calendar"]["totalCount"] == 1
    # Seeing it is not making it: only the visitor checks in.
    pairs = await client.outcome(
        CHECK_IN, {"id": item["id"], "version": 1, "lat": "1", "lng": "1"}, admin.token, "checkInVisit"
    )
    assert pairs == [(None, "PERMISSION_DENIED")]
    viewer = await client.add_member(admin, "viewer", "viewer")
    pairs = await client.outcome(
        CREATE_ITEM,
        {
            "input": {
                "kind": "CALL",
                "title": "T",
                "startsAt": "2030-01-07T09:00:00Z",
                "endsAt": "2030-01-07T10:00:00Z",
            }
        },
        viewer.token,
        "createCalendarItem",
    )
    assert pairs == [(None, "PERMISSION_DENIED")]


async def test_another_tenant_sees_and_writes_nothing(client, db):
    first = await client.sign_up("First")
    second = await client.sign_up("Second")
    item = await create_item(client, first)
    assert (await client.execute(ITEMS, {}, second.token))["calendarItems"]["totalCount"] == 0
    assert (await client.execute(NODE, {"id": item["id"]}, second.token))["node"] is None
    cancelled = await client.mutate(
        CANCEL_ITEM, {"id": item["id"], "version": 1}, second.token, "cancelCalendarItem"
    )
    assert [(e["field"], e["code"]) for e in cancelled["errors"]] == [("id", "NOT_FOUND")]

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
        assert await connection.fetchval("select count(*) from calendar_items") == 0
        assert await connection.fetchval("update calendar_items set title = 'x' returning 1") is None
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
            await connection.execute(
                "insert into calendar_items (tenant_id, id, owner_id, kind, title, starts_at, ends_at)"
                " values ($1, $2, $3, 'call', 'x', now(), now())",
                uuid.UUID(first.tenant_id),
                uuid.uuid4(),
                uuid.UUID(relay_uuid(first.user_id)),
            )
