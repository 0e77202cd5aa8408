from __future__ import annotations

from datetime import UTC, datetime, timedelta

CREATE_KEY = """
mutation Create($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id name prefix roleKey lastUsedAt revokedAt } errors { field code } }
}"""
REVOKE_KEY = (
    "mutation Revoke($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } errors { field code } } }"
)
LIST_KEYS = "{ apiKeys { nodes { id name prefix roleKey lastUsedAt revokedAt } } }"
ME = "{ me { viaApiKey role { key } tenant { id } } }"


async def create_key(client, admin, role_key="viewer", name="Zapier"):
    variables = {"input": {"name": name, "roleKey": role_key}}
    return await client.mutate(CREATE_KEY, variables, admin.token, "createApiKey")


async def test_api_key_is_shown_once_and_authenticates_in_its_tenant_and_role(client):
    admin = await client.sign_up()

    created = await create_key(client, admin)
    me = (await client.execute(ME, token=created["secret"]))["me"]
    listed = (await client.execute(LIST_KEYS, token=admin.token))["apiKeys"]["nodes"]

    assert created["errors"] == [] and created["secret"].startswith("crm_")
    assert created["secret"].split("_")[2] == created["apiKey"]["prefix"]
    assert me == {"viaApiKey": True, "role": {"key": "viewer"}, "tenant": {"id": admin.tenant_node_id}}
    assert [key["name"] for key in listed] == ["Zapier"]
    assert listed[0]["lastUsedAt"] is not None
    assert "secret" not in listed[0]


async def test_revoked_api_key_is_refused(client):
    admin = await client.sign_up()
    created = await create_key(client, admin)

    revoked = await client.execute(REVOKE_KEY, {"id": created["apiKey"]["id"]}, admin.token)

    assert revoked["revokeApiKey"]["apiKey"]["revokedAt"] is not None
    assert (await client.post(ME, token=created["secret"])).status_code == 401


async def test_tampered_api_key_is_refused(client):
    admin = await client.sign_up()
    secret = (await create_key(client, admin))["secret"]

    for forged in [secret[:-2] + "xx", secret.replace(admin_tenant_hex(admin), "0" * 32), "crm_short"]:
        assert (await client.post(ME, token=forged)).status_code == 401


def admin_tenant_hex(admin) -> str:
    return admin.tenant_id.replace("-", "")


async def test_api_key_bad_input(client):
    admin = await client.sign_up()

    blank = await create_key(client, admin, name=" ")
    unknown_role = await create_key(client, admin, role_key="overlord")
    past = await client.execute(
        CREATE_KEY,
        {"input": {"name": "x", "roleKey": "viewer", "expiresAt": "2001-01-01T00:00:00Z"}},
        admin.token,
    )

    assert blank["errors"] == [{"field": "name", "code": "REQUIRED"}]
    assert unknown_role["errors"] == [{"field": "roleKey", "code": "NOT_FOUND"}]
    assert past["createApiKey"]["errors"] == [{"field": "expiresAt", "code": "INVALID"}]
    assert (await client.execute(LIST_KEYS, token=admin.token))["apiKeys"]["nodes"] == []


