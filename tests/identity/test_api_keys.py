from __future__ import annotations

CREATE_KEY = """
mutation Create($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id name prefix roleKey lastUsedAt revokedAt } errors { field code } }
}"""
REVOKE_KEY = (
    "mutation Revoke($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } errors { field code } } }"
)
LIST_KEYS = "{ apiKeys { id name prefix roleKey lastUsedAt revokedAt } }"
ME = "{ me { viaApiKey role { key } tenant { id } } }"


async def create_key(client, admin, role_key="viewer", name="Zapier"):
    payload = await client.execute(CREATE_KEY, {"input": {"name": name, "roleKey": role_key}}, admin.token)
    return payload["createApiKey"]


async def test_api_key_is_shown_once_and_authenticates_in_its_tenant_and_role(client):
    admin = await client.sign_up()

    created = await create_key(client, admin)
    me = (await client.execute(ME, token=created["secret"]))["me"]
    listed = (await client.execute(LIST_KEYS, token=admin.token))["apiKeys"]

    assert created["errors"] == [] and created["secret"].startswith("crm_")
    assert created["secret"].split("_")[2] == created["apiKey"]["prefix"]
    assert me == {"viaApiKey": True, "role": {"key": "viewer"}, "tenant": {"id": admin.tenant_id}}
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
    assert (await client.execute(LIST_KEYS, token=admin.token))["apiKeys"] == []


async def test_only_user_managers_handle_api_keys(client):
    admin = await client.sign_up()
    sales = await client.add_member(admin, "sales")
    key = await create_key(client, admin)

    denied = await create_key(client, sales)
    revoke = await client.execute(REVOKE_KEY, {"id": key["apiKey"]["id"]}, sales.token)
    listing = await client.errors(LIST_KEYS, token=sales.token)

    assert denied["errors"][0]["code"] == "PERMISSION_DENIED"
    assert revoke["revokeApiKey"]["errors"][0]["code"] == "PERMISSION_DENIED"
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
    assert (await client.execute(LIST_KEYS, token=stranger.token))["apiKeys"] == []
    assert (await client.post(ME, token=key["secret"])).status_code == 200
