"""People and capacity: skills, weekly capacity, allocations, load with over-allocation warnings and
assignment suggestions."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
import pytest

from graph.projects.resources import capacity
from tests.admin.documents import create_team, set_team
from tests.crm.sql import raw_id
from tests.projects.documents import add_member, create_project, error_pairs, ok
from tests.projects.test_isolation import assert_sql_wall, in_tenant

ERRORS = "errors { field code message }"
SET_SKILL = f"""
mutation($userId: ID!, $skill: String!, $level: Int!) {{
  setMemberSkill(userId: $userId, skill: $skill, level: $level) {{ skill {{ skill level }} {ERRORS} }}
}}"""
REMOVE_SKILL = f"""
mutation($userId: ID!, $skill: String!) {{
  removeMemberSkill(userId: $userId, skill: $skill) {{ skill {{ skill }} {ERRORS} }}
}}"""
SET_CAPACITY = f"""
mutation($userId: ID!, $hours: Decimal!) {{
  setMemberCapacity(userId: $userId, weeklyHours: $hours) {{ weeklyHours {ERRORS} }}
}}"""
ALLOCATE = f"""
mutation($input: AllocateMemberInput!) {{
  allocateMember(input: $input) {{
    allocation {{ weekStart hours version user {{ id }} }}
    overAllocations {{ weekStart capacity allocated overBy user {{ id }} }} {ERRORS}
  }}
}}"""
LOAD = """
query($start: Date!, $weeks: Int!, $userIds: [ID!]) {
  resourceLoad(start: $start, weeks: $weeks, userIds: $userIds) {
    people { user { id } weeklyCapacity skills { skill level }
      weeks { weekStart capacity allocated free overAllocated } }
    totals { weekStart capacity allocated free overAllocated }
    overAllocations { weekStart overBy user { id } }
  }
}"""
SUGGEST = """
query($skill: String!, $start: Date!, $hours: Decimal!, $weeks: Int!, $minLevel: Int!) {
  assignmentSuggestions(skill: $skill, start: $start, hours: $hours, weeks: $weeks, minLevel: $minLevel) {
    totalCount edges { node { user { id } level freeHours fits } }
  }
}"""
ALLOCATIONS = """query($id: ID!) { project(id: $id) { allocations { weekStart hours user { id } } } }"""
WEEK = "2027-03-01"  # a Monday
NEXT_WEEK = "2027-03-08"


async def allocate(client, member, project, user, hours, week=WEEK):
    variables = {
        "input": {"projectId": project["id"], "userId": user.user_id, "weekStart": week, "hours": hours}
    }
    return (await client.execute(ALLOCATE, variables, member.token))["allocateMember"]


async def team(client):
    admin = await client.sign_up()
    ana = await client.add_member(admin, "sales", "ana")
    ben = await client.add_member(admin, "sales", "ben")
    for member, level in ((ana, 5), (ben, 3)):
        await ok(
            client,
            admin,
            SET_SKILL,
            {"userId": member.user_id, "skill": " Python ", "level": level},
            "setMemberSkill",
        )
    await ok(client, admin, SET_CAPACITY, {"userId": ben.user_id, "hours": "32"}, "setMemberCapacity")
    first = await create_project(client, admin, name="Portal")
    second = await create_project(client, admin, name="Billing")
    for project in (first, second):
        for member in (ana, ben):
            await add_member(client, admin, project["id"], member)
    return admin, ana, ben, first, second


async def test_over_allocation_warns_shows_in_the_load_and_is_resolved(client):
    admin, ana, ben, first, second = await team(client)

    await allocate(client, admin, first, ana, "30")
    over = await allocate(client, admin, second, ana, "20")
    load = await client.execute(
        LOAD, {"start": "2027-03-03", "weeks": 2, "userIds": [ana.user_id, ben.user_id]}, admin.token
    )
    suggested = (
        await client.execute(
            SUGGEST, {"skill": "PYTHON", "start": WEEK, "hours": "20", "weeks": 1, "minLevel": 1}, admin.token
        )
    )["assignmentSuggestions"]
    resolved = await allocate(client, admin, second, ana, "0")
    moved = await allocate(client, admin, second, ben, "20")
    after = await client.execute(LOAD, {"start": WEEK, "weeks": 1, "userIds": [ana.user_id]}, admin.token)

    assert over["allocation"]["hours"] == "20.00"
    assert over["overAllocations"] == [
        {
            "weekStart": WEEK,
            "capacity": "40.00",
            "allocated": "50.00",
            "overBy": "10.00",
            "user": {"id": ana.user_id},
        }
    ]
    people = {person["user"]["id"]: person for person in load["resourceLoad"]["people"]}
    assert people[ana.user_id]["skills"] == [{"skill": "python", "level": 5}]
    assert people[ana.user_id]["weeks"] == [
        {
            "weekStart": WEEK,
            "capacity": "40.00",
            "allocated": "50.00",
            "free": "-10.00",
            "overAllocated": True,
        },
        {
            "weekStart": NEXT_WEEK,
            "capacity": "40.00",
            "allocated": "0",
            "free": "40.00",
            "overAllocated": False,
        },
    ]
    assert people[ben.user_id]["weeklyCapacity"] == "32.00"
    assert load["resourceLoad"]["totals"][0] == {
        "weekStart": WEEK,
        "capacity": "72.00",
        "allocated": "50.00",
        "free": "22.00",
        "overAllocated": False,
    }
    assert load["resourceLoad"]["overAllocations"] == [
        {"weekStart": WEEK, "overBy": "10.00", "user": {"id": ana.user_id}}
    ]
    # Ben has 32 free hours and the skill: first, although Ana is the expert.
    assert [
        (e["node"]["user"]["id"], e["node"]["fits"], e["node"]["freeHours"]) for e in suggested["edges"]
    ] == [
        (ben.user_id, True, "32.00"),
        (ana.user_id, False, "-10.00"),
    ]
    assert resolved == {"allocation": None, "overAllocations": [], "errors": []}
    assert moved["overAllocations"] == []
    assert after["resourceLoad"]["overAllocations"] == []
    listed = (await client.execute(ALLOCATIONS, {"id": second["id"]}, admin.token))["project"]["allocations"]
    assert listed == [{"weekStart": WEEK, "hours": "20.00", "user": {"id": ben.user_id}}]


async def test_allocation_refusals_name_the_field_and_write_nothing(client):
    admin, ana, _, first, _ = await team(client)
    outsider = await client.add_member(admin, "sales", "outsider")
    cases = [
        ({"weekStart": "2027-03-03"}, ("weekStart", "INVALID")),
        ({"hours": "169"}, ("hours", "INVALID")),
        ({"hours": "-1"}, ("hours", "INVALID")),
        ({"userId": outsider.user_id}, ("userId", "INVALID")),
        ({"hours": "0"}, ("weekStart", "NOT_FOUND")),  # nothing to remove
    ]
    for change, expected in cases:
        variables = {
            "input": {
                "projectId": first["id"],
                "userId": ana.user_id,
                "weekStart": WEEK,
                "hours": "8",
                **change,
            }
        }
        payload = (await client.execute(ALLOCATE, variables, admin.token))["allocateMember"]
        assert error_pairs(payload) == [expected], change
    # A member who does not manage the project may not plan it.
    variables = {"input": {"projectId": first["id"], "userId": ana.user_id, "weekStart": WEEK, "hours": "8"}}
    assert await client.refused(ALLOCATE, variables, ana.token, "allocateMember") == [
        (None, "PERMISSION_DENIED")
    ]
    assert (await client.execute(ALLOCATIONS, {"id": first["id"]}, admin.token))["project"][
        "allocations"
    ] == []


async def test_skills_and_capacity_need_manage_settings_and_valid_values(client):
    admin, ana, *_ = await team(client)
    variables = {"userId": ana.user_id, "skill": "go", "level": 2}
    assert await client.refused(SET_SKILL, variables, ana.token, "setMemberSkill") == [
        (None, "PERMISSION_DENIED")
    ]
    assert await client.refused(
        SET_CAPACITY, {"userId": ana.user_id, "hours": "10"}, ana.token, "setMemberCapacity"
    ) == [(None, "PERMISSION_DENIED")]
    bad = [
        (
            SET_SKILL,
            {"userId": ana.user_id, "skill": "go", "level": 6},
            "setMemberSkill",
            ("level", "INVALID"),
        ),
        (
            SET_SKILL,
            {"userId": ana.user_id, "skill": "  ", "level": 2},
            "setMemberSkill",
            ("skill", "REQUIRED"),
        ),
        (
            SET_CAPACITY,
            {"userId": ana.user_id, "hours": "169"},
            "setMemberCapacity",
            ("weeklyHours", "INVALID"),
        ),
        (
            REMOVE_SKILL,
            {"userId": ana.user_id, "skill": "cobol"},
            "removeMemberSkill",
            ("skill", "NOT_FOUND"),
        ),
    ]
    for document, variables, name, expected in bad:
        assert error_pairs((await client.execute(document, variables, admin.token))[name]) == [expected], name
    await ok(client, admin, REMOVE_SKILL, {"userId": ana.user_id, "skill": "PYTHON"}, "removeMemberSkill")
    load = await client.execute(LOAD, {"start": WEEK, "weeks": 1, "userIds": [ana.user_id]}, admin.token)
    assert load["resourceLoad"]["people"][0]["skills"] == []
    errors = await client.errors(LOAD, {"start": WEEK, "weeks": 27, "userIds": None}, admin.token)
    assert errors[0]["extensions"]["code"] == "INVALID"


async def test_another_tenant_sees_and_changes_no_allocation_skill_or_capacity(client, db):
    admin, ana, _, first, _ = await team(client)
    await allocate(client, admin, first, ana, "12")
    await ok(client, admin, SET_CAPACITY, {"userId": ana.user_id, "hours": "36"}, "setMemberCapacity")
    other = await client.sign_up("Other")

    variables = {"input": {"projectId": first["id"], "userId": ana.user_id, "weekStart": WEEK, "hours": "8"}}
    payload = (await client.execute(ALLOCATE, variables, other.token))["allocateMember"]
    load = await client.execute(LOAD, {"start": WEEK, "weeks": 1, "userIds": [ana.user_id]}, other.token)
    skill = await client.execute(SET_SKILL, {"userId": ana.user_id, "skill": "x", "level": 1}, other.token)
    suggested = await client.execute(
        SUGGEST, {"skill": "python", "start": WEEK, "hours": "1", "weeks": 1, "minLevel": 1}, other.token
    )

    assert error_pairs(payload) == [("projectId", "NOT_FOUND")]
    assert load["resourceLoad"] == {"people": [], "totals": [], "overAllocations": []}
    assert error_pairs(skill["setMemberSkill"]) == [("userId", "NOT_FOUND")]
    assert suggested["assignmentSuggestions"]["totalCount"] == 0
    await assert_sql_wall(
        db, admin.tenant_id, other.tenant_id, ["member_skills", "member_capacities", "project_allocations"]
    )
    connection = await db.connect()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, other.tenant_id)
            await connection.execute(
                "insert into project_allocations (tenant_id, id, project_id, user_id, week_start, hours, created_by_id)"
                " values ($1, $2, $3, $4, $5, 8, $4)",
                uuid.UUID(admin.tenant_id),
                uuid.uuid4(),
                raw_id(first["id"]),
                raw_id(ana.user_id),
                date(2027, 3, 1),
            )


async def test_capacity_honours_leave_from_a_registered_source(client, monkeypatch):
    """An area keeping leave registers a source; a week loses a fifth of its hours per working day off."""
    admin, ana, ben, first, _ = await team(client)
    ana_id = raw_id(ana.user_id)

    async def approved_leave(session, user_ids, start, end):
        # Wednesday to the next Monday: three working days in WEEK, one in NEXT_WEEK (the weekend is free).
        return [(ana_id, date(2027, 3, 3), date(2027, 3, 8))] if ana_id in user_ids else []

    monkeypatch.setattr(capacity, "LEAVE_SOURCES", [])
    capacity.register_leave_source(approved_leave)
    over = await allocate(client, admin, first, ana, "20")
    load = await client.execute(
        LOAD_WITH_LEAVE, {"start": WEEK, "weeks": 2, "userIds": [ana.user_id, ben.user_id]}, admin.token
    )

    assert over["overAllocations"] == [
        {
            "weekStart": WEEK,
            "capacity": "16.00",
            "allocated": "20.00",
            "overBy": "4.00",
            "user": {"id": ana.user_id},
        }
    ]
    people = {person["user"]["id"]: person["weeks"] for person in load["resourceLoad"]["people"]}
    assert people[ana.user_id] == [
        {"weekStart": WEEK, "capacity": "16.00", "leaveDays": 3},
        {"weekStart": NEXT_WEEK, "capacity": "32.00", "leaveDays": 1},
    ]
    assert people[ben.user_id][0] == {"weekStart": WEEK, "capacity": "32.00", "leaveDays": 0}
    assert load["resourceLoad"]["totals"][0] == {"weekStart": WEEK, "capacity": "48.00", "leaveDays": 3}


LOAD_WITH_LEAVE = """
query($start: Date!, $weeks: Int!, $userIds: [ID!]) {
  resourceLoad(start: $start, weeks: $weeks, userIds: $userIds) {
    people { user { id } weeks { weekStart capacity leaveDays } } totals { weekStart capacity leaveDays }
  }
}"""


TEAM_LOAD = """
query($start: Date!, $teamId: ID) {
  resourceLoad(start: $start, weeks: 1, teamId: $teamId) {
    people { user { id } } totals { capacity allocated overAllocated }
  }
}"""


async def test_a_teams_load_sums_its_members(client):
    admin, ana, ben, first, second = await team(client)
    outsider = await client.add_member(admin, "sales", "outsider")
    cabling = await create_team(client, admin, "Cabling")
    for member in (ana, ben):
        await set_team(client, admin, member, cabling)
    await allocate(client, admin, first, ana, "30")
    await allocate(client, admin, second, ben, "35")

    load = (await client.execute(TEAM_LOAD, {"start": WEEK, "teamId": cabling["id"]}, admin.token))[
        "resourceLoad"
    ]

    assert {person["user"]["id"] for person in load["people"]} == {ana.user_id, ben.user_id}
    assert outsider.user_id not in {person["user"]["id"] for person in load["people"]}
    # 40 + 32 hours of capacity, 65 allocated: the team copes although Ben alone is over.
    assert load["totals"] == [{"capacity": "72.00", "allocated": "65.00", "overAllocated": False}]
