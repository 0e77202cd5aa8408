from __future__ import annotations

from datetime import UTC, datetime

from tests.crm.documents import create_account
from tests.projects.documents import (
    ADD_MEMBER,
    CHANGE_PROJECT_STATUS,
    CREATE_MILESTONE,
    CREATE_PROJECT,
    PROJECT,
    PROJECTS,
    REMOVE_MEMBER,
    UPDATE_MILESTONE,
    UPDATE_PROJECT,
    add_member,
    create_project,
    create_task,
    error_pairs,
    ok,
)
from tests.sales.commerce.documents import contract_from_quote
from tests.sales.pipeline.documents import create_opportunity

YEAR = datetime.now(UTC).year


async def test_create_project_numbers_it_and_makes_the_manager_a_lead_member(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Globex")

    first = await create_project(
        client,
        admin,
        name=" Globex rollout ",
        accountId=account["id"],
        plannedStart="2026-01-05",
        plannedEnd="2026-03-31",
        budget="12000.01",
        currency="eur",
    )
    second = await create_project(client, admin, name="Second")

    assert first["code"] == f"PRJ-{YEAR}-001"
    assert second["code"] == f"PRJ-{YEAR}-002"
    assert (first["name"], first["status"], first["currency"]) == ("Globex rollout", "PLANNED", "EUR")
    assert first["budget"] == "12000.01"
    assert first["account"]["id"] == account["id"]
    assert first["manager"]["id"] == admin.user_id
    assert first["members"] == [{"role": "LEAD", "user": {"id": admin.user_id, "email": admin.email}}]
    assert first["statusHistory"] == [
        {"fromStatus": None, "toStatus": "PLANNED", "comment": "Created", "actor": {"id": admin.user_id}}
    ]
    assert second["currency"] == "USD"
    listed = (await client.execute(PROJECTS, {"filter": {"search": "globex"}}, admin.token))["projects"]
    assert [edge["node"]["code"] for edge in listed["edges"]] == [first["code"]]
    by_code = await client.execute(
        PROJECTS, {"orderBy": [{"field": "CODE", "direction": "DESC"}]}, admin.token
    )
    assert [edge["node"]["name"] for edge in by_code["projects"]["edges"]] == ["Second", "Globex rollout"]
    planned = (await client.execute(PROJECTS, {"filter": {"status": ["ACTIVE"]}}, admin.token))["projects"]
    assert planned["totalCount"] == 0


async def test_create_project_rejects_bad_input(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    foreign_account = await create_account(client, other)
    foreign_deal = await create_opportunity(client, other)
    deal = await create_opportunity(client, admin)
    elsewhere = await create_account(client, admin, name="Elsewhere")
    cases = [
        ({"name": "A", "opportunityId": foreign_deal["id"]}, [("opportunityId", "NOT_FOUND")]),
        (
            {"name": "A", "opportunityId": deal["id"], "accountId": elsewhere["id"]},
            [("opportunityId", "INVALID")],
        ),
        ({"name": " "}, [("name", "REQUIRED")]),
        ({"name": "x" * 201}, [("name", "TOO_LONG")]),
        ({"name": "A", "budget": "-1"}, [("budget", "INVALID")]),
        ({"name": "A", "currency": "EURO"}, [("currency", "INVALID")]),
        (
            {"name": "A", "plannedStart": "2026-02-01", "plannedEnd": "2026-01-01"},
            [("plannedEnd", "INVALID")],
        ),
        ({"name": "A", "accountId": foreign_account["id"]}, [("accountId", "NOT_FOUND")]),
        ({"name": "A", "managerId": other.user_id}, [("managerId", "NOT_FOUND")]),
        ({"name": "A", "accountId": admin.user_id}, [("accountId", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_PROJECT, {"input": values}, admin.token))["createProject"]
        assert payload["project"] is None, values
        assert error_pairs(payload) == expected, values
    assert (await client.execute(PROJECTS, {}, admin.token))["projects"]["totalCount"] == 0
    # A failed creation consumes no number.
    assert (await create_project(client, admin))["code"] == f"PRJ-{YEAR}-001"


async def test_update_project_changes_given_fields_and_checks_the_version(client):
    admin = await client.sign_up()
    pm = await client.add_member(admin, "manager", "pm")
    project = await create_project(client, admin, budget="100")

    updated = (
        await ok(
            client,
            admin,
            UPDATE_PROJECT,
            {"id": project["id"], "version": 1, "input": {"budget": "250.5", "managerId": pm.user_id}},
            "updateProject",
        )
    )["project"]
    stale = (
        await client.execute(
            UPDATE_PROJECT, {"id": project["id"], "version": 1, "input": {"name": "X"}}, admin.token
        )
    )["updateProject"]
    bad = (
        await client.execute(
            UPDATE_PROJECT,
            {"id": project["id"], "version": 2, "input": {"name": None, "managerId": None}},
            admin.token,
        )
    )["updateProject"]

    assert (updated["budget"], updated["manager"]["id"], updated["version"]) == ("250.50", pm.user_id, 2)
    assert {m["user"]["id"]: m["role"] for m in updated["members"]} == {
        admin.user_id: "LEAD",
        pm.user_id: "LEAD",
    }
    assert error_pairs(stale) == [("version", "CONFLICT")]
    assert error_pairs(bad) in ([("name", "REQUIRED")], [("managerId", "REQUIRED")])
    current = (await client.execute(PROJECT, {"id": project["id"]}, admin.token))["project"]
    assert (current["name"], current["version"]) == ("Rollout", 2)


async def test_status_changes_follow_the_flow_and_are_recorded(client):
    admin = await client.sign_up()
    project = await create_project(client, admin)

    active = (
        await ok(
            client,
            admin,
            CHANGE_PROJECT_STATUS,
            {"id": project["id"], "version": 1, "status": "ACTIVE", "comment": "Kick-off"},
            "changeProjectStatus",
        )
    )["project"]
    refused = (
        await client.execute(
            CHANGE_PROJECT_STATUS, {"id": project["id"], "version": 2, "status": "PLANNED"}, admin.token
        )
    )["changeProjectStatus"]
    done = (
        await ok(
            client,
            admin,
            CHANGE_PROJECT_STATUS,
            {"id": project["id"], "version": 2, "status": "DONE"},
            "changeProjectStatus",
        )
    )["project"]

    today = datetime.now(UTC).date().isoformat()
    assert (active["status"], active["actualStart"], active["actualEnd"]) == ("ACTIVE", today, None)
    assert error_pairs(refused) == [("status", "INVALID_TRANSITION")]
    assert "allowed from active" in refused["errors"][0]["message"]
    assert (done["status"], done["actualEnd"]) == ("DONE", today)
    assert [(h["fromStatus"], h["toStatus"], h["comment"]) for h in done["statusHistory"]] == [
        (None, "PLANNED", "Created"),
        ("PLANNED", "ACTIVE", "Kick-off"),
        ("ACTIVE", "DONE", None),
    ]


async def test_members_are_added_with_a_role_and_removed_with_rules(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    other = await client.sign_up("Other")
    project = await create_project(client, admin)

    await add_member(client, admin, project["id"], dev, "OBSERVER")
    changed = await ok(
        client,
        admin,
        ADD_MEMBER,
        {"projectId": project["id"], "userId": dev.user_id, "role": "CONTRIBUTOR"},
        "addProjectMember",
    )
    outsider = (
        await client.execute(
            ADD_MEMBER,
            {"projectId": project["id"], "userId": other.user_id, "role": "CONTRIBUTOR"},
            admin.token,
        )
    )["addProjectMember"]
    manager_removal = (
        await client.execute(
            REMOVE_MEMBER, {"projectId": project["id"], "userId": admin.user_id}, admin.token
        )
    )["removeProjectMember"]
    await create_task(client, admin, project["id"], assigneeId=dev.user_id)
    busy_removal = (
        await client.execute(REMOVE_MEMBER, {"projectId": project["id"], "userId": dev.user_id}, admin.token)
    )["removeProjectMember"]

    roles = {m["user"]["id"]: m["role"] for m in changed["project"]["members"]}
    assert roles == {admin.user_id: "LEAD", dev.user_id: "CONTRIBUTOR"}
    assert error_pairs(outsider) == [("userId", "NOT_FOUND")]
    assert error_pairs(manager_removal) == [("userId", "INVALID")]
    assert error_pairs(busy_removal) == [("userId", "INVALID")]
    assert "open task" in busy_removal["errors"][0]["message"]


async def test_member_removal_of_an_idle_member(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], dev)

    payload = await ok(
        client,
        admin,
        REMOVE_MEMBER,
        {"projectId": project["id"], "userId": dev.user_id},
        "removeProjectMember",
    )
    again = (
        await client.execute(REMOVE_MEMBER, {"projectId": project["id"], "userId": dev.user_id}, admin.token)
    )["removeProjectMember"]

    assert [m["user"]["id"] for m in payload["project"]["members"]] == [admin.user_id]
    assert error_pairs(again) == [("userId", "NOT_FOUND")]


async def test_milestones_are_created_completed_and_validated(client):
    admin = await client.sign_up()
    project = await create_project(client, admin)

    created = (
        await ok(
            client,
            admin,
            CREATE_MILESTONE,
            {"input": {"projectId": project["id"], "name": "Design sign-off", "dueDate": "2026-02-01"}},
            "createMilestone",
        )
    )["milestone"]
    completed = (
        await ok(
            client,
            admin,
            UPDATE_MILESTONE,
            {"id": created["id"], "version": 1, "input": {"completedOn": "2026-01-30"}},
            "updateMilestone",
        )
    )["milestone"]
    blank = (
        await client.execute(
            CREATE_MILESTONE,
            {"input": {"projectId": project["id"], "name": "", "dueDate": "2026-02-01"}},
            admin.token,
        )
    )["createMilestone"]
    stale = (
        await client.execute(
            UPDATE_MILESTONE, {"id": created["id"], "version": 1, "input": {"name": "x"}}, admin.token
        )
    )["updateMilestone"]

    assert (completed["completedOn"], completed["version"]) == ("2026-01-30", 2)
    assert error_pairs(blank) == [("name", "REQUIRED")]
    assert error_pairs(stale) == [("version", "CONFLICT")]
    seen = (await client.execute(PROJECT, {"id": project["id"]}, admin.token))["project"]
    assert [m["name"] for m in seen["milestones"]] == ["Design sign-off"]


async def test_project_delivers_a_contract_of_its_account(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    contract = await contract_from_quote(client, admin)
    foreign = await contract_from_quote(client, other)
    elsewhere = await create_account(client, admin, name="Elsewhere")

    project = await create_project(client, admin, contractId=contract["id"])
    mismatched = (
        await client.execute(
            CREATE_PROJECT,
            {"input": {"name": "A", "contractId": contract["id"], "accountId": elsewhere["id"]}},
            admin.token,
        )
    )["createProject"]
    hidden = (
        await client.execute(
            CREATE_PROJECT, {"input": {"name": "A", "contractId": foreign["id"]}}, admin.token
        )
    )["createProject"]
    unlinked = (
        await ok(
            client,
            admin,
            UPDATE_PROJECT,
            {"id": project["id"], "version": 1, "input": {"contractId": None}},
            "updateProject",
        )
    )["project"]

    assert project["contractId"] == contract["id"]
    assert project["contract"] == {"id": contract["id"], "number": contract["number"]}
    assert project["account"]["id"] == contract["account"]["id"]
    assert error_pairs(mismatched) == [("contractId", "INVALID")]
    assert error_pairs(hidden) == [("contractId", "NOT_FOUND")]
    assert (unlinked["contractId"], unlinked["contract"]) == (None, None)
