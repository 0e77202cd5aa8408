"""Moving opportunities through stages: validation, closing and reopening, and the stage history."""

from __future__ import annotations

import asyncio

from tests.sales.pipeline.documents import (
    ARCHIVE_STAGE,
    OPPORTUNITY,
    REOPEN,
    create_opportunity,
    default_pipeline,
    error_pairs,
    move,
    moved,
    stage_named,
)
from tests.sales.pipeline.test_pipelines import create_pipeline


async def test_moves_are_recorded_in_the_stage_history(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    pipeline = await default_pipeline(client, admin)
    stages = {s["name"]: s["id"] for s in pipeline["stages"]}
    opportunity = await create_opportunity(client, rep, amount="1000")

    opportunity = await moved(client, rep, opportunity, stages["Proposal"])
    assert (opportunity["stage"]["name"], opportunity["probability"], opportunity["version"]) == (
        "Proposal",
        50,
        2,
    )
    opportunity = await moved(client, admin, opportunity, stages["Qualification"], probability=30)
    assert (opportunity["probability"], opportunity["probabilityOverridden"]) == (30, True)
    opportunity = await moved(client, rep, opportunity, stages["Won"])
    assert (opportunity["status"], opportunity["probability"], opportunity["probabilityOverridden"]) == (
        "WON",
        100,
        False,
    )
    assert opportunity["closedAt"] is not None and opportunity["closedAt"] == opportunity["stageEnteredAt"]

    history = opportunity["stageHistory"]
    assert [
        (
            h["fromStage"] and h["fromStage"]["name"],
            h["toStage"]["name"],
            h["probability"],
            h["actor"]["id"],
        )
        for h in history
    ] == [
        (None, "Prospecting", 10, rep.user_id),
        ("Prospecting", "Proposal", 50, rep.user_id),
        ("Proposal", "Qualification", 30, admin.user_id),
        ("Qualification", "Won", 100, rep.user_id),
    ]
    times = [h["occurredAt"] for h in history]
    assert times == sorted(times)
    fetched = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, rep.token))["opportunity"]
    assert fetched["stageHistory"] == history


async def test_lost_needs_a_reason_from_the_option_list(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    lost, proposal = stage_named(pipeline, "Lost")["id"], stage_named(pipeline, "Proposal")["id"]
    opportunity = await create_opportunity(client, admin)

    assert error_pairs(await move(client, admin, opportunity, lost)) == [("lostReason", "REQUIRED")]
    assert error_pairs(await move(client, admin, opportunity, lost, lostReason="  ")) == [
        ("lostReason", "REQUIRED")
    ]
    assert error_pairs(await move(client, admin, opportunity, lost, lostReason="bad_vibes")) == [
        ("lostReason", "INVALID")
    ]
    assert error_pairs(await move(client, admin, opportunity, proposal, lostReason="price")) == [
        ("lostReason", "INVALID")
    ]

    closed = await moved(client, admin, opportunity, lost, lostReason="price")
    assert (closed["status"], closed["lostReason"], closed["probability"]) == ("LOST", "price", 0)
    assert closed["closedAt"] is not None
    assert len(closed["stageHistory"]) == 2


async def test_invalid_moves_change_nothing(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    pipeline = await default_pipeline(client, admin)
    renewals = await create_pipeline(client, admin)
    foreign = await default_pipeline(client, other)
    opportunity = await create_opportunity(client, admin)
    proposal = stage_named(pipeline, "Proposal")["id"]
    cases = [
        ({"stageId": renewals["stages"][0]["id"]}, [("stageId", "INVALID_TRANSITION")]),
        ({"stageId": foreign["stages"][1]["id"]}, [("stageId", "NOT_FOUND")]),
        ({"stageId": opportunity["id"]}, [("stageId", "NOT_FOUND")]),
        ({"stageId": stage_named(pipeline, "Prospecting")["id"]}, [("stageId", "INVALID_TRANSITION")]),
        ({"stageId": proposal, "probability": 101}, [("probability", "INVALID")]),
        ({"stageId": stage_named(pipeline, "Won")["id"], "probability": 50}, [("probability", "INVALID")]),
        ({"stageId": proposal, "version": 9}, [("version", "CONFLICT")]),
    ]
    for variables, expected in cases:
        stage_id = variables.pop("stageId")
        payload = await move(client, admin, opportunity, stage_id, **variables)
        assert error_pairs(payload) == expected, variables
    current = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, admin.token))["opportunity"]
    assert (current["version"], current["stage"]["name"], len(current["stageHistory"])) == (
        1,
        "Prospecting",
        1,
    )


