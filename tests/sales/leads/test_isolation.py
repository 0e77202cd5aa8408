"""Another tenant, holding this tenant's ids, sees and changes nothing: through the API and in SQL."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.crm.documents import NODE, create_contact
from tests.crm.sql import raw_id
from tests.sales.leads.documents import (
    ASSIGN_LEAD,
    ASSIGN_POOL,
    CHANGE_STATUS,
    CLAIM_LEAD,
    LEAD,
    LEAD_DUPLICATES,
    LEADS,
    MERGE_LEADS,
    RELEASE_LEAD,
    UPDATE_LEAD,
    UPDATE_RULE,
    create_lead,
    create_rule,
    error_pairs,
    set_lead_cap,
)

TABLES = {
    "leads": "id",
    "lead_settings": "tenant_id",
    "lead_assignment_rules": "id",
    "lead_assignment_rule_users": "rule_id",
    "contact_match_keys": "contact_id",
}


async def tenant_a(client):
    a = await client.sign_up("Tenant A")
    owned = await create_lead(client, a, ownerId=a.user_id, email="shared@example.com")
    pooled = await create_lead(client, a, lastName="Pooled")
    rule = await create_rule(client, a, [a.user_id], source="event")
    contact = await create_contact(client, a, emails=["shared@example.com"])
    return a, owned, pooled, rule, contact


async def test_other_tenant_sees_and_changes_nothing_through_the_api(client):
    a, owned, pooled, rule, _ = await tenant_a(client)
    b = await client.sign_up("Tenant B")
    b_lead = await create_lead(client, b, ownerId=b.user_id, email="shared@example.com")

    for lead_id in (owned["id"], pooled["id"]):
        assert (await client.execute(LEAD, {"id": lead_id}, b.token))["lead"] is None
        assert (await client.execute(NODE, {"id": lead_id}, b.token))["node"] is None
    listed = (await client.execute(LEADS, {}, b.token))["leads"]
    assert [e["node"]["id"] for e in listed["edges"]] == [b_lead["id"]]
    assert (await client.execute(LEAD_DUPLICATES, {"id": b_lead["id"]}, b.token))["leadDuplicates"][
        "nodes"
    ] == []
    assert (await client.errors(LEAD_DUPLICATES, {"id": owned["id"]}, b.token))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"

    attempts = [
        (UPDATE_LEAD, {"id": owned["id"], "version": 1, "input": {"title": "x"}}, "updateLead", "id"),
        (CHANGE_STATUS, {"id": owned["id"], "version": 1, "status": "WORKING"}, "changeLeadStatus", "id"),
        (CLAIM_LEAD, {"id": pooled["id"]}, "claimLead", "id"),
        (RELEASE_LEAD, {"id": owned["id"]}, "releaseLead", "id"),
        (ASSIGN_LEAD, {"leadId": pooled["id"], "userId": b.user_id}, "assignLead", "leadId"),
        (ASSIGN_LEAD, {"leadId": b_lead["id"], "userId": a.user_id}, "assignLead", "userId"),
        (
            MERGE_LEADS,
            {"survivorId": b_lead["id"], "duplicateIds": [owned["id"]], "version": 1},
            "mergeLeads",
            "duplicateIds",
        ),
        (
            UPDATE_RULE,
            {"id": rule["id"], "version": 1, "input": {"name": "x"}},
            "updateLeadAssignmentRule",
            "id",
        ),
    ]
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, b.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name

    await create_rule(client, b, [b.user_id])
    b_assigned = (await client.execute(ASSIGN_POOL, {}, b.token))["assignPoolLeads"]
    assert (b_assigned["errors"], b_assigned["leads"]) == ([], [])

    seen_by_a = (await client.execute(LEAD, {"id": owned["id"]}, a.token))["lead"]
    assert (seen_by_a["title"], seen_by_a["status"], seen_by_a["version"]) == (None, "NEW", 1)
    assert (await client.execute(LEAD, {"id": pooled["id"]}, a.token))["lead"]["inPool"] is True


async def test_sql_wall_hides_and_protects_lead_rows(client, db):
    a, owned, _, rule, contact = await tenant_a(client)
    b = await client.sign_up("Tenant B")
    await set_lead_cap(client, a, 10)
    values = {
        "leads": raw_id(owned["id"]),
        "lead_settings": uuid.UUID(a.tenant_id),
        "lead_assignment_rules": raw_id(rule["id"]),
        "lead_assignment_rule_users": raw_id(rule["id"]),
        "contact_match_keys": raw_id(contact["id"]),
    }
    connection = await db.connect()

    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        for table, column in TABLES.items():
            query = f"select count(*) from {table} where {column} = $1"
            assert await connection.fetchval(query, values[table]) == 0, table
            update = f"update {table} set tenant_id = tenant_id where {column} = $1"
            assert await connection.execute(update, values[table]) == "UPDATE 0", table
            delete = f"delete from {table} where {column} = $1"
            assert await connection.execute(delete, values[table]) == "DELETE 0", table

    inserts = [
        ("insert into leads (tenant_id, id, source, last_name) values ($1, $2, 'web', 'x')", [uuid.uuid4()]),
        ("insert into lead_settings (tenant_id) values ($1)", []),
        (
            "insert into lead_assignment_rules (tenant_id, id, name, position) values ($1, $2, 'x', 0)",
            [uuid.uuid4()],
        ),
        (
            "insert into lead_assignment_rule_users (tenant_id, rule_id, user_id, position) values ($1, $2, $3, 9)",
            [raw_id(rule["id"]), raw_id(a.user_id)],
        ),
        (
            "insert into contact_match_keys (tenant_id, contact_id, kind, key) values ($1, $2, 'email', 'x')",
            [raw_id(contact["id"])],
        ),
    ]
    for statement, arguments in inserts:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
                await connection.execute(statement, uuid.UUID(a.tenant_id), *arguments)

    async with connection.transaction():
        for table in TABLES:
            assert await connection.fetchval(f"select count(*) from {table}") == 0, table
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
        for table, column in TABLES.items():
            query = f"select count(*) from {table} where {column} = $1"
            assert await connection.fetchval(query, values[table]) >= 1, table
