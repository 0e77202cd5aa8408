"""pipelineChanged / opportunityChanged over real sockets against real uvicorn processes."""

from __future__ import annotations

from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.sales.pipeline.documents import (
    CREATE_PIPELINE,
    RENAME_PIPELINE,
    UPDATE_OPPORTUNITY,
    create_opportunity,
    default_pipeline,
    move,
    moved,
    stage_named,
)
from tests.support import GraphQLClient

PIPELINE_CHANGED = """
subscription Board($pipelineId: ID!) { pipelineChanged(pipelineId: $pipelineId) {
  type pipelineId opportunityId version dropped
  opportunity { id name status stage { name } owner { email } } pipeline { id name } } }
"""
OPPORTUNITY_CHANGED = """
subscription Deal($id: ID!) { opportunityChanged(id: $id) { type opportunityId version opportunity { id name } } }
"""


async def test_a_board_hears_its_pipelines_deals_in_order_and_nothing_else(
    server_a: Server, server_b: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    stranger = await http_a.sign_up("Elsewhere")
    pipeline = await default_pipeline(http_a, admin)
    other = (
        await http_a.execute(
            CREATE_PIPELINE,
            {
                "input": {
                    "name": "Renewals",
                    "stages": [
                        {"name": "Open", "probability": 50, "kind": "OPEN"},
                        {"name": "Won", "probability": 100, "kind": "WON"},
                        {"name": "Lost", "probability": 0, "kind": "LOST"},
                    ],
                }
            },
            admin.token,
        )
    )["createPipeline"]["pipeline"]
    board = await NodeSubscriber.start(
        server_b.ws_url, bearer(admin.token), PIPELINE_CHANGED, {"pipelineId": pipeline["id"]}
    )
    try:
        first = await board.subscribed("pipelineChanged")
        assert first["pipeline"] == {"id": pipeline["id"], "name": "Sales"}

        await create_opportunity(http_a, stranger, name="Someone else's")
        await create_opportunity(http_a, admin, name="Other pipeline", pipelineId=other["id"])
        won = await create_opportunity(http_a, admin, name="Big deal")
        won = await moved(http_a, admin, won, stage_named(pipeline, "Proposal")["id"])
        await moved(http_a, admin, won, stage_named(pipeline, "Won")["id"])
        lost = await create_opportunity(http_a, admin, name="Small deal")
        await moved(http_a, admin, lost, stage_named(pipeline, "Lost")["id"], lostReason="price")
        renamed = await http_a.execute(
            RENAME_PIPELINE,
            {"id": pipeline["id"], "version": pipeline["version"], "name": "New business"},
            admin.token,
        )
        assert renamed["renamePipeline"]["errors"] == []

        changes = [await board.change("pipelineChanged") for _ in range(6)]
        assert [(c["type"], c["opportunityId"], c["version"]) for c in changes] == [
            ("opportunity.created", won["id"], 1),
            ("opportunity.stage_changed", won["id"], 2),
            ("opportunity.won", won["id"], 3),
            ("opportunity.created", lost["id"], 1),
            ("opportunity.lost", lost["id"], 2),
            ("pipeline.updated", None, pipeline["version"] + 1),
        ]
        assert changes[2]["opportunity"]["status"] == "WON"
        assert changes[4]["opportunity"]["stage"] == {"name": "Lost"}
        assert changes[5]["pipeline"]["name"] == "New business"
        await board.nothing_within(0.3)
    finally:
        await board.stop()


async def test_a_refused_move_emits_nothing(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    pipeline = await default_pipeline(http_a, admin)
    deal = await create_opportunity(http_a, admin)
    board = await NodeSubscriber.start(
        server_a.ws_url, bearer(admin.token), PIPELINE_CHANGED, {"pipelineId": pipeline["id"]}
    )
    try:
        await board.subscribed("pipelineChanged")
        same_stage = await move(http_a, admin, deal, stage_named(pipeline, "Prospecting")["id"])
        assert same_stage["errors"][0]["code"] == "INVALID_TRANSITION"
        no_reason = await move(http_a, admin, deal, stage_named(pipeline, "Lost")["id"])
        assert no_reason["errors"][0]["field"] == "lostReason"
        updated = await http_a.execute(
            UPDATE_OPPORTUNITY, {"id": deal["id"], "version": 1, "input": {"nextStep": "Call"}}, admin.token
        )
        assert updated["updateOpportunity"]["errors"] == []
        change = await board.change("pipelineChanged")
        assert (change["type"], change["version"]) == ("opportunity.updated", 2)
        await board.nothing_within(0.3)
    finally:
        await board.stop()


async def test_each_role_sees_only_the_deals_it_may_see(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    rep = await http_a.add_member(admin, "sales", "rep")
    viewer = await http_a.add_member(admin, "viewer", "viewer")
    pipeline = await default_pipeline(http_a, admin)
    variables = {"pipelineId": pipeline["id"]}
    reps_board = await NodeSubscriber.start(server_a.ws_url, bearer(rep.token), PIPELINE_CHANGED, variables)
    viewers_board = await NodeSubscriber.start(
        server_a.ws_url, bearer(viewer.token), PIPELINE_CHANGED, variables
    )
    try:
        await reps_board.subscribed("pipelineChanged")
        await viewers_board.subscribed("pipelineChanged")
        admins = await create_opportunity(http_a, admin, name="The admin's")
        reps = await create_opportunity(http_a, rep, name="The rep's")

        assert [(await viewers_board.change("pipelineChanged"))["opportunityId"] for _ in range(2)] == [
            admins["id"],
            reps["id"],
        ]
        only = await reps_board.change("pipelineChanged")
        assert (only["opportunityId"], only["opportunity"]["owner"]["email"]) == (reps["id"], rep.email)
        await reps_board.nothing_within(0.3)
    finally:
        await reps_board.stop()
        await viewers_board.stop()


async def test_opportunity_changed_is_authorized_and_follows_one_deal(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    rep = await http_a.add_member(admin, "sales", "rep")
    pipeline = await default_pipeline(http_a, admin)
    admins = await create_opportunity(http_a, admin, name="Not the rep's")
    refused = await NodeSubscriber.start(
        server_a.ws_url, bearer(rep.token), OPPORTUNITY_CHANGED, {"id": admins["id"]}
    )
    try:
        payload = await refused.next()
        assert payload["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    finally:
        await refused.stop()

    watcher = await NodeSubscriber.start(
        server_a.ws_url, bearer(admin.token), OPPORTUNITY_CHANGED, {"id": admins["id"]}
    )
    try:
        first = await watcher.subscribed("opportunityChanged")
        assert (first["opportunityId"], first["version"]) == (admins["id"], 1)
        await create_opportunity(http_a, admin, name="Another deal")
        await moved(http_a, admin, admins, stage_named(pipeline, "Won")["id"])
        won = await watcher.change("opportunityChanged")
        assert (won["type"], won["version"], won["opportunity"]["name"]) == (
            "opportunity.won",
            2,
            "Not the rep's",
        )
        await watcher.nothing_within(0.3)
    finally:
        await watcher.stop()
