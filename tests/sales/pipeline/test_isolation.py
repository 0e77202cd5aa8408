"""Tenant B, holding tenant A's ids, sees nothing and changes nothing: through the API and in SQL."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.crm.documents import create_contact
from tests.crm.sql import raw_id
from tests.sales.pipeline.documents import (
    ADD_STAGE,
    ARCHIVE_COMPETITOR,
    ARCHIVE_STAGE,
    COMPETITORS,
    CREATE_OPPORTUNITY,
    NODE,
    OPPORTUNITIES,
    OPPORTUNITY,
    PIPELINE,
    PIPELINES,
    RENAME_PIPELINE,
    REOPEN,
    REORDER_STAGES,
    UPDATE_COMPETITOR,
    UPDATE_OPPORTUNITY,
    UPDATE_STAGE,
    create_account,
    create_opportunity,
    default_pipeline,
    error_pairs,
    move,
    stage_named,
)
from tests.sales.pipeline.test_opportunities import create_competitor

TABLES = {
    "pipelines": "id",
    "pipeline_stages": "pipeline_id",
    "competitors": "id",
    "opportunities": "id",
    "opportunity_contacts": "opportunity_id",
    "opportunity_competitors": "opportunity_id",
    "opportunity_stage_history": "opportunity_id",
}


async def tenant_a_records(client):
    a = await client.sign_up("Tenant A")
    pipeline = await default_pipeline(client, a)
    contact = await create_contact(client, a)
    rival = await create_competitor(client, a)
    opportunity = await create_opportunity(
        client, a, contacts=[{"contactId": contact["id"], "role": "USER"}], competitorIds=[rival["id"]]
    )
    return a, pipeline, contact, rival, opportunity


async def test_other_tenant_sees_nothing_through_queries(client):
    _, pipeline, _, rival, opportunity = await tenant_a_records(client)
    b = await client.sign_up("Tenant B")

    for record_id in [pipeline["id"], pipeline["stages"][0]["id"], rival["id"], opportunity["id"]]:
        assert (await client.execute(NODE, {"id": record_id}, b.token))["node"] is None
    assert (await client.execute(PIPELINE, {"id": pipeline["id"]}, b.token))["pipeline"] is None
    assert (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, b.token))["opportunity"] is None
    assert (await client.execute(OPPORTUNITIES, {}, b.token))["opportunities"]["totalCount"] == 0
    filtered = {"filter": {"pipelineId": pipeline["id"]}}
    assert (await client.execute(OPPORTUNITIES, filtered, b.token))["opportunities"]["totalCount"] == 0
    assert (await client.execute(COMPETITORS, {"all": True}, b.token))["competitors"]["nodes"] == []
    own = (await client.execute(PIPELINES, {}, b.token))["pipelines"]["nodes"]
    assert [p["id"] for p in own] != [pipeline["id"]] and len(own) == 1


async def test_other_tenant_changes_nothing_through_mutations(client):
    a, pipeline, contact, rival, opportunity = await tenant_a_records(client)
    b = await client.sign_up("Tenant B")
    b_account = await create_account(client, b)
    b_opportunity = await create_opportunity(client, b, b_account["id"])
    stage = pipeline["stages"][0]
    attempts = [
        (RENAME_PIPELINE, {"id": pipeline["id"], "version": 1, "name": "x"}, "renamePipeline", "id"),
        (
            ADD_STAGE,
            {"pipelineId": pipeline["id"], "version": 1, "input": {"name": "x", "probability": 1}},
            "addPipelineStage",
            "pipelineId",
        ),
        (
            UPDATE_STAGE,
            {"id": stage["id"], "version": 1, "input": {"name": "x"}},
            "updatePipelineStage",
            "id",
        ),
        (
            REORDER_STAGES,
            {"pipelineId": pipeline["id"], "version": 1, "stageIds": []},
            "reorderPipelineStages",
            "pipelineId",
        ),
        (ARCHIVE_STAGE, {"id": stage["id"], "version": 1}, "archivePipelineStage", "id"),
        (
            UPDATE_COMPETITOR,
            {"id": rival["id"], "version": 1, "input": {"name": "x"}},
            "updateCompetitor",
            "id",
        ),
        (ARCHIVE_COMPETITOR, {"id": rival["id"], "version": 1}, "archiveCompetitor", "id"),
        (
            UPDATE_OPPORTUNITY,
            {"id": opportunity["id"], "version": 1, "input": {"name": "x"}},
            "updateOpportunity",
            "id",
        ),
        (REOPEN, {"id": opportunity["id"], "version": 1}, "reopenOpportunity", "id"),
        (
            CREATE_OPPORTUNITY,
            {"input": {"name": "x", "accountId": b_account["id"], "pipelineId": pipeline["id"]}},
            "createOpportunity",
            "pipelineId",
        ),
        (
            CREATE_OPPORTUNITY,
            {
                "input": {
                    "name": "x",
                    "accountId": b_account["id"],
                    "stageId": stage_named(pipeline, "Proposal")["id"],
                }
            },
            "createOpportunity",
            "stageId",
        ),
        (
            UPDATE_OPPORTUNITY,
            {
                "id": b_opportunity["id"],
                "version": 1,
                "input": {"contacts": [{"contactId": contact["id"], "role": "USER"}]},
            },
            "updateOpportunity",
            "contacts.0.contactId",
        ),
        (
            UPDATE_OPPORTUNITY,
            {"id": b_opportunity["id"], "version": 1, "input": {"competitorIds": [rival["id"]]}},
            "updateOpportunity",
            "competitorIds.0",
        ),
    ]
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, b.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name
    assert error_pairs(await move(client, b, opportunity, stage["id"])) == [("id", "NOT_FOUND")]
    assert error_pairs(await move(client, b, b_opportunity, stage_named(pipeline, "Proposal")["id"])) == [
        ("stageId", "NOT_FOUND")
    ]

    assert (await default_pipeline(client, a)) == pipeline
    seen = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, a.token))["opportunity"]
    assert (seen["version"], seen["name"], len(seen["stageHistory"])) == (1, "Deal", 1)
    assert [c["name"] for c in seen["competitors"]] == ["Globex"]


async def in_tenant(connection, tenant_id: str) -> None:
    await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)


async def test_sql_wall_hides_and_protects_pipeline_rows(client, db):
    a, pipeline, _, _, opportunity = await tenant_a_records(client)
    b = await client.sign_up("Tenant B")
    connection = await db.connect()
    keys = {
        "pipelines": raw_id(pipeline["id"]),
        "pipeline_stages": raw_id(pipeline["id"]),
        "competitors": raw_id(
            (await client.execute(COMPETITORS, {"all": True}, a.token))["competitors"]["nodes"][0]["id"]
        ),
        **{table: raw_id(opportunity["id"]) for table in list(TABLES)[3:]},
    }

    async with connection.transaction():
        await in_tenant(connection, b.tenant_id)
        for table, column in TABLES.items():
            value = keys[table]
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 0
            if table != "opportunity_stage_history":
                updated = await connection.execute(
                    f"update {table} set tenant_id = tenant_id where {column} = $1", value
                )
                assert updated == "UPDATE 0", table
                assert (
                    await connection.execute(f"delete from {table} where {column} = $1", value) == "DELETE 0"
                )

    async with connection.transaction():
        for table in TABLES:
            assert await connection.fetchval(f"select count(*) from {table}") == 0, table

    # Writing a row into tenant A while inside tenant B is refused by the policy's WITH CHECK.
    inserts = [
        ("insert into pipelines (tenant_id, id, name) values ($1, $2, 'x')", ()),
        ("insert into competitors (tenant_id, id, name) values ($1, $2, 'x')", ()),
        (
            "insert into opportunity_stage_history (tenant_id, id, opportunity_id, pipeline_id, to_stage_id,"
            " probability) values ($1, $2, $3, $4, $5, 1)",
            (raw_id(opportunity["id"]), raw_id(pipeline["id"]), raw_id(pipeline["stages"][0]["id"])),
        ),
    ]
    for statement, extra in inserts:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await in_tenant(connection, b.tenant_id)
                await connection.execute(statement, uuid.UUID(a.tenant_id), uuid.uuid4(), *extra)

    async with connection.transaction():
        await in_tenant(connection, a.tenant_id)
        for table, column in TABLES.items():
            assert (
                await connection.fetchval(f"select count(*) from {table} where {column} = $1", keys[table])
                >= 1
            )


async def test_stage_history_is_append_only_for_the_application(client, db):
    a, _, _, _, opportunity = await tenant_a_records(client)
    connection = await db.connect()
    for statement in [
        "update opportunity_stage_history set probability = 99 where opportunity_id = $1",
        "delete from opportunity_stage_history where opportunity_id = $1",
    ]:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await in_tenant(connection, a.tenant_id)
                await connection.execute(statement, raw_id(opportunity["id"]))
