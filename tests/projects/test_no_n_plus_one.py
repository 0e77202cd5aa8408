"""A page of projects with their tasks, assignees, members and milestones costs the same number of SQL
statements for 3 projects as for 12."""

from __future__ import annotations

from tests.crm.test_no_n_plus_one import counted_statements
from tests.projects.documents import (
    CREATE_CHANGE,
    CREATE_MILESTONE,
    CREATE_RISK,
    LOG_TIME,
    RECORD_EXPENSE,
    SUBMIT_CHANGE,
    add_member,
    create_project,
    create_task,
    define_chain,
    ok,
)

PAGE = """
query($first: Int!) {
  projects(first: $first) {
    edges {
      node {
        code manager { email } account { name }
        members { role user { email } }
        statusHistory { toStatus actor { email } }
        milestones { name }
        health(on: "2026-06-01") { status reasons { code } }
        cost { actualCost burnPercent unpricedHours }
        risks { title owner { email } }
        expenses { amount recordedBy { email } }
        timeEntries(first: 3) { edges { node { hours user { email } task { title } } } }
        changeRequests { title requestedBy { email } history { toStatus } approval { status awaiting { email } } }
        tasks(first: 5) {
          edges {
            node {
              title actualHours assignee { email } reporter { email } dependsOn { title } subtasks { title }
              checklist { text } comments { body mentions { email } }
            }
          }
        }
      }
    }
  }
}"""


async def test_statement_count_does_not_grow_with_the_page(client, app):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    await define_chain(client, admin, {"name": "Admins", "rule": "ALL", "roleKey": "admin"})
    for index in range(12):
        project = await create_project(client, admin, name=f"Project {index:02d}")
        await add_member(client, admin, project["id"], dev)
        await ok(
            client,
            admin,
            CREATE_MILESTONE,
            {"input": {"projectId": project["id"], "name": "M", "dueDate": "2026-01-01"}},
            "createMilestone",
        )
        for position in range(3):
            task = await create_task(
                client, admin, project["id"], title=f"T{position}", assigneeId=dev.user_id
            )
        await ok(
            client,
            admin,
            LOG_TIME,
            {"input": {"taskId": task["id"], "hours": "1", "workDate": "2026-01-05"}},
            "logTime",
        )
        await ok(
            client,
            admin,
            RECORD_EXPENSE,
            {
                "input": {
                    "projectId": project["id"],
                    "description": "x",
                    "amount": "5",
                    "incurredOn": "2026-01-05",
                }
            },
            "recordExpense",
        )
        await ok(
            client,
            admin,
            CREATE_RISK,
            {"input": {"projectId": project["id"], "title": "R", "probability": 4, "impact": 4}},
            "createRisk",
        )
        change = (
            await ok(
                client,
                dev,
                CREATE_CHANGE,
                {"input": {"projectId": project["id"], "title": "C", "kind": "SCOPE", "reason": "r"}},
                "createChangeRequest",
            )
        )["changeRequest"]
        await ok(client, dev, SUBMIT_CHANGE, {"id": change["id"], "version": 1}, "submitChangeRequest")

    with counted_statements(app) as small:
        data_small = await client.execute(PAGE, {"first": 3}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(PAGE, {"first": 12}, admin.token)

    assert len(data_small["projects"]["edges"]) == 3
    assert len(data_large["projects"]["edges"]) == 12
    assert all(len(e["node"]["tasks"]["edges"]) == 3 for e in data_large["projects"]["edges"])
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 40, large

    approvals_page = """
    query($first: Int!) { myApprovals(first: $first) { edges { node { title requestedBy { email }
        chain { name steps { name } } decisions { approver { email } } awaiting { email } } } } }"""
    with counted_statements(app) as few_approvals:
        few = await client.execute(approvals_page, {"first": 3}, admin.token)
    with counted_statements(app) as many_approvals:
        many = await client.execute(approvals_page, {"first": 12}, admin.token)
    assert (len(few["myApprovals"]["edges"]), len(many["myApprovals"]["edges"])) == (3, 12)
    assert len(many_approvals) == len(few_approvals), (len(few_approvals), len(many_approvals))
