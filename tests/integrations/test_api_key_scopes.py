"""API key scopes, rotation and last use (tenants/scopes.py, tenants/api_keys.py).

Scopes narrow the key's role in the permissions themselves, so the compiled fast path (which plans only
what the permissions allow, and hands the rest to the executor) and the executor refuse the same reads
and writes, with INSUFFICIENT_SCOPE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import pytest

from tests.crm.documents import create_account
from tests.support import Member, relay_uuid

CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id scopes expiresAt } errors { field code message } }
}"""
ROTATE_KEY = """
mutation($id: ID!, $grace: Int!) {
  rotateApiKey(id: $id, gracePeriodSeconds: $grace) {
    secret apiKey { id name scopes expiresAt } errors { field code message }
  }
}"""
KEYS = "{ apiKeys { nodes { id prefix lastUsedAt expiresAt replacedById } } }"
ACCOUNTS = "query { accounts(first: 10) { nodes { name } } }"
CREATE_ACCOUNT = (
    "mutation($name: String!) { createAccount(input: {name: $name}) { account { name } errors { code } } }"
)
ME = "{ me { viaApiKey } }"


@pytest.fixture
async def owner(database_urls) -> AsyncIterator[asyncpg.Connection]:  # type: ignore[no-untyped-def]
    """The table owner, to move stored times back instead of sleeping."""
    connection = await asyncpg.connect(database_urls.owner)
    yield connection
    await connection.close()


async def in_tenant(owner: asyncpg.Connection, member: Member, sql: str, *arguments: object) -> object:
    """One statement as the owner inside the member's tenant (RLS is FORCEd on the owner too)."""
    async with owner.transaction():
        await owner.execute("select set_config('app.tenant_id', $1, true)", member.tenant_id)
        return await owner.fetchval(sql, *arguments)


async def new_key(client, admin, scopes, role_key="admin"):  # type: ignore[no-untyped-def]
    variables = {"input": {"name": "Integration", "roleKey": role_key, "scopes": scopes}}
    return await client.mutate(CREATE_KEY, variables, admin.token, "createApiKey")


def codes(body):  # type: ignore[no-untyped-def]
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_a_read_outside_the_scopes_is_refused_on_the_fast_path_and_the_executor(app, client):
    admin = await client.sign_up()
    await create_account(client, admin, name="Initech")
    reader = (await new_key(client, admin, ["account:read"]))["secret"]
    contacts_only = (await new_key(client, admin, ["contact:read"]))["secret"]
    compiled_before = app.state.fast_path.report.compiled

    # The scoped key's own reads are compiled (verify mode counts them), first and one-trip.
    for _ in range(2):
        assert (await client.execute(ACCOUNTS, token=reader))["accounts"]["nodes"] == [{"name": "Initech"}]
    assert app.state.fast_path.report.compiled == compiled_before + 2

    # Out of scope: refused on the fast path's first request, on its one-trip path, and by the executor.
    refusals = [(await client.post(ACCOUNTS, token=contacts_only)).json() for _ in range(2)]
    app.state.fast_path.mode = "off"
    try:
        refusals.append((await client.post(ACCOUNTS, token=contacts_only)).json())
    finally:
        app.state.fast_path.mode = "verify"

    for body in refusals:
        assert body["data"] == {"accounts": None}
        assert codes(body) == ["INSUFFICIENT_SCOPE"]
        assert "account:read" in body["errors"][0]["message"]
    assert app.state.fast_path.report.compiled == compiled_before + 2  # no refused read was served


async def test_a_write_outside_the_scopes_is_refused(app, client):
    admin = await client.sign_up()
    read_all = (await new_key(client, admin, ["*:read"]))["secret"]
    writer = (await new_key(client, admin, ["account:write"]))["secret"]

    refused = await client.outcome(CREATE_ACCOUNT, {"name": "Nope"}, read_all, "createAccount")
    app.state.fast_path.mode = "off"
    try:
        refused_by_executor = await client.outcome(
            CREATE_ACCOUNT, {"name": "Nope"}, read_all, "createAccount"
        )
    finally:
        app.state.fast_path.mode = "verify"
    written = await client.mutate(CREATE_ACCOUNT, {"name": "Yes"}, writer, "createAccount")

    assert refused == refused_by_executor == [(None, "INSUFFICIENT_SCOPE")]
    assert written == {"account": {"name": "Yes"}, "errors": []}
    names = [n["name"] for n in (await client.execute(ACCOUNTS, token=admin.token))["accounts"]["nodes"]]
    assert names == ["Yes"]


async def test_a_capability_needs_its_scope(client):
    admin = await client.sign_up()
    without = (await new_key(client, admin, ["*:read"]))["secret"]
    with_it = (await new_key(client, admin, ["capability:manage_users"]))["secret"]

    assert codes((await client.post(KEYS, token=without)).json()) == ["INSUFFICIENT_SCOPE"]
    assert len((await client.execute(KEYS, token=with_it))["apiKeys"]["nodes"]) == 2


