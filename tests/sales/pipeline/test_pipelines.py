"""Pipelines and stages: the default pipeline, creating and shaping pipelines, and who may do it."""

from __future__ import annotations

from tests.sales.pipeline.documents import (
    ADD_STAGE,
    ARCHIVE_STAGE,
    CREATE_PIPELINE,
    PIPELINE,
    PIPELINES,
    RENAME_PIPELINE,
    REORDER_STAGES,
    UPDATE_STAGE,
    create_opportunity,
    default_pipeline,
    error_pairs,
    moved,
    stage_named,
)

DEFAULT = [
    ("Prospecting", 10, "OPEN"),
    ("Qualification", 20, "OPEN"),
    ("Proposal", 50, "OPEN"),
    ("Negotiation", 75, "OPEN"),
    ("Won", 100, "WON"),
    ("Lost", 0, "LOST"),
]
SMALL = [
    {"name": "Talk", "probability": 30},
    {"name": "Signed", "probability": 100, "kind": "WON"},
    {"name": "Dropped", "probability": 0, "kind": "LOST"},
]


async def create_pipeline(client, member, name="Renewals", stages=None):
    payload = (
        await client.execute(
            CREATE_PIPELINE, {"input": {"name": name, "stages": stages or SMALL}}, member.token
        )
    )["createPipeline"]
    assert payload["errors"] == [], payload
    return payload["pipeline"]


async def test_every_new_tenant_starts_with_the_default_sales_pipeline(client):
    admin = await client.sign_up()

    pipelines = (await client.execute(PIPELINES, {}, admin.token))["pipelines"]["nodes"]

    assert [(p["name"], p["isDefault"]) for p in pipelines] == [("Sales", True)]
    stages = pipelines[0]["stages"]
    assert [(s["name"], s["probability"], s["kind"]) for s in stages] == DEFAULT
    assert [s["position"] for s in stages] == list(range(6))


async def test_admin_creates_renames_and_shapes_a_pipeline(client):
    admin = await client.sign_up()
    pipeline = await create_pipeline(client, admin)
    assert (pipeline["name"], pipeline["isDefault"], pipeline["version"]) == ("Renewals", False, 1)
    assert [(s["name"], s["kind"]) for s in pipeline["stages"]] == [
        ("Talk", "OPEN"),
        ("Signed", "WON"),
        ("Dropped", "LOST"),
    ]

    renamed = (
        await client.execute(
            RENAME_PIPELINE, {"id": pipeline["id"], "version": 1, "name": "Upsell"}, admin.token
        )
    )["renamePipeline"]["pipeline"]
    assert (renamed["name"], renamed["version"]) == ("Upsell", 2)

    added = (
        await client.execute(
            ADD_STAGE,
            {
                "pipelineId": pipeline["id"],
                "version": 2,
                "input": {"name": "Demo", "probability": 40, "position": 1},
            },
            admin.token,
        )
    )["addPipelineStage"]
    assert added["errors"] == []
    shaped = added["stage"]["pipeline"]
    assert [s["name"] for s in shaped["stages"]] == ["Talk", "Demo", "Signed", "Dropped"]
    assert [s["position"] for s in shaped["stages"]] == [0, 1, 2, 3]
    assert shaped["version"] == 3

    demo = stage_named(shaped, "Demo")
    updated = (
        await client.execute(
            UPDATE_STAGE,
            {"id": demo["id"], "version": 1, "input": {"name": "Trial", "probability": 45}},
            admin.token,
        )
    )["updatePipelineStage"]["stage"]
    assert (updated["name"], updated["probability"], updated["version"]) == ("Trial", 45, 2)

    order = [stage_named(shaped, n)["id"] for n in ["Demo", "Talk", "Dropped", "Signed"]]
    reordered = (
        await client.execute(
            REORDER_STAGES, {"pipelineId": pipeline["id"], "version": 3, "stageIds": order}, admin.token
        )
    )["reorderPipelineStages"]
    assert reordered["errors"] == []
    assert [s["name"] for s in reordered["pipeline"]["stages"]] == ["Trial", "Talk", "Dropped", "Signed"]

    # Moving a stage is a change of that stage too: its version follows.
    trial = stage_named(reordered["pipeline"], "Trial")
    assert trial["version"] == 3
    archived = (await client.execute(ARCHIVE_STAGE, {"id": demo["id"], "version": 3}, admin.token))[
        "archivePipelineStage"
    ]
    assert archived["errors"] == [] and archived["stage"]["archivedAt"] is not None
    after = (await client.execute(PIPELINE, {"id": pipeline["id"]}, admin.token))["pipeline"]
    assert [(s["name"], s["position"]) for s in after["stages"]] == [
        ("Talk", 0),
        ("Dropped", 1),
        ("Signed", 2),
    ]


