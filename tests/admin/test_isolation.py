"""Another tenant can neither see nor change field definitions, roles or teams: API and raw SQL."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.admin.documents import (
    ARCHIVE_FIELD,
    ASSIGN_ROLE,
    DELETE_ROLE,
    DELETE_TEAM,
    FIELDS,
    PURGE_FIELD,
    ROLES,
    SET_TEAM,
    TEAMS,
    UPDATE_FIELD,
    UPDATE_ROLE,
    UPDATE_TEAM,
    create,
    create_role,
    create_team,
    define_field,
    error_pairs,
)
from tests.crm.sql import raw_id

ACCOUNTS = """
query($filter: AccountFilter) { accounts(filter: $filter) { edges { node { name customFields } } } }"""


async def tenant_a(client):
    a = await client.sign_up("Tenant A")
    definition = await define_field(client, a, "account", "secret_code", "TEXT", filterable=True, unique=True)
    role = await create_role(client, a, "a-role")
    team = await create_team(client, a, "A team")
    await create(client, a, "account", name="A account", custom={"secret_code": "X1"})
    return a, definition, role, team


async def test_api_shows_and_changes_nothing_of_another_tenant(client):
    a, definition, role, team = await tenant_a(client)
    b = await client.sign_up("Tenant B")

    b_fields = (await client.execute(FIELDS, {"objectType": "account"}, b.token))["fieldDefinitions"]["nodes"]
    b_archived = await client.execute(FIELDS, {"objectType": "account", "archived": True}, b.token)
    b_roles = (await client.execute(ROLES, {}, b.token))["roles"]["nodes"]
    b_teams = (await client.execute(TEAMS, {}, b.token))["teams"]["nodes"]
    b_filter = await client.errors(
        ACCOUNTS, {"filter": {"custom": [{"key": "secret_code", "equals": "X1"}]}}, b.token
    )
    # B may define the same key and even the same unique value: uniqueness is per tenant.
    await define_field(client, b, "account", "secret_code", "TEXT", unique=True)
    b_account = await create(client, b, "account", name="B account", custom={"secret_code": "X1"})

    assert [d["key"] for d in b_fields] == []
    assert b_archived["fieldDefinitions"]["nodes"] == []
    assert [r["key"] for r in b_roles] == ["admin", "manager", "sales", "viewer"]
    assert b_teams == []
    assert b_filter[0]["extensions"]["code"] == "INVALID"
    assert b_account["customFields"] == {"secret_code": "X1"}
    attempts = [
        (UPDATE_FIELD, {"id": definition["id"], "version": 1, "input": {"label": "x"}}, "updateFieldDefinition", "id"),
        (ARCHIVE_FIELD, {"id": definition["id"]}, "archiveFieldDefinition", "id"),
        (PURGE_FIELD, {"id": definition["id"]}, "purgeFieldDefinition", "id"),
        (UPDATE_ROLE, {"id": role["id"], "version": 1, "input": {"name": "x"}}, "updateRole", "id"),
        (DELETE_ROLE, {"id": role["id"]}, "deleteRole", "id"),
        (ASSIGN_ROLE, {"userId": b.user_id, "roleId": role["id"]}, "assignRole", "roleId"),
        (ASSIGN_ROLE, {"userId": a.user_id, "roleId": role["id"]}, "assignRole", "userId"),
        (UPDATE_TEAM, {"id": team["id"], "version": 1, "input": {"name": "x"}}, "updateTeam", "id"),
        (DELETE_TEAM, {"id": team["id"]}, "deleteTeam", "id"),
        (SET_TEAM, {"userId": b.user_id, "teamId": team["id"]}, "setMemberTeam", "teamId"),
    ]  # fmt: skip
    for document, variables, name, field in attempts:
        payload = (await client.execute(document, variables, b.token))[name]
        assert error_pairs(payload) == [(field, "NOT_FOUND")], name
    a_fields = (await client.execute(FIELDS, {"objectType": "account"}, a.token))["fieldDefinitions"]["nodes"]
    assert [(d["key"], d["label"], d["version"]) for d in a_fields] == [("secret_code", "Secret_Code", 1)]
    a_roles = (await client.execute(ROLES, {}, a.token))["roles"]["nodes"]
    assert [r["name"] for r in a_roles if r["key"] == "a-role"] == ["A-Role"]


async def in_tenant(connection, tenant_id: str) -> None:
    await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)


async def test_sql_wall_hides_and_protects_definitions_roles_and_teams(client, db):
    a, definition, role, team = await tenant_a(client)
    b = await client.sign_up("Tenant B")
    connection = await db.connect()
    rows = {
        "field_definitions": raw_id(definition["id"]),
        "roles": raw_id(role["id"]),
        "teams": raw_id(team["id"]),
    }

    async with connection.transaction():
        await in_tenant(connection, b.tenant_id)
        for table, row_id in rows.items():
            assert await connection.fetchval(f"select count(*) from {table} where id = $1", row_id) == 0
            assert (
                await connection.execute(f"update {table} set tenant_id = tenant_id where id = $1", row_id)
                == "UPDATE 0"
            )
            assert await connection.execute(f"delete from {table} where id = $1", row_id) == "DELETE 0"
        # The custom values of A's records are as invisible as the records.
        assert await connection.fetchval("select count(*) from accounts where custom ? 'secret_code'") == 0

    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, b.tenant_id)
            await connection.execute(
                "insert into field_definitions (tenant_id, id, object_type, key, label, field_type)"
                " values ($1, $2, 'account', 'planted', 'x', 'text')",
                uuid.UUID(a.tenant_id),
                uuid.uuid4(),
            )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, b.tenant_id)
            await connection.execute(
                "insert into teams (tenant_id, id, name) values ($1, $2, 'planted')",
                uuid.UUID(a.tenant_id),
                uuid.uuid4(),
            )

    async with connection.transaction():
        for table in rows:
            assert await connection.fetchval(f"select count(*) from {table}") == 0

    async with connection.transaction():
        await in_tenant(connection, a.tenant_id)
        for table, row_id in rows.items():
            assert await connection.fetchval(f"select count(*) from {table} where id = $1", row_id) == 1