async def test_scopes_are_checked_against_object_types_and_the_role(client):
    admin = await client.sign_up()

    unknown = await new_key(client, admin, ["acount:read"])
    bad_access = await new_key(client, admin, ["account:admin"])
    beyond_role = await new_key(client, admin, ["account:write"], role_key="viewer")
    empty = await new_key(client, admin, [])
    stored = await new_key(client, admin, ["contact:read", "account:read", "account:read"], role_key="viewer")

    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("scopes", "INVALID")]
    assert "acount:read" in unknown["errors"][0]["message"]
    assert [(e["field"], e["code"]) for e in bad_access["errors"]] == [("scopes", "INVALID")]
    assert [(e["field"], e["code"]) for e in beyond_role["errors"]] == [("scopes", "PERMISSION_DENIED")]
    assert [(e["field"], e["code"]) for e in empty["errors"]] == [("scopes", "REQUIRED")]
    assert stored["apiKey"]["scopes"] == ["account:read", "contact:read"]


async def test_a_rotated_key_works_for_its_grace_period_and_then_not(client, owner):
    admin = await client.sign_up()
    created = await new_key(client, admin, ["account:read"])
    old_secret, key_id = created["secret"], created["apiKey"]["id"]
    await client.execute(ME, token=old_secret)

    rotated = await client.mutate(ROTATE_KEY, {"id": key_id, "grace": 3600}, admin.token, "rotateApiKey")
    again = await client.mutate(ROTATE_KEY, {"id": key_id, "grace": 60}, admin.token, "rotateApiKey")
    too_long = await client.mutate(
        ROTATE_KEY, {"id": rotated["apiKey"]["id"], "grace": 8 * 86400}, admin.token, "rotateApiKey"
    )

    new_secret = rotated["secret"]
    assert rotated["errors"] == [] and new_secret != old_secret
    assert rotated["apiKey"]["scopes"] == ["account:read"] and rotated["apiKey"]["name"] == "Integration"
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("id", "INVALID_TRANSITION")]
    assert [(e["field"], e["code"]) for e in too_long["errors"]] == [("gracePeriodSeconds", "INVALID")]
    assert (await client.execute(ME, token=old_secret))["me"]["viaApiKey"] is True  # in its grace period
    assert (await client.execute(ME, token=new_secret))["me"]["viaApiKey"] is True
    keys = {k["id"]: k for k in (await client.execute(KEYS, token=admin.token))["apiKeys"]["nodes"]}
    old = keys[key_id]
    assert old["replacedById"] == rotated["apiKey"]["id"]
    grace_end = datetime.fromisoformat(old["expiresAt"])
    assert timedelta(minutes=59) < grace_end - datetime.now(UTC) <= timedelta(hours=1)

    # The grace period ends (moved to the past as the owner: no sleeping): the old secret is refused.
    await in_tenant(
        owner,
        admin,
        "update api_keys set expires_at = now() - interval '1 second' where id = $1",
        relay_id(key_id),
    )
    assert (await client.post(ME, token=old_secret)).status_code == 401
    assert (await client.execute(ME, token=new_secret))["me"]["viaApiKey"] is True


async def test_rotation_without_grace_refuses_the_old_secret_at_once(client):
    admin = await client.sign_up()
    created = await new_key(client, admin, None, role_key="viewer")

    rotated = await client.mutate(
        ROTATE_KEY, {"id": created["apiKey"]["id"], "grace": 0}, admin.token, "rotateApiKey"
    )

    assert rotated["apiKey"]["scopes"] is None
    assert (await client.post(ME, token=created["secret"])).status_code == 401
    assert (await client.execute(ME, token=rotated["secret"]))["me"]["viaApiKey"] is True


async def test_another_tenant_cannot_rotate_a_key(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    created = await new_key(client, admin, None)

    rotated = await client.mutate(
        ROTATE_KEY, {"id": created["apiKey"]["id"], "grace": 0}, other.token, "rotateApiKey"
    )
    plain = await client.add_member(admin, "sales")
    by_rep = await client.mutate(
        ROTATE_KEY, {"id": created["apiKey"]["id"], "grace": 0}, plain.token, "rotateApiKey"
    )

    assert [(e["field"], e["code"]) for e in rotated["errors"]] == [("id", "NOT_FOUND")]
    assert [(e.get("field"), e["code"]) for e in by_rep["errors"]] == [(None, "PERMISSION_DENIED")]
    assert (await client.execute(ME, token=created["secret"]))["me"]["viaApiKey"] is True


async def test_last_use_is_recorded_at_most_once_a_minute(client, owner):
    admin = await client.sign_up()
    created = await new_key(client, admin, None, role_key="viewer")
    key = relay_id(created["apiKey"]["id"])

    last_used = "select last_used_at from api_keys where id = $1"
    await client.execute(ME, token=created["secret"])
    first = await in_tenant(owner, admin, last_used, key)
    await client.execute(ME, token=created["secret"])
    second = await in_tenant(owner, admin, last_used, key)
    # a minute later (the stored time moved back, no sleeping): the next use writes it again
    moved = await in_tenant(
        owner,
        admin,
        "update api_keys set last_used_at = now() - interval '61 seconds' where id = $1 returning last_used_at",
        key,
    )
    await client.execute(ME, token=created["secret"])
    third = await in_tenant(owner, admin, last_used, key)

    assert first is not None and second == first
    assert third > moved


def relay_id(global_id: str) -> UUID:
    return UUID(relay_uuid(global_id))
