"""A page of projects with their tasks, assignees, members and milestones costs the same number of SQL
statements for 3 projects as for 12."""

from __future__ import annotations

from tests.crm.test_no_n_plus_one import counted_statements
from tests.projects.documents import CREATE_MILESTONE, add_member, create_project, create_task, ok

PAGE = """
query($first: Int!) {
  projects(first: $first) {
    edges {
      node {
        code manager { email } account { name }
        members { role user { email } }
        statusHistory { toStatus changedBy { email } }
        milestones { name }
        tasks(first: 5) {
          edges { node { title assignee { email } reporter { email } dependsOn { title } subtasks { title } checklist { text } } }
        }
      }
    }
  }
}"""


async def test_statement_count_does_not_grow_with_the_page(client, app):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
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
            await create_task(client, admin, project["id"], title=f"T{position}", assigneeId=dev.user_id)

    with counted_statements(app) as small:
        data_small = await client.execute(PAGE, {"first": 3}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(PAGE, {"first": 12}, admin.token)

    assert len(data_small["projects"]["edges"]) == 3
    assert len(data_large["projects"]["edges"]) == 12
    assert all(len(e["node"]["tasks"]["edges"]) == 3 for e in data_large["projects"]["edges"])
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 15, large
