"""Closeout: summary, satisfaction and evaluation against plan; lessons learned searchable tenant-wide and
surfaced on similar projects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from tests.crm.documents import create_account
from tests.crm.sql import raw_id
from tests.projects.documents import (
    CHANGE_PROJECT_STATUS,
    add_member,
    create_project,
    create_task,
    error_pairs,
    ok,
    set_status,
)
from tests.projects.test_isolation import assert_sql_wall, in_tenant
from tests.projects.test_quality import RECORD_DEFECT

ERRORS = "errors { field code message }"
LESSON_FIELDS = "id title body tags author { id } project { id }"
CLOSE_OUT = f"""
mutation($projectId: ID!, $version: Int!, $input: CloseOutProjectInput!) {{
  closeOutProject(projectId: $projectId, version: $version, input: $input) {{
    project {{ status actualEnd version }}
    closeout {{ summary satisfaction satisfactionComment closedOn closedBy {{ id }} evaluation {{
      schedule {{ plannedEnd actualEnd daysLate onTime }}
      budget {{ currency budget actualCost variance withinBudget }}
      scope {{ tasks tasksDone changesImplemented complete }}
      quality {{ inspections inspectionsPassed defects seriousDefects acceptanceSigned }} }} }}
    lessons {{ {LESSON_FIELDS} }} {ERRORS}
  }}
}}"""
ADD_LESSON = f"""
mutation($projectId: ID!, $input: LessonInput!) {{
  addLesson(projectId: $projectId, input: $input) {{ lesson {{ {LESSON_FIELDS} }} {ERRORS} }}
}}"""
LESSONS = f"""
query($search: String, $tag: String) {{
  lessons(search: $search, tag: $tag, first: 10) {{ totalCount edges {{ node {{ {LESSON_FIELDS} }} }} }}
}}"""
SIMILAR = """query($id: ID!) { project(id: $id) { similarLessons { title } closeout { summary } } }"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""
CABLING_LESSON = {
    "title": "Order fibre cables six weeks ahead",
    "body": "Suppliers of armoured fibre took six weeks; the cabling crew waited.",
    "tags": ["Procurement", "cabling"],
}


async def active_project(client, member, **values: Any) -> dict[str, Any]:
    project = await create_project(client, member, **values)
    variables = {"id": project["id"], "version": project["version"], "status": "ACTIVE"}
    return (await ok(client, member, CHANGE_PROJECT_STATUS, variables, "changeProjectStatus"))["project"]


async def close_out(client, member, project, **input: Any) -> dict[str, Any]:
    variables = {
        "projectId": project["id"],
        "version": project["version"],
        "input": {"summary": "Delivered", **input},
    }
    return (await client.execute(CLOSE_OUT, variables, member.token))["closeOutProject"]


