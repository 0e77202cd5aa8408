"""Calendar items shared with a team: the team's members read them (`calendar(teamId)`, node, list), no one
else does (another team's member, another tenant); the record scope still decides who changes an item and
who sees personal items; sharing is with your own team unless your role reaches all items."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.admin.documents import DELETE_TEAM, create_team, set_team
from tests.support import ok, relay_uuid
from tests.workday.documents import CALENDAR, CREATE_ITEM, ITEM_INPUT, ITEMS, NODE, UPDATE_ITEM, create_item

JANUARY = {"from": "2030-01-01T00:00:00Z", "to": "2030-02-01T00:00:00Z"}
TEAM_ITEM = "query($id: ID!) { node(id: $id) { ... on CalendarItem { id title team { id name } } } }"


async def titles(client, member, **arguments) -> list[str]:
    calendar = (await client.execute(CALENDAR, {**JANUARY, **arguments}, member.token))["calendar"]
    return [edge["node"]["item"]["title"] for edge in calendar["edges"]]


CALENDAR_OF_TEAM = """
query($from: DateTime!, $to: DateTime!, $teamId: ID, $userId: ID) {
  calendar(from: $from, to: $to, teamId: $teamId, userId: $userId) {
    totalCount edges { node { startsAt item { id title } } } } }"""


async def team_titles(client, member, team_id: str) -> list[str]:
    variables = {**JANUARY, "teamId": team_id}
    calendar = (await client.execute(CALENDAR_OF_TEAM, variables, member.token))["calendar"]
    return [edge["node"]["item"]["title"] for edge in calendar["edges"]]


async def test_team_members_see_shared_items_and_others_do_not(client):
    admin = await client.sign_up()
    north, south = await create_team(client, admin, "North"), await create_team(client, admin, "South")
    author = await client.add_member(admin, "sales", "author")
    mate = await client.add_member(admin, "sales", "mate")
    outsider = await client.add_member(admin, "sales", "outsider")
    for member, team in ((author, north), (mate, north), (outsider, south)):
        await set_team(client, admin, member, team)

    shared = await create_item(client, author, title="North stand-up", teamId=north["id"])
    personal = await create_item(
        client, author, title="Dentist", startsAt="2030-01-08T09:00:00Z", endsAt="2030-01-08T10:00:00Z"
    )
    assert (await client.execute(TEAM_ITEM, {"id": shared["id"]}, author.token))["node"]["team"] == {
        "id": north["id"],
        "name": "North",
    }

    # The teammate sees the shared item (not the personal one) in the team calendar, the list and by id.
    assert await team_titles(client, mate, north["id"]) == ["North stand-up"]
    assert await titles(client, mate, userId=author.user_id) == ["North stand-up"]
    assert (await client.execute(ITEMS, {}, mate.token))["calendarItems"]["totalCount"] == 1
    assert (await client.execute(NODE, {"id": shared["id"]}, mate.token))["node"]["title"] == "North stand-up"
    assert (await client.execute(NODE, {"id": personal["id"]}, mate.token))["node"] is None
    # Seeing is not changing: the record scope decides that.
    pairs = await client.outcome(
        UPDATE_ITEM,
        {"id": shared["id"], "version": 1, "input": {"title": "Mine"}},
        mate.token,
        "updateCalendarItem",
    )
    assert pairs == [("id", "NOT_FOUND")]
    # The author's own calendar has both; the team's only the shared one.
    assert await titles(client, author) == ["North stand-up", "Dentist"]
    assert await team_titles(client, author, north["id"]) == ["North stand-up"]

    # Another team's member sees nothing of it, whichever way asked.
    assert await team_titles(client, outsider, north["id"]) == []
    assert await titles(client, outsider, userId=author.user_id) == []
    assert (await client.execute(ITEMS, {}, outsider.token))["calendarItems"]["totalCount"] == 0
    assert (await client.execute(NODE, {"id": shared["id"]}, outsider.token))["node"] is None

    # Moving to another team ends it; moving in starts it.
    await set_team(client, admin, mate, south)
    await set_team(client, admin, outsider, north)
    assert await team_titles(client, mate, north["id"]) == []
    assert await team_titles(client, outsider, north["id"]) == ["North stand-up"]

    # Unsharing ends it too.
    await ok(
        client,
        author,
        UPDATE_ITEM,
        {"id": shared["id"], "version": 1, "input": {"teamId": None}},
        "updateCalendarItem",
    )
    assert await team_titles(client, outsider, north["id"]) == []
    # The admin reaches every item by record scope, shared or not.
    assert await titles(client, admin, userId=author.user_id) == ["North stand-up", "Dentist"]


async def test_sharing_is_with_your_own_team_unless_your_role_reaches_all_items(client):
    admin = await client.sign_up()
    north, south = await create_team(client, admin, "North"), await create_team(client, admin, "South")
    rep = await client.add_member(admin, "sales", "rep")
    south_rep = await client.add_member(admin, "sales", "south")
    loner = await client.add_member(admin, "sales", "loner")
    await set_team(client, admin, rep, north)
    await set_team(client, admin, south_rep, south)

    async def refused(member, team_id):
        variables = {"input": {**ITEM_INPUT, "teamId": team_id}}
        return await client.outcome(CREATE_ITEM, variables, member.token, "createCalendarItem")

    assert await refused(rep, south["id"]) == [("teamId", "INVALID")]
    assert await refused(loner, north["id"]) == [("teamId", "INVALID")]
    missing = "VGVhbTowMTkzZWFhOS0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA="  # Team:<unknown uuid>
    assert await refused(rep, missing) == [("teamId", "NOT_FOUND")]
    account_id = "QWNjb3VudDowMTkzZWFhOS0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA="
    assert await refused(rep, account_id) == [("teamId", "NOT_FOUND")]  # another type's id
    assert (await client.execute(ITEMS, {}, rep.token))["calendarItems"]["totalCount"] == 0
    item = await create_item(client, rep)
    pairs = await client.outcome(
        UPDATE_ITEM,
        {"id": item["id"], "version": 1, "input": {"teamId": south["id"]}},
        rep.token,
        "updateCalendarItem",
    )
    assert pairs == [("teamId", "INVALID")]

    # The admin (all items) shares with any team; its members see it.
    await create_item(client, admin, title="Quarterly review", teamId=south["id"])
    assert await team_titles(client, south_rep, south["id"]) == ["Quarterly review"]
    assert await team_titles(client, rep, south["id"]) == []

    # A deleted team unshares its items (they stay with their owner).
    await set_team(client, admin, south_rep, None)
    deleted = await client.execute(DELETE_TEAM, {"id": south["id"]}, admin.token)
    assert deleted["deleteTeam"]["errors"] == []
    assert await titles(client, admin) == ["Quarterly review"]


async def test_another_tenant_never_sees_or_shares_with_a_team(client, db):
    first = await client.sign_up("First")
    second = await client.sign_up("Second")
    north = await create_team(client, first, "North")
    await set_team(client, first, first, north)
    shared = await create_item(client, first, title="North stand-up", teamId=north["id"])
    theirs = await create_team(client, second, "North")

    assert await team_titles(client, second, north["id"]) == []
    assert (await client.execute(NODE, {"id": shared["id"]}, second.token))["node"] is None
    pairs = await client.outcome(
        CREATE_ITEM, {"input": {**ITEM_INPUT, "teamId": north["id"]}}, second.token, "createCalendarItem"
    )
    assert pairs == [("teamId", "NOT_FOUND")]
    pairs = await client.outcome(
        UPDATE_ITEM,
        {"id": shared["id"], "version": 1, "input": {"teamId": theirs["id"]}},
        first.token,
        "updateCalendarItem",
    )
    assert pairs == [("teamId", "NOT_FOUND")]

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
        assert await connection.fetchval("select count(*) from calendar_items where team_id is not null") == 0
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", first.tenant_id)
            await connection.execute(
                "update calendar_items set team_id = $1 where id = $2",
                uuid.UUID(relay_uuid(theirs["id"])),
                uuid.UUID(relay_uuid(shared["id"])),
            )
