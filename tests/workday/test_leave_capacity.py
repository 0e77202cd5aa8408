"""Approved leave (daily work) lowers the member's project capacity (graph/projects/resources)."""

from __future__ import annotations

from tests.approvals.test_approvals import decide
from tests.projects.test_resources import LOAD_WITH_LEAVE, NEXT_WEEK, WEEK
from tests.workday.test_attendance import REQUEST_LEAVE, leave_chain


async def test_approved_leave_takes_working_days_off_project_capacity(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    await leave_chain(client, admin, manager)
    # Wednesday to the next Monday: three working days in WEEK, one in NEXT_WEEK.
    asked = await client.mutate(
        REQUEST_LEAVE, {"kind": "ANNUAL", "from": "2027-03-03", "to": "2027-03-08"}, rep.token, "requestLeave"
    )
    pending = await client.mutate(
        REQUEST_LEAVE, {"kind": "ANNUAL", "from": "2027-03-09", "to": "2027-03-09"}, rep.token, "requestLeave"
    )
    assert asked["errors"] == [] and pending["errors"] == []

    variables = {"start": WEEK, "weeks": 2, "userIds": [rep.user_id]}
    before = await client.execute(LOAD_WITH_LEAVE, variables, admin.token)
    assert (await decide(client, manager, asked["leave"]["approvalRequest"]["id"], "APPROVE"))["errors"] == []
    after = await client.execute(LOAD_WITH_LEAVE, variables, admin.token)

    weeks = lambda load: load["resourceLoad"]["people"][0]["weeks"]  # noqa: E731
    assert [week["leaveDays"] for week in weeks(before)] == [0, 0]
    assert weeks(after) == [
        {"weekStart": WEEK, "capacity": "16.00", "leaveDays": 3},
        {"weekStart": NEXT_WEEK, "capacity": "32.00", "leaveDays": 1},  # the pending day does not count
    ]
