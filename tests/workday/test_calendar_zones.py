"""Recurring calendar items keep their local time in the item's IANA time zone across daylight-saving
changes; the zone defaults to the owner's notification-preferences zone, else UTC; the iCalendar export
carries the TZID."""

from __future__ import annotations

from icalendar import Calendar

from tests.notifications.support import UPDATE_PREFERENCES
from tests.support import ok
from tests.workday.documents import CALENDAR, CREATE_ITEM, EXPORT, ITEM_INPUT, UPDATE_ITEM, create_item

WEEKLY = "FREQ=WEEKLY"


async def starts(client, member, start: str, end: str) -> list[str]:
    window = {"from": start, "to": end}
    calendar = (await client.execute(CALENDAR, window, member.token))["calendar"]
    return [edge["node"]["startsAt"] for edge in calendar["edges"]]


async def test_a_weekly_berlin_meeting_stays_at_nine_local_across_both_changes(client):
    admin = await client.sign_up()
    item = await create_item(
        client,
        admin,
        startsAt="2030-03-18T08:00:00Z",  # Monday 09:00 CET
        endsAt="2030-03-18T09:00:00Z",
        recurrence=WEEKLY,
        timeZone="Europe/Berlin",
    )
    assert item["timeZone"] == "Europe/Berlin"
    # Summer time starts on Sunday 31 March 2030: 09:00 CEST is 07:00 UTC.
    assert await starts(client, admin, "2030-03-17T00:00:00Z", "2030-04-09T00:00:00Z") == [
        "2030-03-18T08:00:00+00:00",
        "2030-03-25T08:00:00+00:00",
        "2030-04-01T07:00:00+00:00",
        "2030-04-08T07:00:00+00:00",
    ]
    # It ends on Sunday 27 October 2030: back to 08:00 UTC.
    assert await starts(client, admin, "2030-10-14T00:00:00Z", "2030-11-05T00:00:00Z") == [
        "2030-10-14T07:00:00+00:00",
        "2030-10-21T07:00:00+00:00",
        "2030-10-28T08:00:00+00:00",
        "2030-11-04T08:00:00+00:00",
    ]
    window = {"from": "2030-04-01T00:00:00Z", "to": "2030-04-02T00:00:00Z"}
    edge = (await client.execute(CALENDAR, window, admin.token))["calendar"]["edges"][0]["node"]
    assert (edge["startsAt"], edge["endsAt"]) == ("2030-04-01T07:00:00+00:00", "2030-04-01T08:00:00+00:00")

    # A UTC item (the old behaviour) keeps its UTC time, so it moves an hour in Berlin.
    utc = await create_item(
        client, admin, title="UTC", startsAt="2030-03-18T08:00:00Z", endsAt="2030-03-18T09:00:00Z"
    )
    assert utc["timeZone"] == "UTC"
    moved = await client.mutate(
        UPDATE_ITEM,
        {"id": utc["id"], "version": 1, "input": {"recurrence": WEEKLY, "timeZone": "UTC"}},
        admin.token,
        "updateCalendarItem",
    )
    assert moved["errors"] == []
    window = {"from": "2030-04-01T00:00:00Z", "to": "2030-04-02T00:00:00Z"}
    found = (await client.execute(CALENDAR, window, admin.token))["calendar"]["edges"]
    assert sorted((e["node"]["startsAt"], e["node"]["item"]["title"]) for e in found) == [
        ("2030-04-01T07:00:00+00:00", "Weekly sync"),
        ("2030-04-01T08:00:00+00:00", "UTC"),
    ]


async def test_shanghai_has_no_daylight_saving_and_stays_at_one_utc(client):
    admin = await client.sign_up()
    await create_item(
        client,
        admin,
        startsAt="2030-03-18T01:00:00Z",  # 09:00 in Shanghai
        endsAt="2030-03-18T02:00:00Z",
        recurrence=WEEKLY,
        timeZone="Asia/Shanghai",
    )
    assert await starts(client, admin, "2030-03-24T00:00:00Z", "2030-04-02T00:00:00Z") == [
        "2030-03-25T01:00:00+00:00",
        "2030-04-01T01:00:00+00:00",
    ]
    assert await starts(client, admin, "2030-10-21T00:00:00Z", "2030-10-30T00:00:00Z") == [
        "2030-10-21T01:00:00+00:00",
        "2030-10-28T01:00:00+00:00",
    ]


async def test_the_zone_defaults_to_the_owners_preferences_else_utc_and_bad_zones_are_refused(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    assert (await create_item(client, rep))["timeZone"] == "UTC"
    saved = await client.mutate(
        UPDATE_PREFERENCES,
        {"version": 0, "input": {"timeZone": "America/New_York"}},
        rep.token,
        "updateNotificationPreferences",
    )
    assert saved["errors"] == []
    assert (await create_item(client, rep))["timeZone"] == "America/New_York"
    assert (await create_item(client, rep, timeZone=None))["timeZone"] == "America/New_York"
    assert (await create_item(client, rep, timeZone="Asia/Tokyo"))["timeZone"] == "Asia/Tokyo"
    # The admin saved no preferences: UTC.
    assert (await create_item(client, admin))["timeZone"] == "UTC"

    for zone in ("Mars/Olympus", "../etc/passwd", "", "X" * 65):
        pairs = await client.outcome(
            CREATE_ITEM, {"input": {**ITEM_INPUT, "timeZone": zone}}, rep.token, "createCalendarItem"
        )
        assert pairs == [("timeZone", "INVALID")], zone
    item = await create_item(client, rep)
    for zone in (None, "Europe/Nowhere"):
        pairs = await client.outcome(
            UPDATE_ITEM,
            {"id": item["id"], "version": 1, "input": {"timeZone": zone}},
            rep.token,
            "updateCalendarItem",
        )
        assert pairs == [("timeZone", "INVALID")], zone
    changed = await ok(
        client,
        rep,
        UPDATE_ITEM,
        {"id": item["id"], "version": 1, "input": {"timeZone": "Europe/Berlin"}},
        "updateCalendarItem",
    )
    assert (changed["item"]["timeZone"], changed["item"]["version"]) == ("Europe/Berlin", 2)


async def test_the_export_carries_the_tzid_and_its_vtimezone(client):
    admin = await client.sign_up()
    await create_item(
        client,
        admin,
        startsAt="2030-03-18T08:00:00Z",
        endsAt="2030-03-18T09:00:00Z",
        recurrence=WEEKLY,
        timeZone="Europe/Berlin",
    )
    text = (await client.execute(EXPORT, {}, admin.token))["calendarExport"]
    assert "DTSTART;TZID=Europe/Berlin:20300318T090000" in text
    assert "DTEND;TZID=Europe/Berlin:20300318T100000" in text
    exported = Calendar.from_ical(text)
    assert [str(zone["TZID"]) for zone in exported.walk("VTIMEZONE")] == ["Europe/Berlin"]
    event = exported.walk("VEVENT")[0]
    assert event["RRULE"] == {"FREQ": ["WEEKLY"]}
    assert event.decoded("DTSTART").isoformat() == "2030-03-18T09:00:00+01:00"
