"""A page of projects with their allocations, materials, quality records and closeout, and the portfolio
board, cost the same number of SQL statements for 2 projects as for 8."""

from __future__ import annotations

from tests.crm.documents import create_contact
from tests.crm.test_no_n_plus_one import counted_statements
from tests.projects.documents import add_member, create_project, ok
from tests.projects.test_materials import add_line
from tests.projects.test_quality import RECORD_DEFECT, REQUEST_ACCEPTANCE, checklist_on, inspect
from tests.projects.test_resources import SET_SKILL, allocate

PAGE = """
query($first: Int!) {
  projects(first: $first) {
    edges { node {
      allocations { hours user { email } }
      materials { amount approval { status } requestedBy { email } customFields }
      qualityChecklists { items } inspections { passed inspector { email } }
      defects { severity owner { email } customFields } acceptances { status contact { firstName } }
      closeout { summary }
      cost { materialCost }
    } }
  }
}"""
PORTFOLIO = """
{ portfolio { projectCount entries(first: 20) { edges { node { allocatedHours project { name }
  health { status } cost { burnPercent } } } }
  resourceLoad { people { user { email } skills { skill } } overAllocations { user { email } } } } }"""


async def test_statement_count_does_not_grow_with_the_page(client, app):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    contact = await create_contact(client, admin)
    await ok(
        client, admin, SET_SKILL, {"userId": dev.user_id, "skill": "cabling", "level": 3}, "setMemberSkill"
    )
    for index in range(8):
        project = await create_project(client, admin, name=f"Project {index}", budget="1000")
        await add_member(client, admin, project["id"], dev)
        await allocate(client, admin, project, dev, "10")
        await add_line(client, admin, project)
        checklist = await checklist_on(client, admin, projectId=project["id"])
        failed = await inspect(client, admin, checklist, False, True)
        defect = {"inspectionId": failed["id"], "title": "x", "severity": "LOW", "ownerId": dev.user_id}
        await ok(client, admin, RECORD_DEFECT, {"input": defect}, "recordDefect")
        acceptance = {"projectId": project["id"], "contactId": contact["id"], "scope": "All"}
        await ok(client, admin, REQUEST_ACCEPTANCE, {"input": acceptance}, "requestAcceptance")

    with counted_statements(app) as small:
        data_small = await client.execute(PAGE, {"first": 2}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(PAGE, {"first": 8}, admin.token)
    with counted_statements(app) as board:
        portfolio = await client.execute(PORTFOLIO, {}, admin.token)

    assert (len(data_small["projects"]["edges"]), len(data_large["projects"]["edges"])) == (2, 8)
    assert all(len(edge["node"]["defects"]) == 1 for edge in data_large["projects"]["edges"])
    assert len(large) == len(small), (len(small), len(large))
    assert portfolio["portfolio"]["projectCount"] == 8
    assert len(board) <= 14, len(board)  # 12 when measured: one grouped statement per figure, not per project