async def test_pipeline_input_is_checked(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    cases = [
        ({"name": "X", "stages": SMALL[:2]}, [("stages", "INVALID")]),
        ({"name": "X", "stages": [*SMALL, {"name": "talk", "probability": 5}]}, [("stages", "DUPLICATE")]),
        (
            {"name": "X", "stages": [{**SMALL[0], "probability": 101}, *SMALL[1:]]},
            [("stages.0.probability", "INVALID")],
        ),
        ({"name": " ", "stages": SMALL}, [("name", "REQUIRED")]),
        ({"name": "sales", "stages": SMALL}, [("name", "DUPLICATE")]),
    ]
    for variables, expected in cases:
        payload = await client.outcome(CREATE_PIPELINE, {"input": variables}, admin.token, "createPipeline")
        assert payload == expected, variables

    stage_ids = [s["id"] for s in pipeline["stages"]]
    stage_cases = [
        (
            ADD_STAGE,
            {"pipelineId": pipeline["id"], "version": 1, "input": {"name": "Won", "probability": 5}},
            "addPipelineStage",
            [("name", "DUPLICATE")],
        ),
        (
            ADD_STAGE,
            {"pipelineId": pipeline["id"], "version": 1, "input": {"name": "New", "probability": -1}},
            "addPipelineStage",
            [("probability", "INVALID")],
        ),
        (
            ADD_STAGE,
            {
                "pipelineId": pipeline["id"],
                "version": 1,
                "input": {"name": "New", "probability": 5, "position": 9},
            },
            "addPipelineStage",
            [("position", "INVALID")],
        ),
        (
            ADD_STAGE,
            {"pipelineId": pipeline["id"], "version": 7, "input": {"name": "New", "probability": 5}},
            "addPipelineStage",
            [("version", "CONFLICT")],
        ),
        (
            REORDER_STAGES,
            {"pipelineId": pipeline["id"], "version": 1, "stageIds": stage_ids[:-1]},
            "reorderPipelineStages",
            [("stageIds", "INVALID")],
        ),
        (
            REORDER_STAGES,
            {"pipelineId": pipeline["id"], "version": 1, "stageIds": [*stage_ids[:-1], stage_ids[0]]},
            "reorderPipelineStages",
            [("stageIds", "INVALID")],
        ),
        (
            UPDATE_STAGE,
            {"id": stage_ids[0], "version": 1, "input": {"name": "Proposal"}},
            "updatePipelineStage",
            [("name", "DUPLICATE")],
        ),
        (
            ARCHIVE_STAGE,
            {"id": stage_named(pipeline, "Won")["id"], "version": 1},
            "archivePipelineStage",
            [("id", "INVALID")],
        ),
    ]
    for document, variables, name, expected in stage_cases:
        payload = await client.outcome(document, variables, admin.token, name)
        assert payload == expected, (name, variables)
    assert (await default_pipeline(client, admin)) == pipeline


async def test_a_stage_with_open_opportunities_cannot_be_archived(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    proposal = stage_named(pipeline, "Proposal")
    opportunity = await create_opportunity(client, admin, stageId=proposal["id"])

    refused = (await client.execute(ARCHIVE_STAGE, {"id": proposal["id"], "version": 1}, admin.token))[
        "archivePipelineStage"
    ]
    assert error_pairs(refused) == [("id", "INVALID_TRANSITION")]

    await moved(client, admin, opportunity, stage_named(pipeline, "Won")["id"])
    archived = (await client.execute(ARCHIVE_STAGE, {"id": proposal["id"], "version": 1}, admin.token))[
        "archivePipelineStage"
    ]
    assert archived["errors"] == []


async def test_only_members_who_manage_settings_change_pipelines(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    pipeline = await default_pipeline(client, admin)
    stage = pipeline["stages"][0]
    attempts = [
        (CREATE_PIPELINE, {"input": {"name": "X", "stages": SMALL}}, "createPipeline"),
        (RENAME_PIPELINE, {"id": pipeline["id"], "version": 1, "name": "X"}, "renamePipeline"),
        (
            ADD_STAGE,
            {"pipelineId": pipeline["id"], "version": 1, "input": {"name": "X", "probability": 1}},
            "addPipelineStage",
        ),
        (UPDATE_STAGE, {"id": stage["id"], "version": 1, "input": {"name": "X"}}, "updatePipelineStage"),
        (
            REORDER_STAGES,
            {"pipelineId": pipeline["id"], "version": 1, "stageIds": []},
            "reorderPipelineStages",
        ),
        (ARCHIVE_STAGE, {"id": stage["id"], "version": 1}, "archivePipelineStage"),
    ]
    for document, variables, name in attempts:
        assert await client.refused(document, variables, manager.token, name) == [
            (None, "PERMISSION_DENIED")
        ], name
    assert (await default_pipeline(client, manager)) == pipeline