async def test_a_closed_opportunity_must_be_reopened_before_it_moves(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    stages = {s["name"]: s["id"] for s in pipeline["stages"]}
    opportunity = await create_opportunity(client, admin, stageId=stages["Negotiation"])
    won = await moved(client, admin, opportunity, stages["Won"])

    for target in [stages["Proposal"], stages["Lost"]]:
        refused = await move(
            client, admin, won, target, lostReason="price" if target == stages["Lost"] else None
        )
        assert error_pairs(refused) == [("id", "INVALID_TRANSITION")]

    not_open = (
        await client.execute(
            REOPEN, {"id": won["id"], "version": won["version"], "stageId": stages["Lost"]}, admin.token
        )
    )["reopenOpportunity"]
    assert error_pairs(not_open) == [("stageId", "INVALID_TRANSITION")]
    reopened = (await client.execute(REOPEN, {"id": won["id"], "version": won["version"]}, admin.token))[
        "reopenOpportunity"
    ]["opportunity"]
    assert (reopened["status"], reopened["stage"]["name"], reopened["closedAt"]) == (
        "OPEN",
        "Negotiation",
        None,
    )
    assert reopened["probability"] == 75
    again = (await client.execute(REOPEN, {"id": won["id"], "version": reopened["version"]}, admin.token))[
        "reopenOpportunity"
    ]
    assert error_pairs(again) == [("id", "INVALID_TRANSITION")]

    lost = await moved(client, admin, reopened, stages["Lost"], lostReason="timing")
    into = (
        await client.execute(
            REOPEN,
            {"id": lost["id"], "version": lost["version"], "stageId": stages["Qualification"]},
            admin.token,
        )
    )["reopenOpportunity"]["opportunity"]
    assert (into["stage"]["name"], into["lostReason"], into["probability"]) == ("Qualification", None, 20)
    history = (await client.execute(OPPORTUNITY, {"id": into["id"]}, admin.token))["opportunity"][
        "stageHistory"
    ]
    assert [h["toStage"]["name"] for h in history] == [
        "Negotiation",
        "Won",
        "Negotiation",
        "Lost",
        "Qualification",
    ]


async def test_archived_and_foreign_pipeline_stages_are_refused(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    renewals = await create_pipeline(client, admin)
    qualification = stage_named(pipeline, "Qualification")
    archived = (await client.execute(ARCHIVE_STAGE, {"id": qualification["id"], "version": 1}, admin.token))[
        "archivePipelineStage"
    ]
    assert archived["errors"] == []
    opportunity = await create_opportunity(client, admin)

    assert error_pairs(await move(client, admin, opportunity, qualification["id"])) == [
        ("stageId", "INVALID_TRANSITION")
    ]
    won = await moved(client, admin, opportunity, stage_named(pipeline, "Won")["id"])
    into_other = (
        await client.execute(
            REOPEN,
            {"id": won["id"], "version": won["version"], "stageId": renewals["stages"][0]["id"]},
            admin.token,
        )
    )["reopenOpportunity"]
    assert error_pairs(into_other) == [("stageId", "INVALID_TRANSITION")]
    # Its stage before closing (Prospecting) is still live, so a plain reopen goes back there.
    reopened = (await client.execute(REOPEN, {"id": won["id"], "version": won["version"]}, admin.token))[
        "reopenOpportunity"
    ]["opportunity"]
    assert reopened["stage"]["name"] == "Prospecting"


async def test_concurrent_moves_of_one_version_leave_one_change(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    opportunity = await create_opportunity(client, admin)

    first, second = await asyncio.gather(
        move(client, admin, opportunity, stage_named(pipeline, "Proposal")["id"]),
        move(client, admin, opportunity, stage_named(pipeline, "Negotiation")["id"]),
    )

    outcomes = sorted([error_pairs(first), error_pairs(second)])
    assert outcomes == [[], [("version", "CONFLICT")]]
    current = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, admin.token))["opportunity"]
    assert current["version"] == 2 and len(current["stageHistory"]) == 2
