from __future__ import annotations

from tests.projects.documents import (
    CREATE_RISK,
    RISK_MATRIX,
    UPDATE_RISK,
    add_member,
    create_project,
    error_pairs,
    ok,
)


async def create_risk(client, member, project_id, **values):
    variables = {"input": {"projectId": project_id, "title": "Risk", "probability": 3, "impact": 3, **values}}
    return (await ok(client, member, CREATE_RISK, variables, "createRisk"))["risk"]


async def test_risks_are_scored_updated_and_placed_in_the_matrix(client):
    admin = await client.sign_up()
    dev = await client.add_member(admin, "sales", "dev")
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], dev)

    vendor = await create_risk(
        client,
        dev,
        project["id"],
        title="Vendor delay",
        category="external",
        probability=4,
        impact=5,
        response="TRANSFER",
        reviewDate="2026-02-01",
    )
    minor = await create_risk(
        client, admin, project["id"], title="Minor", probability=1, impact=2, ownerId=dev.user_id
    )
    updated = (
        await ok(
            client,
            admin,
            UPDATE_RISK,
            {
                "id": minor["id"],
                "version": 1,
                "input": {"impact": 4, "status": "MONITORING", "mitigationPlan": "Watch"},
            },
            "updateRisk",
        )
    )["risk"]
    closed = await create_risk(client, admin, project["id"], title="Closed", probability=5, impact=5)
    await ok(
        client,
        admin,
        UPDATE_RISK,
        {"id": closed["id"], "version": 1, "input": {"status": "CLOSED"}},
        "updateRisk",
    )
    matrix = (await client.execute(RISK_MATRIX, {"projectId": project["id"]}, dev.token))[
        "projectRiskMatrix"
    ]["cells"]

    assert (vendor["score"], vendor["status"], vendor["response"], vendor["owner"]["id"]) == (
        20,
        "OPEN",
        "TRANSFER",
        dev.user_id,
    )
    assert (updated["score"], updated["status"], updated["version"], updated["mitigationPlan"]) == (
        4,
        "MONITORING",
        2,
        "Watch",
    )
    assert len(matrix) == 25
    filled = {(c["probability"], c["impact"]): [r["title"] for r in c["risks"]] for c in matrix if c["risks"]}
    assert filled == {(4, 5): ["Vendor delay"], (1, 4): ["Minor"]}
    assert matrix[0]["probability"] == 5 and matrix[0]["impact"] == 1


async def test_risk_input_and_permissions(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    outsider = await client.add_member(admin, "sales", "outsider")
    project = await create_project(client, admin)
    risk = await create_risk(client, admin, project["id"])
    cases = [
        ({"probability": 0}, [("probability", "INVALID")]),
        ({"impact": 6}, [("impact", "INVALID")]),
        ({"title": ""}, [("title", "REQUIRED")]),
        ({"category": "weather"}, [("category", "INVALID")]),
        ({"ownerId": outsider.user_id}, [("ownerId", "INVALID")]),
    ]
    for values, expected in cases:
        variables = {
            "input": {"projectId": project["id"], "title": "R", "probability": 3, "impact": 3, **values}
        }
        payload = await client.outcome(CREATE_RISK, variables, admin.token, "createRisk")
        assert payload == expected, values
    stale = (
        await client.execute(
            UPDATE_RISK, {"id": risk["id"], "version": 2, "input": {"impact": 1}}, admin.token
        )
    )["updateRisk"]
    denied = await client.refused(
        CREATE_RISK,
        {"input": {"projectId": project["id"], "title": "R", "probability": 1, "impact": 1}},
        viewer.token,
        "createRisk",
    )
    hidden = (
        await client.execute(
            UPDATE_RISK, {"id": risk["id"], "version": 1, "input": {"impact": 1}}, outsider.token
        )
    )["updateRisk"]

    assert error_pairs(stale) == [("version", "CONFLICT")]
    assert denied == [(None, "PERMISSION_DENIED")]
    assert error_pairs(hidden) == [("id", "NOT_FOUND")]
    errors = await client.errors(RISK_MATRIX, {"projectId": project["id"]}, outsider.token)
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
