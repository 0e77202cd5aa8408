"""Work reports: the period's activities and visits assembled for the reader, draft → submitted, a
manager of the team reads and comments (the author is notified), others see nothing; exact errors."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.crm.documents import create_account, create_activity
from tests.crm.sql import put_in_team
from tests.notifications.support import inbox
from tests.support import relay_uuid
from tests.workday.documents import (
    COMMENT_REPORT,
    CREATE_REPORT,
    REPORTS,
    SUBMIT_REPORT,
    UPDATE_REPORT,
    create_item,
)


def pairs(payload):
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def write(client, member, **values):
    data = {"period": "DAILY", "startsOn": "2026-11-02", **values}
    return await client.mutate(CREATE_REPORT, {"input": data}, member.token, "createWorkReport")


async def test_a_daily_report_assembles_the_day_and_the_team_manager_comments(client, db):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    outsider = await client.add_member(admin, "sales", "outsider")
    await put_in_team(db, admin.tenant_id, "North", manager.user_id, rep.user_id)
    account = await create_account(client, rep, name="Globex", ownerId=rep.user_id)
    await create_activity(
        client,
        rep,
        kind="CALL",
        subject="Called Globex",
        accountId=account["id"],
        occurredAt="2026-11-02T10:00:00Z",
    )
    await create_activity(
        client,
        rep,
        kind="CALL",
        subject="Another day",
        accountId=account["id"],
        occurredAt="2026-11-03T10:00:00Z",
    )
    await create_item(
        client,
        rep,
        kind="VISIT",
        title="Visit Globex",
        accountId=account["id"],
        startsAt="2026-11-02T13:00:00Z",
        endsAt="2026-11-02T14:00:00Z",
    )

    created = await write(client, rep, plans="Send the offer")
    report = created["report"]
    assert (created["errors"], report["status"], report["endsOn"]) == ([], "DRAFT", "2026-11-02")
    assert report["activities"] == [{"subject": "Called Globex", "kind": "CALL"}]
    assert report["visits"] == [{"title": "Visit Globex"}]
    assert report["completedTaskCount"] == 0
    empty = await client.mutate(
        SUBMIT_REPORT, {"id": report["id"], "version": 1}, rep.token, "submitWorkReport"
    )
    assert pairs(empty) == [("summary", "REQUIRED")]
    updated = await client.mutate(
        UPDATE_REPORT,
        {"id": report["id"], "version": 1, "input": {"summary": "Good day at Globex"}},
        rep.token,
        "updateWorkReport",
    )
    submitted = await client.mutate(
        SUBMIT_REPORT,
        {"id": report["id"], "version": updated["report"]["version"]},
        rep.token,
        "submitWorkReport",
    )
    assert (submitted["errors"], submitted["report"]["status"]) == ([], "SUBMITTED")
    final = await client.mutate(
        UPDATE_REPORT,
        {"id": report["id"], "version": submitted["report"]["version"], "input": {"summary": "x"}},
        rep.token,
        "updateWorkReport",
    )
    assert pairs(final) == [("id", "INVALID_TRANSITION")]

    seen = (await client.execute(REPORTS, {}, manager.token))["workReports"]
    assert [edge["node"]["summary"] for edge in seen["edges"]] == ["Good day at Globex"]
    assert seen["edges"][0]["node"]["activities"] == [{"subject": "Called Globex", "kind": "CALL"}]
    commented = await client.mutate(
        COMMENT_REPORT, {"reportId": report["id"], "body": "Well done"}, manager.token, "commentOnWorkReport"
    )
    assert commented["report"]["comments"] == [{"body": "Well done", "author": {"id": manager.user_id}}]
    notices = (await inbox(client, rep))["notifications"]["edges"]
    assert [(n["node"]["kind"], n["node"]["body"]) for n in notices] == [("work_report.comment", "Well done")]

    assert (await client.execute(REPORTS, {}, outsider.token))["workReports"]["totalCount"] == 0
    foreign = await client.mutate(
        COMMENT_REPORT, {"reportId": report["id"], "body": "Hi"}, outsider.token, "commentOnWorkReport"
    )
    assert pairs(foreign) == [("reportId", "NOT_FOUND")]


async def test_report_periods_duplicates_and_permissions_are_checked(client):
    admin = await client.sign_up()
    assert pairs(await write(client, admin, period="WEEKLY", startsOn="2026-11-03")) == [
        ("startsOn", "INVALID")
    ]
    assert pairs(await write(client, admin, startsOn="2099-01-01")) == [("startsOn", "INVALID")]
    weekly = await write(client, admin, period="WEEKLY", startsOn="2026-11-02", summary="Week")
    assert (weekly["errors"], weekly["report"]["endsOn"]) == ([], "2026-11-08")
    assert pairs(await write(client, admin, period="WEEKLY", startsOn="2026-11-02")) == [
        ("startsOn", "DUPLICATE")
    ]
    draft = await client.mutate(
        COMMENT_REPORT,
        {"reportId": weekly["report"]["id"], "body": "Early"},
        admin.token,
        "commentOnWorkReport",
    )
    assert pairs(draft) == [("reportId", "INVALID_TRANSITION")]
    viewer = await client.add_member(admin, "viewer", "viewer")
    data = {"period": "DAILY", "startsOn": "2026-11-02"}
    assert await client.outcome(CREATE_REPORT, {"input": data}, viewer.token, "createWorkReport") == [
        (None, "PERMISSION_DENIED")
    ]


async def test_another_tenant_sees_and_writes_no_reports(client, db):
    first = await client.sign_up("First")
    second = await client.sign_up("Second")
    report = (await write(client, first, summary="Mine"))["report"]
    assert (await client.execute(REPORTS, {}, second.token))["workReports"]["totalCount"] == 0
    assert pairs(
        await client.mutate(
            SUBMIT_REPORT, {"id": report["id"], "version": 1}, second.token, "submitWorkReport"
        )
    ) == [("id", "NOT_FOUND")]
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
        for table in ("work_reports", "work_report_comments"):
            assert await connection.fetchval(f"select count(*) from {table}") == 0
        assert await connection.fetchval("update work_reports set summary = 'x' returning 1") is None
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
            await connection.execute(
                "insert into work_reports (tenant_id, id, author_id, period, starts_on, ends_on)"
                " values ($1, $2, $3, 'daily', current_date, current_date)",
                uuid.UUID(first.tenant_id),
                uuid.uuid4(),
                uuid.UUID(relay_uuid(first.user_id)),
            )