async def test_closing_out_keeps_the_evaluation_and_lessons_surface_on_similar_projects(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "sales", "colleague")
    today = datetime.now(UTC).date()
    project = await active_project(
        client,
        admin,
        name="Office cabling Berlin",
        plannedStart="2026-01-05",
        plannedEnd="2026-02-01",
        budget="500",
    )
    task = await create_task(client, admin, project["id"], title="Pull cables")
    await set_status(client, admin, await set_status(client, admin, task, "IN_PROGRESS"), "DONE")
    await create_task(client, admin, project["id"], title="Label ports")
    project = (
        await client.execute(
            "query($id: ID!) { project(id: $id) { id version } }", {"id": project["id"]}, admin.token
        )
    )["project"]

    closed = await close_out(
        client, admin, project, satisfaction=4, satisfactionComment="Tidy work", lessons=[CABLING_LESSON]
    )
    later = await active_project(
        client, admin, name="Warehouse cabling Hamburg", description="Fibre backbone"
    )
    unrelated = await active_project(client, admin, name="Payroll migration")
    found = await client.execute(LESSONS, {"search": "cable suppliers", "tag": None}, viewer.token)
    tagged = await client.execute(LESSONS, {"search": None, "tag": "PROCUREMENT"}, admin.token)
    missing = await client.execute(LESSONS, {"search": "payroll", "tag": None}, admin.token)

    assert closed["errors"] == []
    assert (closed["project"]["status"], closed["project"]["actualEnd"]) == ("DONE", today.isoformat())
    closeout = closed["closeout"]
    assert (closeout["summary"], closeout["satisfaction"], closeout["satisfactionComment"]) == (
        "Delivered",
        4,
        "Tidy work",
    )
    assert closeout["closedBy"] == {"id": admin.user_id}
    assert closeout["evaluation"]["schedule"] == {
        "plannedEnd": "2026-02-01",
        "actualEnd": today.isoformat(),
        "daysLate": (today - datetime(2026, 2, 1, tzinfo=UTC).date()).days,
        "onTime": today <= datetime(2026, 2, 1, tzinfo=UTC).date(),
    }
    assert closeout["evaluation"]["budget"] == {
        "currency": "USD",
        "budget": "500.00",
        "actualCost": "0.00",
        "variance": "500.00",
        "withinBudget": True,
    }
    assert closeout["evaluation"]["scope"] == {
        "tasks": 2,
        "tasksDone": 1,
        "changesImplemented": 0,
        "complete": False,
    }
    assert closeout["evaluation"]["quality"] == {
        "inspections": 0,
        "inspectionsPassed": 0,
        "defects": 0,
        "seriousDefects": 0,
        "acceptanceSigned": False,
    }
    assert [(lesson["tags"], lesson["author"]) for lesson in closed["lessons"]] == [
        (["cabling", "procurement"], {"id": admin.user_id})
    ]
    # The colleague reads the lesson (shared tenant-wide) but not the project it came from.
    assert found["lessons"]["totalCount"] == 1
    assert found["lessons"]["edges"][0]["node"]["project"] is None
    assert tagged["lessons"]["edges"][0]["node"]["project"] == {"id": project["id"]}
    assert missing["lessons"]["totalCount"] == 0
    similar = (await client.execute(SIMILAR, {"id": later["id"]}, admin.token))["project"]
    assert similar == {"similarLessons": [{"title": CABLING_LESSON["title"]}], "closeout": None}
    assert (await client.execute(SIMILAR, {"id": unrelated["id"]}, admin.token))["project"][
        "similarLessons"
    ] == []
    own = (await client.execute(SIMILAR, {"id": project["id"]}, admin.token))["project"]
    assert own == {"similarLessons": [], "closeout": {"summary": "Delivered"}}


