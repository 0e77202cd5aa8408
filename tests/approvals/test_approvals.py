"""Generic approval chains, exercised through change requests (the first registered subject)."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.admin.documents import DEACTIVATE
from tests.projects.documents import (
    CHAINS,
    CHANGE,
    CREATE_CHANGE,
    DECIDE,
    DEFINE_CHAIN,
    MY_APPROVALS,
    NODE,
    SUBMIT_CHANGE,
    create_project,
    define_chain,
    error_pairs,
    ok,
)

AUDIT = """{ auditLog(first: 50) { edges { node { action changes } } } }"""


async def submitted_change(client, requester, project_id, **values):
    variables = {
        "input": {
            "projectId": project_id,
            "title": "More budget",
            "kind": "BUDGET",
            "reason": "Scope grew",
            "costImpact": "500",
            **values,
        }
    }
    change = (await ok(client, requester, CREATE_CHANGE, variables, "createChangeRequest"))["changeRequest"]
    submitted = await ok(
        client,
        requester,
        SUBMIT_CHANGE,
        {"id": change["id"], "version": change["version"]},
        "submitChangeRequest",
    )
    return submitted["changeRequest"]


async def decide(client, member, request_id, decision="APPROVE", comment=None):
    variables = {"requestId": request_id, "decision": decision, "comment": comment}
    return await client.mutate(DECIDE, variables, member.token, "decideApproval")


async def test_define_chain_replaces_the_active_one_and_checks_its_steps(client):
    admin = await client.sign_up()
    boss = await client.add_member(admin, "manager", "boss")
    other = await client.sign_up("Other")

    first = await define_chain(client, admin, {"name": "PMO", "rule": "ANY", "userIds": [boss.user_id]})
    second = await define_chain(
        client,
        admin,
        {"name": "PMO", "rule": "ALL", "userIds": [boss.user_id]},
        {"name": "Admins", "rule": "ANY", "roleKey": "admin"},
    )
    chains = (await client.execute(CHAINS, {}, admin.token))["approvalChains"]["nodes"]

    assert second["steps"] == [
        {"position": 1, "name": "PMO", "rule": "ALL", "users": [{"id": boss.user_id}], "role": None},
        {"position": 2, "name": "Admins", "rule": "ANY", "users": [], "role": {"key": "admin"}},
    ]
    assert first["isActive"] is True
    assert sorted(chain["isActive"] for chain in chains) == [False, True]

    cases = [
        ({"steps": []}, [("steps", "INVALID")]),
        ({"subjectType": "invoice"}, [("subjectType", "INVALID")]),
        ({"steps": [{"name": "S", "rule": "ANY"}]}, [("steps.0.userIds", "REQUIRED")]),
        ({"steps": [{"name": "S", "rule": "ANY", "roleKey": "nope"}]}, [("steps.0.roleKey", "NOT_FOUND")]),
        (
            {"steps": [{"name": "", "rule": "ANY", "userIds": [other.user_id]}]},
            [("steps.0.name", "REQUIRED"), ("steps.0.userIds", "NOT_FOUND")],
        ),
    ]
    for values, expected in cases:
        variables = {
            "input": {
                "name": "C",
                "subjectType": "change_request",
                "steps": [{"name": "S", "rule": "ANY", "userIds": [boss.user_id]}],
                **values,
            }
        }
        payload = await client.outcome(DEFINE_CHAIN, variables, admin.token, "defineApprovalChain")
        assert payload == expected, values
    denied = await client.refused(
        DEFINE_CHAIN,
        {
            "input": {
                "name": "C",
                "subjectType": "change_request",
                "steps": [{"name": "S", "rule": "ANY", "userIds": [boss.user_id]}],
            }
        },
        boss.token,
        "defineApprovalChain",
    )
    assert denied == [(None, "PERMISSION_DENIED")]


async def test_all_rule_needs_everyone_any_rule_needs_one_and_my_approvals_follow(client):
    admin = await client.sign_up()
    first_boss = await client.add_member(admin, "manager", "first")
    second_boss = await client.add_member(admin, "manager", "second")
    requester = await client.add_member(admin, "sales", "requester")
    await define_chain(
        client,
        admin,
        {"name": "Both leads", "rule": "ALL", "userIds": [first_boss.user_id, second_boss.user_id]},
        {"name": "Any admin", "rule": "ANY", "roleKey": "admin"},
    )
    project = await create_project(client, requester, budget="1000")
    change = await submitted_change(client, requester, project["id"])
    request_id = change["approval"]["id"]

    mine = (await client.execute(MY_APPROVALS, {"scope": "REQUESTED_BY_ME"}, requester.token))["myApprovals"]
    awaiting_first = (await client.execute(MY_APPROVALS, {"scope": "AWAITING_ME"}, first_boss.token))[
        "myApprovals"
    ]
    awaiting_admin = (await client.execute(MY_APPROVALS, {"scope": "AWAITING_ME"}, admin.token))[
        "myApprovals"
    ]
    one = await decide(client, first_boss, request_id, comment="Fine by me")
    again = await decide(client, first_boss, request_id)
    early_admin = await decide(client, admin, request_id)
    two = await decide(client, second_boss, request_id)
    awaiting_admin_now = (await client.execute(MY_APPROVALS, {"scope": "AWAITING_ME"}, admin.token))[
        "myApprovals"
    ]
    done = await decide(client, admin, request_id)

    assert [e["node"]["subjectId"] for e in mine["edges"]] == [change["id"]]
    assert [e["node"]["title"] for e in awaiting_first["edges"]] == ["More budget"]
    assert awaiting_admin["edges"] == []
    assert (one["request"]["status"], one["request"]["currentStep"]) == ("PENDING", 1)
    assert error_pairs(again) == [("requestId", "DUPLICATE")]
    assert error_pairs(early_admin) == [(None, "PERMISSION_DENIED")]
    assert (two["request"]["status"], two["request"]["currentStep"]) == ("PENDING", 2)
    assert [e["node"]["id"] for e in awaiting_admin_now["edges"]] == [request_id]
    assert done["request"]["status"] == "APPROVED"
    assert [(d["stepPosition"], d["approver"]["id"]) for d in done["request"]["decisions"]] == [
        (1, first_boss.user_id),
        (1, second_boss.user_id),
        (2, admin.user_id),
    ]
    finished = await decide(client, second_boss, request_id)
    assert error_pairs(finished) == [("requestId", "INVALID_TRANSITION")]


async def test_deciding_needs_the_capability_a_named_step_and_not_being_the_requester(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    boss = await client.add_member(admin, "manager", "boss")
    bystander = await client.add_member(admin, "manager", "bystander")
    await define_chain(
        client, admin, {"name": "Step", "rule": "ANY", "userIds": [rep.user_id, boss.user_id, admin.user_id]}
    )
    project = await create_project(client, admin, budget="100")
    change = await submitted_change(client, admin, project["id"])
    request_id = change["approval"]["id"]

    own = await decide(client, admin, request_id)
    no_capability = await decide(client, rep, request_id)
    not_named = await decide(client, bystander, request_id)
    rejected = await decide(client, boss, request_id, "REJECT", "Not now")

    assert error_pairs(own) == [(None, "PERMISSION_DENIED")]
    assert error_pairs(no_capability) == [(None, "PERMISSION_DENIED")]
    assert error_pairs(not_named) == [("requestId", "NOT_FOUND")]  # not named anywhere: cannot even see it
    assert rejected["request"]["status"] == "REJECTED"
    seen = (await client.execute(CHANGE, {"id": change["id"]}, admin.token))["node"]
    assert seen["status"] == "REJECTED"
    assert [(h["fromStatus"], h["toStatus"], h["comment"]) for h in seen["history"]] == [
        (None, "DRAFT", None),
        ("DRAFT", "SUBMITTED", None),
        ("SUBMITTED", "UNDER_REVIEW", None),
        ("UNDER_REVIEW", "REJECTED", "Not now"),
    ]


async def test_other_tenant_cannot_see_or_decide_and_history_is_append_only(client, db):
    admin = await client.sign_up("Tenant A")
    boss = await client.add_member(admin, "manager", "boss")
    await define_chain(client, admin, {"name": "Step", "rule": "ANY", "userIds": [boss.user_id]})
    project = await create_project(client, admin, budget="100")
    change = await submitted_change(client, admin, project["id"])
    request_id = change["approval"]["id"]
    await decide(client, boss, request_id, "APPROVE")
    b = await client.sign_up("Tenant B")

    assert (await client.execute(NODE, {"id": request_id}, b.token))["node"] is None
    assert (await client.execute(MY_APPROVALS, {"scope": "AWAITING_ME"}, b.token))["myApprovals"][
        "edges"
    ] == []
    assert (await client.execute(CHAINS, {}, b.token))["approvalChains"]["nodes"] == []
    assert error_pairs(await decide(client, b, request_id)) == [("requestId", "NOT_FOUND")]

    connection = await db.connect()
    for table in (
        "approval_decisions",
        "approval_chain_steps",
        "change_request_history",
        "project_status_history",
    ):
        for statement in (f"update {table} set tenant_id = tenant_id", f"delete from {table}"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with connection.transaction():
                    await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
                    await connection.execute(statement)
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        for table in ("approval_chains", "approval_chain_steps", "approval_requests", "approval_decisions"):
            assert await connection.fetchval(f"select count(*) from {table}") == 0, table
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
            await connection.execute(
                "insert into approval_chains (tenant_id, id, name, subject_type, created_by_id)"
                " values ($1, $2, 'x', 'change_request', $3)",
                uuid.UUID(admin.tenant_id),
                uuid.uuid4(),
                uuid.uuid4(),
            )


async def test_a_deactivated_approver_no_longer_holds_up_an_all_step(client):
    admin = await client.sign_up()
    staying = await client.add_member(admin, "manager", "staying")
    leaving = await client.add_member(admin, "manager", "leaving")
    await define_chain(
        client, admin, {"name": "Both", "rule": "ALL", "userIds": [staying.user_id, leaving.user_id]}
    )
    project = await create_project(client, admin, budget="100")
    change = await submitted_change(client, admin, project["id"])
    request_id = change["approval"]["id"]

    await client.execute(DEACTIVATE, {"userId": leaving.user_id}, admin.token)
    waiting = (await client.execute(CHANGE, {"id": change["id"]}, admin.token))["node"]["approval"][
        "awaiting"
    ]
    approved = await decide(client, staying, request_id)

    assert waiting == [{"id": staying.user_id}]
    assert approved["request"]["status"] == "APPROVED"


async def test_chains_requests_and_decisions_are_audited(client):
    admin = await client.sign_up()
    boss = await client.add_member(admin, "manager", "boss")
    await define_chain(client, admin, {"name": "Boss", "rule": "ANY", "userIds": [boss.user_id]})
    project = await create_project(client, admin, budget="100")
    change = await submitted_change(client, admin, project["id"])
    await decide(client, boss, change["approval"]["id"], "REJECT", "No budget left")

    entries = (await client.execute(AUDIT, {}, admin.token))["auditLog"]["edges"]
    actions = {e["node"]["action"]: e["node"]["changes"] for e in entries}
    assert actions["approval_chain.define"]["steps"][0]["name"] == "Boss"
    assert actions["approval_request.create"]["subject_type"] == "change_request"
    assert actions["approval_request.reject"]["comment"] == "No budget left"
    assert actions["approval_request.reject"]["status"] == ["pending", "rejected"]
    assert actions["change_request.rejected"]["status"] == ["under_review", "rejected"]
    assert {"change_request.create", "change_request.submit", "change_request.under_review"} <= set(actions)
