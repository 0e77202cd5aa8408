from __future__ import annotations

from tests.approvals.test_approvals import decide
from tests.projects.documents import (
    CHANGE,
    CREATE_CHANGE,
    IMPLEMENT_CHANGE,
    PROJECT,
    SUBMIT_CHANGE,
    UPDATE_CHANGE,
    add_member,
    create_project,
    define_chain,
    error_pairs,
    ok,
)


async def draft(client, member, project_id, **values):
    variables = {
        "input": {
            "projectId": project_id,
            "title": "Extend",
            "kind": "SCHEDULE",
            "reason": "Late vendor",
            **values,
        }
    }
    return (await ok(client, member, CREATE_CHANGE, variables, "createChangeRequest"))["changeRequest"]


async def test_drafts_are_validated_edited_then_frozen_once_submitted(client):
    admin = await client.sign_up()
    boss = await client.add_member(admin, "manager", "boss")
    project = await create_project(
        client, admin, plannedStart="2026-01-01", plannedEnd="2026-03-01", budget="100"
    )
    cases = [
        ({"kind": "BUDGET"}, [("costImpact", "REQUIRED")]),
        ({"kind": "SCHEDULE"}, [("newPlannedEnd", "REQUIRED")]),
        ({"newPlannedEnd": "2025-12-01"}, [("newPlannedEnd", "INVALID")]),
        ({"title": "", "newPlannedEnd": "2026-04-01"}, [("title", "REQUIRED")]),
        ({"kind": "BUDGET", "costImpact": "100000000000000000000"}, [("costImpact", "INVALID")]),
    ]
    for values, expected in cases:
        variables = {
            "input": {"projectId": project["id"], "title": "T", "kind": "SCHEDULE", "reason": "R", **values}
        }
        payload = await client.outcome(CREATE_CHANGE, variables, admin.token, "createChangeRequest")
        assert payload == expected, values

    change = await draft(client, admin, project["id"], newPlannedEnd="2026-04-01")
    no_chain = (await client.execute(SUBMIT_CHANGE, {"id": change["id"], "version": 1}, admin.token))[
        "submitChangeRequest"
    ]
    edited = (
        await ok(
            client,
            admin,
            UPDATE_CHANGE,
            {"id": change["id"], "version": 1, "input": {"reason": "Vendor late"}},
            "updateChangeRequest",
        )
    )["changeRequest"]
    await define_chain(client, admin, {"name": "Boss", "rule": "ANY", "userIds": [boss.user_id]})
    submitted = (
        await ok(
            client,
            admin,
            SUBMIT_CHANGE,
            {"id": change["id"], "version": 2, "comment": "Please"},
            "submitChangeRequest",
        )
    )["changeRequest"]
    frozen = (
        await client.execute(
            UPDATE_CHANGE, {"id": change["id"], "version": 3, "input": {"reason": "x"}}, admin.token
        )
    )["updateChangeRequest"]

    assert error_pairs(no_chain) == [(None, "INVALID")]
    assert "defineApprovalChain" in no_chain["errors"][0]["message"]
    assert (edited["reason"], edited["status"]) == ("Vendor late", "DRAFT")
    assert submitted["status"] == "SUBMITTED"
    assert submitted["approval"]["status"] == "PENDING"
    assert submitted["approval"]["awaiting"] == [{"id": boss.user_id}]
    assert error_pairs(frozen) == [("id", "INVALID_TRANSITION")]


async def test_approval_without_auto_apply_is_implemented_by_the_manager(client):
    admin = await client.sign_up()
    boss = await client.add_member(admin, "manager", "boss")
    dev = await client.add_member(admin, "sales", "dev")
    await define_chain(client, admin, {"name": "Boss", "rule": "ANY", "userIds": [boss.user_id]})
    project = await create_project(
        client, admin, plannedStart="2026-01-01", plannedEnd="2026-03-01", budget="100"
    )
    await add_member(client, admin, project["id"], dev)
    change = await draft(client, dev, project["id"], kind="BUDGET", costImpact="50", applyOnApproval=False)
    await ok(client, dev, SUBMIT_CHANGE, {"id": change["id"], "version": 1}, "submitChangeRequest")
    await decide(
        client,
        boss,
        (await client.execute(CHANGE, {"id": change["id"]}, dev.token))["node"]["approval"]["id"],
    )
    approved = (await client.execute(CHANGE, {"id": change["id"]}, dev.token))["node"]
    unchanged = (await client.execute(PROJECT, {"id": project["id"]}, admin.token))["project"]

    by_member = await client.refused(
        IMPLEMENT_CHANGE,
        {"id": change["id"], "version": approved["version"]},
        dev.token,
        "implementChangeRequest",
    )
    implemented = (
        await ok(
            client,
            admin,
            IMPLEMENT_CHANGE,
            {"id": change["id"], "version": approved["version"]},
            "implementChangeRequest",
        )
    )["changeRequest"]
    twice = (
        await client.execute(
            IMPLEMENT_CHANGE, {"id": change["id"], "version": implemented["version"]}, admin.token
        )
    )["implementChangeRequest"]
    changed = (await client.execute(PROJECT, {"id": project["id"]}, admin.token))["project"]

    assert approved["status"] == "APPROVED"
    assert unchanged["budget"] == "100.00"
    assert by_member == [(None, "PERMISSION_DENIED")]
    assert implemented["status"] == "IMPLEMENTED"
    assert error_pairs(twice) == [("id", "INVALID_TRANSITION")]
    assert changed["budget"] == "150.00"


async def test_change_requests_are_hidden_from_outsiders_and_viewers_cannot_draft(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    outsider = await client.add_member(admin, "sales", "outsider")
    other = await client.sign_up("Other")
    project = await create_project(client, admin, plannedStart="2026-01-01")
    change = await draft(client, admin, project["id"], newPlannedEnd="2026-04-01")

    denied = await client.refused(
        CREATE_CHANGE,
        {"input": {"projectId": project["id"], "title": "x", "kind": "SCOPE", "reason": "r"}},
        viewer.token,
        "createChangeRequest",
    )
    assert denied == [(None, "PERMISSION_DENIED")]
    for member in (outsider, other):
        assert (await client.execute(CHANGE, {"id": change["id"]}, member.token))["node"] is None
        payload = (
            await client.execute(
                UPDATE_CHANGE, {"id": change["id"], "version": 1, "input": {"title": "x"}}, member.token
            )
        )["updateChangeRequest"]
        assert error_pairs(payload) == [("id", "NOT_FOUND")]
        submitted = (await client.execute(SUBMIT_CHANGE, {"id": change["id"], "version": 1}, member.token))[
            "submitChangeRequest"
        ]
        assert error_pairs(submitted) == [("id", "NOT_FOUND")]