async def test_closeout_refusals_name_the_field_and_change_nothing(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales", "member")
    account = await create_account(client, admin)
    planned = await create_project(client, admin)
    customer = await active_project(client, admin, accountId=account["id"])
    internal = await active_project(client, admin)
    await add_member(client, admin, internal["id"], member)
    defect = {
        "projectId": internal["id"],
        "title": "Loose panel",
        "severity": "LOW",
        "ownerId": member.user_id,
    }
    await ok(client, admin, RECORD_DEFECT, {"input": defect}, "recordDefect")

    cases = [
        (planned, {}, [("status", "INVALID_TRANSITION")]),
        (customer, {}, [("projectId", "INVALID_TRANSITION")]),
        (internal, {}, [("projectId", "INVALID_TRANSITION")]),
        (
            internal,
            {"summary": " ", "satisfaction": 6},
            [("summary", "REQUIRED"), ("satisfaction", "INVALID")],
        ),
        (internal, {"satisfaction": 0}, [("satisfaction", "INVALID")]),
        (internal, {"lessons": [{"title": "", "body": "b"}]}, [("lessons.0.title", "REQUIRED")]),
        (internal, {"version": 99}, [("version", "CONFLICT")]),
    ]
    for project, change, expected in cases:
        version = change.pop("version", project["version"])
        variables = {"projectId": project["id"], "version": version, "input": {"summary": "Done", **change}}
        payload = (await client.execute(CLOSE_OUT, variables, admin.token))["closeOutProject"]
        assert error_pairs(payload) == expected, (project["name"], change)
    variables = {"projectId": internal["id"], "version": internal["version"], "input": {"summary": "Done"}}
    assert await client.refused(CLOSE_OUT, variables, member.token, "closeOutProject") == [
        (None, "PERMISSION_DENIED")
    ]
    bad_lesson = (
        await client.execute(
            ADD_LESSON,
            {
                "projectId": internal["id"],
                "input": {"title": "t", "body": "b", "tags": [str(n) for n in range(11)]},
            },
            admin.token,
        )
    )["addLesson"]
    assert error_pairs(bad_lesson) == [("tags", "INVALID")]
    assert (await client.execute(LESSONS, {"search": None, "tag": None}, admin.token))["lessons"][
        "totalCount"
    ] == 0
    status = await client.execute(
        "query($id: ID!) { project(id: $id) { status closeout { summary } } }",
        {"id": internal["id"]},
        admin.token,
    )
    assert status["project"] == {"status": "ACTIVE", "closeout": None}


async def test_another_tenant_sees_no_lesson_or_closeout(client, db):
    admin = await client.sign_up()
    project = await active_project(client, admin, name="Office cabling")
    closed = await close_out(client, admin, project, lessons=[CABLING_LESSON])
    lesson = closed["lessons"][0]
    other = await client.sign_up("Other")
    other_project = await active_project(client, other, name="Cabling again")

    assert (await client.execute(NODE, {"id": lesson["id"]}, other.token))["node"] is None
    assert (await client.execute(LESSONS, {"search": "cabling", "tag": None}, other.token))["lessons"][
        "totalCount"
    ] == 0
    assert (await client.execute(SIMILAR, {"id": other_project["id"]}, other.token))["project"][
        "similarLessons"
    ] == []
    added = (
        await client.execute(
            ADD_LESSON, {"projectId": project["id"], "input": {"title": "t", "body": "b"}}, other.token
        )
    )["addLesson"]
    assert error_pairs(added) == [("projectId", "NOT_FOUND")]
    again = (
        await client.execute(
            CLOSE_OUT, {"projectId": project["id"], "version": 1, "input": {"summary": "x"}}, other.token
        )
    )["closeOutProject"]
    assert error_pairs(again) == [("projectId", "NOT_FOUND")]
    await assert_sql_wall(db, admin.tenant_id, other.tenant_id, ["project_closeouts", "project_lessons"])
    connection = await db.connect()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, other.tenant_id)
            await connection.execute(
                "insert into project_lessons (tenant_id, id, project_id, title, body, author_id)"
                " values ($1, $2, $3, 't', 'b', $4)",
                uuid.UUID(admin.tenant_id),
                uuid.uuid4(),
                raw_id(project["id"]),
                raw_id(admin.user_id),
            )


async def test_a_chinese_lesson_is_found_by_its_words_and_surfaces_on_a_similar_project(client):
    admin = await client.sign_up("华磊")
    project = await active_project(client, admin, name="上海仓库布线")
    lesson = {
        "title": "光纤线缆要提前六周订购",
        "body": "铠装光纤供应商交货用了六周。布线班组停工等待。",
        "tags": ["采购"],
    }
    closed = await close_out(client, admin, project, lessons=[lesson])
    later = await active_project(client, admin, name="北京机房布线", description="光纤主干")
    unrelated = await active_project(client, admin, name="工资系统迁移")

    async def titles(search: str) -> list[str]:
        found = await client.execute(LESSONS, {"search": search, "tag": None}, admin.token)
        return [edge["node"]["title"] for edge in found["lessons"]["edges"]]

    assert closed["errors"] == []
    assert await titles("光纤") == [lesson["title"]]  # a two-character word inside a longer run
    assert await titles("供应商 停工") == [lesson["title"]]  # every word must be there
    assert await titles("供应商 工资") == []
    assert await titles("采购") == [lesson["title"]]  # the tag's words count too
    similar = (await client.execute(SIMILAR, {"id": later["id"]}, admin.token))["project"]["similarLessons"]
    assert similar == [{"title": lesson["title"]}]
    assert (await client.execute(SIMILAR, {"id": unrelated["id"]}, admin.token))["project"][
        "similarLessons"
    ] == []
