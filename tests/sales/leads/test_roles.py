"""Roles: viewers read leads but change nothing; sales reps see their own leads plus the pool."""

from __future__ import annotations

from tests.sales.leads.documents import (
    ASSIGN_LEAD,
    CHANGE_STATUS,
    CLAIM_LEAD,
    CREATE_LEAD,
    CREATE_RULE,
    LEAD,
    LEADS,
    MERGE_LEADS,
    RELEASE_LEAD,
    UPDATE_LEAD,
    create_lead,
    error_pairs,
)

DENIED = [(None, "PERMISSION_DENIED")]


async def test_viewer_reads_but_cannot_write(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    owned = await create_lead(client, admin, ownerId=admin.user_id)
    pooled = await create_lead(client, admin, lastName="Pool")

    attempts = [
        (CREATE_LEAD, {"input": {"source": "web", "lastName": "X"}}, "createLead"),
        (UPDATE_LEAD, {"id": owned["id"], "version": 1, "input": {"title": "x"}}, "updateLead"),
        (CHANGE_STATUS, {"id": owned["id"], "version": 1, "status": "WORKING"}, "changeLeadStatus"),
        (CLAIM_LEAD, {"id": pooled["id"]}, "claimLead"),
        (RELEASE_LEAD, {"id": owned["id"]}, "releaseLead"),
        (ASSIGN_LEAD, {"leadId": pooled["id"], "userId": viewer.user_id}, "assignLead"),
        (
            MERGE_LEADS,
            {"survivorId": owned["id"], "duplicateIds": [pooled["id"]], "version": 1},
            "mergeLeads",
        ),
        (CREATE_RULE, {"input": {"name": "R", "userIds": [admin.user_id]}}, "createLeadAssignmentRule"),
    ]
    for document, variables, name in attempts:
        assert await client.refused(document, variables, viewer.token, name) == DENIED, name

    listed = (await client.execute(LEADS, {}, viewer.token))["leads"]
    assert listed["totalCount"] == 2


async def test_sales_rep_sees_own_and_pool_leads_only(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.add_member(admin, "sales", "other")
    mine = await create_lead(client, rep, ownerId=rep.user_id, lastName="Mine")
    theirs = await create_lead(client, admin, ownerId=other.user_id, lastName="Theirs")
    pooled = await create_lead(client, admin, lastName="Pool")

    listed = (await client.execute(LEADS, {"orderBy": [{"field": "NAME"}]}, rep.token))["leads"]
    assert [e["node"]["lastName"] for e in listed["edges"]] == ["Mine", "Pool"]
    assert (await client.execute(LEAD, {"id": theirs["id"]}, rep.token))["lead"] is None
    update = (
        await client.execute(
            UPDATE_LEAD, {"id": theirs["id"], "version": 1, "input": {"title": "x"}}, rep.token
        )
    )["updateLead"]
    assert error_pairs(update) == [("id", "NOT_FOUND")]
    merge = await client.refused(
        MERGE_LEADS,
        {"survivorId": mine["id"], "duplicateIds": [pooled["id"]], "version": 1},
        rep.token,
        "mergeLeads",
    )
    assert merge == [(None, "PERMISSION_DENIED")]
    own_update = (
        await client.execute(
            UPDATE_LEAD, {"id": mine["id"], "version": 1, "input": {"title": "Boss"}}, rep.token
        )
    )["updateLead"]
    assert own_update["errors"] == []