async def test_only_user_managers_handle_api_keys(client):
    admin = await client.sign_up()
    sales = await client.add_member(admin, "sales")
    key = await create_key(client, admin)

    denied = await create_key(client, sales)
    revoke = await client.refused(REVOKE_KEY, {"id": key["apiKey"]["id"]}, sales.token, "revokeApiKey")
    listing = await client.errors(LIST_KEYS, token=sales.token)

    assert denied["refused"] and denied["errors"][0]["code"] == "PERMISSION_DENIED"
    assert revoke == [(None, "PERMISSION_DENIED")]
    assert listing[0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_another_tenant_cannot_see_or_revoke_a_key(client):
    owner = await client.sign_up("Owner")
    stranger = await client.sign_up("Stranger")
    key = await create_key(client, owner)

    revoke = await client.execute(REVOKE_KEY, {"id": key["apiKey"]["id"]}, stranger.token)
    node = await client.execute(
        "query($id: ID!) { node(id: $id) { id } }", {"id": key["apiKey"]["id"]}, stranger.token
    )

    assert revoke["revokeApiKey"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert node["node"] is None
    assert (await client.execute(LIST_KEYS, token=stranger.token))["apiKeys"]["nodes"] == []
    assert (await client.post(ME, token=key["secret"])).status_code == 200


ROLE_IDS = "{ roles { nodes { id key } } }"
ASSIGN = """
mutation($userId: ID!, $roleId: ID!) { assignRole(userId: $userId, roleId: $roleId) { errors { field code } } }"""
UPDATE_ROLE = """
mutation($id: ID!, $version: Int!, $input: UpdateRoleInput!) {
  updateRole(id: $id, version: $version, input: $input) { errors { field code } } }"""
CREATE_ROLE = """
mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id key } errors { field code } } }"""
AUDIT = """
query { auditLog(filter: {action: "api_key.revoke"}, first: 10) { edges { node { objectType changes } } } }"""


def grant(object_type: str, actions: list[str]) -> dict:
    return {"objectType": object_type, "actions": actions, "scope": "ALL", "fields": []}


async def status(client, secret) -> int:
    return (await client.post(ME, token=secret)).status_code


async def test_a_demoted_creators_keys_that_exceed_them_are_revoked(client):
    admin = await client.sign_up()
    boss = await client.add_member(admin, "admin", "boss")
    manager_key = (await create_key(client, boss, "manager"))["secret"]
    viewer_key = (await create_key(client, boss, "viewer"))["secret"]
    ids = {r["key"]: r["id"] for r in (await client.execute(ROLE_IDS, token=admin.token))["roles"]["nodes"]}

    await client.execute(ASSIGN, {"userId": boss.user_id, "roleId": ids["manager"]}, admin.token)
    after_manager = (await status(client, manager_key), await status(client, viewer_key))
    await client.execute(ASSIGN, {"userId": boss.user_id, "roleId": ids["sales"]}, admin.token)
    after_sales = await status(client, manager_key)

    # A manager reaches its team's records; a viewer key read the whole tenant: more than its creator now.
    assert after_manager == (200, 401)
    assert after_sales == 401
    audit = (await client.execute(AUDIT, token=admin.token))["auditLog"]["edges"]
    assert sorted(e["node"]["changes"]["reason"] for e in audit) == ["creator no longer holds its role"] * 2


async def test_narrowing_the_creators_role_revokes_keys_it_no_longer_covers(client):
    admin = await client.sign_up()
    everything = [grant(t, ["READ", "CREATE", "UPDATE", "DELETE"]) for t in ("account", "contact")]
    ops_role = (
        await client.execute(
            CREATE_ROLE,
            {"input": {"key": "ops", "name": "Ops", "grants": everything, "capabilities": ["MANAGE_USERS"]}},
            admin.token,
        )
    )["createRole"]["role"]
    await client.execute(
        CREATE_ROLE,
        {
            "input": {
                "key": "reader",
                "name": "Reader",
                "grants": [grant("account", ["READ"])],
                "capabilities": [],
            }
        },
        admin.token,
    )
    ops = await client.add_member(admin, "viewer", "ops")
    await client.execute(ASSIGN, {"userId": ops.user_id, "roleId": ops_role["id"]}, admin.token)
    key = await create_key(client, ops, "reader")
    assert key["errors"] == [] and await status(client, key["secret"]) == 200

    narrowed = await client.execute(
        UPDATE_ROLE, {"id": ops_role["id"], "version": 1, "input": {"grants": everything[1:]}}, admin.token
    )

    assert narrowed["updateRole"]["errors"] == []
    assert await status(client, key["secret"]) == 401


async def test_api_key_expiry_is_bounded_and_enforced(client, db):
    admin = await client.sign_up()
    far = (datetime.now(UTC) + timedelta(days=366)).isoformat()
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()

    too_far = await client.execute(
        CREATE_KEY, {"input": {"name": "x", "roleKey": "viewer", "expiresAt": far}}, admin.token
    )
    ok = await client.execute(
        CREATE_KEY, {"input": {"name": "y", "roleKey": "viewer", "expiresAt": soon}}, admin.token
    )
    secret = ok["createApiKey"]["secret"]
    assert await status(client, secret) == 200
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute("update api_keys set expires_at = now() - interval '1 second'")

    assert too_far["createApiKey"]["errors"] == [{"field": "expiresAt", "code": "INVALID"}]
    assert await status(client, secret) == 401


async def test_an_expiry_without_an_offset_is_read_as_utc(client):
    """Found by the mutation fuzzer: a DateTime without an offset compared with an aware one crashed."""
    admin = await client.sign_up()
    soon = (datetime.now(UTC) + timedelta(days=30)).replace(tzinfo=None).isoformat(timespec="seconds")
    past = "2026-01-01T00:00:00"

    created = await client.mutate(
        CREATE_KEY,
        {"input": {"name": "naive", "roleKey": "viewer", "expiresAt": soon}},
        admin.token,
        "createApiKey",
    )
    refused = await client.mutate(
        CREATE_KEY,
        {"input": {"name": "old", "roleKey": "viewer", "expiresAt": past}},
        admin.token,
        "createApiKey",
    )

    assert created["errors"] == [] and created["apiKey"]["name"] == "naive"
    assert refused["errors"] == [{"field": "expiresAt", "code": "INVALID"}]
