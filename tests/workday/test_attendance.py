"""Attendance and leave: check-in/out once a day on the server clock, leave approved through the chain,
the monthly summary and its CSV export per person in scope, exact errors, and the tenant wall."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.approvals.test_approvals import decide
from tests.crm.sql import put_in_team
from tests.notifications.support import inbox
from tests.projects.documents import DEFINE_CHAIN
from tests.support import ok, relay_uuid

CHECK_IN = """
mutation($lat: Decimal, $lng: Decimal) { checkIn(latitude: $lat, longitude: $lng) {
  record { id workDay checkedInAt checkedOutAt inLatitude inLongitude user { id } } errors { field code message } } }"""
CHECK_OUT = """
mutation { checkOut { record { id checkedOutAt } errors { field code message } } }"""
REQUEST_LEAVE = """
mutation($kind: LeaveKind!, $from: Date!, $to: Date!, $reason: String) {
  requestLeave(kind: $kind, startsOn: $from, endsOn: $to, reason: $reason) {
    leave { id kind days status approvalRequest { id } } errors { field code message } } }"""
SUMMARY = """
query($month: String!) { attendanceSummary(month: $month) {
  totalCount edges { node { userId email daysPresent hours openDays leaveDays } } } }"""
EXPORT = "query($month: String!) { attendanceExport(month: $month) }"
RECORDS = "{ attendanceRecords { totalCount } leaveRequests { totalCount } }"


def pairs(payload):
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def leave_chain(client, admin, approver):
    variables = {
        "input": {
            "name": "Leave",
            "subjectType": "leave_request",
            "steps": [{"name": "Manager", "rule": "ANY", "userIds": [approver.user_id]}],
        }
    }
    await ok(client, admin, DEFINE_CHAIN, variables, "defineApprovalChain")


async def test_a_month_of_attendance_and_approved_leave_summarised_and_exported(client, db):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.add_member(admin, "sales", "other")
    await put_in_team(db, admin.tenant_id, "North", manager.user_id, rep.user_id)

    half = await client.mutate(CHECK_IN, {"lat": "52.5"}, rep.token, "checkIn")
    assert pairs(half) == [("longitude", "REQUIRED")]
    checked = await client.mutate(CHECK_IN, {"lat": "52.520008", "lng": "13.404954"}, rep.token, "checkIn")
    record = checked["record"]
    assert (checked["errors"], record["inLatitude"], record["checkedOutAt"], record["user"]["id"]) == (
        [],
        "52.520008",
        None,
        rep.user_id,
    )
    assert record["workDay"] == datetime.now(UTC).date().isoformat()
    assert pairs(await client.mutate(CHECK_IN, {}, rep.token, "checkIn")) == [(None, "INVALID_TRANSITION")]
    assert pairs(await client.mutate(CHECK_OUT, {}, other.token, "checkOut")) == [
        (None, "INVALID_TRANSITION")
    ]
    # Given a working day of eight hours: the check-in moved back in SQL.
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute(
            "update attendance_records set checked_in_at = checked_in_at - interval '8 hours'"
        )
    assert (await client.mutate(CHECK_OUT, {}, rep.token, "checkOut"))["errors"] == []
    assert pairs(await client.mutate(CHECK_OUT, {}, rep.token, "checkOut")) == [(None, "INVALID_TRANSITION")]

    await leave_chain(client, admin, manager)
    asked = await client.mutate(
        REQUEST_LEAVE, {"kind": "ANNUAL", "from": "2030-01-05", "to": "2030-01-13"}, rep.token, "requestLeave"
    )
    assert (asked["errors"], asked["leave"]["days"], asked["leave"]["status"]) == ([], 5, "SUBMITTED")
    assert (await decide(client, manager, asked["leave"]["approvalRequest"]["id"], "APPROVE"))["errors"] == []
    notices = [e["node"]["kind"] for e in (await inbox(client, rep))["notifications"]["edges"]]
    assert notices == ["leave_request.approved"]

    month = datetime.now(UTC).strftime("%Y-%m")
    summary = (await client.execute(SUMMARY, {"month": month}, manager.token))["attendanceSummary"]
    assert [e["node"] for e in summary["edges"]] == [
        {
            "userId": rep.user_id,
            "email": rep.email,
            "daysPresent": 1,
            "hours": "8.00",
            "openDays": 0,
            "leaveDays": 0,
        }
    ]
    january = (await client.execute(SUMMARY, {"month": "2030-01"}, manager.token))["attendanceSummary"]
    assert [(e["node"]["email"], e["node"]["leaveDays"]) for e in january["edges"]] == [(rep.email, 5)]
    assert (await client.execute(SUMMARY, {"month": month}, other.token))["attendanceSummary"][
        "totalCount"
    ] == 0
    exported = (await client.execute(EXPORT, {"month": month}, admin.token))["attendanceExport"]
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows == [
        ["month", "email", "name", "days_present", "hours", "open_days", "leave_days"],
        [month, rep.email, "Rep", "1", "8.00", "0", "0"],
    ]
    bad = await client.errors(SUMMARY, {"month": "January"}, admin.token)
    assert (bad[0]["extensions"]["code"], bad[0]["extensions"]["field"]) == ("INVALID", "month")


async def test_leave_requests_are_checked_and_rejections_notified(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")

    async def ask(start, end, kind="ANNUAL"):
        return await client.mutate(
            REQUEST_LEAVE, {"kind": kind, "from": start, "to": end}, rep.token, "requestLeave"
        )

    assert pairs(await ask("2030-01-07", "2030-01-08")) == [(None, "INVALID")]  # no chain yet
    await leave_chain(client, admin, admin)
    assert pairs(await ask("2030-01-08", "2030-01-07")) == [("endsOn", "INVALID")]
    assert pairs(await ask("2030-01-05", "2030-01-06")) == [("startsOn", "INVALID")]  # a weekend
    assert pairs(await ask("2030-01-01", "2031-06-01")) == [("endsOn", "INVALID")]
    first = await ask("2030-01-07", "2030-01-08", "SICK")
    assert first["errors"] == []
    assert pairs(await ask("2030-01-08", "2030-01-09")) == [("startsOn", "DUPLICATE")]
    assert (await client.execute(RECORDS, {}, rep.token))["leaveRequests"]["totalCount"] == 1
    assert (await decide(client, admin, first["leave"]["approvalRequest"]["id"], "REJECT", "Busy week"))[
        "errors"
    ] == []
    notices = [
        (e["node"]["kind"], e["node"]["body"]) for e in (await inbox(client, rep))["notifications"]["edges"]
    ]
    assert notices == [("leave_request.rejected", "Busy week")]
    # Rejected leave no longer blocks the days.
    assert (await ask("2030-01-08", "2030-01-09"))["errors"] == []


async def test_another_tenant_sees_and_writes_no_attendance_or_leave(client, db):
    first = await client.sign_up("First")
    second = await client.sign_up("Second")
    assert (await client.mutate(CHECK_IN, {}, first.token, "checkIn"))["errors"] == []
    await leave_chain(client, first, first)
    assert (
        await client.mutate(
            REQUEST_LEAVE,
            {"kind": "OTHER", "from": "2030-02-04", "to": "2030-02-04"},
            first.token,
            "requestLeave",
        )
    )["errors"] == []
    assert (await client.execute(RECORDS, {}, second.token)) == {
        "attendanceRecords": {"totalCount": 0},
        "leaveRequests": {"totalCount": 0},
    }
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
        for table in ("attendance_records", "leave_requests"):
            assert await connection.fetchval(f"select count(*) from {table}") == 0
        assert await connection.fetchval("update leave_requests set status = 'approved' returning 1") is None
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", second.tenant_id)
            await connection.execute(
                "insert into attendance_records (tenant_id, id, user_id, work_day, checked_in_at)"
                " values ($1, $2, $3, current_date, now())",
                uuid.UUID(first.tenant_id),
                uuid.uuid4(),
                uuid.UUID(relay_uuid(first.user_id)),
            )
