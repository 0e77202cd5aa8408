"""Remembered session admissions (tenants/admissions.py, migration 0400): a one-trip statement checks the
session row, the membership, the user and the tenant's `admission_stamp` instead of the full credential
function. Every edit that the full check would see must stop the next one-trip read or create: a role's
grants, the security settings, custom-field definitions, a lost second factor where one is required.
And the stamp is the tenant's own: another tenant's edits leave it alone, and the app role cannot bump
another tenant's stamp."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import asyncpg
import pytest

from tests.admin.documents import ROLES, UPDATE_ROLE, assign, create_role, define_field, grants
from tests.admin.documents import create as create_record
from tests.compiled.test_one_trip_creates import NAMES, create, known, names
from tests.security.support import enrolled, update_settings
from tests.support import relay_uuid


def remembered(app: Any, token: str) -> bool:
    return hashlib.sha256(token.encode()).digest() in app.state.fast_path.known_actors


async def stamp(owner_url: str, tenant_id: str) -> int:
    """The tenant's admission stamp (behind row-level security for the owner too; no row reads as 0)."""
    connection = await asyncpg.connect(owner_url)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
            value = await connection.fetchval(
                "select coalesce((select stamp from admission_stamps where tenant_id = $1), 0)",
                uuid.UUID(tenant_id),
            )
    finally:
        await connection.close()
    return value


async def test_a_role_edited_to_lose_create_writes_nothing(client, one_trips):
    admin = await client.sign_up()
    writer = await client.add_member(admin, "sales", "writer")
    role = await create_role(client, admin, "writers")
    await assign(client, admin, writer, role)
    await known(client, writer.token, one_trips)
    written = one_trips.written

    current = next(
        r for r in (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"] if r["key"] == "writers"
    )
    data = {"name": "Writers", "grants": grants(actions=["READ"]), "capabilities": []}
    edited = await client.execute(
        UPDATE_ROLE, {"id": role["id"], "version": current["version"], "input": data}, admin.token
    )
    assert edited["updateRole"]["errors"] == []

    refused = await client.mutate(
        "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } errors { code } } }",
        {"input": {"name": "No"}},
        writer.token,
        "createAccount",
    )

    assert refused.get("account") is None and refused["errors"][0]["code"] == "PERMISSION_DENIED"
    assert one_trips.written == written
    assert await names(client, admin.token) == ["First", "Second", "Third"]


async def test_a_role_edited_to_hide_a_field_hides_it_from_the_next_read(app, client, one_trips):
    admin = await client.sign_up()
    reader = await client.add_member(admin, "sales", "reader")
    role = await create_role(client, admin, "readers")
    await assign(client, admin, reader, role)
    await create_record(client, admin, "account", name="Initech", industry="Software")
    query = "query { accounts(first: 5) { nodes { name industry } } }"
    for _ in range(2):
        seen = (await client.execute(query, token=reader.token))["accounts"]["nodes"]
        assert seen == [{"name": "Initech", "industry": "Software"}]
    assert remembered(app, reader.token)

    current = next(
        r for r in (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"] if r["key"] == "readers"
    )
    data = {
        "name": "Readers",
        "grants": grants(fields={"account": {"industry": "HIDDEN"}}),
        "capabilities": [],
    }
    edited = await client.execute(
        UPDATE_ROLE, {"id": role["id"], "version": current["version"], "input": data}, admin.token
    )
    assert edited["updateRole"]["errors"] == []

    seen = (await client.execute(query, token=reader.token))["accounts"]["nodes"]

    assert seen == [{"name": "Initech", "industry": None}]


async def test_a_new_mfa_rule_refuses_the_next_one_trip_read(app, client, one_trips):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales", "rep")
    await enrolled(client, admin)
    for _ in range(2):
        assert await names(client, member.token) == []
    assert remembered(app, member.token)

    assert (await update_settings(client, admin, mfaRequired="ALL"))["errors"] == []
    refused = await client.post(NAMES, token=member.token)

    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "MFA_ENROLMENT_REQUIRED"


async def test_a_lost_factor_refuses_the_next_one_trip_read_where_mfa_is_required(
    app, client, database_urls, one_trips
):
    admin = await client.sign_up()
    await enrolled(client, admin)
    assert (await update_settings(client, admin, mfaRequired="ALL"))["errors"] == []
    for _ in range(2):
        assert await names(client, admin.token) == []
    assert remembered(app, admin.token)

    connection = await asyncpg.connect(database_urls.owner)  # a support reset of the factor
    try:
        await connection.execute(
            "delete from user_mfa where user_id = $1", uuid.UUID(relay_uuid(admin.user_id))
        )
    finally:
        await connection.close()
    refused = await client.post(NAMES, token=admin.token)

    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "MFA_ENROLMENT_REQUIRED"


async def test_a_new_required_field_is_checked_on_the_next_one_trip_create(client, one_trips):
    admin = await client.sign_up()
    await known(client, admin.token, one_trips)
    written = one_trips.written
    await define_field(client, admin, "account", "region_code", "TEXT", required=True)

    payload = (await create(client, admin.token, "Without the field")).json()["data"]["createAccount"]

    assert payload["account"] is None and payload["errors"][0]["code"] == "REQUIRED"
    assert one_trips.written == written
    assert await names(client, admin.token) == ["First", "Second", "Third"]


async def test_stamps_are_per_tenant_and_bumped_by_role_settings_and_field_edits(client, database_urls):
    first = await client.sign_up("First Co")
    second = await client.sign_up("Second Co")
    before = (
        await stamp(database_urls.owner, first.tenant_id),
        await stamp(database_urls.owner, second.tenant_id),
    )

    await create_role(client, first, "auditors")  # a new role changes no admission
    assert await stamp(database_urls.owner, first.tenant_id) == before[0]
    assert (await update_settings(client, first, sessionIdleMinutes=45))["errors"] == []
    after_settings = await stamp(database_urls.owner, first.tenant_id)
    role = next(
        r for r in (await client.execute(ROLES, {}, first.token))["roles"]["nodes"] if r["key"] == "auditors"
    )
    data = {"name": "Auditors", "grants": grants(actions=["READ"]), "capabilities": []}
    await client.execute(
        UPDATE_ROLE, {"id": role["id"], "version": role["version"], "input": data}, first.token
    )

    after_role = await stamp(database_urls.owner, first.tenant_id)
    await define_field(client, first, "account", "tier", "TEXT")

    assert after_settings > before[0]
    assert after_role > after_settings
    assert await stamp(database_urls.owner, first.tenant_id) > after_role
    assert await stamp(database_urls.owner, second.tenant_id) == before[1]


async def test_another_tenant_cannot_read_or_write_a_stamp(client, database_urls, db):
    """In SQL as the application role: another tenant's stamp row is invisible, cannot be bumped,
    deleted or planted, and editing another tenant's roles (which would bump it) changes nothing."""
    first = await client.sign_up("First Co")
    second = await client.sign_up("Second Co")
    assert (await update_settings(client, second, sessionIdleMinutes=45))["errors"] == []  # its row exists
    before = await stamp(database_urls.owner, second.tenant_id)
    theirs = uuid.UUID(second.tenant_id)

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", first.tenant_id)
        seen = await connection.fetchval("select count(*) from admission_stamps where tenant_id = $1", theirs)
        bumped = await connection.execute(
            "update admission_stamps set stamp = stamp + 1 where tenant_id = $1", theirs
        )
        deleted = await connection.execute("delete from admission_stamps where tenant_id = $1", theirs)
        moved = await connection.execute("update roles set name = name where tenant_id = $1", theirs)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", first.tenant_id)
            await connection.execute("insert into admission_stamps values ($1, 99)", theirs)

    assert before > 0 and seen == 0
    assert (bumped, deleted, moved) == ("UPDATE 0", "DELETE 0", "UPDATE 0")
    assert await stamp(database_urls.owner, second.tenant_id) == before
